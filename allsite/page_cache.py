"""Full-page cache of public pages, invalidated exactly by cache tags.

Each cacheable view names the tags its page depends on (a `cache_tags`
function of the URL's arguments; tag names are in treatments.publishing): an
article page depends on "chrome" (header, notices, footer) and
"page:<slug>". Every tag has a version token in the cache, and a page is
stored under a key made of its URL and the tokens of its tags ("versioned
keys"). Whatever changes what readers see announces the tags it touched
(`content_changed`: publish, confirm, a dependency's re-render, a change of
place; the helpline announces "chrome"); each of those tags gets a new token,
so at once, on every process sharing the cache, the pages that show it miss
and are rendered afresh, while every other page stays cached. Nothing is
looked up or deleted page by page; superseded entries age out.

The middleware runs before sessions, CSRF and authentication: a hit costs
two cache reads and no database query. Only GET and HEAD requests for a
cacheable view without a query string (page numbers are in paths) are
served from or stored in the cache, and only 200 responses that set no
cookie and carry no Vary header are stored.

Every such response carries an ETag and Last-Modified made from the tag
tokens, and Cache-Control for browsers and CDNs; a conditional GET whose
validator still matches is answered 304 without rendering.
"""

import functools
import hashlib
import logging
import os
import secrets
import threading
import time
from collections import OrderedDict
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.dispatch import receiver
from django.http import HttpResponse, HttpResponseNotModified
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.http import http_date, parse_etags, parse_http_date_safe

from treatments.publishing import content_changed

from .tag_versions import local_versions

logger = logging.getLogger(__name__)

TAG_PREFIX = "allsite:tag:"
PAGE_PREFIX = "allsite:page:"


def _new_token():
    """A fresh version: its time (for Last-Modified) and randomness (so two
    processes bumping at once never agree by chance)."""
    return f"{time.time():.3f}-{secrets.token_hex(6)}"


def tag_tokens(tags):
    """{tag: current version token}; a tag never seen (or evicted) gets a new one.
    Versions this process read recently come from its memory, as long as it
    listens to Redis for bumps (allsite.tag_versions)."""
    tokens = local_versions.known(tags)
    missing = [tag for tag in tags if tag not in tokens]
    if missing:
        fetched = _stored_tokens(missing)
        local_versions.remember(fetched)
        tokens.update(fetched)
    return {tag: tokens[tag] for tag in tags}


def _stored_tokens(tags):
    keys = {tag: TAG_PREFIX + tag for tag in tags}
    found = cache.get_many(list(keys.values()))
    tokens = {}
    for tag, key in keys.items():
        token = found.get(key)
        if token is None:
            cache.add(key, _new_token(), None)
            token = cache.get(key) or _new_token()
        tokens[tag] = token
    return tokens


def request_tokens(request, tags):
    """tag_tokens, read once per request: every part of one page uses the same
    versions, for one round trip to the cache."""
    known = getattr(request, "cache_tag_tokens", None) if request is not None else None
    if known is None:
        known = {}
        if request is not None:
            request.cache_tag_tokens = known
    missing = [tag for tag in tags if tag not in known]
    if missing:
        known.update(tag_tokens(missing))
    return {tag: known[tag] for tag in tags}


def bump(tags):
    """Give each tag a new version: every page depending on one is now stale.
    Returns the tags whose new version could not be stored (the cache is down)."""
    if not tags:
        return []
    failed = cache.set_many({TAG_PREFIX + tag: _new_token() for tag in tags}, None)
    if not local_versions.publish(tags):  # after storing: listeners read the new ones
        return sorted(tags)
    return sorted(key.removeprefix(TAG_PREFIX) for key in failed)


def bump_or_retry(tags):
    """Bump the tags; those the cache did not take are bumped again by a task,
    retried with a growing delay. Without this, pages cached before an outage
    would be served again, stale, once the cache is back."""
    failed = bump(tags)
    if failed:
        from treatments.tasks import enqueue

        from .tasks import bump_tags_task

        logger.warning("Cache tags not invalidated (cache down), retrying: %s", failed)
        enqueue(bump_tags_task, failed)
    return failed


@receiver(content_changed, dispatch_uid="page-cache-bump")
def _content_changed(sender, tags, **kwargs):
    bump_or_retry(tags)


@functools.cache
def release():
    """What else decides a page's bytes: the code, templates and static files
    deployed. Pages cached by another release are never served."""
    if os.environ.get("ALLSITE_RELEASE"):
        return os.environ["ALLSITE_RELEASE"]
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    for pattern in (
        "templates/**/*",
        "allsite/**/*.py",
        "treatments/**/*.py",
        "references/**/*.py",
    ):
        for path in sorted(base.glob(pattern)):
            if path.is_file():
                digest.update(path.read_bytes())
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.is_file():
        digest.update(manifest.read_bytes())
    digest.update(f"{settings.SITE_NAME}|{settings.SITE_PUBLISHER}".encode())
    return digest.hexdigest()[:16]


def cache_control():
    """Browsers and CDNs may keep a page but must check it is current (cheap:
    a 304); a CDN may serve its copy for a day while this site is down."""
    parts = [f"public, max-age={settings.PAGE_CACHE_BROWSER_SECONDS}"]
    if settings.PAGE_CACHE_CDN_SECONDS:
        parts.append(f"s-maxage={settings.PAGE_CACHE_CDN_SECONDS}")
    parts.append("stale-if-error=86400")
    return ", ".join(parts)


def _tags_for(request):
    """The view's cache tags for this request, or None if it must not be cached."""
    if request.method not in ("GET", "HEAD") or not settings.PAGE_CACHE_ENABLED:
        return None
    if request.GET:
        return None
    found = _cacheable_view(request.path_info)
    if found is None:
        return None
    tags_for, kwargs = found
    return tags_for(**kwargs)


@functools.lru_cache(maxsize=4096)
def _cacheable_view(path):
    """(the view's cache_tags, the URL's arguments) for a path, or None. The
    URL configuration never changes while the process runs."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    view = getattr(match.func, "view_class", match.func)
    tags_for = getattr(view, "cache_tags", None)
    return None if tags_for is None else (tags_for, match.kwargs)


class RecentPages:
    """The pages this process served last, by their key, up to `max_bytes`.

    Safe to keep per process because the key is the digest of the current tag
    versions, read from the shared cache on every request: a change gives its
    pages new keys at once, everywhere, and old entries are simply never asked
    for again. It saves a round trip to Redis and the unpickling of the page
    on the hits that matter most (the pages read most). Off with a
    per-process cache, which already holds the pages in this process.
    """

    def __init__(self, max_bytes):
        self.max_bytes, self.size, self.pages = max_bytes, 0, OrderedDict()
        self.lock = threading.Lock()  # for threaded workers

    def get(self, digest):
        with self.lock:
            stored = self.pages.get(digest)
            if stored is not None:
                self.pages.move_to_end(digest)
            return stored

    def put(self, digest, stored):
        size = len(stored["content"])
        if not settings.SHARED_CACHE or size > self.max_bytes // 4:
            return
        with self.lock:
            if digest in self.pages:
                return
            self.pages[digest] = stored
            self.size += size
            while self.size > self.max_bytes:
                _, dropped = self.pages.popitem(last=False)
                self.size -= len(dropped["content"])


recent_pages = RecentPages(max_bytes=4 * 1024 * 1024)


class RecentValues:
    """Small values (chrome fragments, the helpline) this process read last, by
    cache key. Safe for the same reason as RecentPages: their keys carry the
    tag version they were made for."""

    def __init__(self, max_entries):
        self.max_entries, self.values, self.lock = max_entries, OrderedDict(), threading.Lock()

    def get_many(self, keys):
        with self.lock:
            return {key: self.values[key] for key in keys if key in self.values}

    def put_many(self, values):
        if not settings.SHARED_CACHE:
            return
        with self.lock:
            for key, value in values.items():
                self.values[key] = value
                self.values.move_to_end(key)
            while len(self.values) > self.max_entries:
                self.values.popitem(last=False)


recent_values = RecentValues(max_entries=256)

# Set in the WSGI environ of a request that the page cache did not answer
# (gunicorn.conf.py collects the garbage such a request leaves).
RENDERED = "allsite.rendered"


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tags = _tags_for(request)
        if tags is None:
            return self._render(request)
        try:
            host = request.get_host()
        except DisallowedHost:
            return self._render(request)
        tokens = request_tokens(request, tags)  # the chrome fragments use the same versions
        identity = "|".join(
            # Today's date too: a page says when its review became overdue.
            [release(), str(timezone.localdate()), request.scheme, host, request.path]
            + [f"{tag}={tokens[tag]}" for tag in sorted(tokens)]
        )
        digest = hashlib.sha256(identity.encode()).hexdigest()
        validators = {
            "ETag": f'"{digest[:24]}"',
            "Last-Modified": http_date(
                max((float(t.split("-")[0]) for t in tokens.values()), default=0)
            ),
            "Cache-Control": cache_control(),
        }
        if self._not_modified(request, validators):
            response = HttpResponseNotModified()
        else:
            stored = recent_pages.get(digest) or cache.get(PAGE_PREFIX + digest)
            if stored is not None:
                recent_pages.put(digest, stored)
                response = HttpResponse(stored["content"], status=stored["status"])
                for name, value in stored["headers"]:
                    response[name] = value
            else:
                response = self._render(request)
                if response.status_code != 200:
                    return response
                if self._storable(response):
                    stored = {
                        "status": response.status_code,
                        "headers": list(response.items()),
                        "content": response.content,
                    }
                    cache.set(PAGE_PREFIX + digest, stored, settings.PAGE_CACHE_SECONDS)
                    recent_pages.put(digest, stored)
        for name, value in validators.items():
            response[name] = value
        return response

    def _render(self, request):
        request.META[RENDERED] = True
        return self.get_response(request)

    @staticmethod
    def _not_modified(request, validators):
        if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
        if if_none_match:
            etags = parse_etags(if_none_match)
            return "*" in etags or validators["ETag"] in etags
        if "HTTP_IF_MODIFIED_SINCE" not in request.META:
            return False
        # Dates have whole seconds and a page may change twice in one second,
        # so only a page last changed in an earlier second counts as unchanged.
        since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
        last_modified = parse_http_date_safe(validators["Last-Modified"])
        return since is not None and last_modified is not None and last_modified < since

    @staticmethod
    def _storable(response):
        return (
            not response.streaming
            and not response.cookies
            and not response.has_header("Vary")
            and not response.has_header("Set-Cookie")
        )
