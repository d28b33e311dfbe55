"""The database-specific full-text index behind allsite.search (hand-written).

PostgreSQL: the text search configuration `allsite_english` (a copy of
`english` whose Snowball stemmer keeps stop words: "ALL" is one), a weighted
`search_vector` tsvector column on allsite_searchentry and its GIN index.

SQLite: the FTS5 table `allsite_searchentry_fts` (porter stemmer), one row per
entry with rowid = entry id.

Neither is part of Django's model state, so `makemigrations` never sees them.
Then it indexes whatever is already published, so search works straight after
`migrate` on an existing site.
"""

from django.db import migrations

PG_CREATE = [
    "CREATE TEXT SEARCH DICTIONARY allsite_english_stem (TEMPLATE = snowball, LANGUAGE = english)",
    "CREATE TEXT SEARCH CONFIGURATION allsite_english (COPY = pg_catalog.english)",
    "ALTER TEXT SEARCH CONFIGURATION allsite_english ALTER MAPPING FOR "
    "asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH allsite_english_stem",
    "ALTER TABLE allsite_searchentry ADD COLUMN search_vector tsvector",
    "CREATE INDEX allsite_searchentry_vector_gin ON allsite_searchentry USING gin (search_vector)",
]
PG_DROP = [
    "DROP INDEX IF EXISTS allsite_searchentry_vector_gin",
    "ALTER TABLE allsite_searchentry DROP COLUMN IF EXISTS search_vector",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS allsite_english",
    "DROP TEXT SEARCH DICTIONARY IF EXISTS allsite_english_stem",
]
# As allsite.search._pg_text: punctuation becomes private-use characters that
# PostgreSQL's parser reads as spaces, so words split as they do on SQLite.
PUNCTUATION = "<-/.@:_+&"
STAND_INS = "".join(chr(0xE002 + i) for i in range(len(PUNCTUATION)))


def pg_text(sql):
    return f"translate({sql}, '{PUNCTUATION}', '{STAND_INS}')"


PG_FILL = "UPDATE allsite_searchentry SET search_vector = " + " || ".join(
    f"setweight(to_tsvector('allsite_english', {pg_text(text)}), '{weight}')"
    for text, weight in [
        ("coalesce(title, '') || ' ' || coalesce(keywords, '')", "A"),
        ("coalesce(summary, '')", "B"),
        ("coalesce(body_text, '')", "C"),
    ]
)

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE allsite_searchentry_fts USING fts5("
    "title, keywords, summary, body, tokenize = 'porter unicode61')",
]
SQLITE_DROP = ["DROP TABLE IF EXISTS allsite_searchentry_fts"]
SQLITE_FILL = (
    "INSERT INTO allsite_searchentry_fts (rowid, title, keywords, summary, body) "
    "SELECT id, title, keywords, summary, body_text FROM allsite_searchentry"
)


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements, fill = PG_CREATE, PG_FILL
    elif vendor == "sqlite":
        statements, fill = SQLITE_CREATE, SQLITE_FILL
    else:
        return
    for statement in statements:
        schema_editor.execute(statement)
    index_published_articles(apps, schema_editor.connection.alias)
    schema_editor.execute(fill)


def index_published_articles(apps, using):
    """Entries for what is already live, from the historical models."""
    from allsite.search import entry_fields

    Article = apps.get_model("treatments", "Article")
    SearchEntry = apps.get_model("allsite", "SearchEntry")
    articles = (
        Article.objects.using(using)
        .filter(live_revision__isnull=False)
        .select_related("live_revision")
    )
    SearchEntry.objects.using(using).bulk_create(
        [
            SearchEntry(
                article=article,
                revision=article.live_revision,
                **entry_fields(
                    article.kind,
                    article.live_revision.title,
                    article.live_revision.summary,
                    article.live_revision.body_html,
                    article.live_revision.details,
                ),
            )
            for article in articles
        ]
    )


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": PG_DROP, "sqlite": SQLITE_DROP}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)
    apps.get_model("allsite", "SearchEntry").objects.using(
        schema_editor.connection.alias
    ).all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("allsite", "0003_search_index"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
