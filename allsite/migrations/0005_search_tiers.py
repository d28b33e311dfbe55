"""PostgreSQL: small tsvectors of where a match is, so search ranks by place
without re-reading every matching page's whole text.

`names_vector` holds the title and other names (weight A), `head_vector` those
plus the summary (A, B); each has a GIN index. Search asks each place in turn
(names, then the summary, then the body) and stops once it has enough results
(allsite.search._PostgresBackend). Before, every match's full vector was
filtered twice per query (ts_filter), which at 10,000 pages took most of a
search's time. SQLite's FTS5 table needs nothing.
"""

from django.db import migrations

NAMES = "coalesce(title, '') || ' ' || coalesce(keywords, '')"
SUMMARY = "coalesce(summary, '')"
PUNCTUATION = "<-/.@:_+&"
STAND_INS = "".join(chr(0xE002 + i) for i in range(len(PUNCTUATION)))


def vector(text, weight):
    return (
        f"setweight(to_tsvector('allsite_english', "
        f"translate({text}, '{PUNCTUATION}', '{STAND_INS}')), '{weight}')"
    )


PG_CREATE = [
    "ALTER TABLE allsite_searchentry ADD COLUMN names_vector tsvector",
    "ALTER TABLE allsite_searchentry ADD COLUMN head_vector tsvector",
    f"UPDATE allsite_searchentry SET names_vector = {vector(NAMES, 'A')}, "
    f"head_vector = {vector(NAMES, 'A')} || {vector(SUMMARY, 'B')}",
    "CREATE INDEX allsite_searchentry_names_gin ON allsite_searchentry USING gin (names_vector)",
    "CREATE INDEX allsite_searchentry_head_gin ON allsite_searchentry USING gin (head_vector)",
]
PG_DROP = [
    "DROP INDEX IF EXISTS allsite_searchentry_head_gin",
    "DROP INDEX IF EXISTS allsite_searchentry_names_gin",
    "ALTER TABLE allsite_searchentry DROP COLUMN IF EXISTS head_vector",
    "ALTER TABLE allsite_searchentry DROP COLUMN IF EXISTS names_vector",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in PG_CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in PG_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("allsite", "0004_search_backend"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
