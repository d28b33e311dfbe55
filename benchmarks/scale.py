"""Part B of `make bench`: does the site stay fast at 10,000 pages?

Runs on PostgreSQL (under scripts/with-postgres, which sets DATABASE_URL).
The same figures are measured twice in one run, on one database: on the
demo-size site (`migrate`, `load_demo`), then after `grow_demo N` (N from
BENCH_PAGES, default 10000; `BENCH_PAGES=1000` is a quick run). Each grown
figure is printed against its demo-size time and against its target.

How things are timed: in-process, with Django's test client (the full
request handling: middleware, views, templates, real SQL on PostgreSQL; no
network, no gunicorn), production settings (DJANGO_DEBUG=0), the full-page
cache off (ALLSITE_PAGE_CACHE=0) so every page is rendered, and background
tasks in the database (DJANGO_TASKS=database), as in production. Each URL is
requested a few times untimed, then REPEAT times; the median and p95 of those
are printed. Before each stage is measured the database gets VACUUM ANALYZE,
as after any bulk load. The grown copy of the demo's largest page is compared
with the demo page's demo-size time.

- Public pages: a treatment page (the demo's largest, and at scale also one
  of its copies deep in the grown sections), home, a top-level section, a
  tag page, a medicine page, the glossary, the sitemap index and one sitemap
  file; search with several queries (p95 over all of them). Search is never
  served from the page cache, so it is measured as production renders it:
  with the page cache on for its chrome (header, footer, helpline, shared by
  every page), and again with the chrome rendered too.
- Staff pages, logged in as the demo `reviewer`: the due-for-review list and
  the admin lists of articles, references, revisions and transitions, with
  the queries each makes. So that the due list has the share of pages a real
  site has, every page's next review date is first spread evenly over the
  36 months a review lasts (a direct update of that date only).
- Publishing a glossary term: the demo `reviewer` approves a new term in the
  admin review screen (one timed POST request); then `manage.py db_worker
  --batch` re-renders the pages that use it (timed as a whole process, and by
  its tasks' own start and finish times). At scale the term is a made-up
  word that grow_demo put on exactly 100 pages, and the run checks that those
  100 live pages, and only they, link to it. At demo size no page uses the
  term (the figure shows the fixed cost).

Run: BENCH_PAGES=1000 scripts/with-postgres .venv/bin/python benchmarks/scale.py
"""

import atexit
import datetime
import logging
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    heading,
    manage,
    median,
    percentile,
    start_redis,
    table,
    timed,
    use_environment,
    verdict,
)

PAGES = int(os.environ.get("BENCH_PAGES", "10000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))
ADMIN_REPEAT = max(5, REPEAT // 2)
SEARCHES = [
    "stem cell transplant",
    "induction",
    "methotrexate",
    "side effects of steroids",
    "car t cell therapy",
    "what is remission",
    "relapse",
    "blinatumomab",
]
ADMIN_LISTS = [
    "/admin/treatments/article/",
    "/admin/references/reference/",
    "/admin/treatments/revision/",
    "/admin/treatments/transition/",
]
DUE_LIST = "/admin/treatments/article/due-for-review/"
PAGE_RATIO_MAX = 1.5
SEARCH_P95_MAX_MS = 50
DUE_MAX_MS = 200
APPROVE_MAX_S = 1.0
RERENDER_MAX_S = 10.0


def environment():
    """This process: production settings, page cache off, tasks in the database.
    The setup commands (load_demo, grow_demo) run with the default (immediate)
    task backend, as the settings give it when DJANGO_TASKS is unset."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Part B needs PostgreSQL: run it under scripts/with-postgres.")
    redis, cache_url = start_redis()
    atexit.register(redis.terminate)
    env = use_environment(ALLSITE_PAGE_CACHE="0", DJANGO_TASKS="database", CACHE_URL=cache_url)
    setup_env = {k: v for k, v in env.items() if k != "DJANGO_TASKS"}
    return env, setup_env


# Measuring -----------------------------------------------------------------


def public_urls(stage):
    from treatments.models import Article

    largest = stage["article"]
    urls = {
        "article (demo page)": f"/treatment/{largest}/",
        "home": "/",
        "top-level section": f"/treatment/{stage['top']}/",
        "tag page": "/tags/chemotherapy/",
        "medicine page": "/medicines/vincristine/",
        "glossary": "/glossary/",
        "sitemap index": "/sitemap.xml",
        "sitemap file": "/sitemap-content-1.xml",
    }
    copy = Article.objects.filter(slug__regex=rf"^{largest}-c[0-9]+$").order_by("-pk").first()
    if copy is not None:
        urls["article (grown copy)"] = f"/treatment/{copy.slug}/"
    return urls


def get(client, url, status=200):
    def fetch():
        response = client.get(url)
        assert response.status_code == status, (url, response.status_code)

    return fetch


def count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        get(client, url)()
    return len(queries)


def measure_pages(client, urls, repeat):
    """{name: {median, p95, queries}} for each URL."""
    figures = {}
    for name, url in urls.items():
        try:
            times = timed(get(client, url), repeat)
        except Exception as error:  # a page that fails is a finding, not the end of the run
            figures[name] = {"error": f"{url}: {type(error).__name__}: {error}"[:300]}
            continue
        figures[name] = {
            "median": median(times),
            "p95": percentile(times, 0.95),
            "queries": count_queries(client, url),
        }
    return figures


def measure_search(client, *, shared_chrome):
    """Search times over SEARCHES. A search is never served from the page cache
    (its address has a query), so in production it is rendered on every
    request, with the chrome (header, footer, helpline) shared by all pages:
    `shared_chrome` measures it so (the page cache on). Without, the chrome is
    rendered too, as everything else in this run is."""
    from django.test import override_settings

    times, worst = [], {}
    with override_settings(PAGE_CACHE_ENABLED=shared_chrome):
        for query in SEARCHES:
            url = "/search/?q=" + query.replace(" ", "+")
            these = timed(get(client, url), ADMIN_REPEAT)
            times += these
            worst[query] = percentile(these, 0.95)
        queries = count_queries(client, "/search/?q=stem+cell+transplant")
    slowest = max(worst, key=worst.get)
    return {
        "median": median(times),
        "p95": percentile(times, 0.95),
        "slowest": f"{slowest!r} p95 {worst[slowest]:.1f} ms",
        "queries": queries,
    }


def spread_review_dates():
    """Give every published article a next-review date spread evenly over the
    36 months a review lasts (from 30 days overdue), as on a site that has
    run for years; so the due list holds a realistic share of pages.
    Returns how many are due within 60 days."""
    from django.db import connection
    from django.utils import timezone

    from treatments.models import Article

    start = timezone.localdate() - datetime.timedelta(days=30)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {Article._meta.db_table} AS a
            SET next_review_due = %s::date + (r.n * %s / r.total)::integer
            FROM (
                SELECT id, row_number() OVER (ORDER BY md5(id::text)) - 1 AS n,
                    count(*) OVER () AS total
                FROM {Article._meta.db_table} WHERE live_revision_id IS NOT NULL
            ) AS r
            WHERE a.id = r.id
            """,
            [start, 36 * 30],
        )
    return Article.objects.due_for_review().count()


def measure_staff(client):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="reviewer"))
    return measure_pages(
        client, {"due-for-review list": DUE_LIST} | {u: u for u in ADMIN_LISTS}, ADMIN_REPEAT
    )


# Publishing a glossary term --------------------------------------------------


def draft_term(word):
    """A new glossary term for `word`, saved and submitted by the demo editor."""
    from django.contrib.auth import get_user_model

    from treatments import workflow
    from treatments.models import Article, Kind

    editor = get_user_model().objects.get(username="editor")
    article = Article.objects.create(slug=word, kind=Kind.GLOSSARY)
    revision = workflow.save_draft(
        article,
        by=editor,
        base_revision=None,
        title=word,
        summary="A made-up word, used to measure publishing a term that many pages use.",
        body="",
        details={"aliases": []},
    )
    workflow.submit(revision, by=editor, note_for_readers="First published.")
    return article, revision


def run_worker():
    """Run `manage.py db_worker --batch` (every waiting task, then exit); its wall time."""
    return manage("db_worker", "--batch", "--no-startup-delay", "-v0", quiet=True)


def publish_term(client, word, expected_pages):
    """Time the reviewer's approval request, then the background re-render;
    check which live pages link the term afterwards."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse
    from django_tasks_db.models import DBTaskResult

    from treatments.models import Article, LivePage

    article, revision = draft_term(word)
    run_worker()  # the submission's own task (an email to reviewers), untimed
    client.force_login(get_user_model().objects.get(username="reviewer"))
    url = reverse("admin:treatments_review", args=[revision.pk])
    before = set(DBTaskResult.objects.values_list("pk", flat=True))
    start = time.perf_counter()
    response = client.post(url, {"action": "approve", "comment": "Benchmark approval."})
    request_s = time.perf_counter() - start
    assert response.status_code == 302, response.status_code
    worker_s = run_worker()
    ran = list(DBTaskResult.objects.exclude(pk__in=before))
    failed = [task.task_path for task in ran if task.status != "SUCCESSFUL"]
    assert not failed, f"tasks failed: {failed}"
    first = min(task.started_at for task in ran)
    last = max(task.finished_at for task in ran)
    article.refresh_from_db()
    linking = set(
        LivePage.objects.filter(glossary_revisions=article.live_revision).values_list(
            "article_id", flat=True
        )
    )
    anchor = f'href="{article.get_absolute_url()}"'
    with_link = set(
        LivePage.objects.filter(
            article_id__in=expected_pages, body_html__contains=anchor
        ).values_list("article_id", flat=True)
    )
    return {
        "request_s": request_s,
        "worker_s": worker_s,
        "tasks_s": (last - first).total_seconds(),
        "tasks": len(ran),
        "linking": len(linking),
        "linking_ok": linking == set(expected_pages) and with_link == set(expected_pages),
        "pages": Article.objects.filter(pk__in=linking).count(),
    }


def pages_with_word(word_number):
    """Ids of the copies grow_demo gave `zorblat<word_number>`."""
    from allsite.demo.grow import copies_with_word
    from treatments.models import Article

    wanted = set(copies_with_word(word_number))
    ids = []
    for pk, slug in (
        Article.objects.pages().filter(slug__regex=r"-c[0-9]+$").values_list("pk", "slug")
    ):
        if int(slug.rsplit("-c", 1)[1]) in wanted:
            ids.append(pk)
    return ids


def full_word_group():
    """A made-up word on exactly 100 pages of the grown site, or None."""
    from treatments.models import Article

    copies = Article.objects.pages().published().filter(slug__regex=r"-c[0-9]+$").count()
    groups = copies // 100
    if groups < 2:
        return None
    word_number = max(1, groups // 2)
    return word_number


# The run ---------------------------------------------------------------------


def stage_facts():
    from django.db import connection

    from references.models import Reference
    from treatments.models import Article

    with connection.cursor() as cursor:
        # As after any bulk load: fresh planner statistics, and no autovacuum
        # of the new rows competing with the measurements for the CPU.
        cursor.execute("VACUUM (ANALYZE)")
    return {
        "pages": Article.objects.pages().published().count(),
        "references": Reference.objects.count(),
        "due": spread_review_dates(),
    }


def measure(client, stage, word, expected):
    facts = stage_facts()
    print(
        f"  {facts['pages']} treatment pages, {facts['references']} references, "
        f"{facts['due']} due for review within 60 days; measuring...",
        flush=True,
    )
    client.logout()
    figures = {
        "facts": facts,
        "public": measure_pages(client, public_urls(stage), REPEAT),
        "search": measure_search(client, shared_chrome=True),
        "search, chrome rendered": measure_search(client, shared_chrome=False),
        "staff": measure_staff(client),
    }
    figures["publish"] = publish_term(client, word, expected)
    client.logout()
    return figures


def largest_demo_article():
    from treatments.models import Article

    pages = Article.objects.pages().published().select_related("live_page")
    return max(pages, key=lambda a: len(a.live_page.body_html)).slug


def report(demo, grown, grow_seconds, word):
    heading(
        f"B. Scale run on PostgreSQL: {demo['facts']['pages']} -> {grown['facts']['pages']} "
        f"treatment pages (in-process test client, DJANGO_DEBUG=0, page cache off; "
        f"median/p95 of {REPEAT} requests, staff pages and search {ADMIN_REPEAT})"
    )
    print(f"  grow_demo {PAGES}: {grow_seconds:.0f} s ({grow_seconds / 60:.1f} min)")
    rows, errors = [], []
    for name, g in grown["public"].items():
        base = demo["public"].get(name) or demo["public"]["article (demo page)"]
        if "error" in g or "error" in base:
            errors.append(f"{name}: {g.get('error') or base.get('error')}")
            rows.append([name, "", "", "", "", f"<= {PAGE_RATIO_MAX}x", "NOT MET (error)", ""])
            continue
        ratio = g["median"] / base["median"]
        rows.append([
            name, f"{base['median']:.1f}", f"{g['median']:.1f}", f"{g['p95']:.1f}",
            f"{ratio:.2f}x", f"<= {PAGE_RATIO_MAX}x", verdict(ratio <= PAGE_RATIO_MAX),
            f"{base['queries']} -> {g['queries']}",
        ])  # fmt: skip
    s, ds = grown["search"], demo["search"]
    rows.append([
        "search (8 queries)", f"{ds['median']:.1f}", f"{s['median']:.1f}", f"{s['p95']:.1f}",
        f"{s['median'] / ds['median']:.2f}x", f"p95 <= {SEARCH_P95_MAX_MS} ms",
        verdict(s["p95"] <= SEARCH_P95_MAX_MS), f"{ds['queries']} -> {s['queries']}",
    ])  # fmt: skip
    r, dr = grown["search, chrome rendered"], demo["search, chrome rendered"]
    rows.append([
        "  chrome rendered too", f"{dr['median']:.1f}", f"{r['median']:.1f}", f"{r['p95']:.1f}",
        f"{r['median'] / dr['median']:.2f}x", "", "", f"{dr['queries']} -> {r['queries']}",
    ])  # fmt: skip
    print("\n  Public pages (ms)")
    table(["page", "demo median", "median", "p95", "vs demo", "target", "", "queries"], rows)
    print(f"  slowest search: {s['slowest']} (demo size: {ds['slowest']})")
    print(
        "  Search is never served from the page cache (its address has a query); it is\n"
        "  measured as production renders it, sharing the chrome (header, footer,\n"
        "  helpline) with every page, and below it with the chrome rendered too."
    )
    for error in errors:
        print(f"  ERROR {error}")
    rows = []
    for name, g in grown["staff"].items():
        base = demo["staff"][name]
        target = f"<= {DUE_MAX_MS} ms" if name.startswith("due") else ""
        met = verdict(g["median"] <= DUE_MAX_MS) if target else ""
        rows.append([
            name, f"{base['median']:.1f}", f"{g['median']:.1f}", f"{g['p95']:.1f}",
            f"{g['median'] / base['median']:.2f}x", target, met,
            f"{base['queries']} -> {g['queries']}",
        ])  # fmt: skip
    print(
        f"\n  Staff pages, logged in as reviewer (ms; due list: {demo['facts']['due']} -> "
        f"{grown['facts']['due']} pages due)"
    )
    table(["page", "demo median", "median", "p95", "vs demo", "target", "", "queries"], rows)
    d, g = demo["publish"], grown["publish"]
    print(f"\n  Publishing a glossary term (grown site: {word!r}, on {g['linking']} pages)")
    table(
        ["step", "demo size", "grown", "target", ""],
        [
            ["approval request (admin review POST)", f"{d['request_s']:.2f} s", f"{g['request_s']:.2f} s",
             f"<= {APPROVE_MAX_S:.0f} s", verdict(g["request_s"] <= APPROVE_MAX_S)],
            ["db_worker --batch, whole process", f"{d['worker_s']:.2f} s", f"{g['worker_s']:.2f} s",
             f"<= {RERENDER_MAX_S:.0f} s", verdict(g["worker_s"] <= RERENDER_MAX_S)],
            ["  of which its tasks (first start to last finish)", f"{d['tasks_s']:.2f} s",
             f"{g['tasks_s']:.2f} s", "", ""],
            ["  tasks run", d["tasks"], g["tasks"], "", ""],
            ["live pages linking the term", d["linking"], g["linking"], "exactly the 100 pages",
             verdict(g["linking_ok"] and g["linking"] == 100)],
        ],
    )  # fmt: skip


def main():
    env, setup_env = environment()
    heading(f"B. Scale run on PostgreSQL: migrate, load_demo (then grow_demo {PAGES})")
    manage("migrate", "--noinput", "-v0", env=setup_env)
    manage("load_demo", env=setup_env, quiet=True)
    import django

    django.setup()
    # A page that fails is reported in one line, without Django's traceback log.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    from django.db import connections
    from django.test import Client

    client = Client()
    from treatments.models import Article

    stage = {
        "article": largest_demo_article(),
        "top": Article.objects.pages().filter(parent__isnull=True).order_by("order").first().slug,
    }
    print("  demo size:", flush=True)
    demo = measure(client, stage, "zorblatdemo", [])
    connections.close_all()

    heading(f"B. grow_demo {PAGES}")
    grow_seconds = manage("grow_demo", str(PAGES), env=setup_env)
    word_number = full_word_group()
    if word_number is None:
        sys.exit(f"BENCH_PAGES={PAGES} is too few pages for a word shared by 100 pages.")
    word = f"zorblat{word_number}"
    print("  grown:", flush=True)
    grown = measure(client, stage, word, pages_with_word(word_number))
    report(demo, grown, grow_seconds, word)


if __name__ == "__main__":
    main()
