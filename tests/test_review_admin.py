"""Medical review in the admin, through Django's test client."""

import datetime
import re

import pytest
from django.utils import timezone

from treatments import workflow
from treatments.models import Article, RevisionStatus

pytestmark = pytest.mark.django_db

QUEUE = "/admin/treatments/article/review-queue/"
DUE = "/admin/treatments/article/due-for-review/"


def review_url(revision):
    return f"/admin/treatments/article/review/{revision.pk}/"


@pytest.fixture
def submitted_edit(publish, editor):
    article = publish(title="Induction", summary="The first phase of treatment.")
    revision = workflow.save_draft(
        article,
        by=editor,
        base_revision=article.latest_revision,
        tags=["chemotherapy", "remission"],
        title="Induction",
        summary="The first phase of treatment, explained simply.",
        body="## What happens\n\nInduction lasts about four weeks [@acs-treating-all].\n",
        audience="both",
    )
    return workflow.submit(revision, by=editor, note_for_readers="Clearer summary.")


def test_reviewer_sees_the_queue_oldest_first_with_author_and_page_status(
    client, reviewer, publish, editor
):
    older = publish("a", title="Alpha")
    newer = publish("b", title="Beta")
    for article, title in [(older, "Alpha 2"), (newer, "Beta 2")]:
        revision = workflow.save_draft(
            article, by=editor, base_revision=article.latest_revision,
            title=title, summary="S", body="Body",
        )  # fmt: skip
        workflow.submit(revision, by=editor)
    client.force_login(reviewer)
    html = client.get(QUEUE).content.decode()
    assert html.index("Alpha 2") < html.index("Beta 2")
    assert "editor_ann" in html
    assert "Live; last reviewed" in html


def test_review_screen_shows_word_level_diff_of_summary_body_tags_and_citations(
    client, reviewer, submitted_edit
):
    client.force_login(reviewer)
    html = client.get(review_url(submitted_edit)).content.decode()
    assert "<ins>, explained simply</ins>" in html or "<ins>,</ins>" in html
    assert "<del>a month</del>" in html or "<del>a</del>" in html
    assert "<ins>four weeks</ins>" in html or "<ins>four</ins>" in html
    assert re.search(r"Added: <ins>remission</ins>", html)
    assert "Approve and publish" in html
    assert "Request changes" in html


def test_reviewer_approves_from_admin_home_in_at_most_three_clicks(
    client, reviewer, submitted_edit
):
    client.force_login(reviewer)
    home = client.get("/admin/").content.decode()  # click 1: open the admin
    assert f'href="{review_url(submitted_edit)}"' in home  # click 2: the queued change
    response = client.post(review_url(submitted_edit), {"action": "approve", "comment": ""})  # 3
    assert response.status_code == 302
    page = client.get("/treatment/induction/").content.decode()
    assert "The first phase of treatment, explained simply." in page
    assert "Dr Rhea Viewer" in page
    assert f"{timezone.localdate():%-d %B %Y}" in page
    assert "updated: Clearer summary." in page


def test_editor_cannot_approve_through_the_review_screen(client, second_editor, submitted_edit):
    client.force_login(second_editor)
    html = client.get(review_url(submitted_edit)).content.decode()
    assert "Approve and publish" not in html
    response = client.post(review_url(submitted_edit), {"action": "approve"}, follow=True)
    assert "Only medical reviewers can approve" in response.content.decode()
    submitted_edit.refresh_from_db()
    assert submitted_edit.status == RevisionStatus.IN_REVIEW


def test_reviewer_cannot_approve_own_revision_through_the_review_screen(
    client, reviewer, second_reviewer, publish, editor
):
    reviewer.groups.add(editor.groups.get())
    article = publish()
    revision = workflow.save_draft(
        article, by=reviewer, base_revision=article.latest_revision,
        title="Mine", summary="S", body="B",
    )  # fmt: skip
    workflow.submit(revision, by=reviewer)
    client.force_login(reviewer)
    assert (
        "another medical reviewer must approve it"
        in client.get(review_url(revision)).content.decode()
    )
    response = client.post(review_url(revision), {"action": "approve"}, follow=True)
    assert (
        "You wrote this version, so you cannot approve this version. Another medical "
        "reviewer must do it: every change is checked by someone who did not write it."
    ) in response.content.decode()
    assert Article.objects.get(pk=article.pk).live_revision != revision


def test_request_changes_without_comment_is_explained_and_keeps_nothing_lost(
    client, reviewer, submitted_edit, editor
):
    client.force_login(reviewer)
    response = client.post(review_url(submitted_edit), {"action": "request_changes", "comment": ""})
    assert "Say what needs to change" in response.content.decode()
    response = client.post(
        review_url(submitted_edit),
        {"action": "request_changes", "comment": "Please say how long induction lasts."},
    )
    assert response.status_code == 302
    client.force_login(editor)
    change_page = client.get(
        f"/admin/treatments/article/{submitted_edit.article_id}/change/"
    ).content.decode()
    assert "Please say how long induction lasts." in change_page


def test_helpline_staff_cannot_reach_the_queue_or_review_screens(
    client, helpline_staff, submitted_edit
):
    client.force_login(helpline_staff)
    for url in [QUEUE, DUE, review_url(submitted_edit),
                f"/admin/treatments/article/versions/{submitted_edit.pk}/preview/"]:  # fmt: skip
        assert client.get(url).status_code == 403, url
    assert client.post(review_url(submitted_edit), {"action": "approve"}).status_code == 403


def test_anonymous_visitors_get_no_preview(client, submitted_edit):
    response = client.get(f"/admin/treatments/article/versions/{submitted_edit.pk}/preview/")
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_preview_shows_the_unpublished_version_with_the_public_template(
    client, editor, submitted_edit
):
    client.force_login(editor)
    html = client.get(
        f"/admin/treatments/article/versions/{submitted_edit.pk}/preview/"
    ).content.decode()
    assert "Preview: readers do not see this version yet." in html
    assert "shown as if editor_ann approved it today" in html
    assert "explained simply" in html
    assert '<sup class="citation">' in html
    assert 'class="site-footer"' in html


def test_due_list_shows_overdue_pages_and_confirming_renews_them(client, second_reviewer, publish):
    article = publish()
    Article.objects.filter(pk=article.pk).update(next_review_due=datetime.date(2026, 1, 1))
    client.force_login(second_reviewer)
    html = client.get(DUE).content.decode()
    overdue_part = html[html.index("Overdue") : html.index("Due within 60 days")]
    assert "Induction" in overdue_part
    response = client.post(DUE, {"article": article.pk, "comment": "Checked against NCCN."})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.next_review_due > timezone.localdate()
    page = client.get(article.get_absolute_url()).content.decode()
    assert "reviewed, no changes" in page
    assert "Dr Tomas Two" in page


def test_history_lists_every_version_and_each_can_be_viewed_with_its_diff(
    client, editor, submitted_edit
):
    client.force_login(editor)
    history = client.get(
        f"/admin/treatments/article/{submitted_edit.article_id}/history/"
    ).content.decode()
    assert history.count("Changes in this version") == 2
    assert "Submitted for medical review" in history
    assert "Approved and published" in history
    version = client.get(
        f"/admin/treatments/article/versions/{submitted_edit.pk}/"
    ).content.decode()
    assert "<ins>four weeks</ins>" in version or "<ins>four</ins>" in version


def test_overdue_public_page_stays_up_and_says_so(client, publish):
    article = publish()
    Article.objects.filter(pk=article.pk).update(next_review_due=datetime.date(2026, 1, 1))
    html = client.get(article.get_absolute_url()).content.decode()
    assert "It should have been checked again by 1 January 2026" in html


def test_review_screen_shows_reading_level_advice_without_blocking(
    client, reviewer, publish, editor
):
    article = publish()
    long_sentence = " ".join(["word"] * 30) + "."
    revision = workflow.save_draft(
        article, by=editor, base_revision=article.latest_revision,
        title="Induction", summary="S", body=f"## Part\n\n{long_sentence}\n",
    )  # fmt: skip
    workflow.submit(revision, by=editor)
    client.force_login(reviewer)
    html = client.get(review_url(revision)).content.decode()
    assert "Readability" in html
    assert "(30 words)" in html or "30 words" in html
    assert "Advice only: it never stops you saving or submitting." in html


def test_editor_sees_their_drafts_and_sent_back_versions_on_the_admin_home(
    client, editor, reviewer, publish
):
    article = publish()
    draft = workflow.save_draft(
        article, by=editor, base_revision=article.latest_revision,
        title="Induction (my draft)", summary="S", body="B",
    )  # fmt: skip
    workflow.submit(draft, by=editor)
    workflow.request_changes(draft, by=reviewer, comment="Say more.")
    client.force_login(editor)
    html = client.get("/admin/").content.decode()
    assert "Your unfinished work" in html
    assert "Induction (my draft)</a> (treatment page): changes requested" in html


def breadcrumbs(html):
    trail = re.search(r'<div class="breadcrumbs">(.*?)</div>', html, re.S)[1]
    return [" ".join(re.sub(r"<[^>]+>", "", part).split()) for part in trail.split("›")]


def test_admin_breadcrumbs_follow_the_real_path(client, publish, publish_item, editor, reviewer):
    article = publish()
    client.force_login(reviewer)
    history = client.get(f"/admin/treatments/article/{article.pk}/history/").content.decode()
    assert breadcrumbs(history) == ["Home", "Treatment pages", "Articles", "Induction", "History"]
    assert 'href="/admin/treatments/article/"' in history

    version = client.get(
        f"/admin/treatments/article/versions/{article.live_revision_id}/"
    ).content.decode()
    assert breadcrumbs(version) == [
        "Home", "Treatment pages", "Articles", "Induction", "History", "Version",
    ]  # fmt: skip

    term = publish_item("glossary", "remission", "Remission", "No sign of leukaemia.", {})
    term_history = client.get(f"/admin/treatments/article/{term.pk}/history/").content.decode()
    assert breadcrumbs(term_history)[:4] == [
        "Home",
        "Treatment pages",
        "Glossary terms",
        "Remission",
    ]

    edit = workflow.save_draft(
        article, by=editor, base_revision=article.latest_revision,
        title="Induction", summary="S", body="Changed.",
    )  # fmt: skip
    workflow.submit(edit, by=editor)
    review = client.get(review_url(edit)).content.decode()
    assert breadcrumbs(review) == ["Home", "Review queue", "Induction"]
    queue = client.get("/admin/treatments/article/review-queue/").content.decode()
    assert breadcrumbs(queue) == ["Home", "Review queue"]
    due = client.get("/admin/treatments/article/due-for-review/").content.decode()
    assert breadcrumbs(due) == ["Home", "Due for review"]


def test_a_history_address_with_no_page_number_is_not_found(client, reviewer):
    client.force_login(reviewer)
    assert client.get("/admin/treatments/article/not-a-number/history/").status_code == 404
    assert client.get("/admin/treatments/article/999999/history/").status_code == 404
