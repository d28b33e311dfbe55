"""Part A of `make bench`: how many requests a second the demo site serves.

What is measured, and how:

- A throwaway SQLite database gets `migrate`, `load_demo` and `collectstatic`.
- The largest treatment page (the biggest `/treatment/<slug>/` response) is
  written to STATIC_ROOT/bench/article.html, so whitenoise serves its exact
  bytes as a static file: the baseline, the fastest the site could serve
  that page.
- gunicorn runs the site as in production: `--workers 2` sync workers,
  DJANGO_DEBUG=0, the cache (and so the full-page cache) in a redis-server of
  its own (CACHE_URL), shared by both workers.
- wrk (`-t2 -c16 -d5s --latency`) loads one target at a time, interleaved in
  rounds (static, cached article, uncached article `?uncached=<n>` (any query
  string bypasses the page cache), home, search), so a slow moment of the
  machine hits every target alike. Each target's figure is its median over
  the rounds: requests a second, its ratio to the static baseline, p50 and
  p99 latency.
- Afterwards: the workers' resident memory (VmRSS from /proc), and the
  database queries each page makes, counted in-process with Django's test
  client and CaptureQueriesContext.

Run: make bench (part A then part B), or .venv/bin/python benchmarks/load_test.py
Set BENCH_ROUNDS, BENCH_SECONDS or BENCH_PORT to change the defaults (3, 5, a free
port in 18000-18999).
"""

import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    ROOT,
    free_port,
    heading,
    start_redis,
    table,
    use_environment,
    verdict,
)

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
SEARCH = "/search/?q=stem+cell+transplant"
TARGETS = {
    "static": "/static/bench/article.html",
    "cached article": None,  # the largest article page, found at start
    "uncached article": None,
    "home": "/",
    "search": SEARCH,
}
CACHED_MIN, UNCACHED_MIN, RSS_MAX_MIB = 0.85, 0.2, 60


def prepare_site(workdir, cache_url):
    """A demo site in a throwaway SQLite database, static files collected."""
    env = use_environment(
        DATABASE_URL=f"sqlite:///{workdir}/bench.sqlite3",
        CACHE_URL=cache_url,
        ALLSITE_PAGE_CACHE="1",
        DJANGO_TASKS=None,
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    call_command("collectstatic", "--noinput", verbosity=0)
    return env


def largest_article(client):
    """(slug, bytes) of the largest treatment page."""
    from treatments.models import Article

    pages = {}
    for slug in Article.objects.pages().published().values_list("slug", flat=True):
        response = client.get(f"/treatment/{slug}/")
        assert response.status_code == 200, slug
        pages[slug] = response.content
    slug = max(pages, key=lambda s: len(pages[s]))
    return slug, pages[slug]


def write_static_copy(content):
    from django.conf import settings

    directory = Path(settings.STATIC_ROOT) / "bench"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "article.html").write_bytes(content)
    return directory


def queries_per_page(client, article_url):
    """{page: queries} of a request made after one identical request (so
    site-wide things such as the helpline are cached, as on a running site)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    pages = [
        ("cached article", article_url),
        ("uncached article", article_url + "?uncached=1"),
        ("cached home", "/"),
        ("uncached home", "/?uncached=1"),
        ("search", SEARCH),
    ]
    for name, url in pages:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[name] = len(queries)
    cache.clear()
    return counts


def start_gunicorn(env, port, log):
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "allsite.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=2):
                return process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"gunicorn did not start; see {log.name}")


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def worker_pids(master_pid):
    children = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master_pid}$", text, re.M):
            children.append(int(status.parent.name))
    return sorted(children)


def rss_mib(pid):
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+) kB", text, re.M).group(1)) / 1024


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url, seconds):
    """{rps, p50, p99 (ms), errors} from one wrk run."""
    result = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout

    def latency(percent):
        value, unit = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * UNITS[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency(50),
        "p99": latency(99),
        "errors": (int(errors.group(1)) if errors else 0),
        "socket errors": sockets.group(1) if sockets else "",
    }


def check_status(base, urls):
    for url in urls.values():
        with urllib.request.urlopen(base + url, timeout=10) as response:
            assert response.status == 200, url


def load_rounds(base, targets):
    """{target: [wrk results]}, the targets interleaved in ROUNDS rounds."""
    for url in targets.values():  # warm each worker's caches and imports
        wrk(base + url.replace("<n>", "0"), 1)
    results = {name: [] for name in targets}
    for number in range(1, ROUNDS + 1):
        print(f"  round {number}/{ROUNDS}", flush=True)
        for name, url in targets.items():
            results[name].append(wrk(base + url.replace("<n>", str(number)), SECONDS))
    return results


def summarise(results):
    """{target: median figures over the rounds}."""
    return {
        name: {key: statistics.median(run[key] for run in runs) for key in ("rps", "p50", "p99")}
        | {"errors": sum(run["errors"] for run in runs)}
        for name, runs in results.items()
    }


def report(slug, size, figures, rss, queries):
    static = figures["static"]["rps"]
    heading(
        f"A. Load test at demo size (gunicorn, 2 sync workers, SQLite, Redis; wrk -t2 -c16 -d{SECONDS}s; median of {ROUNDS} interleaved rounds)"
    )
    print(f"  article: /treatment/{slug}/ ({size / 1024:.1f} KiB), the largest treatment page")
    rows = []
    for name, f in figures.items():
        rows.append(
            [
                name,
                f"{f['rps']:.0f}",
                f"{f['rps'] / static:.2f}x",
                f"{f['p50']:.1f}",
                f"{f['p99']:.1f}",
                f["errors"],
            ]
        )
    table(["target", "req/s", "vs static", "p50 ms", "p99 ms", "non-2xx"], rows)
    cached = figures["cached article"]["rps"] / static
    uncached = figures["uncached article"]["rps"] / static
    print()
    table(
        ["target", "wanted", "measured", ""],
        [
            ["cached article vs static", f">= {CACHED_MIN}x", f"{cached:.3f}x", verdict(cached >= CACHED_MIN)],
            ["uncached article vs static", f">= {UNCACHED_MIN}x", f"{uncached:.3f}x", verdict(uncached >= UNCACHED_MIN)],
            *[
                [f"worker {pid} RSS after the load", f"<= {RSS_MAX_MIB} MiB", f"{mib:.1f} MiB", verdict(mib <= RSS_MAX_MIB)]
                for pid, mib in rss.items()
            ],
        ],
    )  # fmt: skip
    print("\n  Database queries per request (in-process test client):")
    table(["page", "queries"], [[name, count] for name, count in queries.items()])


def main():
    workdir = tempfile.mkdtemp(prefix="allsite-bench-")
    heading("A. Setting up the demo site (SQLite, Redis), finding the largest article")
    redis, cache_url = start_redis()
    try:
        run(workdir, cache_url)
    finally:
        redis.terminate()
        redis.wait()
    shutil.rmtree(workdir, ignore_errors=True)


def run(workdir, cache_url):
    env = prepare_site(workdir, cache_url)
    from django.db import connections
    from django.test import Client

    client = Client()
    slug, content = largest_article(client)
    article = f"/treatment/{slug}/"
    queries = queries_per_page(client, article)
    connections.close_all()
    targets = dict(TARGETS)
    targets.update({"cached article": article, "uncached article": article + "?uncached=<n>"})
    static_dir = write_static_copy(content)
    try:
        figures, rss = serve_and_load(env, workdir, targets)
    finally:
        shutil.rmtree(static_dir, ignore_errors=True)
    report(slug, len(content), figures, rss, queries)


def serve_and_load(env, workdir, targets):
    """Start gunicorn, load it with wrk, read its workers' memory, stop it."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(Path(workdir) / "gunicorn.log", "w") as log:
        server = start_gunicorn(env, port, log)
        try:
            check_status(base, {k: v.replace("<n>", "0") for k, v in targets.items()})
            print(f"  gunicorn on {base}; {len(targets)} targets x {ROUNDS} rounds x {SECONDS} s")
            figures = summarise(load_rounds(base, targets))
            rss = {pid: rss_mib(pid) for pid in worker_pids(server.pid)}
        finally:
            stop(server)
    return figures, rss


if __name__ == "__main__":
    main()
