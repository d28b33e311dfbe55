"""Real servers for tests of several processes: redis-server, gunicorn, and a
TCP proxy that can cut a process off from its database.

Started by the tests themselves (redis-server is a Debian package that
scripts/install-system-deps installs), each on a free loopback port, and
stopped afterwards.
"""

import contextlib
import http.cookies
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "test-only-secret-key-for-servers-started-by-the-tests-0123456789"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, process, what, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not open port {port}")


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class RedisServer:
    """A redis-server of our own: no persistence, private port."""

    def __init__(self):
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(binary).exists():
            raise RuntimeError(
                "redis-server is missing: make test installs it (scripts/install-system-deps)."
            )
        self.binary, self.port, self.process = binary, free_port(), None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port(self.port, self.process, "redis-server")
        return self

    def stop(self):
        if self.process is not None:
            stop(self.process)


def production_env(**overrides):
    """The environment of a production-like process (DEBUG off) for the tests."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ALLSITE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="allsite.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        DJANGO_LOG_LEVEL="ERROR",
        DJANGO_CONN_MAX_AGE="0",
        PYTHONPATH=str(ROOT),
    )
    env.update({k: v for k, v in overrides.items() if v is not None})
    return env


def collect_static(directory):
    """collectstatic into `directory` (production storage needs its manifest)."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=production_env(ALLSITE_STATIC_ROOT=str(directory), DATABASE_URL="sqlite://:memory:"),
        check=True,
    )


class Gunicorn:
    """`gunicorn allsite.wsgi` with the project's gunicorn.conf.py, as in production."""

    def __init__(self, env, workers=2):
        self.env, self.workers, self.port = env, workers, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile("w+", prefix="gunicorn-", suffix=".log")  # noqa: SIM115 - closed by stop()
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "allsite.wsgi", "--workers", str(self.workers),
             "--bind", f"127.0.0.1:{self.port}"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_for_port(self.port, self.process, "gunicorn")
        except RuntimeError as error:
            raise RuntimeError(f"{error}\n{self.output()}") from None
        return self

    def output(self):
        self.log.flush()
        return Path(self.log.name).read_text()[-5000:]

    def stop(self):
        if self.process is not None:
            stop(self.process)
        self.log.close()


class Browser:
    """A minimal HTTP client with its own cookies (sent over plain HTTP even when
    marked Secure, as a TLS-terminating proxy would see them)."""

    def __init__(self, base):
        self.base, self.cookies = base, {}
        self.opener = urllib.request.build_opener(NoRedirect)

    def request(self, path, data=None, headers=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            content = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in http.cookies.SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, dict(response.headers), content

    def get(self, path, **kwargs):
        return self.request(path, **kwargs)

    def post_form(self, path, data):
        """POST to a Django form page with its CSRF token (GETs the page first)."""
        status, _, page = self.get(path)
        assert status == 200, (path, status)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return self.request(path, data | {"csrfmiddlewaretoken": token})

    def log_in(self, username, password):
        status, headers, page = self.post_form(
            "/admin/login/?next=/admin/", {"username": username, "password": password}
        )
        assert status == 302, page[:2000]
        return self


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class TcpProxy:
    """Forwards a loopback port to another. `cut()` closes every connection and
    refuses new ones, as a server that went away would (while the server behind
    keeps running, and keeps its data); `resume()` lets connections through again."""

    def __init__(self, target_port):
        self.target_port, self.connections = target_port, []
        self.port, self.listener = 0, None
        self.resume()

    def resume(self):
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self.connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self):
        with contextlib.suppress(OSError):  # wakes the thread blocked in accept()
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        connections, self.connections = self.connections, []
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()

    close = cut
