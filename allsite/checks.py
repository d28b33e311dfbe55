"""Deployment checks: settings that would let processes disagree about what readers see."""

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def shared_cache_for_many_processes(app_configs, **kwargs):
    problems = []
    database_tasks = settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    if not settings.SHARED_CACHE and database_tasks:
        problems.append(
            Warning(
                "Background tasks run in a separate worker (DJANGO_TASKS=database) but the "
                "cache is per process: pages the worker re-renders would stay stale in the "
                "web processes' caches.",
                hint="Set DJANGO_CACHE=database (and run manage.py createcachetable).",
                id="allsite.W001",
            )
        )
    if not settings.SHARED_CACHE and settings.PAGE_CACHE_ENABLED:
        problems.append(
            Warning(
                "The full-page cache is on with a per-process cache: with more than one "
                "process, a publish would reach only the process that handled it.",
                hint="Serve with a single process, or set DJANGO_CACHE=database.",
                id="allsite.W002",
            )
        )
    return problems
