"""Hostile reference files get a plain message, never an error page; the
largest file allowed is previewed with as many queries as a small one.
(How long they take is a speed figure, not a test: no timed assertions.)"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

IMPORT = "/admin/references/reference/import/"

BOMBS = {
    "huge-title.bib": "@misc{huge, title={" + "a" * 1_500_000 + "}, year={2024}}\n",
    "deep.json": "[" * 100_000 + "]" * 100_000,
    "big-year.json": '[{"id": "x", "title": "T", "type": "webpage", '
    '"issued": {"date-parts": [[1e999]]}}]',
    "nested-field.json": '[{"id": "x", "title": ' + "[" * 500 + '"T"' + "]" * 500 + "}]",
    "many-entries.ris": "".join(
        f"TY  - ELEC\nTI  - Title {n}\nUR  - https://example.org/{n}\nER  - \n"
        for n in range(20000)
    ),
}


EXPECTED = {
    "huge-title.bib": "Line 1 of huge-title.bib is 1,500,034 characters long",
    "deep.json": "nests lists or objects thousands of levels deep",
    "big-year.json": "has a number too large to be a year or a page",
    "nested-field.json": "nests lists or objects too deeply to be a reference",
    "many-entries.ris": "holds 20,000 references: import at most 300 at a time",
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_an_importer_bomb_gets_a_plain_message(admin_client, name):
    upload = SimpleUploadedFile(name, BOMBS[name].encode())
    response = admin_client.post(IMPORT, {"file": upload})
    assert response.status_code == 200
    html = response.content.decode()
    assert EXPECTED[name] in html, html[-3000:]


def ris(count):
    return "".join(
        f"TY  - ELEC\nTI  - Title {n}\nUR  - https://example.org/{n}\nY2  - 2026/01/02\nER  - \n"
        for n in range(count)
    )


def preview(admin_client, text):
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.post(
            IMPORT, {"file": SimpleUploadedFile("many.ris", text.encode())}
        )
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_the_largest_file_allowed_is_previewed_with_as_many_queries_as_a_small_one(admin_client):
    from references.importers import MAX_ENTRIES

    _, few = preview(admin_client, ris(3))
    html, many = preview(admin_client, ris(MAX_ENTRIES))
    assert html.count("Title ") >= MAX_ENTRIES
    assert many == few
