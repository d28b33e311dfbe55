"""Production settings come from the environment and refuse unsafe defaults."""

import os
import subprocess
import sys
from pathlib import Path

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
