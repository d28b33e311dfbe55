"""Search per language (allsite.search): each entry and each vocabulary word
belongs to a language, and search looks in the reader's.

- `SearchEntry.language` (its article's) and `SearchWord.language`; a word is
  counted once per language (the same spelling may be a word of both).
- PostgreSQL: the entries' tsvectors are made with their language's text
  search configuration (allsite_english, or french); they are recomputed for
  entries not in English. The GIN indexes are unchanged.
- SQLite: altering allsite_searchword re-creates the table, which drops the
  triggers that keep the trigram table in step (0007_search_vocabulary): they
  are created again and the trigram table rebuilt.

Then the vocabulary is counted again, per language, from the entries.
"""

import collections

from django.db import migrations, models

# As allsite.search._PostgresBackend (copied: a migration does not import app code).
PUNCTUATION = "<-/.@:_+&"
STAND_INS = "".join(chr(0xE002 + i) for i in range(len(PUNCTUATION)))
CONFIG = "CASE language WHEN 'fr' THEN 'french'::regconfig ELSE 'allsite_english'::regconfig END"
NAMES = "coalesce(title, '') || ' ' || coalesce(keywords, '')"
SUMMARY = "coalesce(summary, '')"
BODY = "coalesce(body_text, '')"


def vector(text, weight):
    return (
        f"setweight(to_tsvector({CONFIG}, translate({text}, '{PUNCTUATION}', '{STAND_INS}')), "
        f"'{weight}')"
    )


PG_RESYNC = (
    f"UPDATE allsite_searchentry SET "
    f"search_vector = {vector(NAMES, 'A')} || {vector(SUMMARY, 'B')} || {vector(BODY, 'C')}, "
    f"names_vector = {vector(NAMES, 'A')}, "
    f"head_vector = {vector(NAMES, 'A')} || {vector(SUMMARY, 'B')} "
    "WHERE language <> 'en-gb'"
)
SQLITE_TRIGGERS_DROP = [
    "DROP TRIGGER IF EXISTS allsite_searchword_trigram_au",
    "DROP TRIGGER IF EXISTS allsite_searchword_trigram_ad",
    "DROP TRIGGER IF EXISTS allsite_searchword_trigram_ai",
]
SQLITE_TRIGGERS_CREATE = [
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
SQLITE_REBUILD = (
    "INSERT INTO allsite_searchword_trigram (allsite_searchword_trigram) VALUES ('rebuild')"
)


def per_language(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    using = schema_editor.connection.alias
    Article = apps.get_model("treatments", "Article")
    SearchEntry = apps.get_model("allsite", "SearchEntry")
    SearchWord = apps.get_model("allsite", "SearchWord")
    languages = dict(Article.objects.using(using).values_list("pk", "language"))
    entries = list(SearchEntry.objects.using(using).only("pk", "article_id", "words"))
    counts = collections.Counter()
    for entry in entries:
        language = languages.get(entry.article_id, "en-gb")
        if language != "en-gb":
            SearchEntry.objects.using(using).filter(pk=entry.pk).update(language=language)
        counts.update((language, word) for word in (entry.words or "").split())
    if vendor == "postgresql":
        schema_editor.execute(PG_RESYNC)
    if vendor == "sqlite":
        for statement in SQLITE_TRIGGERS_DROP:
            schema_editor.execute(statement)
    SearchWord.objects.using(using).all().delete()
    SearchWord.objects.using(using).bulk_create(
        [
            SearchWord(language=language, word=word, entries=n)
            for (language, word), n in sorted(counts.items())
        ],
        batch_size=500,
    )
    if vendor == "sqlite":
        for statement in SQLITE_TRIGGERS_CREATE:
            schema_editor.execute(statement)
        schema_editor.execute(SQLITE_REBUILD)


class Migration(migrations.Migration):
    dependencies = [
        ("allsite", "0008_helpline_phone_language"),
        ("treatments", "0018_translations"),
    ]

    operations = [
        migrations.AddField(
            model_name="searchentry",
            name="language",
            field=models.CharField(
                default="en-gb", help_text="The article's language.", max_length=8
            ),
        ),
        migrations.AddField(
            model_name="searchword",
            name="language",
            field=models.CharField(
                default="en-gb",
                help_text="Suggestions for a search in one language come from its words only.",
                max_length=8,
            ),
        ),
        migrations.AlterField(
            model_name="searchword",
            name="entries",
            field=models.PositiveIntegerField(
                default=0, help_text="How many published items in this language use the word."
            ),
        ),
        migrations.AlterField(
            model_name="searchword",
            name="word",
            field=models.CharField(max_length=40),
        ),
        migrations.AddConstraint(
            model_name="searchword",
            constraint=models.UniqueConstraint(
                fields=("language", "word"), name="search_word_per_language"
            ),
        ),
        migrations.RunPython(per_language, migrations.RunPython.noop, elidable=False),
    ]
