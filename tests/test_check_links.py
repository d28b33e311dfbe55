"""Link checking, against a local HTTP server on 127.0.0.1 only."""

import datetime
import io
import os
import socket
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command

from references.linkcheck import check_links, check_url
from references.models import Reference

pytestmark = pytest.mark.django_db

TIMEOUT = 0.5
SLOW_SECONDS = 2

ROUTES = {"/ok": 200, "/missing": 404, "/error": 500, "/head-not-allowed": 200, "/slow": 200}
REDIRECTS = {"/moved": "/ok", "/loop": "/loop", "/to-ftp": "ftp://127.0.0.1/file.pdf"}


class Handler(BaseHTTPRequestHandler):
    def do_HEAD(self):
        self._handle()

    def do_GET(self):
        self._handle()

    def _handle(self):
        self.server.requests.append((self.command, self.path, self.headers["User-Agent"]))
        if self.path in REDIRECTS:
            self._answer(301, location=REDIRECTS[self.path])
        elif self.path == "/head-not-allowed" and self.command == "HEAD":
            self._answer(405)
        else:
            if self.path == "/slow":
                self.server.release_slow.wait(SLOW_SECONDS)
            self._answer(ROUTES.get(self.path, 404))

    def _answer(self, status, location=None):
        body = b"hello"
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(body)

    def log_message(self, format, *args):
        pass


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """The slow page answers after the client gave up; that broken pipe is expected."""


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch):
    """A proxy from the environment must not see requests meant for 127.0.0.1."""
    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)


@pytest.fixture
def site():
    server = QuietServer(("127.0.0.1", 0), Handler)
    server.requests = []
    server.release_slow = threading.Event()
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield server
    server.release_slow.set()
    server.shutdown()
    server.server_close()
    thread.join()


def url(site, path):
    return f"http://127.0.0.1:{site.server_port}{path}"


def requests_made(site):
    return Counter((method, path) for method, path, _ in site.requests)


@pytest.fixture
def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_reference(key, link):
    return Reference.objects.create(
        key=key,
        type="webpage",
        title=f"Page {key}",
        url=link,
        accessed=datetime.date(2026, 11, 1),
    )


def check_one(link):
    reference = make_reference("page", link)
    check_links([reference], timeout=TIMEOUT)
    reference.refresh_from_db()
    return reference


def test_reachable_page_is_recorded_as_fine_with_its_status(site):
    reference = check_one(url(site, "/ok"))

    assert (reference.link_status, reference.link_error) == (200, "")
    assert reference.link_checked_at is not None
    assert not reference.link_is_broken


def test_missing_page_is_recorded_as_broken_with_its_status(site):
    reference = check_one(url(site, "/missing"))

    assert (reference.link_status, reference.link_error) == (404, "")
    assert reference.link_is_broken


def test_server_error_is_recorded_as_broken_with_its_status(site):
    reference = check_one(url(site, "/error"))

    assert (reference.link_status, reference.link_error) == (500, "")
    assert reference.link_is_broken


def test_redirect_is_followed_with_head_and_the_final_status_recorded(site):
    reference = check_one(url(site, "/moved"))

    assert (reference.link_status, reference.link_error) == (200, "")
    assert requests_made(site) == {("HEAD", "/moved"): 1, ("HEAD", "/ok"): 1}


def test_redirect_loop_is_recorded_as_broken(site):
    reference = check_one(url(site, "/loop"))

    assert (reference.link_status, reference.link_error) == (301, "redirect not followed")
    assert reference.link_is_broken


def test_redirect_away_from_http_is_not_followed(site):
    reference = check_one(url(site, "/to-ftp"))

    assert reference.link_status is None
    assert reference.link_error == "redirected to a non-http(s) link"
    assert reference.link_is_broken


def test_page_refusing_head_is_asked_again_with_get(site):
    reference = check_one(url(site, "/head-not-allowed"))

    assert (reference.link_status, reference.link_error) == (200, "")
    assert requests_made(site) == {
        ("HEAD", "/head-not-allowed"): 1,
        ("GET", "/head-not-allowed"): 1,
    }


def test_slow_page_is_recorded_as_timed_out_without_status(site):
    reference = check_one(url(site, "/slow"))

    assert reference.link_status is None
    assert reference.link_error == "timed out after 0.5 s"
    assert reference.link_is_broken


def test_closed_port_is_recorded_as_connection_refused_without_status(closed_port):
    reference = check_one(f"http://127.0.0.1:{closed_port}/ok")

    assert reference.link_status is None
    assert reference.link_error == "connection refused"
    assert reference.link_is_broken


def test_unknown_host_is_recorded_as_name_not_found(monkeypatch):
    def no_such_name(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)

    result = check_url("http://no-such-host.invalid/page", timeout=TIMEOUT)

    assert (result.status, result.error) == (None, "name not found")


def test_non_http_link_is_recorded_as_an_error_without_being_fetched():
    reference = check_one("ftp://127.0.0.1/file.pdf")

    assert reference.link_status is None
    assert reference.link_error == "not an http(s) link"
    assert reference.link_is_broken


def test_requests_identify_the_link_checker(site):
    check_url(url(site, "/ok"), timeout=TIMEOUT)

    assert [agent for _, _, agent in site.requests] == ["allsite-link-check/1.0"]


def test_references_sharing_a_url_are_fetched_once_and_all_recorded(site):
    first = make_reference("first", url(site, "/missing"))
    second = make_reference("second", url(site, "/missing"))
    other = make_reference("other", url(site, "/ok"))

    checked = check_links([first, second, other], timeout=TIMEOUT)

    assert [(ref.key, result.status) for ref, result in checked] == [
        ("first", 404),
        ("second", 404),
        ("other", 200),
    ]
    assert requests_made(site) == {("HEAD", "/missing"): 1, ("HEAD", "/ok"): 1}
    assert [ref.link_status for ref in Reference.objects.order_by("pk")] == [404, 404, 200]


def test_check_writes_only_the_link_fields(site):
    reference = make_reference("page", url(site, "/ok"))
    reference.title = "An unsaved edit"

    check_links([reference], timeout=TIMEOUT)

    reference.refresh_from_db()
    assert reference.title == "Page page"
    assert reference.link_status == 200


def test_references_without_url_are_skipped():
    no_url = Reference.objects.create(key="doi-only", title="Article", doi="10.3322/caac.21654")

    assert check_links([no_url], timeout=TIMEOUT) == []
    no_url.refresh_from_db()
    assert no_url.link_checked_at is None


def run_command(*args):
    out = io.StringIO()
    call_command("check_links", "--timeout", str(TIMEOUT), *args, stdout=out)
    return out.getvalue()


def test_command_prints_broken_links_and_a_summary(site, closed_port):
    make_reference("fine-page", url(site, "/ok"))
    make_reference("gone-page", url(site, "/missing"))
    make_reference("down-page", f"http://127.0.0.1:{closed_port}/")
    Reference.objects.create(key="doi-only", title="Article", doi="10.3322/caac.21654")

    output = run_command()

    assert output.splitlines() == [
        f"BROKEN down-page connection refused http://127.0.0.1:{closed_port}/",
        f"BROKEN gone-page 404 {url(site, '/missing')}",
        "3 links checked: 1 fine, 2 broken.",
    ]


def test_command_with_only_broken_checks_just_the_broken_links_again(site):
    make_reference("fine-page", url(site, "/ok"))
    make_reference("gone-page", url(site, "/missing"))
    run_command()
    site.requests.clear()

    output = run_command("--only-broken")

    assert output.splitlines() == [
        f"BROKEN gone-page 404 {url(site, '/missing')}",
        "1 link checked: 0 fine, 1 broken.",
    ]
    assert requests_made(site) == {("HEAD", "/missing"): 1}
