import contextlib
import datetime
import io
import itertools

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction

from allsite.models import HelplineInfo, HelplinePhone
from references.models import Reference
from treatments import workflow
from treatments.models import Article, ReviewerProfile

_counter = itertools.count(1)

# What the migrations left in the test database (content types, permissions,
# the staff roles a data migration made), as Django serializes it.
_MIGRATED_STATE = []


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, and a copy of what its migrations put in it."""
    from django.db import connection

    with django_db_blocker.unblock():
        _MIGRATED_STATE.append(
            getattr(connection, "_test_serialized_contents", None)
            or connection.creation.serialize_db_to_string()
        )


def _uses_transactional_db(item):
    """As pytest-django decides (its test ordering runs these last)."""
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    fixtures = getattr(item, "fixturenames", ())
    return "transactional_db" in fixtures or "live_server" in fixtures


def _restore_migrated_state():
    """Put back, with their primary keys, the rows that a transactional test's
    flush removed: the staff roles, and the content types and permissions (a
    flush makes those again with new keys, or, after a serialized rollback,
    not at all)."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    Permission.objects.all().delete()
    ContentType.objects.all().delete()
    connection.creation.deserialize_db_from_string(_MIGRATED_STATE[0])
    ContentType.objects.clear_cache()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test's database is flushed when it ends; the next test
    still finds it as the migrations left it. Run one after another, such tests
    come last; with pytest-xdist, a worker may run other tests after them."""
    result = yield
    if nextitem is not None and _MIGRATED_STATE and _uses_transactional_db(item):
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            _restore_migrated_state()
    return result


# With pytest-xdist, `make test` runs `-n auto --dist loadfile --no-loadscope-reorder`:
# each test file's tests on one worker (module and class fixtures are made once),
# and the browser tests, the longest unit, all on one worker and first: two
# Chromiums with their live servers at once overload two cores.


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadfile`, but tests/e2e is one unit, not one per file."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class Scheduling(LoadFileScheduling):
        def _split_scope(self, nodeid):
            if nodeid.startswith("tests/e2e/"):
                return "tests/e2e"
            return super()._split_scope(nodeid)

    return Scheduling(config, log)


class _BrowserTestsFirst:
    # After pytest-django's ordering (tests with a transactional database last).
    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items):
        items.sort(key=lambda item: not item.get_closest_marker("browser"))


def pytest_configure(config):
    if hasattr(config, "workerinput"):  # an xdist worker: the order it reports is the queue's
        config.pluginmanager.register(_BrowserTestsFirst(), "allsite-browser-tests-first")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def make_user(group=None, *, username=None, superuser=False, **extra):
    username = username or f"user{next(_counter)}"
    user = User.objects.create_user(
        username, password="pw", is_staff=True, is_superuser=superuser, **extra
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor(db):
    return make_user(workflow.EDITORS, username="editor_ann")


@pytest.fixture
def second_editor(db):
    return make_user(workflow.EDITORS, username="editor_bob")


@pytest.fixture
def reviewer(db):
    user = make_user(workflow.MEDICAL_REVIEWERS, username="dr_rev")
    ReviewerProfile.objects.create(
        user=user, display_name="Dr Rhea Viewer", role="Consultant haematologist"
    )
    return user


@pytest.fixture
def second_reviewer(db):
    user = make_user(workflow.MEDICAL_REVIEWERS, username="dr_two")
    ReviewerProfile.objects.create(user=user, display_name="Dr Tomas Two", role="Nurse consultant")
    return user


@pytest.fixture
def helpline_staff(db):
    return make_user(workflow.HELPLINE_STAFF, username="helpdesk")


@pytest.fixture
def helpline(db):
    info = HelplineInfo.objects.create(
        name="Support line",
        email="support@example.org",
        monday_opens=datetime.time(9),
        monday_closes=datetime.time(17),
    )
    HelplinePhone.objects.create(helpline=info, label="Freephone", number="0808 157 0100")
    return info


def approved_reference(editor, reviewer, **fields):
    """A reference created, submitted and approved through the workflow."""
    reference = Reference.objects.create(**fields)
    version = workflow.submit_reference(reference, by=editor)
    workflow.approve_reference(version, by=reviewer)
    reference.refresh_from_db()
    return reference


@pytest.fixture
def reference(editor, reviewer):
    return approved_reference(
        editor,
        reviewer,
        key="acs-treating-all",
        type="webpage",
        author_organisation="American Cancer Society",
        title="Treating acute lymphocytic leukemia (ALL)",
        container_title="cancer.org",
        url="https://www.cancer.org/cancer/types/acute-lymphocytic-leukemia/treating.html",
        accessed=datetime.date(2026, 11, 1),
    )


BODY = "## What happens\n\nInduction lasts about a month [@acs-treating-all].\n"


@pytest.fixture
def publish(editor, reviewer, reference):
    """Publish an article through the real workflow; returns the Article."""

    def _publish(slug="induction", *, parent=None, order=0, tags=("chemotherapy",), **fields):
        content = {
            "title": "Induction",
            "summary": "The first phase of treatment.",
            "body": BODY,
            "audience": "both",
        } | fields
        article = Article.objects.create(slug=slug, parent=parent, order=order)
        revision = workflow.save_draft(
            article, by=editor, base_revision=None, tags=list(tags), **content
        )
        workflow.submit(revision, by=editor, note_for_readers="First published.")
        workflow.approve(revision, by=reviewer)
        article.refresh_from_db()
        return article

    return _publish


@pytest.fixture
def publish_item(editor, reviewer):
    """Publish a glossary term or medicine through the real workflow."""

    def _publish(kind, slug, title, summary, details, body=""):
        article = Article.objects.create(slug=slug, kind=kind)
        revision = workflow.save_draft(
            article, by=editor, base_revision=None,
            title=title, summary=summary, body=body, details=details,
        )  # fmt: skip
        workflow.submit(revision, by=editor)
        workflow.approve(revision, by=reviewer)
        article.refresh_from_db()
        return article

    return _publish


@contextlib.contextmanager
def demo_loaded_once(django_db_blocker):
    """The demo (`manage.py load_demo`) loaded once for several tests, in a
    transaction rolled back after them; each test runs in a savepoint of it
    (pytest-django's `db`), so none sees another's changes. For module- and
    class-scoped fixtures; loading takes seconds."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="session")
def redis_server():
    """A real redis-server on a private port for this test session."""
    from tests.servers import RedisServer

    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """Static files collected once, as production serves them (with a manifest)."""
    from tests.servers import collect_static

    directory = tmp_path_factory.mktemp("static")
    collect_static(directory)
    return directory
