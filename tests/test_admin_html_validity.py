"""Staff screens: valid HTML5 (Nu HTML Checker) and a constant number of queries
on the edit and review screens, however much the site and the page's history grow."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from allsite.models import Feedback
from references.models import Reference
from tests.html_checks import INLINE_SCRIPT_RE, validate
from tests.test_admin_query_counts import grow
from treatments import workflow
from treatments.models import Article, Kind

pytestmark = pytest.mark.django_db


def submitted_edit(article, editor):
    latest = article.latest_revision
    revision = workflow.save_draft(
        article,
        by=editor,
        base_revision=latest,
        title=latest.title,
        summary=latest.summary,
        body=latest.body.replace("usually", "often", 1) + "\n\nOne more paragraph.\n",
        tags=list(latest.tags.names()),
        details=latest.details,
    )
    return workflow.submit(revision, by=editor)


def staff_screens(article, revision):
    reference = Reference.objects.order_by("pk").first()
    medicine = Article.objects.filter(kind=Kind.MEDICINE).order_by("pk").first()
    term = Article.objects.filter(kind=Kind.GLOSSARY).order_by("pk").first()
    feedback = Feedback.objects.order_by("pk").first()
    review = f"/admin/treatments/article/review/{revision.pk}/"
    return {
        "index": "/admin/",
        "queue": "/admin/treatments/article/review-queue/",
        "review": review,
        "review-whole-page": review + "?view=page",
        "review-source": review + "?view=source",
        "due": "/admin/treatments/article/due-for-review/",
        "articles": "/admin/treatments/article/",
        "article-edit": f"/admin/treatments/article/{article.pk}/change/",
        "article-add": "/admin/treatments/article/add/",
        "history": f"/admin/treatments/article/{article.pk}/history/",
        "version": f"/admin/treatments/article/versions/{revision.pk}/",
        "references": "/admin/references/reference/",
        "reference-edit": f"/admin/references/reference/{reference.pk}/change/",
        "feedback": "/admin/allsite/feedback/",
        "feedback-edit": f"/admin/allsite/feedback/{feedback.pk}/change/",
        "medicines": "/admin/treatments/medicine/",
        "medicine-edit": f"/admin/treatments/medicine/{medicine.pk}/change/",
        "glossary": "/admin/treatments/glossaryterm/",
        "term-edit": f"/admin/treatments/glossaryterm/{term.pk}/change/",
        "helpline": "/admin/allsite/helplineinfo/",
    }


def test_staff_screens_validate_as_html5_without_inline_script(client, tmp_path):
    call_command("load_demo", stdout=io.StringIO())
    users = get_user_model().objects
    article = Article.objects.get(slug="induction", language="en-gb")
    revision = submitted_edit(article, users.get(username="editor"))
    Feedback.objects.create(article=article, kind="error", comment="The dose is wrong.")
    client.force_login(users.get(username="admin"))
    html = {}
    for name, url in staff_screens(article, revision).items():
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        html[name] = response.content.decode()
        assert not INLINE_SCRIPT_RE.search(html[name]), name
    errors = validate(html, tmp_path)
    assert not errors, "\n".join(errors)


def count_queries(client, url):
    client.get(url)  # warm: per-process caches (content types, permissions) are filled
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_edit_and_review_screens_run_a_constant_number_of_queries(
    client, publish, publish_item, editor, reviewer
):
    kwargs = {"publish": publish, "publish_item": publish_item, "editor": editor}
    grow(2, start=0, reviewer=reviewer, **kwargs)
    article = Article.objects.get(slug="page-0", language="en-gb")
    revision = submitted_edit(article, editor)
    screens = {
        name: url
        for name, url in staff_screens(article, revision).items()
        if name.endswith("-edit") or name.startswith("review") or name == "version"
    }
    client.force_login(reviewer)
    small = {name: count_queries(client, url) for name, url in screens.items()}
    grow(6, start=2, reviewer=reviewer, **kwargs)
    for _ in range(3):  # the page's own history grows too
        workflow.request_changes(revision, by=reviewer, comment="Once more, please.")
        revision = submitted_edit(article, editor)
    Feedback.objects.bulk_create(
        [Feedback(article=article, kind="error", comment=f"Report {n}") for n in range(12)]
    )
    screens = {
        name: url for name, url in staff_screens(article, revision).items() if name in screens
    }
    large = {name: count_queries(client, url) for name, url in screens.items()}
    assert large == small
    assert max(large.values()) <= 30, large
