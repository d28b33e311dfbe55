"""Production settings come from the environment and refuse unsafe defaults."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LONG_SECRET = "a-long-random-secret-key-used-only-by-this-test-0123456789abcdefghij"


def manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.pop("DATABASE_URL", None)
    clean["DJANGO_SETTINGS_MODULE"] = "allsite.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_a_secret_key_stops_with_a_clear_message():
    result = manage("check", DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="all.example.org")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_without_allowed_hosts_stops_with_a_clear_message():
    result = manage("check", DJANGO_DEBUG="0", DJANGO_SECRET_KEY=LONG_SECRET)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS is not set" in result.stderr


def test_debug_is_off_unless_asked_for():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        DJANGO_SECRET_KEY=LONG_SECRET,
        DJANGO_ALLOWED_HOSTS="all.example.org",
    )
    assert result.stdout.strip().endswith("False"), result.stderr


def test_deploy_checks_pass_when_production_settings_are_given():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=LONG_SECRET,
        DJANGO_ALLOWED_HOSTS="all.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def documented_production_variables():
    """KEY=value lines of deploy/production.env.example (the README points there)."""
    variables = {}
    for line in (ROOT / "deploy" / "production.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            variables[name.strip()] = value.strip()
    return variables


def test_deploy_checks_pass_with_the_documented_production_variables():
    variables = documented_production_variables()
    assert variables["CACHE_URL"].startswith("redis://")
    assert int(variables["WEB_CONCURRENCY"]) > 1
    result = manage("check", "--deploy", "--fail-level", "WARNING", **variables)
    assert result.returncode == 0, result.stdout + result.stderr


def test_several_web_processes_with_a_per_process_cache_are_refused():
    variables = documented_production_variables()
    del variables["CACHE_URL"]
    result = manage("check", **variables)
    assert result.returncode != 0
    assert "3 web processes would each keep their own cache" in result.stderr
    assert "CACHE_URL=redis://" in result.stderr


def test_a_separate_task_worker_with_a_per_process_cache_is_refused():
    result = manage(
        "check", DJANGO_DEBUG="0", DJANGO_SECRET_KEY=LONG_SECRET,
        DJANGO_ALLOWED_HOSTS="all.example.org", DJANGO_TASKS="database",
    )  # fmt: skip
    assert result.returncode != 0
    assert "separate worker (DJANGO_TASKS=database)" in result.stderr


def test_hsts_for_subdomains_and_preloading_is_opt_in():
    show = "from django.conf import settings as s; print(s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SECURE_HSTS_SECONDS)"
    base = {"DJANGO_SECRET_KEY": LONG_SECRET, "DJANGO_ALLOWED_HOSTS": "all.example.org"}
    assert manage("shell", "-c", show, **base).stdout.split()[-3:] == ["False", "False", "31536000"]
    opted = manage(
        "shell", "-c", show, DJANGO_HSTS_INCLUDE_SUBDOMAINS="1", DJANGO_HSTS_PRELOAD="1", **base
    )
    assert opted.stdout.split()[-3:] == ["True", "True", "31536000"]


def test_email_settings_come_from_email_url():
    show = (
        "from django.conf import settings as s; "
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, "
        "s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS, s.ADMINS)"
    )
    result = manage(
        "shell", "-c", show, DJANGO_DEBUG="1",
        EMAIL_URL="smtp+tls://allsite%40example.org:p%40ss@smtp.example.org",
        DJANGO_ADMINS="Ann Smith <ann@example.org>, ops@example.org",
    )  # fmt: skip
    assert result.stdout.strip().splitlines()[-1] == (
        "django.core.mail.backends.smtp.EmailBackend smtp.example.org 587 allsite@example.org "
        "p@ss True [('Ann Smith', 'ann@example.org'), ('ops@example.org', 'ops@example.org')]"
    ), result.stderr


def test_email_settings_also_come_from_separate_variables():
    from allsite.environment import email_settings

    with pytest.MonkeyPatch.context() as env:
        for name in ("EMAIL_URL", "DJANGO_EMAIL_BACKEND"):
            env.delenv(name, raising=False)
        env.setenv("EMAIL_HOST", "mail.example.org")
        env.setenv("EMAIL_PORT", "465")
        env.setenv("EMAIL_USE_SSL", "1")
        found = email_settings()
    assert found["EMAIL_HOST"] == "mail.example.org"
    assert found["EMAIL_PORT"] == 465
    assert found["EMAIL_USE_SSL"] is True
    assert found["EMAIL_BACKEND"].endswith("smtp.EmailBackend")


def test_a_mistyped_email_url_or_admin_address_stops_with_a_clear_message():
    base = {"DJANGO_DEBUG": "1"}
    wrong_url = manage("check", EMAIL_URL="smpt://mail.example.org", **base)
    assert wrong_url.returncode != 0
    assert "EMAIL_URL must look like smtp+tls://" in wrong_url.stderr
    wrong_admin = manage("check", DJANGO_ADMINS="Ann Smith", **base)
    assert wrong_admin.returncode != 0
    assert "DJANGO_ADMINS has 'Ann Smith', which is not an email address" in wrong_admin.stderr


def test_sentry_reports_errors_only_when_a_dsn_is_given_and_sends_no_personal_data():
    show = (
        "import sys, sentry_sdk; client = sentry_sdk.get_client(); "
        "print(client.is_active(), client.options['send_default_pii'] if client.is_active() else '-')"
    )
    base = {"DJANGO_DEBUG": "1"}
    assert manage("shell", "-c", show, **base).stdout.split()[-2:] == ["False", "-"]
    on = manage("shell", "-c", show, SENTRY_DSN="https://public@sentry.example.org/1", **base)
    assert on.stdout.split()[-2:] == ["True", "False"], on.stderr


def test_a_page_serving_process_does_not_load_sentry_without_a_dsn():
    show = "import sys; print('sentry_sdk' in sys.modules, 'qrcode' in sys.modules)"
    result = manage("shell", "-c", show, DJANGO_DEBUG="1")
    assert result.stdout.split()[-2:] == ["False", "False"], result.stderr


def test_links_in_emails_use_the_public_address_not_the_development_server():
    show = "from django.conf import settings as s; print(s.SITE_URL)"
    base = {"DJANGO_SECRET_KEY": LONG_SECRET, "DJANGO_ALLOWED_HOSTS": "all.example.org,www.x.org"}
    assert manage("shell", "-c", show, **base).stdout.split()[-1] == "https://all.example.org"
    chosen = manage("shell", "-c", show, ALLSITE_BASE_URL="https://info.example.org/", **base)
    assert chosen.stdout.split()[-1] == "https://info.example.org"


def test_images_served_from_another_address_are_allowed_by_the_content_security_policy():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; "
        "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'], "
        "settings.STORAGES['default']['BACKEND'])",
        DJANGO_DEBUG="1",
        ALLSITE_MEDIA_URL="https://media.example.org/allsite/",
        ALLSITE_MEDIA_STORAGE='{"BACKEND": "django.core.files.storage.InMemoryStorage"}',
    )
    assert "'https://media.example.org'" in result.stdout, result.stderr
    assert "InMemoryStorage" in result.stdout
