"""Backups: a backup and restore round trip gives back the same site, byte for byte.

On SQLite (SQLite's backup API) and, when the suite runs on PostgreSQL,
through the real pg_dump and pg_restore.
"""

import io

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from taggit.models import Tag

from allsite import search
from references.models import Reference, ReferenceVersion
from treatments import workflow
from treatments.models import Article, LivePage, Revision, Transition
from treatments.roles import ensure_groups

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _groups(transactional_db):
    """The staff groups (a data migration made them; a transactional test's flush removes them)."""
    ensure_groups(apps)


def snapshot():
    """Everything the round trip must keep, as plain values."""
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (
            Article,
            Revision,
            Transition,
            Reference,
            ReferenceVersion,
            LivePage,
            Tag,
            User,
        )
    }


def public_pages(client):
    urls = ["/", "/glossary/", "/medicines/", "/sitemap.xml", "/sitemap-content-1.xml"]
    urls += [a.get_absolute_url() for a in Article.objects.pages().published()]
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.content
    return pages


def edit(article, editor, reviewer, body):
    live = article.live_revision
    revision = workflow.save_draft(
        article, by=editor, base_revision=live, title=live.title, summary=live.summary,
        body=body, tags=["changed-after-backup"],
    )  # fmt: skip
    workflow.submit(revision, by=editor, note_for_readers="Changed after the backup.")
    workflow.approve(revision, by=reviewer)


def test_a_round_trip_gives_back_the_same_content_and_byte_identical_pages(
    client, publish, editor, reviewer, helpline, tmp_path
):
    article = publish()
    publish("maintenance", title="Maintenance", body="## Tablets\n\nMaintenance uses tablets.\n")
    before, pages = snapshot(), public_pages(client)
    out = io.StringIO()
    call_command("backup", str(tmp_path / "site.backup"), stdout=out)
    assert out.getvalue().strip() == str(tmp_path / "site.backup")

    edit(article, editor, reviewer, "## What happens\n\nInduction takes four weeks.\n")
    User.objects.filter(username="editor_ann").update(is_active=False)
    User.objects.create_user("after-backup")
    assert "Induction takes four weeks." in client.get(article.get_absolute_url()).content.decode()

    out = io.StringIO()
    call_command("restore", str(tmp_path / "site.backup"), "--yes", stdout=out)
    assert "Search index rebuilt (2 pages)" in out.getvalue()

    assert snapshot() == before
    after = public_pages(client)
    assert after.keys() == pages.keys()
    for url, content in pages.items():
        assert after[url] == content, url
    assert [hit.url for hit in search.search("tablets")] == ["/treatment/maintenance/"]
    assert not search.search("weeks")  # the text published after the backup is gone


def test_restoring_a_missing_or_foreign_file_changes_nothing(publish, tmp_path):
    article = publish()
    with pytest.raises(CommandError, match="There is no backup file"):
        call_command("restore", str(tmp_path / "none.dump"), "--yes")
    (tmp_path / "notes.txt").write_text("not a backup")
    with pytest.raises(CommandError, match="is not an allsite backup"):
        call_command("restore", str(tmp_path / "notes.txt"), "--yes")
    foreign = tmp_path / "foreign"
    from django.db import connection

    if connection.vendor == "postgresql":
        foreign.write_bytes(b"SQLite format 3\x00" + bytes(100))
        expected = "is a backup of a SQLite database, but this site uses PostgreSQL"
    else:
        foreign.write_bytes(b"PGDMP" + bytes(100))
        expected = "is a backup of a PostgreSQL database, but this site uses SQLite"
    with pytest.raises(CommandError, match=expected):
        call_command("restore", str(foreign), "--yes")
    assert Article.objects.get(pk=article.pk).live_revision_id is not None


def test_restore_asks_before_replacing_anything_when_not_told_yes(publish, tmp_path, monkeypatch):
    publish()
    call_command("backup", str(tmp_path / "site.backup"), stdout=io.StringIO())
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal
    with pytest.raises(CommandError, match="Run it from a terminal to confirm, or add --yes"):
        call_command("restore", str(tmp_path / "site.backup"))


def test_a_fixture_restore_with_loaddata_keeps_search_working(publish, tmp_path):
    publish(body="## What happens\n\nInduction uses dexamethasone.\n")
    assert search.search("dexamethasone")
    fixture = tmp_path / "site.json"
    call_command(
        "dumpdata", "--natural-foreign", "--exclude", "contenttypes", "--exclude",
        "auth.permission", "--exclude", "django_tasks_database", "-o", str(fixture), verbosity=0,
    )  # fmt: skip
    call_command("flush", "--no-input", verbosity=0)
    assert not search.search("dexamethasone")
    call_command("loaddata", str(fixture), verbosity=0)
    assert [hit.url for hit in search.search("dexamethasone")] == ["/treatment/induction/"]
