"""/healthz: whether this instance can serve, for load balancers and monitoring.

Answered by a middleware placed first, so that no Host check, HTTPS redirect,
session or page cache stands in the way of a probe. JSON, never cached:

    {"status": "ok" | "degraded" | "down", "checks": {"database": {...},
     "cache": {...}, "tasks": {...}}}

503 only when the database cannot be reached (this instance could then serve
nothing but cached pages and the 503 page); an unreachable cache or a task
queue nobody is working through is "degraded" with 200: readers still get
every page, so the balancer should keep sending them here.
"""

import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone

PATH = "/healthz"
# A task ready this long without being picked up means no worker is running.
STALE_TASK_AFTER = timedelta(minutes=10)


def _timed(check):
    start = time.perf_counter()
    try:
        result = check()
    except Exception as error:  # a failing check is the answer, not an error
        result = {"ok": False, "error": f"{type(error).__name__}: {error}"[:200]}
    result["ms"] = round((time.perf_counter() - start) * 1000, 1)
    return result


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def check_cache():
    if not settings.SHARED_CACHE:
        return {"ok": True, "shared": False}
    key, value = f"allsite:healthz:{secrets.token_hex(4)}", secrets.token_hex(4)
    cache.set(key, value, 10)
    ok = cache.get(key) == value
    cache.delete(key)
    return {"ok": ok, "shared": True} | ({} if ok else {"error": "cache did not keep a value"})


def check_tasks():
    backend = settings.TASKS["default"]["BACKEND"]
    if backend != "django_tasks_db.DatabaseBackend":
        return {"ok": True, "backend": "immediate"}
    from django_tasks_db.models import DBTaskResult

    ready = DBTaskResult.objects.ready()
    oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    waiting_for = (timezone.now() - oldest) if oldest else timedelta(0)
    result = {"ok": waiting_for < STALE_TASK_AFTER, "backend": "database"}
    result["oldest_waiting_seconds"] = int(waiting_for.total_seconds())
    if not result["ok"]:
        result["error"] = "tasks are waiting and no worker is taking them (manage.py db_worker)"
    return result


def health():
    checks = {"database": _timed(check_database)}
    checks["cache"] = _timed(check_cache)
    checks["tasks"] = _timed(check_tasks) if checks["database"]["ok"] else {"ok": False}
    if not checks["database"]["ok"]:
        status = "down"
    elif all(check["ok"] for check in checks.values()):
        status = "ok"
    else:
        status = "degraded"
    return status, checks


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info != PATH or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        status, checks = health()
        response = JsonResponse(
            {"status": status, "checks": checks}, status=503 if status == "down" else 200
        )
        response["Cache-Control"] = "no-store"
        return response
