"""A static copy of the site (manage.py export_static) that a plain web server
can serve when Django or the database is down, kept current after each change."""

import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from django.core.management import CommandError, call_command

from tests.test_article_admin import article_form
from tests.test_helpline import helpline_form_data
from treatments import workflow
from treatments.models import Kind

pytestmark = pytest.mark.django_db

BASE_URL = "https://all.example.org"
PHONE = "0808 157 0100"
BLINCYTO = {
    "brand_names": ["Blincyto"],
    "drug_class": "Bispecific T-cell engager",
    "route": "Drip into a vein",
}


@pytest.fixture(autouse=True)
def production_static_files(settings, tmp_path):
    """Hashed static file names, as in production, collected into a temporary STATIC_ROOT."""
    settings.ALLOWED_HOSTS = ["all.example.org", "testserver"]
    settings.STATIC_ROOT = tmp_path / "collected"
    settings.STORAGES = settings.STORAGES | {
        "staticfiles": {"BACKEND": "allsite.static_storage.StaticFilesStorage"}
    }


@pytest.fixture
def site(publish, publish_item, helpline):
    """Two sections with a page each, a medicine the pages name, a glossary term."""
    publish_item(Kind.MEDICINE, "blinatumomab", "Blinatumomab", "A targeted medicine.", BLINCYTO)
    publish_item(Kind.GLOSSARY, "remission", "Remission", "No sign of leukaemia.", {})
    phases = publish("phases", title="Phases of treatment", tags=())
    care = publish("care", title="Care", tags=())
    induction = publish(
        "induction",
        parent=phases,
        title="Induction",
        body="## What happens\n\nSome children have Blincyto to reach remission "
        "[@acs-treating-all].\n",
    )
    team = publish("care-team", parent=care, title="Your care team", tags=("team",))
    return {"phases": phases, "care": care, "induction": induction, "team": team}


def export(directory, *args):
    out = StringIO()
    call_command("export_static", str(directory), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def exported(site, tmp_path):
    directory = tmp_path / "export"
    output = export(directory, "--base-url", BASE_URL)
    assert re.search(r"\d+ files written", output)
    return directory


def file_for(directory, path):
    path = unquote(path)
    return directory / (path.lstrip("/") + ("index.html" if path.endswith("/") else ""))


def exported_files(directory, *suffixes):
    return [p for p in directory.rglob("*") if p.suffix in suffixes and "static" not in p.parts]


class Links(HTMLParser):
    """href and src values, and the action of GET forms (POST forms go to Django)."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.found += [attrs[name] for name in ("href", "src") if attrs.get(name)]
        if tag == "form" and (attrs.get("method") or "get").lower() == "get":
            self.found.append(attrs.get("action") or "")


def same_site_paths(text):
    links = Links()
    links.feed(text)
    links.found += re.findall(r"<loc>([^<]+)</loc>", text)
    for link in links.found:
        if link.startswith(BASE_URL):
            link = link[len(BASE_URL) :] or "/"
        parts = urlsplit(link)
        if not link.startswith("/") or link.startswith("//") or not parts.path:
            continue
        if parts.path == "/search/" and parts.query:
            continue  # a search needs Django
        yield parts.path


def test_every_url_in_every_sitemap_file_has_a_file(exported):
    index = (exported / "sitemap.xml").read_text()
    sitemap_files = re.findall(r"<loc>([^<]+)</loc>", index)
    assert sitemap_files
    locations = []
    for url in sitemap_files:
        locations += re.findall(
            r"<loc>([^<]+)</loc>", file_for(exported, urlsplit(url).path).read_text()
        )
    paths = {urlsplit(url).path for url in locations}
    assert {"/", "/treatment/induction/", "/medicines/blinatumomab/", "/glossary/"} <= paths
    for path in paths:
        assert file_for(exported, path).is_file(), path


def test_every_exported_page_shows_the_helpline(exported):
    pages = exported_files(exported, ".html")
    assert len(pages) >= 10  # home, search, 404, glossary, medicines, 4 pages, a section list...
    for page in pages:
        assert PHONE in page.read_text(), page


def test_no_link_in_the_export_points_to_a_missing_file(exported):
    checked = set()
    for exported_file in exported_files(exported, ".html", ".xml", ".atom"):
        for path in same_site_paths(exported_file.read_text()):
            assert file_for(exported, path).is_file(), f"{exported_file}: {path}"
            checked.add(path)
    for path in [
        "/tags/chemotherapy/",
        "/medicines/blinatumomab/",
        "/glossary/",
        "/updates.atom",
    ]:
        assert path in checked
    stylesheets = [path for path in checked if path.endswith(".css")]
    assert any(re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css", path) for path in stylesheets)
    # The script that shows glossary definitions in place is exported with the pages.
    assert any(re.fullmatch(r"/static/js/glossary\.[0-9a-f]{12}\.js", path) for path in checked)
    for path in stylesheets:
        assert file_for(exported, path).stat().st_size > 0


def test_the_not_found_page_and_text_files_are_exported(exported):
    assert "We could not find that page" in (exported / "404.html").read_text()
    assert "Sitemap: https://all.example.org/sitemap.xml" in (exported / "robots.txt").read_text()
    assert "Your care team" in (exported / "updates.atom").read_text()
    assert (exported / "search" / "index.html").is_file()
    assert "Induction" in (exported / "treatment" / "phases" / "pages" / "index.html").read_text()
    assert not (exported / "admin").exists()
    assert not (exported / "feedback").exists()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url, attempts=50):
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.URLError:
            time.sleep(0.1)
    raise AssertionError(f"{url}: no answer")


def test_a_plain_static_web_server_serves_pages_and_styles(exported):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--directory", exported]
        + ["--bind", "127.0.0.1", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        status, html = fetch(f"http://127.0.0.1:{port}/treatment/induction/")
        assert status == 200
        assert "Some children have" in html
        assert PHONE in html
        css = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', html).group(1)
        status, text = fetch(f"http://127.0.0.1:{port}{css}")
        assert status == 200
        assert text == file_for(exported, css).read_text()
        assert "{" in text
    finally:
        server.terminate()
        server.wait(timeout=10)


def edit_and_approve(article, editor, reviewer, **changes):
    fields = {
        "title": article.live_revision.title,
        "summary": article.live_revision.summary,
        "body": article.live_revision.body,
        "tags": list(article.live_revision.tags.names()),
    } | changes
    revision = workflow.save_draft(
        article, by=editor, base_revision=article.latest_revision, **fields
    )
    workflow.submit(revision, by=editor, note_for_readers="Clearer wording.")
    workflow.approve(revision, by=reviewer)
    article.refresh_from_db()


@pytest.fixture
def kept_current(site, settings, tmp_path):
    """A full export in STATIC_EXPORT_DIR, which changes then keep current."""
    directory = tmp_path / "export"
    settings.STATIC_EXPORT_DIR = str(directory)
    export(directory)
    return directory


def test_approving_an_edit_rewrites_that_page_and_leaves_other_pages_alone(
    kept_current, site, editor, reviewer, django_capture_on_commit_callbacks
):
    induction = kept_current / "treatment" / "induction" / "index.html"
    other = kept_current / "treatment" / "care-team" / "index.html"
    # A full export would put this file back as Django renders it; only a
    # re-export of what the edit touched leaves it as it is.
    other.write_text(other.read_text() + "<!-- not re-exported -->")
    other_before = (other.stat().st_mtime_ns, other.read_text())

    with django_capture_on_commit_callbacks(execute=True):
        edit_and_approve(
            site["induction"],
            editor,
            reviewer,
            body="## What happens\n\nInduction now lasts four weeks [@acs-treating-all].\n",
        )

    assert "Induction now lasts four weeks" in induction.read_text()
    assert "Some children have" not in induction.read_text()
    assert "Clearer wording." in (kept_current / "updates.atom").read_text()
    assert (other.stat().st_mtime_ns, other.read_text()) == other_before


def test_a_new_helpline_number_reaches_every_exported_page(
    kept_current, client, helpline, helpline_staff, django_capture_on_commit_callbacks
):
    client.force_login(helpline_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/allsite/helplineinfo/{helpline.pk}/change/",
            helpline_form_data(helpline, **{"phones-0-number": "0808 157 0555"}),
        )
    assert response.status_code == 302
    for page in exported_files(kept_current, ".html"):
        text = page.read_text()
        assert "0808 157 0555" in text, page
        assert PHONE not in text, page


def test_a_page_moved_to_a_new_address_leaves_no_file_at_the_old_one(
    kept_current, site, client, editor, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    article = site["induction"]
    data = article_form(article, slug="first-month", parent=str(article.parent_id))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/treatments/article/{article.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]

    assert not (kept_current / "treatment" / "induction").exists()
    assert "Some children have" in (kept_current / "treatment/first-month/index.html").read_text()
    assert "/treatment/first-month/" in (kept_current / "sitemap-content-1.xml").read_text()


def test_a_full_re_export_removes_the_files_of_pages_that_no_longer_exist(
    site, tmp_path, editor, reviewer
):
    directory = tmp_path / "export"
    export(directory)
    assert (directory / "tags" / "chemotherapy" / "index.html").is_file()
    assert (directory / "treatment" / "induction" / "index.html").is_file()

    # No page has the tag any more: its page is gone from the site.
    edit_and_approve(site["induction"], editor, reviewer, tags=[])
    (directory / "leftover.html").write_text("an old file")
    output = export(directory)

    assert not (directory / "tags" / "chemotherapy").exists()
    assert not (directory / "leftover.html").exists()
    assert (directory / "treatment" / "induction" / "index.html").is_file()
    assert (directory / "tags" / "team" / "index.html").is_file()
    assert re.search(r"[1-9]\d* removed", output)


def test_a_url_that_does_not_answer_is_reported_and_nothing_is_removed(site, tmp_path):
    directory = tmp_path / "export"
    export(directory)
    with pytest.raises(CommandError, match="answered 400"):
        export(directory, "--base-url", "https://not-this-site.example")
    assert (directory / "treatment" / "induction" / "index.html").is_file()


def test_a_directory_with_other_files_is_refused(site, tmp_path):
    directory = tmp_path / "www"
    directory.mkdir()
    (directory / "notes.txt").write_text("mine")
    with pytest.raises(CommandError, match="not empty"):
        export(directory)
    assert (directory / "notes.txt").read_text() == "mine"


def test_pages_are_readable_by_the_web_server(exported):
    page = Path(exported) / "treatment" / "induction" / "index.html"
    assert page.stat().st_mode & 0o044 == 0o044
