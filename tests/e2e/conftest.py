import io
import os
import shutil
import sqlite3

import pytest
from django.core.management import call_command
from playwright.sync_api import sync_playwright

# Playwright's sync API runs an event loop in the test thread; the ORM calls
# made by fixtures there are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    chromium = shutil.which("chromium")
    assert chromium, "make test installs Debian's chromium (scripts/install-system-deps)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """A fresh browser context per person (separate cookies), closed after the test."""
    contexts = []

    def _new_page(*, bypass_csp=False):
        """`bypass_csp` only for injecting test tools such as axe-core."""
        context = browser.new_context(bypass_csp=bypass_csp)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield _new_page
    for context in contexts:
        context.close()


@pytest.fixture
def login(live_server):
    def _login(page, username, password="pw"):
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        page.wait_for_url(f"{live_server.url}/admin/")

    return _login


@pytest.fixture(autouse=True)
def staff_roles(transactional_db):
    """The live server's database is emptied after each test, groups included."""
    from django.apps import apps

    from treatments.roles import ensure_groups

    ensure_groups(apps)


_demo_copy = {}


@pytest.fixture
def demo(live_server):
    """The demo (`manage.py load_demo`) in the live server's database. The test's
    database is emptied when it ends, so each test needs it again; loading takes
    seconds, so on SQLite later tests get a copy (sqlite3's backup) of the
    database as the first load left it. Each starts from the migrated database
    with the staff roles (`staff_roles`), so each load would give the same."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    if connection.vendor != "sqlite":
        call_command("load_demo", stdout=io.StringIO())
        return
    connection.ensure_connection()
    if "database" in _demo_copy:
        _demo_copy["database"].backup(connection.connection)
        ContentType.objects.clear_cache()
    else:
        call_command("load_demo", stdout=io.StringIO())
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(copy)
        _demo_copy["database"] = copy
