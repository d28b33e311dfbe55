"""Revert, withdraw, restore and scheduled publishing, as the people using them
notice: readers (410 with the helpline, gone from sitemap, search, feed and
lists, back on restore), editors (a reverted draft still needs review),
reviewers and content managers (buttons, confirmation, messages, history),
and the clock (a scheduled version goes live after its time, not before)."""

import datetime
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import make_user
from tests.html_checks import H1_RE, INLINE_SCRIPT_RE, validate
from treatments import workflow
from treatments.models import Action, Article, Kind, LivePage, RevisionStatus, Transition

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def manager(db):
    return make_user(workflow.CONTENT_MANAGERS, username="manager_mo")


def edit(article, editor, **changes):
    latest = article.latest_revision
    fields = {"title": latest.title, "summary": latest.summary, "body": latest.body} | changes
    return workflow.save_draft(
        article, by=editor, base_revision=latest, tags=list(latest.tags.names()), **fields
    )


def submitted_edit(article, editor, **changes):
    revision = edit(article, editor, **changes)
    workflow.submit(revision, by=editor, note_for_readers="Updated the dose.")
    return revision


def steps(article):
    return list(
        Transition.objects.filter(article=article)
        .order_by("created_at", "id")
        .values_list("action", flat=True)
    )


def sitemap_text(client):
    index = client.get("/sitemap.xml").content.decode()
    files = re.findall(r"<loc>http://testserver(/sitemap-[^<]+)</loc>", index)
    return "".join(client.get(path).content.decode() for path in files)


# Withdraw and restore -------------------------------------------------------


def test_withdrawn_page_answers_410_with_helpline_and_leaves_sitemap_search_and_feed(
    client, publish, reviewer, helpline, django_capture_on_commit_callbacks
):
    page = publish("dosing", title="Dosing of methotrexate", tags=("chemotherapy",))
    url = page.get_absolute_url()
    # Everything a reader might reach it from, cached first.
    assert client.get(url).status_code == 200
    assert "/treatment/dosing/" in sitemap_text(client)
    assert "Dosing of methotrexate" in client.get("/updates.atom").content.decode()
    assert "/treatment/dosing/" in client.get("/search/?q=methotrexate").content.decode()
    assert "Dosing of methotrexate" in client.get("/tags/chemotherapy/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        workflow.withdraw(page, by=reviewer, reason="Wrong dose in the second table.")

    gone = client.get(url)
    assert gone.status_code == 410
    html = gone.content.decode()
    assert "This page is being updated" in html
    assert "0808 157 0100" in html  # the helpline
    assert "Dosing of methotrexate" not in html
    assert "/treatment/dosing/" not in sitemap_text(client)
    assert "Dosing of methotrexate" not in client.get("/updates.atom").content.decode()
    assert "/treatment/dosing/" not in client.get("/search/?q=methotrexate").content.decode()
    assert "Dosing of methotrexate" not in client.get("/tags/chemotherapy/").content.decode()
    assert client.get(url).status_code == 410  # never cached as a page


def test_restoring_brings_back_the_same_approved_version_without_a_new_review(
    client, publish, reviewer, manager, helpline, django_capture_on_commit_callbacks
):
    page = publish("dosing", title="Dosing of methotrexate")
    live = page.live_revision
    before = client.get(page.get_absolute_url()).content
    with django_capture_on_commit_callbacks(execute=True):
        workflow.withdraw(page, by=manager, reason="Checking the dose.")
        workflow.restore(page, by=manager, comment="Dose checked: it was right.")
    page.refresh_from_db()
    assert page.live_revision == live
    assert not page.is_withdrawn
    again = client.get(page.get_absolute_url())
    assert again.status_code == 200
    assert again.content == before
    assert "/treatment/dosing/" in sitemap_text(client)
    assert "/treatment/dosing/" in client.get("/search/?q=methotrexate").content.decode()
    restored = Transition.objects.get(article=page, action=Action.RESTORED)
    assert (restored.actor, restored.comment) == (manager, "Dose checked: it was right.")


def test_withdrawing_and_restoring_are_recorded_with_who_when_and_why(publish, reviewer):
    page = publish()
    workflow.withdraw(page, by=reviewer, reason="Wrong dose.")
    step = Transition.objects.get(article=page, action=Action.WITHDRAWN)
    assert (step.actor, step.comment, step.revision) == (
        reviewer,
        "Wrong dose.",
        page.live_revision,
    )
    assert timezone.now() - step.created_at < datetime.timedelta(minutes=1)
    page.refresh_from_db()
    assert page.withdrawal == step


def test_withdrawing_needs_a_reason(publish, reviewer):
    page = publish()
    with pytest.raises(workflow.WorkflowError, match="Say why"):
        workflow.withdraw(page, by=reviewer, reason="   ")
    page.refresh_from_db()
    assert page.live_revision_id is not None


def test_editor_cannot_withdraw(publish, editor):
    page = publish()
    with pytest.raises(workflow.WorkflowError, match="medical reviewers and content managers"):
        workflow.withdraw(page, by=editor, reason="I think it is wrong.")
    with pytest.raises(workflow.WorkflowError, match="medical reviewers and content managers"):
        workflow.restore(page, by=editor)


def test_content_manager_can_withdraw_but_not_approve(publish, editor, manager):
    page = publish()
    workflow.withdraw(page, by=manager, reason="Complaint from a hospital.")
    revision = submitted_edit(page, editor, title="Induction (checked)")
    with pytest.raises(workflow.WorkflowError, match="Only medical reviewers"):
        workflow.approve(revision, by=manager)


def test_approving_a_fixed_version_of_a_withdrawn_page_puts_it_back_live(
    client, publish, editor, second_reviewer, reviewer, helpline
):
    page = publish("dosing", title="Dosing")
    workflow.withdraw(page, by=reviewer, reason="Wrong dose.")
    fixed = submitted_edit(page, editor, body="## Dose\n\nThe right dose [@acs-treating-all].\n")
    workflow.approve(fixed, by=second_reviewer)
    page.refresh_from_db()
    assert page.live_revision == fixed
    assert not page.is_withdrawn
    response = client.get(page.get_absolute_url())
    assert response.status_code == 200
    assert "The right dose" in response.content.decode()


def test_an_older_version_cannot_replace_the_withdrawn_one(publish, editor, reviewer):
    page = publish()
    older = submitted_edit(page, editor, title="Older")
    newer = submitted_edit(page, editor, title="Newer")
    workflow.approve(newer, by=reviewer)
    workflow.withdraw(page, by=reviewer, reason="Wrong.")
    with pytest.raises(workflow.WorkflowError, match="newer version"):
        workflow.approve(older, by=reviewer)


def test_a_withdrawn_glossary_term_is_unlinked_from_the_pages_that_used_it(
    client, publish, publish_item, reviewer, helpline, django_capture_on_commit_callbacks
):
    page = publish(body="## Aims\n\nThe aim is remission.\n")
    with django_capture_on_commit_callbacks(execute=True):
        term = publish_item(Kind.GLOSSARY, "remission", "Remission", "No leukaemia found.", {})
    assert 'href="/glossary/#remission"' in client.get(page.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.withdraw(term, by=reviewer, reason="Definition is misleading.")
    assert 'href="/glossary/#remission"' not in LivePage.objects.get(article=page).body_html
    assert 'href="/glossary/#remission"' not in client.get(page.get_absolute_url()).content.decode()
    assert "No leukaemia found" not in client.get("/glossary/").content.decode()


def test_a_withdrawn_medicine_answers_410_and_pages_naming_it_no_longer_list_it(
    client, publish, publish_item, reviewer, helpline, django_capture_on_commit_callbacks
):
    page = publish(title="Targeted drugs", body="## Drugs\n\nSome take Glivec daily.\n")
    with django_capture_on_commit_callbacks(execute=True):
        medicine = publish_item(
            Kind.MEDICINE, "imatinib", "Imatinib", "A targeted drug.",
            {"brand_names": ["Glivec"], "drug_class": "TKI", "route": "Tablets"},
        )  # fmt: skip
    assert "Targeted drugs" in client.get("/medicines/imatinib/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.withdraw(medicine, by=reviewer, reason="Wrong brand.")
    assert client.get("/medicines/imatinib/").status_code == 410
    assert "Imatinib" not in client.get("/medicines/").content.decode()
    assert not LivePage.objects.get(article=page).medicine_revisions.exists()


def test_withdrawing_a_page_in_a_section_takes_it_out_of_its_sections_lists(
    client, publish, reviewer, helpline, django_capture_on_commit_callbacks
):
    section = publish("phases", title="Phases", tags=())
    publish("induction", parent=section, title="Induction")
    assert "Induction" in client.get("/treatment/phases/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.withdraw(
            Article.objects.get(slug="induction", language="en-gb"), by=reviewer, reason="Wrong."
        )
    assert 'href="/treatment/induction/"' not in client.get("/treatment/phases/").content.decode()


# Revert ---------------------------------------------------------------------


def test_reverting_makes_a_draft_that_needs_review(client, publish, editor, reviewer, helpline):
    page = publish(title="Induction", summary="The first phase.")
    first = page.live_revision
    second = submitted_edit(page, editor, title="Induction (wrong)", summary="Wrong summary.")
    workflow.approve(second, by=reviewer)
    draft = workflow.revert(first, by=editor)
    assert draft.status == RevisionStatus.DRAFT
    assert (draft.title, draft.summary, draft.body) == (first.title, first.summary, first.body)
    assert draft.based_on == second  # based on the latest: no conflict
    assert list(draft.tags.names()) == list(first.tags.names())
    page.refresh_from_db()
    assert page.live_revision == second  # readers see no change yet
    assert "Induction (wrong)" in client.get(page.get_absolute_url()).content.decode()
    step = Transition.objects.get(article=page, action=Action.REVERTED)
    assert step.revision == draft
    assert "Copied from the version saved on" in step.comment
    assert draft.author == editor  # the four-eyes rule counts whoever reverted as its author
    workflow.submit(draft, by=editor)
    workflow.approve(draft, by=reviewer)
    assert "Induction (wrong)" not in client.get(page.get_absolute_url()).content.decode()


def test_the_review_of_a_reverted_draft_shows_what_reverting_changes(
    client, publish, editor, reviewer, second_reviewer
):
    page = publish(title="Induction")
    first = page.live_revision
    second = submitted_edit(page, editor, title="Induction (wrong)")
    workflow.approve(second, by=reviewer)
    draft = workflow.revert(first, by=editor)
    workflow.submit(draft, by=editor)
    client.force_login(second_reviewer)
    html = client.get(f"/admin/treatments/article/review/{draft.pk}/").content.decode()
    assert "compared with the live page" in html
    assert "<del> (wrong)</del>" in html  # reverting removes the live title's words


def test_reverting_to_the_newest_version_or_its_twin_is_refused(publish, editor, reviewer):
    page = publish()
    with pytest.raises(workflow.WorkflowError, match="already the newest"):
        workflow.revert(page.live_revision, by=editor)


def test_reviewer_cannot_revert(publish, editor, reviewer):
    page = publish()
    first = page.live_revision
    edit(page, editor, title="Changed")
    with pytest.raises(workflow.WorkflowError, match="Only editors"):
        workflow.revert(first, by=reviewer)


# Scheduled publishing -------------------------------------------------------


def test_scheduled_approval_goes_live_after_its_time_and_not_before(
    client, publish, editor, reviewer, helpline
):
    page = publish("dosing", title="Dosing")
    revision = submitted_edit(page, editor, title="Dosing from Monday")
    at = timezone.now() + 2 * HOUR
    workflow.approve(revision, by=reviewer, go_live_at=at)
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.SCHEDULED
    assert "Dosing from Monday" not in client.get("/treatment/dosing/").content.decode()

    assert workflow.publish_scheduled(now=at - datetime.timedelta(seconds=1)) == []
    assert "Dosing from Monday" not in client.get("/treatment/dosing/").content.decode()

    assert [a.pk for a in workflow.publish_scheduled(now=at)] == [page.pk]
    page.refresh_from_db()
    assert page.live_revision == revision
    assert page.schedule is None
    assert page.live_since == at
    assert "Dosing from Monday" in client.get("/treatment/dosing/").content.decode()
    # The page names the reviewer who approved it; the change log dates the change.
    went_live = Transition.objects.get(article=page, action=Action.WENT_LIVE)
    assert went_live.actor == reviewer
    assert went_live.created_at == at
    assert page.last_review.action == Action.SCHEDULED
    assert page.change_log[0]["date"] == timezone.localdate(at).isoformat()
    # Running again does nothing: it went live once.
    assert workflow.publish_scheduled(now=at + HOUR) == []
    assert steps(page).count(Action.WENT_LIVE) == 1


def test_publish_scheduled_command_publishes_what_is_due(publish, editor, reviewer, monkeypatch):
    page = publish()
    revision = submitted_edit(page, editor, title="Later")
    at = timezone.now() + HOUR
    workflow.approve(revision, by=reviewer, go_live_at=at)
    call_command("publish_scheduled")
    page.refresh_from_db()
    assert page.live_revision != revision
    monkeypatch.setattr(timezone, "now", lambda: at + datetime.timedelta(seconds=30))
    call_command("publish_scheduled")
    page.refresh_from_db()
    assert page.live_revision == revision


def test_the_development_server_publishes_what_is_due_where_its_cached_pages_see_it(
    client, publish, editor, reviewer, helpline, monkeypatch, django_capture_on_commit_callbacks
):
    """make run: the scheduling loop runs in the server's process, so its
    in-memory page cache drops the old page at once."""
    from treatments.management.commands import serve

    page = publish("dosing", title="Dosing")
    revision = submitted_edit(page, editor, title="Dosing from Monday")
    at = timezone.now() + HOUR
    workflow.approve(revision, by=reviewer, go_live_at=at)
    assert "Dosing from Monday" not in client.get("/treatment/dosing/").content.decode()  # cached

    sleeps = []

    def one_round(seconds):
        if sleeps:
            raise KeyboardInterrupt  # stop the loop after one round
        sleeps.append(seconds)

    monkeypatch.setattr(serve.time, "sleep", one_round)
    monkeypatch.setattr(serve, "close_old_connections", lambda: None)  # the test's transaction
    monkeypatch.setattr(timezone, "now", lambda: at + datetime.timedelta(seconds=1))
    with pytest.raises(KeyboardInterrupt), django_capture_on_commit_callbacks(execute=True):
        serve.publish_scheduled_forever()
    assert sleeps == [30]
    assert "Dosing from Monday" in client.get("/treatment/dosing/").content.decode()


def test_scheduling_keeps_the_four_eyes_rule_and_every_approve_check(
    publish, editor, reviewer, second_reviewer
):
    page = publish()
    at = timezone.now() + HOUR
    own = submitted_edit(page, editor, title="Mine")
    reviewer_editor = make_user(workflow.EDITORS)
    reviewer_editor.groups.add(*reviewer.groups.all())
    mine = workflow.save_draft(
        page, by=reviewer_editor, base_revision=own, title="By a reviewer",
        summary="s", body=own.body,
    )  # fmt: skip
    workflow.submit(mine, by=reviewer_editor)
    with pytest.raises(workflow.WorkflowError, match="You wrote this version"):
        workflow.approve(mine, by=reviewer_editor, go_live_at=at)
    with pytest.raises(workflow.WorkflowError, match="Only medical reviewers"):
        workflow.approve(mine, by=editor, go_live_at=at)
    with pytest.raises(workflow.WorkflowError, match="already passed"):
        workflow.approve(mine, by=second_reviewer, go_live_at=timezone.now() - HOUR)
    with pytest.raises(workflow.WorkflowError, match="no longer in medical review"):
        workflow.approve(page.live_revision, by=second_reviewer, go_live_at=at)
    assert not Transition.objects.filter(article=page, action=Action.SCHEDULED).exists()


def test_cancelling_a_schedule_is_recorded(client, publish, editor, reviewer, manager, helpline):
    page = publish("dosing", title="Dosing")
    revision = submitted_edit(page, editor, title="Dosing from Monday")
    at = timezone.now() + HOUR
    workflow.approve(revision, by=reviewer, go_live_at=at)
    workflow.cancel_schedule(page, by=manager, comment="Trial start moved.")
    step = Transition.objects.get(article=page, action=Action.SCHEDULE_CANCELLED)
    assert (step.actor, step.comment, step.revision) == (manager, "Trial start moved.", revision)
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.IN_REVIEW  # back in the queue
    assert workflow.publish_scheduled(now=at + HOUR) == []
    assert "Dosing from Monday" not in client.get("/treatment/dosing/").content.decode()
    with pytest.raises(workflow.WorkflowError, match="Nothing is waiting to go live"):
        workflow.cancel_schedule(page, by=manager)


def test_editor_cannot_cancel_a_schedule(publish, editor, reviewer):
    page = publish()
    revision = submitted_edit(page, editor, title="Later")
    workflow.approve(revision, by=reviewer, go_live_at=timezone.now() + HOUR)
    with pytest.raises(workflow.WorkflowError, match="medical reviewers and content managers"):
        workflow.cancel_schedule(page, by=editor)


def test_a_newer_approval_supersedes_the_schedule(publish, editor, reviewer, second_reviewer):
    page = publish()
    scheduled = submitted_edit(page, editor, title="From Monday")
    at = timezone.now() + HOUR
    workflow.approve(scheduled, by=reviewer, go_live_at=at)
    urgent = submitted_edit(page, editor, title="Urgent fix (includes Monday's change)")
    workflow.approve(urgent, by=second_reviewer)
    page.refresh_from_db()
    assert page.live_revision == urgent
    assert page.schedule is None
    cancelled = Transition.objects.get(article=page, action=Action.SCHEDULE_CANCELLED)
    assert cancelled.revision == scheduled
    assert "newer version was approved" in cancelled.comment
    assert workflow.publish_scheduled(now=at + HOUR) == []
    page.refresh_from_db()
    assert page.live_revision == urgent


def test_an_older_version_approved_now_leaves_a_newer_schedule_in_place(
    publish, editor, reviewer, second_reviewer
):
    page = publish()
    older = submitted_edit(page, editor, title="Typo fix")
    newer = submitted_edit(page, editor, title="From Monday")
    at = timezone.now() + HOUR
    workflow.approve(newer, by=reviewer, go_live_at=at)
    workflow.approve(older, by=second_reviewer)
    workflow.publish_scheduled(now=at)
    page.refresh_from_db()
    assert page.live_revision == newer


def test_withdrawing_cancels_a_schedule(publish, editor, reviewer, manager):
    page = publish()
    revision = submitted_edit(page, editor, title="Later")
    at = timezone.now() + HOUR
    workflow.approve(revision, by=reviewer, go_live_at=at)
    workflow.withdraw(page, by=manager, reason="Wrong dose.")
    assert workflow.publish_scheduled(now=at) == []
    page.refresh_from_db()
    assert page.is_withdrawn
    assert page.live_revision is None
    assert steps(page)[-2:] == [Action.SCHEDULE_CANCELLED, Action.WITHDRAWN]


def test_a_schedule_made_while_withdrawn_puts_the_page_back_at_its_time(
    client, publish, editor, reviewer, helpline
):
    page = publish("dosing")
    workflow.withdraw(page, by=reviewer, reason="Wrong dose.")
    fixed = submitted_edit(page, editor, title="Dosing, corrected")
    at = timezone.now() + HOUR
    workflow.approve(fixed, by=make_reviewer(), go_live_at=at)
    assert client.get("/treatment/dosing/").status_code == 410
    workflow.publish_scheduled(now=at)
    assert "Dosing, corrected" in client.get("/treatment/dosing/").content.decode()


def make_reviewer():
    return make_user(workflow.MEDICAL_REVIEWERS)


def test_the_author_is_told_when_the_page_is_scheduled_and_when_it_goes_live(
    publish, editor, reviewer, django_capture_on_commit_callbacks
):
    editor.email = "ann@example.org"
    editor.save()
    page = publish()
    revision = submitted_edit(page, editor, title="Later")
    at = timezone.now() + HOUR
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(revision, by=reviewer, go_live_at=at)
    assert mail.outbox[-1].subject.startswith("Approved to go live on")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish_scheduled(now=at)
    assert mail.outbox[-1].subject == "Now live: Later"


def test_scheduled_publishing_is_a_deferred_task_with_the_database_backend(
    publish, editor, reviewer, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    page = publish()
    revision = submitted_edit(page, editor, title="Later")
    at = timezone.now() + HOUR
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(revision, by=reviewer, go_live_at=at)
    task = DBTaskResult.objects.get(task_path__endswith="publish_scheduled_pages")
    assert task.run_after == at


def count_queries(client, url):
    """Queries of a request, apart from reading the staff session (which a
    cached_db session store reads or not depending on what the cache holds)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code in (200, 410), url
    return len([q for q in queries if "django_session" not in q["sql"]])


# Admin screens --------------------------------------------------------------


def test_a_reviewer_takes_a_page_down_from_its_history_with_a_reason(
    client, publish, reviewer, helpline
):
    page = publish("dosing", title="Dosing")
    client.force_login(reviewer)
    history = client.get(f"/admin/treatments/article/{page.pk}/history/").content.decode()
    assert f'href="/admin/treatments/article/{page.pk}/withdraw/"' in history
    confirm = client.get(f"/admin/treatments/article/{page.pk}/withdraw/")
    assert confirm.status_code == 200
    assert "Readers will no longer see" in confirm.content.decode()
    # No reason: refused, nothing changes, the page says why.
    refused = client.post(f"/admin/treatments/article/{page.pk}/withdraw/", {"text": " "})
    assert refused.status_code == 400
    assert "Say why the page is coming down" in refused.content.decode()
    assert client.get("/treatment/dosing/").status_code == 200
    done = client.post(
        f"/admin/treatments/article/{page.pk}/withdraw/",
        {"text": "Wrong dose in table 2."},
        follow=True,
    )
    html = done.content.decode()
    assert "is taken down" in html
    assert "Withdrawn: readers cannot see this page." in html  # the edit screen's banner
    assert "Wrong dose in table 2." in html
    assert client.get("/treatment/dosing/").status_code == 410


def test_a_refused_withdrawal_keeps_the_typed_reason(client, publish, editor, reviewer):
    page = publish()
    workflow.withdraw(page, by=reviewer, reason="First.")
    client.force_login(reviewer)
    again = client.post(
        f"/admin/treatments/article/{page.pk}/withdraw/", {"text": "My long reason"}
    )
    assert "already withdrawn" in again.content.decode()
    assert "My long reason" in again.content.decode()


def test_an_editor_sees_no_take_down_button_and_cannot_post_one(client, publish, editor):
    page = publish()
    client.force_login(editor)
    assert (
        "withdraw/"
        not in client.get(f"/admin/treatments/article/{page.pk}/history/").content.decode()
    )
    assert (
        "Take down"
        not in client.get(f"/admin/treatments/article/{page.pk}/change/").content.decode()
    )
    response = client.post(f"/admin/treatments/article/{page.pk}/withdraw/", {"text": "Hmm"})
    assert "Only medical reviewers and content managers" in response.content.decode()
    page.refresh_from_db()
    assert not page.is_withdrawn


def test_withdrawn_pages_show_clearly_in_the_admin_list_with_a_filter(client, publish, reviewer):
    publish("kept", title="Kept page")
    down = publish("down", title="Taken down page")
    workflow.withdraw(down, by=reviewer, reason="Wrong.")
    client.force_login(reviewer)
    listing = client.get("/admin/treatments/article/").content.decode()
    assert "Withdrawn: readers get “being updated”" in listing
    filtered = client.get("/admin/treatments/article/?on_site=withdrawn").content.decode()
    start = filtered.index('id="result_list"')
    rows = filtered[start : filtered.index("</table>", start)]
    assert "Taken down page" in rows
    assert "Kept page" not in rows


def test_a_content_manager_puts_a_page_back_from_its_edit_screen(
    client, publish, manager, helpline
):
    page = publish("dosing")
    workflow.withdraw(page, by=manager, reason="Checking.")
    client.force_login(manager)
    edit_screen = client.get(f"/admin/treatments/article/{page.pk}/change/").content.decode()
    assert f'href="/admin/treatments/article/{page.pk}/restore/"' in edit_screen
    confirm = client.get(f"/admin/treatments/article/{page.pk}/restore/").content.decode()
    assert "the same approved version" in confirm
    done = client.post(
        f"/admin/treatments/article/{page.pk}/restore/", {"text": "Checked."}, follow=True
    )
    assert "is back" in done.content.decode()
    assert client.get("/treatment/dosing/").status_code == 200


def test_an_editor_makes_a_draft_from_an_earlier_version_on_the_history_page(
    client, publish, editor, reviewer
):
    page = publish(title="Induction")
    first = page.live_revision
    workflow.approve(submitted_edit(page, editor, title="Induction (wrong)"), by=reviewer)
    client.force_login(editor)
    history = client.get(f"/admin/treatments/article/{page.pk}/history/").content.decode()
    assert history.count('class="revert-form"') == 1  # not on the newest version
    done = client.post(
        f"/admin/treatments/article/{first.pk}/revert/".replace(
            f"article/{first.pk}", f"article/versions/{first.pk}"
        ),
        follow=True,
    )
    html = done.content.decode()
    assert "A new draft now holds the version saved on" in html
    page.refresh_from_db()
    assert page.latest_revision.title == "Induction"
    assert page.latest_revision.status == RevisionStatus.DRAFT
    assert page.live_revision.title == "Induction (wrong)"


def test_a_reviewer_approves_to_go_live_later_on_the_review_screen(
    client, publish, editor, reviewer
):
    page = publish()
    revision = submitted_edit(page, editor, title="From Monday")
    client.force_login(reviewer)
    screen = client.get(f"/admin/treatments/article/review/{revision.pk}/").content.decode()
    assert 'name="go_live_at"' in screen
    at = timezone.localtime(timezone.now() + 3 * HOUR).replace(second=0, microsecond=0)
    done = client.post(
        f"/admin/treatments/article/review/{revision.pk}/",
        {"action": "approve", "comment": "Fine.", "go_live_at": at.strftime("%Y-%m-%dT%H:%M")},
        follow=True,
    )
    html = done.content.decode()
    assert f"to go live on {at:%-d %b %Y at %H:%M}" in html
    assert "Waiting to go live" in html  # the queue lists it
    page.refresh_from_db()
    assert page.schedule.go_live_at == at
    assert page.live_revision != revision


@pytest.mark.parametrize(
    ("typed", "message"),
    [("next tuesday", "is not a date and time"), ("2001-01-01T09:00", "has already passed")],
)
def test_a_bad_go_live_time_is_refused_with_the_comment_and_time_kept(
    client, publish, editor, reviewer, typed, message
):
    page = publish()
    revision = submitted_edit(page, editor, title="Later")
    client.force_login(reviewer)
    response = client.post(
        f"/admin/treatments/article/review/{revision.pk}/",
        {"action": "approve", "comment": "My careful comment", "go_live_at": typed},
    )
    html = response.content.decode()
    assert message in html
    assert "My careful comment" in html
    assert f'value="{typed}"' in html
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.IN_REVIEW


def test_cancelling_a_schedule_from_the_review_queue(client, publish, editor, reviewer):
    page = publish()
    revision = submitted_edit(page, editor, title="From Monday")
    workflow.approve(revision, by=reviewer, go_live_at=timezone.now() + HOUR)
    client.force_login(reviewer)
    queue = client.get("/admin/treatments/article/review-queue/").content.decode()
    assert f'href="/admin/treatments/article/{page.pk}/cancel-schedule/"' in queue
    done = client.post(
        f"/admin/treatments/article/{page.pk}/cancel-schedule/", {"text": "Moved"}, follow=True
    )
    assert "will not go live on its own" in done.content.decode()
    assert Transition.objects.filter(action=Action.SCHEDULE_CANCELLED, comment="Moved").exists()


def test_new_admin_pages_run_a_constant_number_of_queries(
    client, publish, editor, reviewer, helpline
):
    pages = [publish(f"page-{i}", title=f"Page {i}") for i in range(2)]
    for page in pages:
        workflow.approve(submitted_edit(page, editor, title="Later"), by=reviewer,
                         go_live_at=timezone.now() + HOUR)  # fmt: skip
    client.force_login(reviewer)
    urls = [
        f"/admin/treatments/article/{pages[0].pk}/withdraw/",
        f"/admin/treatments/article/{pages[0].pk}/cancel-schedule/",
        f"/admin/treatments/article/{pages[0].pk}/history/",
        "/admin/treatments/article/review-queue/",
        "/admin/treatments/article/?on_site=scheduled",
    ]
    small = {url: count_queries(client, url) for url in urls}
    for i in range(2, 8):
        page = publish(f"page-{i}", title=f"Page {i}")
        workflow.approve(submitted_edit(page, editor, title="Later"), by=reviewer,
                         go_live_at=timezone.now() + HOUR)  # fmt: skip
        edit(pages[0], editor, title=f"Draft {i}")
    workflow.withdraw(pages[1], by=reviewer, reason="Wrong.")
    urls.append(f"/admin/treatments/article/{pages[1].pk}/restore/")
    small[urls[-1]] = count_queries(client, urls[-1])
    grown = {url: count_queries(client, url) for url in urls}
    assert grown == small
    reader = Client()
    reader.get("/treatment/page-1/")  # the helpline and menus are then cached
    assert count_queries(reader, "/treatment/page-1/") == 2  # 410: the page, is it withdrawn


@override_settings(DEBUG=False)
def test_the_withdrawn_page_validates_as_html5_with_one_h1_and_no_inline_script(
    client, publish, reviewer, helpline, tmp_path
):
    page = publish("dosing")
    workflow.withdraw(page, by=reviewer, reason="Wrong dose.")
    html = client.get("/treatment/dosing/").content.decode()
    assert len(H1_RE.findall(html)) == 1
    assert not INLINE_SCRIPT_RE.search(html)
    assert " style=" not in html
    assert '<meta name="robots" content="noindex">' in html
    assert validate({"withdrawn": html}, tmp_path) == []
