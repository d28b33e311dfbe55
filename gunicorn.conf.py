"""gunicorn's settings for allsite (gunicorn reads ./gunicorn.conf.py by itself).

The worker count comes from WEB_CONCURRENCY (gunicorn's own default) or
--workers. Starting more than one worker with a per-process cache is refused
here, before any request is served: each worker would keep its own copy of
the helpline and of rendered pages, and a change would reach only one of
them (allsite.checks says the same for manage.py).
"""

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
