"""Hostile reference files get a plain message quickly, never an error page."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

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
def test_an_importer_bomb_gets_a_message_within_two_seconds(admin_client, name):
    upload = SimpleUploadedFile(name, BOMBS[name].encode())
    started = time.monotonic()
    response = admin_client.post(IMPORT, {"file": upload})
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    html = response.content.decode()
    assert EXPECTED[name] in html, html[-3000:]
    assert elapsed < 2, f"{name} took {elapsed:.1f} s"


def test_the_largest_file_allowed_previews_within_two_seconds(admin_client):
    from references.importers import MAX_ENTRIES

    text = "".join(
        f"TY  - ELEC\nTI  - Title {n}\nUR  - https://example.org/{n}\nY2  - 2026/01/02\nER  - \n"
        for n in range(MAX_ENTRIES)
    )
    started = time.monotonic()
    response = admin_client.post(IMPORT, {"file": SimpleUploadedFile("many.ris", text.encode())})
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert response.content.decode().count("Title ") >= MAX_ENTRIES
    assert elapsed < 2, f"{elapsed:.1f} s"
