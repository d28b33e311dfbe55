"""Backups: a backup and restore round trip gives back the same site, byte for byte.

On SQLite (SQLite's backup API) and, when the suite runs on PostgreSQL,
through the real pg_dump and pg_restore, restoring into the test database
itself. Transactional tests: the backup is read by another process (pg_dump)
or through another connection.
"""

import datetime
import io
import re
import subprocess

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from taggit.models import Tag, TaggedItem

from allsite import backup, search
from allsite.cache import CacheUnavailable
from allsite.models import Feedback, HelplineInfo, HelplinePhone
from allsite.page_cache import _cacheable_view
from references.models import Reference, ReferenceVersion
from tests.conftest import approved_reference
from treatments import workflow
from treatments.models import Article, Kind, LivePage, ReviewerProfile, Revision, Transition
from treatments.roles import ensure_groups

pytestmark = pytest.mark.django_db(transaction=True)

OTHER_KIND = {
    "postgresql": (b"SQLite format 3\x00" + bytes(100), "an SQLite", "PostgreSQL"),
    "sqlite": (b"PGDMP" + bytes(100), "a PostgreSQL", "SQLite"),
}


@pytest.fixture(autouse=True)
def _groups(transactional_db):
    """The staff groups (a data migration made them; a transactional test's flush removes them)."""
    ensure_groups(apps)


@pytest.fixture
def commands(monkeypatch):
    """Every program the backup code runs, with its environment, still run for real."""
    calls = []
    real_run = subprocess.run

    def run(command, **kwargs):
        calls.append((list(command), kwargs.get("env")))
        return real_run(command, **kwargs)

    monkeypatch.setattr(backup.subprocess, "run", run)
    return calls


def snapshot():
    """Everything the round trip must keep, as plain values."""
    models = [
        Article, Revision, Transition, Reference, ReferenceVersion, LivePage,
        LivePage.reference_versions.through, LivePage.glossary_revisions.through,
        LivePage.medicine_revisions.through, Tag, TaggedItem, User, User.groups.through,
        ReviewerProfile, HelplineInfo, HelplinePhone, Feedback,
    ]  # fmt: skip
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in models}


def public_urls():
    urls = ["/", "/robots.txt", "/glossary/", "/medicines/", "/updates.atom"]
    urls += ["/sitemap.xml", "/sitemap-content-1.xml"]
    urls += [a.get_absolute_url() for a in Article.objects.pages().published()]
    urls += [a.get_absolute_url() for a in Article.objects.medicines().published()]
    urls += [f"/tags/{tag.slug}/" for tag in Tag.objects.order_by("slug")]
    return urls


def public_pages(client, urls):
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
    client, publish, publish_item, editor, reviewer, helpline, tmp_path, commands
):
    publish_item(Kind.GLOSSARY, "remission", "Remission", "Tests cannot find leukaemia.", {})
    publish_item(
        Kind.MEDICINE, "mercaptopurine", "Mercaptopurine", "A chemotherapy tablet.",
        {"brand_names": ["Xaluprine"], "drug_class": "Antimetabolite", "route": "By mouth"},
    )  # fmt: skip
    article = publish()
    publish(
        "maintenance", title="Maintenance", tags=("chemotherapy", "at-home"),
        body="## At home\n\nMaintenance keeps remission with mercaptopurine "
        "[@acs-treating-all].\n",
    )  # fmt: skip
    Feedback.objects.create(article=article, kind="helpful", helpful=True)
    leaver = User.objects.create_user("leaver", email="leaver@example.org")
    urls = public_urls()
    before, pages = snapshot(), public_pages(client, urls)
    assert len(before["treatments.LivePage"]) == 4
    assert before["taggit.TaggedItem"]
    assert before["treatments.Transition"]

    out = io.StringIO()
    call_command("backup", str(tmp_path / "site.backup"), stdout=out)
    assert out.getvalue().strip() == str(tmp_path / "site.backup")

    # Everything changes after the backup, and the cache holds the changed pages.
    edit(article, editor, reviewer, "## What happens\n\nInduction takes four weeks.\n")
    approved_reference(
        editor, reviewer, key="after-backup", type="webpage", title="Later",
        url="https://example.org/later", accessed=datetime.date(2026, 11, 2),
    )  # fmt: skip
    phone = helpline.phones.get()
    phone.number = "0800 999 9999"
    phone.save()
    leaver.delete()
    User.objects.filter(username="editor_ann").update(is_active=False)
    User.objects.create_user("after-backup")
    Feedback.objects.all().update(status="resolved")
    changed = public_pages(client, urls + ["/tags/changed-after-backup/"])
    assert b"Induction takes four weeks." in changed[article.get_absolute_url()]
    assert b"0800 999 9999" in changed["/"]
    assert search.search("weeks")

    out = io.StringIO()
    call_command("restore", str(tmp_path / "site.backup"), "--yes", stdout=out)
    assert "Search index rebuilt: 4 published items." in out.getvalue()
    assert "This process's cache cleared" in out.getvalue()  # the tests' cache is per process

    assert snapshot() == before
    after = public_pages(client, urls)
    for url, content in pages.items():
        assert after[url] == content, url
    # The pages come from the restored database, not from a cache that kept
    # them: the cache held the pages as changed after the backup.
    assert b"four weeks" not in after[article.get_absolute_url()]
    assert b"0800 999 9999" not in after["/"]
    assert b"0808 157 0100" in after["/"]
    assert client.get("/tags/changed-after-backup/").status_code == 404
    assert [hit.url for hit in search.search("xaluprine")] == ["/medicines/mercaptopurine/"]
    assert [hit.url for hit in search.search("at home")] == ["/treatment/maintenance/"]
    assert not search.search("weeks")  # the text published after the backup is gone

    # Never a password on a command line (`ps` shows those); libpq gets it by PGPASSWORD.
    password = connection.settings_dict["PASSWORD"]
    for command, env in commands:
        named = {"--username", "--dbname"}  # the test cluster's password is its user name
        others = [arg for i, arg in enumerate(command) if i == 0 or command[i - 1] not in named]
        assert not [arg for arg in others if password and password in arg], command
        if "--list" not in command:
            assert env["PGPASSWORD"] == password
    if connection.vendor == "postgresql":
        programs = [command[0] for command, _ in commands]
        assert [p.rsplit("/", 1)[-1] for p in programs] == ["pg_dump", "pg_restore", "pg_restore"]
        major = connection.pg_version // 10000
        assert all(f"/postgresql/{major}/bin/" in p for p in programs if "/usr/lib/" in p)
    else:
        assert commands == []


def test_with_the_cache_unreachable_the_restore_still_makes_every_cached_page_stale(
    client, publish, editor, reviewer, helpline, tmp_path, monkeypatch
):
    """clear() fails when Redis is down; the announcement alone must then do."""
    article = publish()
    urls = ["/", article.get_absolute_url(), "/updates.atom", "/sitemap-content-1.xml"]
    pages = public_pages(client, urls)
    call_command("backup", str(tmp_path / "site.backup"), stdout=io.StringIO())
    edit(article, editor, reviewer, "## What happens\n\nInduction takes four weeks.\n")
    phone = helpline.phones.get()
    phone.number = "0800 999 9999"
    phone.save()
    assert public_pages(client, urls) != pages  # the changed pages are now the cached ones

    class Unreachable:
        def clear(self):
            raise CacheUnavailable("down")

    monkeypatch.setattr(backup, "cache", Unreachable())
    out = io.StringIO()
    call_command("restore", str(tmp_path / "site.backup"), "--yes", stdout=out)
    assert "The cache could not be reached to clear it" in out.getvalue()
    assert public_pages(client, urls) == pages


def test_announcing_the_restore_tags_makes_every_cacheable_page_stale():
    """after_restore relies on it: every view the page cache keeps depends on one
    of the tags it announces (robots.txt, on none: it reads no data)."""
    sample = [
        "/", "/robots.txt", "/sitemap.xml", "/sitemap-content-1.xml", "/updates.atom",
        "/treatment/x/", "/treatment/x/pages/", "/treatment/x/pages/2/", "/tags/x/",
        "/tags/", "/tags/x/page/2/", "/glossary/", "/medicines/", "/medicines/x/",
        "/medicines/x/page/2/",
    ]  # fmt: skip
    covered = set()
    for url in sample:
        tags_for, kwargs = _cacheable_view(url)
        tags = set(tags_for(**kwargs))
        func = resolve(url).func
        covered.add(getattr(func, "view_class", func))
        assert tags & backup.RESTORE_TAGS or url == "/robots.txt", url

    def cacheable_views(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from cacheable_views(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                view = getattr(pattern.callback, "view_class", pattern.callback)
                if getattr(view, "cache_tags", None) is not None:
                    yield view

    assert set(cacheable_views(get_resolver().url_patterns)) <= covered


def test_restoring_a_missing_damaged_or_foreign_file_changes_nothing(publish, tmp_path):
    article = publish()
    cache.set("marker", "kept")
    refusals = [
        (tmp_path / "none.dump", "There is no backup file at"),
        (tmp_path / "notes.txt", "is not an allsite backup"),
    ]
    (tmp_path / "notes.txt").write_text("not a backup")
    content, kind, configured = OTHER_KIND[connection.vendor]
    (tmp_path / "foreign").write_bytes(content)
    refusals.append(
        (tmp_path / "foreign", f"is a backup of {kind} database, but this site uses {configured}")
    )
    if connection.vendor == "sqlite":
        import sqlite3

        other = sqlite3.connect(tmp_path / "other.sqlite3")
        other.execute("CREATE TABLE notes (text)")
        other.commit()
        other.close()
        refusals.append((tmp_path / "other.sqlite3", "is an SQLite database, but not an allsite"))
    else:
        (tmp_path / "damaged.dump").write_bytes(b"PGDMP" + bytes(200))
        refusals.append((tmp_path / "damaged.dump", "cannot be read as a pg_dump archive"))
    for path, message in refusals:
        with pytest.raises(CommandError, match=message) as refused:
            call_command("restore", str(path), "--yes")
        assert "Nothing was changed." in str(refused.value)
    assert Article.objects.get(pk=article.pk).live_revision_id is not None
    assert search.search("induction")
    assert cache.get("marker") == "kept"


def test_a_truncated_backup_changes_nothing(publish, tmp_path):
    publish()
    call_command("backup", str(tmp_path / "site.backup"), stdout=io.StringIO())
    data = (tmp_path / "site.backup").read_bytes()
    (tmp_path / "cut.backup").write_bytes(data[: len(data) // 3])
    publish("maintenance", title="Maintenance", body="## At home\n\nMaintenance.\n")
    with pytest.raises(CommandError, match="Nothing was changed"):
        call_command("restore", str(tmp_path / "cut.backup"), "--yes")
    assert Article.objects.published().count() == 2


def test_restore_asks_before_replacing_anything(publish, tmp_path, monkeypatch):
    publish()
    call_command("backup", str(tmp_path / "site.backup"), stdout=io.StringIO())
    publish("maintenance", title="Maintenance", body="## At home\n\nMaintenance.\n")

    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal
    with pytest.raises(CommandError, match="Run it from a terminal, or add --yes"):
        call_command("restore", str(tmp_path / "site.backup"))

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="Nothing was changed"):
        call_command("restore", str(tmp_path / "site.backup"))
    assert Article.objects.published().count() == 2

    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    call_command("restore", str(tmp_path / "site.backup"), stdout=io.StringIO())
    assert Article.objects.published().count() == 1


def test_backup_writes_to_backups_named_by_utc_time_by_default(publish, tmp_path, monkeypatch):
    publish()
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    call_command("backup", stdout=out)
    written = out.getvalue().strip()
    suffix = "dump" if connection.vendor == "postgresql" else "sqlite3"
    assert re.fullmatch(rf"backups/allsite-\d{{8}}T\d{{6}}Z\.{suffix}", written)
    assert [p.name for p in (tmp_path / "backups").iterdir()] == [written.split("/")[1]]
    backup.check_restorable(tmp_path / written)


@pytest.mark.parametrize("with_search_entries", [True, False])
def test_a_fixture_restore_with_loaddata_keeps_search_working(
    publish, tmp_path, with_search_entries
):
    publish(body="## What happens\n\nInduction uses dexamethasone.\n")
    publish("maintenance", title="Maintenance", body="## At home\n\nMaintenance uses tablets.\n")
    assert search.search("dexamethasone")
    fixture = tmp_path / "site.json"
    excluded = ["contenttypes", "auth.permission", "django_tasks_database", "sessions"]
    if not with_search_entries:
        excluded += ["allsite.SearchEntry", "allsite.SearchPassage"]
    call_command(
        "dumpdata", "--natural-foreign", *[f"--exclude={label}" for label in excluded],
        "-o", str(fixture), verbosity=0,
    )  # fmt: skip
    assert ('"model": "allsite.searchentry"' in fixture.read_text()) == with_search_entries
    call_command("flush", "--no-input", verbosity=0)
    assert not search.search("dexamethasone")

    call_command("loaddata", str(fixture), verbosity=0)
    assert [hit.url for hit in search.search("dexamethasone")] == ["/treatment/induction/"]
    assert [hit.url for hit in search.search("tablets")] == ["/treatment/maintenance/"]
