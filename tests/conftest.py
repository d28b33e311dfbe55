import datetime
import itertools

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache

from allsite.models import HelplineInfo, HelplinePhone
from references.models import Reference
from treatments import workflow
from treatments.models import Article, ReviewerProfile

_counter = itertools.count(1)


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
