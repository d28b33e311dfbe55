"""A static copy of the public site, for nginx or a CDN to serve, so readers
keep every page and the helpline while Django or the database is down.

Each public URL is rendered through Django's full request handling (the test
client: every middleware, context processor and template, exactly as a reader
gets it) and written to a directory: /path/ becomes path/index.html, and
/sitemap.xml, /robots.txt, /updates.atom keep their own names. Page numbers
are in paths (…/page/2/), so every page of every list is a file. The 404 page
is 404.html; the static files are copied to static/, and the image files
live pages show (treatments.media renditions) to media/ when the media
storage is served from this site's own address (MEDIA_URL a path).

`manage.py export_static DIR` writes a full export. When STATIC_EXPORT_DIR is
set, every change readers can see (`content_changed`, after commit) enqueues
a task (allsite.tasks) that re-exports only the URLs its cache tags cover.

The directory belongs to the export: a full export deletes every file in it
that no current URL wrote (an unpublished page, a sitemap file no longer
needed), except under static/ and media/, where older files (named by their
content, never changed) stay for pages that browsers and CDNs still hold. Files are written atomically (a reader never
gets half a page) and only when their content changed.
"""

import fcntl
import math
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.dispatch import receiver
from django.urls import reverse
from django.utils import translation
from taggit.models import Tag

from treatments import listings, navigation
from treatments.models import Article, Image, Kind
from treatments.publishing import (
    CHROME,
    FEED,
    GLOSSARY,
    HOME,
    MEDICINES,
    SITEMAP,
    TOPICS,
    content_changed,
)
from treatments.tasks import enqueue
from treatments.views import LIST_PAGE_SIZE

from .sitemaps import sitemap_files

# Marks a directory as an export (so a full export may delete files in it)
# and is locked while an export writes, so two exports never interleave.
MARKER = ".allsite-export"
NOT_FOUND_FILE = "404.html"
# Any URL no view answers: its response is the 404 page.
MISSING_URL = "/static-export-404-page/"

# A tag naming one public URL per language (the others are in export_changed).
SINGLE_URL_TAGS = {
    HOME: "home",
    GLOSSARY: "treatments:glossary",
    MEDICINES: "treatments:medicine_list",
    TOPICS: "treatments:tag_index",
    FEED: "page_updates_feed",  # the same in every language
}


def _languages():
    return [code for code, _ in settings.LANGUAGES]


def reverse_in(language, *args, **kwargs):
    """reverse() of a public URL in a language (/fr/… for French)."""
    with translation.override(language):
        return reverse(*args, **kwargs)


def in_every_language(*args, **kwargs):
    """A public URL in every language, without repeats (the feed has one)."""
    return list(dict.fromkeys(reverse_in(code, *args, **kwargs) for code in _languages()))


class ExportError(Exception):
    pass


@dataclass
class Result:
    urls: int = 0
    written: int = 0
    unchanged: int = 0
    removed: int = 0


# Which URLs ----------------------------------------------------------------


def _list_urls(url_name, slug, count, page_size, language=settings.LANGUAGE_CODE):
    """A paginated list's URLs: page 1 at the bare path, then …/page/<n>/."""
    pages = max(1, math.ceil(count / page_size))
    return [
        reverse_in(language, url_name, kwargs={"slug": slug} | ({"page": n} if n > 1 else {}))
        for n in range(1, pages + 1)
    ]


def article_urls(article):
    """The URLs showing a published treatment page or medicine's own content,
    in its language: its page and, for a section, the full list of its pages
    (medicine: the list of pages mentioning it, which its own page paginates).
    A page not translated into a language is not exported there: no page of
    that language links to it."""
    if article.live_revision_id is None:
        return []
    language = article.language
    if article.kind == Kind.MEDICINE:
        mentions = listings.ListPaginator(listings.medicine_key(article.pk), LIST_PAGE_SIZE).count
        return _list_urls(
            "treatments:medicine_detail", article.slug, mentions, LIST_PAGE_SIZE, language
        )
    if article.kind == Kind.PAGE:
        urls = [reverse_in(language, "treatments:article_detail", kwargs={"slug": article.slug})]
        children = (
            Article.objects.pages().published().filter(parent=article, language=language).count()
        )
        if children:
            urls += _list_urls(
                "treatments:section_pages",
                article.slug,
                children,
                navigation.SECTION_LIST_PAGE_SIZE,
                language,
            )
        return urls
    return []  # a glossary term is an anchor on /glossary/


def tag_urls(slug):
    """A tag's list of published pages, in each language that has any."""
    tag = Tag.objects.filter(slug=slug).first()
    urls = []
    for language in _languages():
        key = tag and listings.topic_key(tag.pk, language)
        count = tag and listings.ListPaginator(key, LIST_PAGE_SIZE).count
        if count:
            urls += _list_urls("treatments:tag_detail", slug, count, LIST_PAGE_SIZE, language)
    return urls


def sitemap_urls():
    return [reverse("sitemap")] + [
        reverse("sitemap_section", args=[section, number]) for section, number in sitemap_files()
    ]


def all_urls():
    """Every public URL, from the database."""
    urls = [url for name in SINGLE_URL_TAGS.values() for url in in_every_language(name)]
    urls += in_every_language("search") + [reverse("robots")] + sitemap_urls()
    published = Article.objects.published().exclude(kind=Kind.GLOSSARY).order_by("pk")
    for article in published.only("pk", "kind", "slug", "live_revision_id"):
        urls += article_urls(article)
    tags = (
        Article.objects.published()
        .filter(live_revision__tags__isnull=False)
        .values_list("live_revision__tags__slug", flat=True)
        .order_by("live_revision__tags__slug")
        .distinct()
    )
    for slug in tags:
        urls += tag_urls(slug)
    return urls


def file_for(url):
    """The file a URL's path is exported to, relative to the export directory."""
    path = unquote(urlsplit(url).path)  # /tags/%E5%8C%96%E7%96%97/ is served from tags/化疗/
    if not path.startswith("/") or ".." in path.split("/"):
        raise ExportError(f"Not a path on this site: {url!r}")
    relative = path.lstrip("/")
    if not relative or relative.endswith("/"):
        relative += "index.html"
    return Path(relative)


# Rendering -----------------------------------------------------------------


class Renderer:
    """Requests URLs as a reader on `base_url` would (default: STATIC_EXPORT_BASE_URL,
    else https://ALLOWED_HOSTS[0]), so absolute links name the public site."""

    def __init__(self, base_url=None):
        base_url = base_url or settings.STATIC_EXPORT_BASE_URL
        if base_url:
            parts = urlsplit(base_url)
            if parts.scheme not in ("http", "https") or not parts.hostname or parts.path.strip("/"):
                raise ExportError(
                    f"The base URL must be like https://all.example.org (no path), not {base_url!r}."
                )
            host, self.secure = parts.netloc, parts.scheme == "https"
        else:
            host = settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS else ""
            if not host or "*" in host or host.startswith("."):
                raise ExportError(
                    f"ALLOWED_HOSTS[0] ({host!r}) is not one host name: give the site's address "
                    "with --base-url or ALLSITE_STATIC_EXPORT_BASE_URL."
                )
            self.secure = True
        # Imported here: django.test (and unittest with it) costs memory in every
        # page-serving process, which only needs this module's signal receiver.
        from django.test import Client

        self.client = Client(HTTP_HOST=host)

    def get(self, url, expect=200):
        try:
            response = self.client.get(url, secure=self.secure)
        except Exception as error:
            raise ExportError(f"{url} could not be rendered: {error!r}") from error
        status = response.status_code
        if status != expect:
            hint = {
                301: f" (a redirect to {response.get('Location')})",
                400: " (is the base URL's host in ALLOWED_HOSTS?)",
            }.get(status, "")
            raise ExportError(f"{url} answered {status}, not {expect}{hint}: nothing exported.")
        return response.getvalue()

    def not_found_page(self):
        """The 404 page readers get: with DEBUG on (development) Django would
        answer its debug page instead."""
        if not settings.DEBUG:
            return self.get(MISSING_URL, expect=404)
        from django.test import override_settings

        with override_settings(DEBUG=False):
            return self.get(MISSING_URL, expect=404)


# Writing -------------------------------------------------------------------


def write_file(path, content, result):
    """Replace the file atomically, only if its content changed."""
    if path.is_file() and path.read_bytes() == content:
        result.unchanged += 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tmp-", delete=False) as temp:
        temp.write(content)
    os.chmod(temp.name, 0o644)  # the web server's user reads it
    os.replace(temp.name, path)
    result.written += 1


def _remove_stale(directory, candidates, keep, result):
    """Delete the candidate files not in `keep` (paths relative to the
    directory), then the directories left empty."""
    for path in sorted(candidates):
        relative = path.relative_to(directory)
        if path.is_file() and relative not in keep and str(relative) != MARKER:
            path.unlink()
            result.removed += 1
    for root, _, _ in os.walk(directory, topdown=False):
        if Path(root) != directory and not os.listdir(root):
            os.rmdir(root)


def _export_urls(directory, renderer, urls, result):
    """Render and write each URL; returns the files written (relative paths)."""
    files = set()
    for url in urls:
        files.add(file_for(url))
        write_file(directory / file_for(url), renderer.get(url), result)
        result.urls += 1
    return files


def _copy_static(directory, result):
    source = Path(settings.STATIC_ROOT)
    if not source.is_dir():
        raise ExportError(f"{source} does not exist: run manage.py collectstatic first.")
    target = _static_dir(directory)
    for path in sorted(source.rglob("*")):
        if path.is_file():
            write_file(target / path.relative_to(source), path.read_bytes(), result)


def _static_dir(directory):
    return directory / urlsplit(settings.STATIC_URL).path.strip("/")


def _media_dir(directory):
    """Where image files go in the export; None when the media storage serves
    them from another address (an absolute MEDIA_URL: S3, a CDN)."""
    parts = urlsplit(settings.MEDIA_URL)
    if parts.scheme or parts.netloc or not parts.path.strip("/"):
        return None
    return directory / parts.path.strip("/")


def live_images(article_ids=None):
    """The library images live pages show (of these articles, if given)."""
    live = Article.objects.published()
    if article_ids is not None:
        live = live.filter(pk__in=article_ids)
    return Image.objects.filter(revisions__in=live.values("live_revision_id")).distinct()


def _copy_media(directory, images, result):
    """Copy the image files the pages' <img srcset> names, read through the storage."""
    target = _media_dir(directory)
    if target is None:
        return
    for image in images.order_by("pk"):
        for _, _, name in image.renditions:
            with default_storage.open(name) as source:
                write_file(target / name, source.read(), result)


@contextmanager
def _locked(directory, *, full):
    """Hold the directory's lock. A full export refuses a directory that has
    files but no marker: it is not an export, and a full export deletes files."""
    directory = Path(directory)
    marker = directory / MARKER
    if full and not marker.exists() and directory.is_dir() and any(directory.iterdir()):
        raise ExportError(
            f"{directory} is not empty and holds no earlier export ({MARKER}): a full export "
            "deletes the files it did not write, so give an empty or new directory."
        )
    directory.mkdir(parents=True, exist_ok=True)
    if not marker.exists():
        marker.write_text("A static copy written by manage.py export_static.\n")
    with open(marker) as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield directory


# Full and incremental exports -----------------------------------------------


def export_all(directory, base_url=None, *, collect_static=True):
    """Export every public URL, the 404 page and the static files; then delete
    the files of URLs that no longer exist. Nothing is deleted if a URL fails."""
    result = Result()
    with _locked(directory, full=True) as directory:
        if collect_static:
            call_command("collectstatic", interactive=False, verbosity=0)
        renderer = Renderer(base_url)
        keep = _export_urls(directory, renderer, all_urls(), result)
        write_file(directory / NOT_FOUND_FILE, renderer.not_found_page(), result)
        keep.add(Path(NOT_FOUND_FILE))
        _copy_static(directory, result)
        _copy_media(directory, live_images(), result)
        kept = {_static_dir(directory), _media_dir(directory)} - {None}
        candidates = [path for path in directory.rglob("*") if not kept & set(path.parents)]
        _remove_stale(directory, candidates, keep, result)
    return result


def export_changed(directory, tags, base_url=None):
    """Re-export the URLs the cache tags cover (see treatments.publishing).

    CHROME (on every HTML page), a tag this module does not know, or a
    directory without a full export yet: a full export, with the static files
    already collected at deploy.
    """
    if CHROME in tags or not (Path(directory) / MARKER).exists():
        return export_all(directory, base_url, collect_static=False)
    plan = []  # (URLs to write, glob patterns of the files those URLs own)
    pages = []  # slugs of pages whose images to copy
    for tag in sorted(tags):
        kind, _, slug = tag.partition(":")
        if tag in SINGLE_URL_TAGS:
            plan.append((in_every_language(SINGLE_URL_TAGS[tag]), []))
        elif tag == SITEMAP:
            plan.append((sitemap_urls(), ["sitemap-*.xml"]))  # allsite.urls
        elif kind == "page" and slug:
            # The page in every language (a slug is the same in all of them).
            articles = Article.objects.filter(slug=slug).exclude(kind=Kind.GLOSSARY)
            owned = in_every_language("treatments:article_detail", kwargs={"slug": slug})
            owned += in_every_language("treatments:medicine_detail", kwargs={"slug": slug})
            urls = [url for article in articles.order_by("pk") for url in article_urls(article)]
            plan.append((urls, [_tree(url) for url in owned]))
            pages.append(slug)
        elif kind == "topic" and slug:
            owned = in_every_language("treatments:tag_detail", kwargs={"slug": slug})
            plan.append((tag_urls(slug), [_tree(url) for url in owned]))
        else:  # a tag added after this was written
            return export_all(directory, base_url, collect_static=False)
    result = Result()
    with _locked(directory, full=False) as directory:
        renderer = Renderer(base_url)
        for urls, patterns in plan:
            keep = _export_urls(directory, renderer, urls, result)
            candidates = [path for pattern in patterns for path in directory.glob(pattern)]
            _remove_stale(directory, candidates, keep, result)
        if pages:
            ids = Article.objects.filter(slug__in=pages).values_list("pk", flat=True)
            _copy_media(directory, live_images(list(ids)), result)
    return result


def _tree(url):
    """Glob pattern of every file under a URL's directory (its list pages)."""
    return f"{file_for(url).parent}/**/*"


@receiver(content_changed, dispatch_uid="static-export-re-export")
def _content_changed(sender, tags, committed, **kwargs):
    """After commit, when STATIC_EXPORT_DIR is set, re-export what changed in a task.
    Connected after the page cache's receiver (allsite.apps), so with the
    immediate task backend the pages it renders are never the cached ones."""
    if committed and settings.STATIC_EXPORT_DIR:
        from .tasks import export_changed_task

        enqueue(export_changed_task, sorted(tags))
