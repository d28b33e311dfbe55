"""The search vocabulary behind "Did you mean ...?" (allsite.search.suggest).

`SearchWord` (model state) holds each word of the published site with how many
items use it; `SearchEntry.words` remembers each entry's words, so a change
takes away exactly what it added. The look-up of close words is
database-specific and hand-written here, as in 0004_search_backend:

- PostgreSQL: the pg_trgm extension and a GIN trigram index on the words
  (`word % 'chemotheraphy'` is answered from the index). pg_trgm is a trusted
  extension (PostgreSQL 13+), so the database's owner may create it. Going
  back drops the index and leaves the extension (something else may use it).
- SQLite: the external-content FTS5 table `allsite_searchword_trigram`
  (trigram tokenizer, SQLite 3.34+) over the words, kept in step with
  allsite_searchword by triggers, so loaddata and flush keep it right too.

Neither can be declared in the model's Meta without breaking the other
database. Then it counts the words of whatever is already indexed, so
suggestions work straight after `migrate` on an existing site.
"""

import collections
import unicodedata

from django.db import migrations, models

PG_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX allsite_searchword_trgm ON allsite_searchword USING gin (word gin_trgm_ops)",
]
PG_DROP = ["DROP INDEX IF EXISTS allsite_searchword_trgm"]
SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE allsite_searchword_trigram USING fts5("
    "word, content = 'allsite_searchword', content_rowid = 'id', tokenize = 'trigram')",
    "CREATE TRIGGER allsite_searchword_trigram_ai AFTER INSERT ON allsite_searchword BEGIN "
    "INSERT INTO allsite_searchword_trigram (rowid, word) VALUES (new.id, new.word); END",
    "CREATE TRIGGER allsite_searchword_trigram_ad AFTER DELETE ON allsite_searchword BEGIN "
    "INSERT INTO allsite_searchword_trigram (allsite_searchword_trigram, rowid, word) "
    "VALUES ('delete', old.id, old.word); END",
    "CREATE TRIGGER allsite_searchword_trigram_au AFTER UPDATE OF word ON allsite_searchword "
    "BEGIN INSERT INTO allsite_searchword_trigram (allsite_searchword_trigram, rowid, word) "
    "VALUES ('delete', old.id, old.word); "
    "INSERT INTO allsite_searchword_trigram (rowid, word) VALUES (new.id, new.word); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS allsite_searchword_trigram_au",
    "DROP TRIGGER IF EXISTS allsite_searchword_trigram_ad",
    "DROP TRIGGER IF EXISTS allsite_searchword_trigram_ai",
    "DROP TABLE IF EXISTS allsite_searchword_trigram",
]


def words_of(*texts):
    """As allsite.search.entry_words (copied, so the migration does not depend on
    app code): lower-cased runs of letters, digits and marks, 3 to 40
    characters, with a letter."""
    words = set()
    for text in texts:
        run = []
        for ch in f"{text or ''} ":
            if unicodedata.category(ch)[0] in "LNM":
                run.append(ch)
                continue
            word = "".join(run).lower()
            run = []
            if 3 <= len(word) <= 40 and any(unicodedata.category(c)[0] == "L" for c in word):
                words.add(word)
    return words


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": PG_CREATE, "sqlite": SQLITE_CREATE}.get(vendor)
    if statements is None:
        return
    for statement in statements:
        schema_editor.execute(statement)
    using = schema_editor.connection.alias
    SearchEntry = apps.get_model("allsite", "SearchEntry")
    SearchWord = apps.get_model("allsite", "SearchWord")
    counts = collections.Counter()
    for entry in SearchEntry.objects.using(using).iterator():
        words = words_of(entry.title, entry.keywords, entry.summary, entry.body_text)
        entry.words = " ".join(sorted(words))
        entry.save(update_fields=["words"])
        counts.update(words)
    SearchWord.objects.using(using).bulk_create(
        [SearchWord(word=word, entries=n) for word, n in sorted(counts.items())],
        batch_size=500,
    )


def drop(apps, schema_editor):
    statements = {"postgresql": PG_DROP, "sqlite": SQLITE_DROP}
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("allsite", "0006_helpline_closures"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchWord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("word", models.CharField(max_length=40, unique=True)),
                (
                    "entries",
                    models.PositiveIntegerField(
                        default=0, help_text="How many published items use the word."
                    ),
                ),
            ],
            options={
                "verbose_name": "search vocabulary word",
                "verbose_name_plural": "search vocabulary",
            },
        ),
        migrations.AddField(
            model_name="searchentry",
            name="words",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text="Its distinct words, space-separated, as counted in the search vocabulary (SearchWord): what to take away when the entry changes or goes.",
            ),
        ),
        migrations.RunPython(create, drop, elidable=False),
    ]
