"""What operators rely on: /healthz, security headers, staff sessions, logs, error pages."""

import json
import logging
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import OperationalError
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from allsite.logs import JsonFormatter
from treatments import views as treatment_views

pytestmark = pytest.mark.django_db


def test_healthz_says_ok_without_a_cookie_a_host_check_or_a_cache(client):
    response = client.get("/healthz", HTTP_HOST="10.0.0.5")  # a balancer probing by address
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_healthz_reports_tasks_nobody_is_working_through(
    client, publish, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        publish()  # enqueues work for the worker (emails, re-renders), after commit
    assert DBTaskResult.objects.ready().exists()
    assert client.get("/healthz").json()["status"] == "ok"
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=30))
    response = client.get("/healthz")
    assert response.status_code == 200  # readers are still served: degraded, not down
    body = response.json()
    assert body["status"] == "degraded"
    assert "no worker" in body["checks"]["tasks"]["error"]
    assert body["checks"]["tasks"]["oldest_waiting_seconds"] >= 30 * 60


def test_every_response_refuses_camera_location_and_other_browser_features(client, publish):
    for url in ["/", publish().get_absolute_url(), "/no-such-page/", "/admin/login/"]:
        policy = client.get(url)["Permissions-Policy"]
        for feature in ("camera=()", "geolocation=()", "microphone=()", "payment=()"):
            assert feature in policy, url


def test_staff_sessions_end_with_the_browser_and_after_a_working_day(client, editor, settings):
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    client.force_login(editor)
    client.get("/admin/")
    assert client.session.get_expiry_age() <= 8 * 60 * 60
    assert client.session.get_expire_at_browser_close()


def test_a_database_failure_during_a_page_gives_503_with_the_helpline_not_a_500(
    client, publish, helpline, monkeypatch
):
    """The gunicorn test (test_two_instances) stops a real database; this one
    shows the same page on SQLite, where a query fails mid-request."""
    article = publish()
    client.get("/")  # any page view caches the helpline

    def broken(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(treatment_views.ArticleDetailView, "get_object", broken)
    client.raise_request_exception = False
    response = client.get(article.get_absolute_url() + "?uncached=1")
    assert response.status_code == 503
    html = response.content.decode()
    assert "not available just now" in html
    assert 'href="tel:08081570100"' in html
    assert "support@example.org" in html

    cache.clear()  # nothing cached either: the helpline from settings
    fallback = {"name": "Helpline", "phone": "0800 000 1111", "email": "help@example.org"}
    with override_settings(HELPLINE_FALLBACK=fallback):
        html = client.get(article.get_absolute_url() + "?uncached=2").content.decode()
    assert 'href="tel:08000001111"' in html
    assert "help@example.org" in html


def test_json_logs_carry_the_message_the_request_and_extra_fields():
    record = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "Boom %s", ("x",), None
    )
    record.status_code = 500
    record.task = "rerender_pages"
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "Boom x"
    assert entry["level"] == "ERROR"
    assert entry["status"] == 500
    assert entry["task"] == "rerender_pages"
    assert entry["time"].endswith("+00:00")
