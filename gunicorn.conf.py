"""gunicorn's settings for allsite (gunicorn reads ./gunicorn.conf.py by itself).

The worker count comes from WEB_CONCURRENCY (gunicorn's own default) or
--workers. Starting more than one worker with a per-process cache is refused
here, before any request is served: each worker would keep its own copy of
the helpline and of rendered pages, and a change would reach only one of
them (allsite.checks says the same for manage.py).
"""

import gc
import os

# Readers' requests are short; a request still running after this is stuck.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Django's structured logs (allsite.logs) go to stderr; gunicorn's access log too.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None


def on_starting(server):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allsite.settings")
    import django

    django.setup(set_prefix=False)
    from allsite.checks import SHARED_CACHE_HINT, per_process_cache_problems, uses_database_tasks

    problems = per_process_cache_problems(
        web_processes=server.cfg.workers, database_tasks=uses_database_tasks()
    )
    if problems:
        raise SystemExit(
            "allsite refuses to start: " + " ".join(problems) + " " + SHARED_CACHE_HINT
        )
    # What Django loaded stays for the process's life: out of the collector's
    # way, so full collections stay short and leave the shared pages alone.
    gc.collect()
    gc.freeze()


def post_request(worker, req, environ, resp):
    from allsite.page_cache import RENDERED

    worker.allsite_collect = bool(environ.get(RENDERED))


def pre_request(worker, req):
    """A rendered page leaves reference cycles (querysets, template contexts).
    Left to Python's schedule they reach the oldest generation, which is
    collected rarely, and each worker grew by about 4 MiB under load.
    Collected here, when the previous request's objects are all released
    (its response still holds them in post_request), they cost about nothing.
    Pages served from the page cache leave none, and are not slowed."""
    if getattr(worker, "allsite_collect", False):
        worker.allsite_collect = False
        gc.collect(1)
