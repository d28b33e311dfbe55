"""Readers' feedback on a page shows where staff edit and review that page."""

import pytest

from allsite.models import Feedback
from treatments import workflow

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_with_feedback(publish):
    article = publish()
    Feedback.objects.create(article=article, kind="error", comment="The dose on line 3 is wrong.")
    Feedback.objects.create(article=article, kind="helpful", helpful=False, comment="Too long.")
    Feedback.objects.create(
        article=article, kind="error", comment="Fixed already.", status=Feedback.Status.RESOLVED
    )
    return article


def test_open_feedback_shows_on_the_edit_screen(client, editor, page_with_feedback):
    client.force_login(editor)
    html = client.get(f"/admin/treatments/article/{page_with_feedback.pk}/change/").content.decode()
    assert "What readers said about this page" in html
    assert "“The dose on line 3 is wrong.”" in html
    assert "“Too long.”" in html
    assert "Fixed already." not in html  # resolved items are not in the way
    assert "2 open items" in html


def test_open_feedback_shows_on_the_review_screen(client, editor, reviewer, page_with_feedback):
    revision = workflow.save_draft(
        page_with_feedback,
        by=editor,
        base_revision=page_with_feedback.latest_revision,
        title="Induction",
        summary="The first phase of treatment.",
        body="## What happens\n\nInduction lasts about four weeks [@acs-treating-all].\n",
    )
    workflow.submit(revision, by=editor)
    client.force_login(reviewer)
    html = client.get(f"/admin/treatments/article/review/{revision.pk}/").content.decode()
    assert "“The dose on line 3 is wrong.”" in html


def test_all_feedback_on_this_page_lists_only_that_page(
    client, reviewer, publish, page_with_feedback
):
    other = publish("consolidation", title="Consolidation")
    Feedback.objects.create(article=other, kind="error", comment="Another page's report.")
    client.force_login(reviewer)
    response = client.get(f"/admin/allsite/feedback/?article__id__exact={page_with_feedback.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "The dose on line 3 is wrong." in html
    assert "Another page&#x27;s report." not in html
    assert "Another page's report." not in html
