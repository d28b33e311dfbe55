"""The rules in treatments/workflow.py, called directly."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from tests.conftest import make_user
from treatments import workflow
from treatments.models import (
    Action,
    Article,
    ImmutableRevisionError,
    RevisionStatus,
    Transition,
)
from treatments.reminders import send_review_reminders

pytestmark = pytest.mark.django_db

CONTENT = {"title": "Steroids", "summary": "About steroids.", "body": "## Why\n\nThey help."}


@pytest.fixture
def draft(editor):
    article = Article.objects.create(slug="steroids")
    return workflow.save_draft(article, by=editor, base_revision=None, **CONTENT)


@pytest.fixture
def in_review(draft, editor):
    return workflow.submit(draft, by=editor, note_for_readers="New page.")


def test_editor_cannot_approve(in_review, second_editor):
    with pytest.raises(workflow.WorkflowError, match="Only medical reviewers"):
        workflow.approve(in_review, by=second_editor)


def test_reviewer_cannot_approve_own_revision(reviewer, second_reviewer):
    reviewer.groups.add(*make_user(workflow.EDITORS).groups.all())
    article = Article.objects.create(slug="own")
    revision = workflow.save_draft(article, by=reviewer, base_revision=None, **CONTENT)
    workflow.submit(revision, by=reviewer)
    with pytest.raises(workflow.WorkflowError, match="You wrote this version"):
        workflow.approve(revision, by=reviewer)
    workflow.approve(revision, by=second_reviewer)
    article.refresh_from_db()
    assert article.live_revision == revision


def test_superuser_cannot_approve_own_revision_nor_approve_outside_the_reviewers_group(
    reviewer,
):
    boss = make_user(superuser=True)
    article = Article.objects.create(slug="boss")
    revision = workflow.save_draft(article, by=boss, base_revision=None, **CONTENT)
    workflow.submit(revision, by=boss)
    with pytest.raises(workflow.WorkflowError, match="Only medical reviewers"):
        workflow.approve(revision, by=boss)
    boss.groups.add(reviewer.groups.get())
    with pytest.raises(workflow.WorkflowError, match="You wrote this version"):
        workflow.approve(revision, by=boss)


def test_helpline_staff_cannot_draft(helpline_staff):
    with pytest.raises(workflow.WorkflowError, match="Only editors"):
        workflow.save_draft(
            Article.objects.create(slug="x"), by=helpline_staff, base_revision=None, **CONTENT
        )


def test_approval_publishes_with_review_dates_and_a_change_log_line(in_review, reviewer):
    workflow.approve(in_review, by=reviewer, comment="Accurate.")
    article = Article.objects.get(pk=in_review.article_id)
    today = timezone.localdate()
    assert article.live_revision == in_review
    assert article.last_review.actor == reviewer
    assert article.last_reviewed_at.date() == timezone.now().date()
    assert article.next_review_due == workflow.add_months(today, 36)
    assert article.change_log == [
        {"date": today.isoformat(), "action": "approved", "note": "New page."}
    ]
    assert "<h2" in article.live_page.body_html
    assert article.live_page.revision == in_review


def test_review_interval_is_never_more_than_three_years(in_review, reviewer):
    Article.objects.filter(pk=in_review.article_id).update(review_interval_months=12)
    workflow.approve(in_review, by=reviewer)
    article = Article.objects.get(pk=in_review.article_id)
    assert article.next_review_due == workflow.add_months(timezone.localdate(), 12)
    article.review_interval_months = 60
    with pytest.raises(Exception, match="36"):
        article.full_clean()


def test_add_months_handles_month_ends_and_leap_days():
    assert workflow.add_months(datetime.date(2024, 2, 29), 36) == datetime.date(2027, 2, 28)
    assert workflow.add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert workflow.add_months(datetime.date(2026, 11, 22), 14) == datetime.date(2028, 1, 22)


def test_request_changes_needs_a_comment_and_returns_the_revision_to_its_author(
    in_review, reviewer
):
    with pytest.raises(workflow.WorkflowError, match="Say what needs to change"):
        workflow.request_changes(in_review, by=reviewer, comment="  ")
    workflow.request_changes(in_review, by=reviewer, comment="Add the side effects.")
    in_review.refresh_from_db()
    assert in_review.status == RevisionStatus.CHANGES_REQUESTED
    with pytest.raises(workflow.WorkflowError, match="only versions in medical review"):
        workflow.approve(in_review, by=reviewer)


def test_stale_base_is_refused_as_a_conflict_naming_the_newer_version(draft, editor, second_editor):
    article = draft.article
    workflow.save_draft(article, by=second_editor, base_revision=draft, **CONTENT)
    with pytest.raises(workflow.EditConflict) as conflict:
        workflow.save_draft(article, by=editor, base_revision=draft, **CONTENT)
    assert conflict.value.latest.author == second_editor
    assert article.revisions.count() == 2


def test_editing_while_in_review_makes_a_new_draft_and_never_changes_the_one_in_review(
    in_review, editor
):
    new = workflow.save_draft(
        in_review.article, by=editor, base_revision=in_review, **(CONTENT | {"title": "New"})
    )
    in_review.refresh_from_db()
    assert in_review.status == RevisionStatus.IN_REVIEW
    assert in_review.title == "Steroids"
    assert new.status == RevisionStatus.DRAFT


def test_approving_an_older_revision_after_a_newer_one_went_live_is_refused(
    in_review, editor, reviewer
):
    newer = workflow.save_draft(
        in_review.article, by=editor, base_revision=in_review, **(CONTENT | {"title": "Newer"})
    )
    workflow.submit(newer, by=editor)
    workflow.approve(newer, by=reviewer)
    with pytest.raises(workflow.WorkflowError, match="newer version of this page is already live"):
        workflow.approve(in_review, by=reviewer)


def test_confirm_still_accurate_renews_dates_and_is_recorded_like_an_approval(
    in_review, reviewer, second_reviewer
):
    workflow.approve(in_review, by=reviewer)
    article = Article.objects.get(pk=in_review.article_id)
    Article.objects.filter(pk=article.pk).update(next_review_due=datetime.date(2020, 1, 1))
    workflow.confirm_still_accurate(article, by=second_reviewer, comment="Still right.")
    article.refresh_from_db()
    assert article.last_review.action == Action.CONFIRMED
    assert article.last_review.actor == second_reviewer
    assert article.next_review_due == workflow.add_months(timezone.localdate(), 36)
    assert article.change_log[0]["action"] == "confirmed"


def test_nobody_confirms_a_page_they_wrote(editor, reviewer, second_reviewer):
    reviewer.groups.add(*make_user(workflow.EDITORS).groups.all())
    article = Article.objects.create(slug="mine")
    revision = workflow.save_draft(article, by=reviewer, base_revision=None, **CONTENT)
    workflow.submit(revision, by=reviewer)
    workflow.approve(revision, by=second_reviewer)
    with pytest.raises(workflow.WorkflowError, match="You wrote this version"):
        workflow.confirm_still_accurate(article, by=reviewer)


def test_revisions_and_records_can_be_neither_changed_nor_deleted(in_review):
    in_review.title = "Sneaky edit"
    with pytest.raises(ImmutableRevisionError):
        in_review.save()
    with pytest.raises(ImmutableRevisionError):
        in_review.delete()
    record = Transition.objects.first()
    with pytest.raises(ImmutableRevisionError):
        record.delete()


def test_every_transition_is_recorded(in_review, reviewer):
    workflow.request_changes(in_review, by=reviewer, comment="Fix it.")
    actions = list(
        Transition.objects.filter(revision=in_review)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [Action.SAVED, Action.SUBMITTED, Action.CHANGES_REQUESTED]


def test_reviewers_are_emailed_when_a_revision_is_submitted(
    draft, editor, reviewer, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://all.example.org"
    reviewer.email = "rhea@example.org"
    reviewer.save()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(draft, by=editor)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["rhea@example.org"]
    assert "Medical review needed: Steroids" in mail.outbox[0].subject
    review_link = f"https://all.example.org/admin/treatments/article/review/{draft.pk}/"
    assert review_link in mail.outbox[0].body


def test_author_is_emailed_the_comment_when_changes_are_requested(
    in_review, editor, reviewer, django_capture_on_commit_callbacks
):
    editor.email = "ann@example.org"
    editor.save()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_changes(in_review, by=reviewer, comment="Please cite the NHS page.")
    assert mail.outbox[-1].to == ["ann@example.org"]
    assert "Please cite the NHS page." in mail.outbox[-1].body


def test_author_is_emailed_when_approved(
    in_review, editor, reviewer, django_capture_on_commit_callbacks
):
    editor.email = "ann@example.org"
    editor.save()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(in_review, by=reviewer)
    assert mail.outbox[-1].subject == "Approved and published: Steroids"


def test_review_reminders_are_sent_once_per_period(in_review, reviewer):
    reviewer.email = "rhea@example.org"
    reviewer.save()
    workflow.approve(in_review, by=reviewer)
    article = Article.objects.get(pk=in_review.article_id)
    today = timezone.localdate()
    Article.objects.filter(pk=article.pk).update(
        next_review_due=today + datetime.timedelta(days=20)
    )

    assert len(send_review_reminders()) == 1
    assert "due" in mail.outbox[-1].body
    assert send_review_reminders() == []  # running again the same day sends nothing
    assert len(mail.outbox) == 1

    later = today + datetime.timedelta(days=25)
    overdue = send_review_reminders(today=later)  # now overdue: a new period
    assert len(overdue) == 1
    assert "OVERDUE" in mail.outbox[-1].body
    assert send_review_reminders(today=later) == []


def test_pages_not_due_get_no_reminder(in_review, reviewer):
    workflow.approve(in_review, by=reviewer)
    assert send_review_reminders() == []


def test_a_version_of_another_page_cannot_be_used_as_the_base(draft, editor):
    other = Article.objects.create(slug="other")
    with pytest.raises(workflow.WorkflowError, match="belongs to another page"):
        workflow.save_draft(other, by=editor, base_revision=draft, **CONTENT)


def test_the_reminder_command_sends_through_a_task_and_says_how_many(publish, reviewer):
    from io import StringIO

    from django.core.management import call_command

    reviewer.email = "rev@example.org"
    reviewer.save()
    article = publish()
    Article.objects.filter(pk=article.pk).update(next_review_due=timezone.localdate())
    out = StringIO()
    call_command("send_review_reminders", stdout=out)
    assert out.getvalue().strip() == "1 new reminder(s) sent."
    assert len(mail.outbox) == 1


def test_rerendering_all_live_pages_after_an_upgrade_records_their_sources(publish):
    from treatments.publishing import rerender_all

    article = publish()
    live = article.live_page
    live.reference_versions.clear()
    live.body_html = "<p>Stored by an older version.</p>"
    live.save()
    assert rerender_all() == 1
    live.refresh_from_db()
    assert "Induction lasts about a month" in live.body_html
    assert live.reference_versions.count() == 1
    assert rerender_all() == 0
