"""Check that references' URLs still answer, and record what they said.

Each URL is asked with HEAD (falling back to GET when HEAD is refused), redirects are
followed, and the final HTTP status is kept. When no HTTP answer comes, the status is
None and the error says why in plain words. Network work happens in a fixed pool of
threads; the database is written from the calling thread only.
"""

import http.client
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.utils import timezone

from references.models import Reference

USER_AGENT = "allsite-link-check/1.0"
HEAD_REFUSED = {405, 501}
GET_READ_LIMIT = 4096
ERROR_MAX_LENGTH = 200

# Checked in order: the first matching type gives the words.
NO_ANSWER_REASONS = [
    (ConnectionRefusedError, "connection refused"),
    (socket.gaierror, "name not found"),
    (ssl.SSLCertVerificationError, "certificate not valid"),
    (ssl.SSLError, "secure connection failed"),
    (http.client.HTTPException, "no valid HTTP answer"),
    (ConnectionResetError, "connection reset"),
    (ValueError, "not a valid link"),
]


@dataclass(frozen=True)
class LinkResult:
    url: str
    status: int | None
    error: str


class _SameMethodRedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follows redirects to http(s) only, keeping HEAD as HEAD (urllib turns it into GET)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not _is_http(newurl):
            fp.close()
            raise urllib.error.URLError("redirected to a non-http(s) link")
        new_request = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new_request is not None:
            new_request.method = req.get_method()
        return new_request


def _is_http(url):
    return urllib.parse.urlsplit(url).scheme.lower() in {"http", "https"}


def _request(opener, url, method, timeout):
    request = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT})
    with opener.open(request, timeout=timeout) as response:
        if method == "GET":
            response.read(GET_READ_LIMIT)
        return response.status


def _fetch_status(url, timeout):
    opener = urllib.request.build_opener(_SameMethodRedirectHandler)
    try:
        return _request(opener, url, "HEAD", timeout)
    except urllib.error.HTTPError as error:
        error.close()
        if error.code not in HEAD_REFUSED:
            raise
    return _request(opener, url, "GET", timeout)


def describe_failure(error, timeout):
    """Short plain words for an exception raised while fetching a URL."""
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, TimeoutError):
        return f"timed out after {timeout:g} s"
    for kind, words in NO_ANSWER_REASONS:
        if isinstance(reason, kind):
            return words
    words = str(reason) or type(reason).__name__
    return words[:ERROR_MAX_LENGTH]


def check_url(url, *, timeout=10.0):
    """Ask one URL for its status; never raises for network trouble."""
    if not _is_http(url):
        return LinkResult(url, None, "not an http(s) link")
    try:
        return LinkResult(url, _fetch_status(url, timeout), "")
    except urllib.error.HTTPError as error:
        error.close()
        if 300 <= error.code < 400:
            return LinkResult(url, error.code, "redirect not followed")
        return LinkResult(url, error.code, "")
    except (OSError, ValueError, http.client.HTTPException) as error:
        return LinkResult(url, None, describe_failure(error, timeout))


def _record(references, result):
    checked_at = timezone.now()
    Reference.objects.filter(pk__in=[r.pk for r in references]).update(
        link_status=result.status, link_error=result.error, link_checked_at=checked_at
    )
    for reference in references:
        reference.link_status = result.status
        reference.link_error = result.error
        reference.link_checked_at = checked_at


def check_links(references, *, timeout=10.0, workers=8):
    """Check every reference's URL concurrently (ThreadPoolExecutor), each URL once even if
    several references share it, and record status/error/checked time on each reference
    with a queryset update of just the three link fields.

    References without a URL are skipped. Returns (reference, result) pairs in the order
    the references were given.
    """
    with_url = [reference for reference in references if reference.url]
    by_url = {}
    for reference in with_url:
        by_url.setdefault(reference.url, []).append(reference)
    results = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for result in pool.map(lambda url: check_url(url, timeout=timeout), by_url):
            _record(by_url[result.url], result)
            results[result.url] = result
    return [(reference, results[reference.url]) for reference in with_url]
