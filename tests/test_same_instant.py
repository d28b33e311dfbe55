"""Two people acting on the same page at the same instant: real threads, a
real database (each thread its own connection), real HTTP handling. Nobody
gets an error page and nobody loses what they typed."""

import threading

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from tests.test_article_admin import article_form
from treatments import workflow
from treatments.models import Revision, RevisionStatus
from treatments.roles import ensure_groups

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _groups(transactional_db):
    """The staff groups (a data migration made them; a transactional test's flush removes them)."""
    ensure_groups(apps)


def at_the_same_instant(*actions):
    """Run the actions in threads released together; their results, in order."""
    start = threading.Barrier(len(actions))
    results = [None] * len(actions)

    def run(index, action):
        try:
            start.wait()
            results[index] = action()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def signed_in(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_two_saves_of_the_same_page_give_one_draft_and_one_conflict_with_the_text_kept(
    publish, editor, second_editor
):
    article = publish()
    url = f"/admin/treatments/article/{article.pk}/change/"
    ann, bob = signed_in(editor), signed_in(second_editor)
    texts = ["## What happens\n\nAnn's wording of induction.\n", "## What happens\n\nBob's take.\n"]
    responses = at_the_same_instant(
        *[
            (lambda c=c, t=t: c.post(url, article_form(article, body=t)))
            for c, t in zip((ann, bob), texts, strict=True)
        ]
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 302], statuses
    drafts = Revision.objects.filter(article=article, status=RevisionStatus.DRAFT)
    assert drafts.count() == 1
    refused = next(i for i, r in enumerate(responses) if r.status_code == 200)
    html = responses[refused].content.decode()
    assert "Someone else saved a newer version of this page while you were editing" in html
    assert texts[refused].split("\n\n")[1].strip().replace("'", "&#x27;") in html
    saved_text = texts[1 - refused].split("\n\n")[1].strip()
    assert saved_text in drafts.get().body


def test_two_reviewers_deciding_at_once_get_one_decision_and_a_clear_message(
    publish, editor, reviewer, second_reviewer
):
    article = publish()
    live = article.live_revision
    revision = workflow.save_draft(
        article, by=editor, base_revision=live, title=live.title, summary=live.summary,
        body="## What happens\n\nInduction takes four weeks.\n",
    )  # fmt: skip
    workflow.submit(revision, by=editor, note_for_readers="Clearer.")
    url = f"/admin/treatments/article/review/{revision.pk}/"
    one, two = signed_in(reviewer), signed_in(second_reviewer)
    responses = at_the_same_instant(
        lambda: one.post(url, {"action": "approve", "comment": "Fine."}, follow=True),
        lambda: two.post(
            url, {"action": "request_changes", "comment": "Cite the source."}, follow=True
        ),
    )
    assert all(r.status_code == 200 for r in responses), [r.status_code for r in responses]
    revision.refresh_from_db()
    assert revision.status in (RevisionStatus.APPROVED, RevisionStatus.CHANGES_REQUESTED)
    pages = [r.content.decode() for r in responses]
    refused = [page for page in pages if "This version is no longer in medical review" in page]
    assert len(refused) == 1
    decided = "approved" if revision.status == RevisionStatus.APPROVED else "changes requested"
    assert f"(it is now {decided})" in refused[0]


def test_a_save_during_an_approval_of_the_same_page_loses_nothing(publish, editor, reviewer):
    article = publish()
    live = article.live_revision
    revision = workflow.save_draft(
        article, by=editor, base_revision=live, title=live.title, summary=live.summary,
        body="## What happens\n\nInduction takes four weeks.\n",
    )  # fmt: skip
    workflow.submit(revision, by=editor, note_for_readers="Clearer.")
    article.refresh_from_db()
    writer, doctor = signed_in(editor), signed_in(reviewer)
    save, decision = at_the_same_instant(
        lambda: writer.post(
            f"/admin/treatments/article/{article.pk}/change/",
            article_form(article, body="## What happens\n\nInduction is the first month.\n"),
        ),
        lambda: doctor.post(
            f"/admin/treatments/article/review/{revision.pk}/",
            {"action": "approve", "comment": "Fine."},
            follow=True,
        ),
    )
    assert save.status_code == 302, save.content.decode()[:2000]
    assert decision.status_code == 200
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.APPROVED
    newest = Revision.objects.filter(article=article).order_by("-created_at", "-pk").first()
    assert "Induction is the first month." in newest.body
    assert newest.status == RevisionStatus.DRAFT
