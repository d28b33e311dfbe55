"""Every word on a live page was approved: references are reviewed like pages,
live pages record what they were rendered from, and publishing something
re-renders only the pages that depend on it, after the approval commits."""

import datetime
import logging

import pytest
from django.core import mail
from django.test import override_settings

from references.models import Reference, ReferenceVersion, VersionStatus
from tests.conftest import approved_reference
from treatments import publishing, tasks, workflow
from treatments.models import Action, Article, Kind, LivePage, Transition

pytestmark = pytest.mark.django_db

OLD_URL = "https://www.cancer.org/cancer/types/acute-lymphocytic-leukemia/treating.html"
NEW_URL = "https://phishing.example.net/all-treatment"


def edit_reference(client, reference, **changes):
    """Post the reference's admin form as an editor would, changing some fields."""
    fields = {
        name: "" if value is None else value
        for name, value in reference.content().items()
        if name != "key"
    }
    fields.update(key=reference.key, submit_for_review="on", **changes)
    return client.post(f"/admin/references/reference/{reference.pk}/change/", fields)


def test_an_edited_reference_stays_off_live_pages_until_a_reviewer_approves_it_as_a_diff(
    client, publish, publish_item, editor, reviewer, helpline, django_capture_on_commit_callbacks
):
    page = publish(body="## Aims\n\nThe aim is remission [@acs-treating-all].\n")
    reference = Reference.objects.get(key="acs-treating-all")

    client.force_login(editor)
    response = edit_reference(client, reference, title="Unreviewed new title", url=NEW_URL)
    assert response.status_code == 302
    reference.refresh_from_db()
    assert reference.title == "Unreviewed new title"  # the working copy has the edit

    # Publishing something else re-renders dependent pages: still only approved sources.
    with django_capture_on_commit_callbacks(execute=True):
        publish_item(Kind.GLOSSARY, "remission", "Remission", "No leukaemia can be found.", {})
    html = client.get(page.get_absolute_url()).content.decode()
    assert 'href="/glossary/#remission"' in html  # the page was re-rendered...
    assert "Treating acute lymphocytic leukemia (ALL)" in html  # ...from the approved version
    assert "Unreviewed new title" not in html
    assert NEW_URL not in html

    client.force_login(reviewer)
    queue = client.get("/admin/treatments/article/review-queue/").content.decode()
    version = ReferenceVersion.objects.get(status=VersionStatus.IN_REVIEW)
    review_url = f"/admin/treatments/article/review/reference/{version.pk}/"
    assert review_url in queue
    screen = client.get(review_url).content.decode()
    assert "<del>Treating</del>" in screen or "<del>Treating acute" in screen
    assert "<ins>Unreviewed new title</ins>" in screen or "<ins>Unreviewed" in screen
    assert "phishing" in screen  # the new URL is shown to the reviewer
    assert "Cited by 1 live page" in screen

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(review_url, {"action": "approve", "comment": ""})
    assert response.status_code == 302
    html = client.get(page.get_absolute_url()).content.decode()
    assert "Unreviewed new title" in html
    assert NEW_URL in html


def test_a_live_page_records_the_exact_versions_it_was_rendered_from(
    publish, publish_item, reference
):
    term = publish_item(Kind.GLOSSARY, "remission", "Remission", "No leukaemia is found.", {})
    medicine = publish_item(
        Kind.MEDICINE, "imatinib", "Imatinib", "A targeted drug.",
        {"brand_names": ["Glivec"], "drug_class": "TKI", "route": "Tablets"},
    )  # fmt: skip
    page = publish(body="## Aims\n\nRemission, sometimes with Glivec [@acs-treating-all].\n")
    live = page.live_page
    assert live.revision == page.live_revision
    assert list(live.reference_versions.all()) == [reference.live_version]
    assert list(live.glossary_revisions.all()) == [term.live_revision]
    assert list(live.medicine_revisions.all()) == [medicine.live_revision]


def test_a_page_citing_a_new_reference_sends_it_for_review_and_waits_for_its_approval(
    publish, editor, reviewer, second_reviewer, django_capture_on_commit_callbacks
):
    page = publish()
    Reference.objects.create(
        key="nhs-all", type="webpage", author_organisation="NHS", title="ALL treatment",
        url="https://www.nhs.uk/conditions/all/", accessed=datetime.date(2026, 11, 1),
    )  # fmt: skip
    draft = workflow.save_draft(
        page, by=editor, base_revision=page.latest_revision,
        title="Induction", summary="The first phase.", body="## Now\n\nNew source [@nhs-all].\n",
    )  # fmt: skip
    submitted = workflow.submit(draft, by=editor)
    assert submitted.new_references == ["nhs-all"]
    version = ReferenceVersion.objects.get(reference__key="nhs-all")
    assert version.status == VersionStatus.IN_REVIEW

    with pytest.raises(workflow.WorkflowError, match=r"no medical reviewer has approved.*nhs-all"):
        workflow.approve(submitted, by=reviewer)
    workflow.approve_reference(version, by=second_reviewer)
    workflow.approve(submitted, by=reviewer)
    page.refresh_from_db()
    assert "ALL treatment" in page.live_page.body_html


def test_reference_review_has_the_same_four_eyes_and_comment_rules_as_pages(
    editor, second_editor, reviewer, second_reviewer
):
    reference = Reference.objects.create(
        key="lls", type="webpage", author_organisation="LLS", title="ALL",
        url="https://www.lls.org/all", accessed=datetime.date(2026, 11, 1),
    )  # fmt: skip
    with pytest.raises(workflow.WorkflowError, match="Only editors"):
        workflow.submit_reference(reference, by=reviewer)
    version = workflow.submit_reference(reference, by=editor)
    with pytest.raises(workflow.WorkflowError, match="already waiting"):
        workflow.submit_reference(reference, by=second_editor)
    with pytest.raises(workflow.WorkflowError, match="Only medical reviewers"):
        workflow.approve_reference(version, by=second_editor)
    with pytest.raises(workflow.WorkflowError, match="Say what needs to change"):
        workflow.request_reference_changes(version, by=reviewer, comment=" ")
    workflow.request_reference_changes(version, by=reviewer, comment="Add the date.")
    with pytest.raises(workflow.WorkflowError, match="only versions in medical review"):
        workflow.approve_reference(version, by=second_reviewer)

    both = make_editor_reviewer(editor)
    again = workflow.submit_reference(reference, by=both)
    with pytest.raises(workflow.WorkflowError, match="you cannot approve"):
        workflow.approve_reference(again, by=both)
    workflow.approve_reference(again, by=second_reviewer)
    with pytest.raises(workflow.WorkflowError, match="no changes since it was approved"):
        workflow.submit_reference(reference, by=editor)
    assert Transition.objects.filter(reference_version=again, action=Action.APPROVED).exists()


def make_editor_reviewer(user):
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name=workflow.MEDICAL_REVIEWERS))
    return user


def test_an_older_reference_version_cannot_undo_a_newer_approved_one(
    editor, reviewer, second_reviewer, reference
):
    reference.title = "First change"
    reference.save()
    older = workflow.submit_reference(reference, by=editor)
    reference.title = "Second change"
    reference.save()
    newer = workflow.submit_reference(reference, by=editor)
    workflow.approve_reference(newer, by=second_reviewer)
    with pytest.raises(workflow.WorkflowError, match="newer version of this reference"):
        workflow.approve_reference(older, by=reviewer)


def test_publishing_a_glossary_term_re_renders_only_the_pages_that_use_its_words(
    publish, publish_item, django_capture_on_commit_callbacks
):
    using = publish("induction", body="## Aims\n\nThe aim is remission.\n")
    unrelated = publish("care-team", title="Care team", body="## Who\n\nNurses and doctors.\n")
    untouched = LivePage.objects.get(article=unrelated).rendered_at
    term = publish_item(Kind.GLOSSARY, "remission", "Remission", "No leukaemia found.", {})
    assert publishing.dependents_of_article(term) == [using.pk]
    # What the approval enqueues after commit:
    tasks.enqueue(tasks.rerender_dependents_of_article, term.pk)
    assert 'href="/glossary/#remission"' in LivePage.objects.get(article=using).body_html
    assert LivePage.objects.get(article=unrelated).rendered_at == untouched
    assert publishing.dependents_of_article(term) == []  # nothing left to bring up to date


def test_a_page_re_rendered_for_a_new_glossary_term_shows_the_link_in_its_whole_page(
    client, publish, publish_item, django_capture_on_commit_callbacks
):
    """The stored main region gets the new body (only the body changes) and
    stays what rendering the region afresh gives: breadcrumbs, neighbours,
    references and all."""
    section = publish("phases", title="Phases", body="## All\n\nThe phases.\n")
    publish("consolidation", parent=section, order=2, title="Consolidation")
    page = publish(
        "induction", parent=section, order=1,
        body="## Aims\n\nThe aim is remission [@acs-treating-all].\n\nRemission again [@acs-treating-all].\n",
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        publish_item(Kind.GLOSSARY, "remission", "Remission", "No leukaemia found.", {})
    live = LivePage.objects.get(article=page)
    assert 'href="/glossary/#remission"' in live.page_html
    page.refresh_from_db()
    assert (live.page_html, live.section_id, live.json_ld) == publishing.render_page_main(
        page, live
    )
    html = client.get("/treatment/induction/").content.decode()
    assert 'href="/glossary/#remission"' in html
    assert "Consolidation" in html
    assert "Phases" in html


def test_renaming_a_glossary_term_re_renders_the_pages_that_linked_its_old_name(
    publish, publish_item, editor, reviewer, django_capture_on_commit_callbacks
):
    page = publish(body="## Cells\n\nBlasts are immature cells.\n")
    with django_capture_on_commit_callbacks(execute=True):
        term = publish_item(Kind.GLOSSARY, "blast", "Blast", "An immature blood cell.", {})
    assert 'href="/glossary/#blast"' in LivePage.objects.get(article=page).body_html
    revision = workflow.save_draft(
        term, by=editor, base_revision=term.latest_revision,
        title="Blast cell", summary="An immature blood cell.", body="",
    )  # fmt: skip
    workflow.submit(revision, by=editor)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(revision, by=reviewer)
    assert "glossary-link" not in LivePage.objects.get(article=page).body_html


def run_queued_tasks():
    """What `manage.py db_worker` does with each queued task, until none is left."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["default"], interval=0, batch=True, backend_name="default",
        startup_delay=False, max_tasks=None, worker_id="test", excluded_queue_names=[],
    )  # fmt: skip
    while (task := DBTaskResult.objects.ready().first()) is not None:
        task.claim(worker.worker_id)
        worker.run_task(task)


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_dependent_pages_are_re_rendered_by_the_worker_after_the_approval_returns(
    client, publish, editor, reviewer, django_capture_on_commit_callbacks
):
    """The approval request only enqueues; the worker re-renders."""
    with django_capture_on_commit_callbacks(execute=True):
        page = publish(body="## Aims\n\nThe aim is remission.\n")
    run_queued_tasks()
    term = Article.objects.create(slug="remission", kind=Kind.GLOSSARY)
    revision = workflow.save_draft(
        term, by=editor, base_revision=None, title="Remission", summary="None found.", body=""
    )
    workflow.submit(revision, by=editor)
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/treatments/article/review/{revision.pk}/", {"action": "approve"}
        )
    assert response.status_code == 302
    assert "glossary-link" not in LivePage.objects.get(article=page).body_html  # not yet
    run_queued_tasks()
    assert 'href="/glossary/#remission"' in LivePage.objects.get(article=page).body_html


class BrokenMailServer:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server is down")


def test_a_failing_mail_server_never_turns_an_approval_into_an_error_page(
    client, publish, editor, reviewer, settings, caplog, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.test_publishing.BrokenMailServer"
    editor.email = "editor@example.org"
    editor.save()
    page = publish()
    revision = workflow.save_draft(
        page, by=editor, base_revision=page.latest_revision,
        title="Induction", summary="Changed.", body=page.live_revision.body,
    )  # fmt: skip
    workflow.submit(revision, by=editor)
    client.force_login(reviewer)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/treatments/article/review/{revision.pk}/", {"action": "approve"}
        )
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.live_revision == revision
    assert mail.outbox == []
    assert "notify_decided failed 5 times; giving up" in caplog.text


def test_references_imported_together_wait_for_review_before_any_page_can_show_them(
    client, editor, reviewer
):
    csl = (
        '[{"id": "nci-pdq", "type": "webpage", "title": "ALL treatment (PDQ)", '
        '"author": [{"literal": "National Cancer Institute"}], '
        '"URL": "https://www.cancer.gov/types/leukemia/patient/adult-all-treatment-pdq", '
        '"accessed": {"date-parts": [[2026, 11, 1]]}}]'
    )
    client.force_login(editor)
    response = client.post(
        "/admin/references/reference/import/",
        {"content": csl, "filename": "refs.json", "confirm": "1", "import": ["nci-pdq"]},
    )
    assert response.status_code == 302
    reference = Reference.objects.get(key="nci-pdq")
    assert reference.live_version is None
    assert reference.versions.get().status == VersionStatus.IN_REVIEW
    assert publishing.approved_references("[@nci-pdq]") == {}


def test_approved_sources_never_include_a_working_copy(editor, reviewer):
    reference = approved_reference(
        editor, reviewer, key="cruk", type="webpage", author_organisation="CRUK",
        title="Approved title", url="https://www.cancerresearchuk.org/all",
        accessed=datetime.date(2026, 11, 1),
    )  # fmt: skip
    reference.title = "Draft title"
    reference.save()
    approved = publishing.approved_references("See [@cruk].")["cruk"]
    assert approved.as_reference().title == "Approved title"
