"""Search passages (allsite.models.SearchPassage): each entry's body cut into
passages, so that a PostgreSQL search snippet is made from one passage, not
from the whole body.

On PostgreSQL the table gets a `vector` tsvector column, made with the
entry's language's text search configuration, and the passages of the
existing entries are written. On SQLite the table stays empty (FTS5 cuts its
own snippets).
"""

import re

import django.db.models.deletion
from django.db import migrations, models

# As allsite.search (copied: a migration does not import app code).
PUNCTUATION = "<-/.@:_+&"
STAND_INS = "".join(chr(0xE002 + i) for i in range(len(PUNCTUATION)))
CONFIG = "CASE e.language WHEN 'fr' THEN 'french'::regconfig ELSE 'allsite_english'::regconfig END"
PASSAGE_LENGTH = 400
SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+")


def passages(text, length=PASSAGE_LENGTH):
    pieces = []
    for sentence in SENTENCE_END_RE.split(text.strip()):
        while len(sentence) > length:
            cut = sentence.rfind(" ", 0, length + 1)
            cut = cut if cut > 0 else length
            pieces.append(sentence[:cut])
            sentence = sentence[cut:].lstrip()
        if sentence:
            pieces.append(sentence)
    found = []
    for piece in pieces:
        if found and len(found[-1]) + 1 + len(piece) <= length:
            found[-1] += " " + piece
        else:
            found.append(piece)
    return found


def write_passages(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    using = schema_editor.connection.alias
    SearchEntry = apps.get_model("allsite", "SearchEntry")
    SearchPassage = apps.get_model("allsite", "SearchPassage")
    schema_editor.execute("ALTER TABLE allsite_searchpassage ADD COLUMN vector tsvector")
    SearchPassage.objects.using(using).bulk_create(
        (
            SearchPassage(entry_id=pk, number=number, text=text)
            for pk, body in SearchEntry.objects.using(using).values_list("pk", "body_text")
            for number, text in enumerate(passages(body or ""))
        ),
        batch_size=500,
    )
    schema_editor.execute(
        f"UPDATE allsite_searchpassage p SET vector = to_tsvector({CONFIG}, "
        f"translate(p.text, '{PUNCTUATION}', '{STAND_INS}')) "
        "FROM allsite_searchentry e WHERE e.id = p.entry_id"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("allsite", "0010_helpline_translations"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchPassage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveIntegerField(help_text="Its place in the body, from 0.")),
                ("text", models.TextField()),
                (
                    "entry",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="passages",
                        to="allsite.searchentry",
                    ),
                ),
            ],
            options={
                "verbose_name": "search passage",
                "verbose_name_plural": "search passages",
            },
        ),
        migrations.RunPython(write_passages, migrations.RunPython.noop),
    ]
