"""System checks: settings that would let processes disagree about what readers see.

A per-process cache (no CACHE_URL) is refused whenever the settings say more
than one process will use it: WEB_CONCURRENCY above 1 (gunicorn takes its
worker count from the same variable) or a separate task worker
(DJANGO_TASKS=database). gunicorn does not run Django's checks, so
gunicorn.conf.py makes the same refusal when it is started with more than one
worker, however the count was given.
"""

from django.conf import settings
from django.core.checks import Error, Warning, register

SHARED_CACHE_HINT = "Set CACHE_URL=redis://host:6379/0 (a Redis server every process reaches)."


def per_process_cache_problems(*, web_processes, database_tasks):
    """Why the configured cache cannot serve this many processes (plain words), or []."""
    if settings.SHARED_CACHE:
        return []
    problems = []
    if web_processes > 1:
        problems.append(
            f"{web_processes} web processes would each keep their own cache: after a "
            "publish or a helpline change, most page loads would show the old text."
        )
    if database_tasks:
        problems.append(
            "Background tasks run in a separate worker (DJANGO_TASKS=database), but the "
            "cache is per process: pages the worker re-renders would stay stale in the web "
            "processes' caches."
        )
    return problems


def uses_database_tasks():
    return settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"


@register()
def shared_cache_for_many_processes(app_configs, **kwargs):
    return [
        Error(problem, hint=SHARED_CACHE_HINT, id="allsite.E001")
        for problem in per_process_cache_problems(
            web_processes=settings.WEB_PROCESSES, database_tasks=uses_database_tasks()
        )
    ]


@register(deploy=True)
def page_cache_in_one_process(app_configs, **kwargs):
    if settings.SHARED_CACHE or not settings.PAGE_CACHE_ENABLED:
        return []
    return [
        Warning(
            "The full-page cache is on with a per-process cache: with more than one "
            "process, a publish would reach only the process that handled it.",
            hint="Serve with a single process, or "
            + SHARED_CACHE_HINT[0].lower()
            + SHARED_CACHE_HINT[1:],
            id="allsite.W002",
        )
    ]
