"""Editors write in the admin; what they type is sanitized, validated and never lost."""

import pytest

from treatments import workflow
from treatments.models import Article, RevisionStatus

pytestmark = pytest.mark.django_db


def article_form(article=None, **fields):
    data = {
        "title": "Induction",
        "summary": "The first phase of treatment.",
        "body": "## What happens\n\nInduction lasts about a month [@acs-treating-all].\n",
        "audience": "both",
        "tags": "chemotherapy",
        "slug": article.slug if article else "induction",
        "parent": "",
        "order": "1",
        "review_interval_months": "36",
        "note_for_readers": "",
    }
    if article is not None:
        data["base_revision"] = str(article.latest_revision.pk)
    data.update(fields)
    return data


def test_editor_creates_a_draft_that_readers_cannot_see(client, editor, reference):
    client.force_login(editor)
    response = client.post("/admin/treatments/article/add/", article_form())
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get(slug="induction", language="en-gb")
    assert article.latest_revision.status == RevisionStatus.DRAFT
    assert article.latest_revision.author == editor
    assert client.get("/treatment/induction/").status_code == 404


HOSTILE_BODY = (
    "## Facts\n\nSafe text [@acs-treating-all].\n\n"
    "<script>alert('x')</script>\n\n"
    '<img src="x" onerror="alert(1)">\n\n'
    '<p onclick="steal()">Click</p>\n\n'
    "[a link](javascript:alert(2))\n"
)


def test_script_images_and_event_handlers_typed_into_a_body_are_refused_by_name(
    client, editor, reference
):
    client.force_login(editor)
    response = client.post(
        "/admin/treatments/article/add/",
        article_form(body=HOSTILE_BODY, submit_for_review="on", note_for_readers="New page."),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "The body has things pages cannot show, which would be left out: " in html
    for named in ("&lt;script&gt;", "&lt;img&gt;", "event attributes such as onclick=",
                  "javascript: links", "Show an image from the media library with"):  # fmt: skip
        assert named in html, named
    assert "steal()" in html  # the typed text is kept
    assert not Article.objects.exists()


def test_markup_in_text_approved_before_the_rule_never_reaches_readers(reference):
    from treatments.rendering import render_body

    html = render_body(HOSTILE_BODY, references={reference.key: reference})
    assert "Safe text" in html
    for forbidden in ("<script", "onerror", "onclick", "javascript:", "<img"):
        assert forbidden not in html


def test_unknown_citation_is_explained_and_the_typed_text_is_kept(client, editor, reference):
    client.force_login(editor)
    body = "## Facts\n\nA claim [@no-such-source] and more of my careful writing."
    response = client.post("/admin/treatments/article/add/", article_form(body=body))
    assert response.status_code == 200
    html = response.content.decode()
    assert "do not match any reference: [@no-such-source]" in html
    assert "more of my careful writing" in html
    assert not Article.objects.exists()


def test_top_level_heading_in_body_is_refused_with_a_clear_message(client, editor, reference):
    client.force_login(editor)
    response = client.post(
        "/admin/treatments/article/add/", article_form(body="# Big heading\n\nText.")
    )
    assert response.status_code == 200
    assert "start sections with ## instead" in response.content.decode()


def test_conflicting_edit_is_refused_and_keeps_the_typed_text(
    client, editor, second_editor, publish
):
    article = publish()
    stale_base = article.latest_revision
    workflow.save_draft(
        article,
        by=second_editor,
        base_revision=stale_base,
        title="Induction",
        summary="Someone else's summary.",
        body="## Changed\n\nTheir edit [@acs-treating-all].",
    )
    client.force_login(editor)
    data = article_form(
        article,
        base_revision=str(stale_base.pk),
        body="## Mine\n\nMy own long paragraph that must not be lost [@acs-treating-all].",
    )
    response = client.post(f"/admin/treatments/article/{article.pk}/change/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else saved a newer version of this page" in html
    assert "My own long paragraph that must not be lost" in html
    assert article.revisions.count() == 2


def test_editing_a_page_in_review_makes_a_new_draft_and_leaves_the_review_alone(
    client, editor, reference
):
    client.force_login(editor)
    client.post(
        "/admin/treatments/article/add/",
        article_form(submit_for_review="on", note_for_readers="New."),
    )
    article = Article.objects.get(slug="induction", language="en-gb")
    in_review = article.latest_revision
    response = client.post(
        f"/admin/treatments/article/{article.pk}/change/",
        article_form(article, summary="A better summary."),
    )
    assert response.status_code == 302
    in_review.refresh_from_db()
    assert in_review.status == RevisionStatus.IN_REVIEW
    assert in_review.summary == "The first phase of treatment."
    assert article.latest_revision.summary == "A better summary."
    assert article.latest_revision.based_on == in_review
