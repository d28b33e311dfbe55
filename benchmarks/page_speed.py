"""How fast are public pages? Prints figures; asserts nothing.

Loads the demo into a throwaway SQLite database, then times requests through
Django's full request handling (test client, real middleware and templates).
Every figure is a ratio against a baseline measured in the same run, so the
numbers mean the same on a fast or slow machine:

- each page type against /robots.txt (the cheapest request the site serves);
- an article page as served (stored HTML) against the same page if its
  Markdown were rendered on every request, which is what storing the HTML at
  approval avoids.

Run: make bench   (or: DJANGO_DEBUG=1 .venv/bin/python benchmarks/page_speed.py)
"""

import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allsite.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from treatments.models import Article  # noqa: E402
from treatments.rendering import render_body  # noqa: E402

ROUNDS = 200
PAGES = {
    "home": "/",
    "article": "/treatment/induction/",
    "section": "/treatment/phases-of-treatment/",
    "medicine": "/medicines/blinatumomab/",
    "glossary": "/glossary/",
    "search": "/search/?q=stem+cell+transplant",
}


def median_ms(fn, rounds=ROUNDS):
    fn()  # warm caches and imports
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main():
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    client = Client()

    def get(url):
        response = client.get(url)
        assert response.status_code == 200, url

    baseline = median_ms(lambda: get("/robots.txt"))
    print(f"baseline /robots.txt: {baseline:.2f} ms (median of {ROUNDS})\n")
    print(f"{'page':<10} {'median ms':>10} {'x baseline':>11} {'queries':>8}")
    for name, url in PAGES.items():
        ms = median_ms(lambda url=url: get(url))
        with CaptureQueriesContext(connection) as queries:
            get(url)
        print(f"{name:<10} {ms:>10.2f} {ms / baseline:>11.1f} {len(queries):>8}")

    body = Article.objects.get(slug="induction").live_revision.body
    stored = median_ms(lambda: get("/treatment/induction/"))
    render_only = median_ms(lambda: render_body(body))
    print(
        f"\narticle served from stored HTML: {stored:.2f} ms; rendering its Markdown, "
        f"citations and sanitizing would add {render_only:.2f} ms per request "
        f"({(stored + render_only) / stored:.2f}x the stored-HTML time)"
    )


if __name__ == "__main__":
    main()
