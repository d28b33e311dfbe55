"""The review workflow: the only code that changes a revision's state.

    draft --submit--> in review --approve--> live
                          |
                          +--request changes (comment)--> changes requested

Every function is keyword-only after its subject, atomic, checks the
caller's rights itself, records a Transition, and raises WorkflowError with a
message a person can act on when a rule is broken.
"""

import calendar
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from allsite import search
from references.citations import keys_in
from references.models import Reference

from . import notifications
from .kinds import clean_details
from .lookups import glossary_terms, medicines_mentioned
from .models import Action, Article, Kind, Revision, RevisionStatus, Transition
from .rendering import RenderError, render, render_body

EDITORS = "Editors"
MEDICAL_REVIEWERS = "Medical reviewers"
HELPLINE_STAFF = "Helpline staff"

CONTENT_FIELDS = ("title", "summary", "body", "audience", "details")


class WorkflowError(Exception):
    """A workflow rule was broken. `str(error)` is written for the person who tried;
    `field` names the form field at fault, when there is one."""

    def __init__(self, message, *, field=None):
        super().__init__(message)
        self.field = field


class EditConflict(WorkflowError):
    """The draft was based on a revision that is no longer the latest one."""

    def __init__(self, message, *, latest):
        super().__init__(message)
        self.latest = latest


def is_editor(user):
    return user.is_active and (user.is_superuser or _in_group(user, EDITORS))


def is_medical_reviewer(user):
    """Only members of the group review; being a superuser is not enough."""
    return user.is_active and _in_group(user, MEDICAL_REVIEWERS)


def _in_group(user, name):
    return user.groups.filter(name=name).exists()


def add_months(day, months):
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def validate_content(fields, kind=Kind.PAGE):
    """Cleaned revision fields for this kind of content, or WorkflowError saying
    what must change before they could be published."""
    fields = dict(fields)
    try:
        fields["details"] = clean_details(Kind(kind), fields.get("details") or {})
    except ValueError as error:
        raise WorkflowError(str(error), field="details") from error
    candidate = Revision(**{name: fields[name] for name in CONTENT_FIELDS if name in fields})
    try:
        candidate.clean_fields(exclude=["article", "author", "based_on", "tags", "status"])
    except ValidationError as error:
        raise WorkflowError(_join_messages(error)) from error
    if kind == Kind.PAGE and not candidate.body.strip():
        raise WorkflowError("The body is empty: a treatment page needs its text.", field="body")
    try:
        render_body(candidate.body)
    except (RenderError, ValueError) as error:
        raise WorkflowError(str(error), field="body") from error
    return fields


def _join_messages(error):
    if hasattr(error, "message_dict"):
        return " ".join(
            f"{field.replace('_', ' ').capitalize()}: {' '.join(messages)}"
            for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def _record(article, revision, action, actor, comment=""):
    return Transition.objects.create(
        article=article, revision=revision, action=action, actor=actor, comment=comment
    )


def _locked(article):
    return Article.objects.select_for_update().get(pk=article.pk)


@transaction.atomic
def save_draft(article, *, by, base_revision, tags=(), **fields):
    """Save the fields as a new draft revision based on `base_revision`.

    Refused as a conflict when someone saved a newer revision since
    `base_revision` was loaded; the caller keeps the typed text.
    """
    if not is_editor(by):
        raise WorkflowError("Only editors can save drafts.")
    unknown = set(fields) - set(CONTENT_FIELDS)
    if unknown:
        raise TypeError(f"save_draft() got unexpected fields: {', '.join(sorted(unknown))}")
    article = _locked(article)
    latest = article.latest_revision
    if base_revision is not None and base_revision.article_id != article.pk:
        raise WorkflowError("That version belongs to another page: open this page and edit it.")
    if latest is None and base_revision is not None:
        raise WorkflowError("This page has no saved version to edit yet.")
    if (latest.pk if latest else None) != (base_revision.pk if base_revision else None):
        raise EditConflict(
            "Someone else saved a newer version of this page while you were editing "
            f"(by {latest.author}, {timezone.localtime(latest.created_at):%d %b %Y at %H:%M}). "
            "Your text has not been saved and is still in the form: compare it with the "
            "newer version below, copy what you need, and save again.",
            latest=latest,
        )
    fields = validate_content(fields, article.kind)
    revision = Revision.objects.create(
        article=article, author=by, based_on=base_revision, status=RevisionStatus.DRAFT, **fields
    )
    revision.tags.set(list(tags))
    revision.references.set(Reference.objects.filter(key__in=keys_in(revision.body)))
    if article.kind == Kind.PAGE:
        revision.mentions.set(medicines_mentioned(f"{revision.title} {revision.body}"))
    _record(article, revision, Action.SAVED, by)
    return revision


@transaction.atomic
def submit(revision, *, by, note_for_readers=""):
    """Send a draft to the medical reviewers."""
    if not is_editor(by):
        raise WorkflowError("Only editors can submit a page for medical review.")
    article = _locked(revision.article)
    revision = Revision.objects.get(pk=revision.pk)
    if revision.status != RevisionStatus.DRAFT:
        raise WorkflowError(
            f"This version is {revision.get_status_display().lower()}, so it cannot be "
            "submitted. Only drafts can be submitted."
        )
    if article.latest_revision.pk != revision.pk:
        raise WorkflowError(
            "A newer draft of this page exists. Submit the newest version so that no edit is lost."
        )
    validate_content({name: getattr(revision, name) for name in CONTENT_FIELDS}, article.kind)
    Revision.objects.filter(pk=revision.pk).update(
        status=RevisionStatus.IN_REVIEW, note_for_readers=note_for_readers
    )
    _record(article, revision, Action.SUBMITTED, by, comment=note_for_readers)
    revision.refresh_from_db()
    transaction.on_commit(lambda: notifications.revision_submitted(revision, by))
    return revision


def _check_reviewer(by, revision, verb):
    if not is_medical_reviewer(by):
        raise WorkflowError(f"Only medical reviewers can {verb}.")
    if revision.author_id == by.pk:
        raise WorkflowError(
            f"You wrote this version, so you cannot {verb} it: another medical reviewer must."
        )


def _renew_review(article, transition, note):
    """New review dates, and a line at the top of the readers' change log."""
    today = timezone.localdate(transition.created_at)
    interval = min(article.review_interval_months, settings.MAX_REVIEW_INTERVAL_MONTHS)
    article.last_review = transition
    article.next_review_due = add_months(today, interval)
    entry = {"date": today.isoformat(), "action": transition.action, "note": note}
    article.change_log = [entry, *article.change_log]


@transaction.atomic
def approve(revision, *, by, comment=""):
    """Publish a revision in review: it becomes the live page, with new review dates."""
    _check_reviewer(by, revision, "approve this version")
    article = _locked(revision.article)
    revision = Revision.objects.get(pk=revision.pk)
    if revision.status != RevisionStatus.IN_REVIEW:
        raise WorkflowError(
            f"This version is {revision.get_status_display().lower()}: only versions in "
            "medical review can be approved."
        )
    live = article.live_revision
    if live and (live.created_at, live.pk) > (revision.created_at, revision.pk):
        raise WorkflowError(
            "A newer version of this page is already live, so approving this older one would "
            "undo it. Request changes instead."
        )
    try:
        rendered = render(revision.body, glossary_terms=glossary_terms(exclude=article))
    except (RenderError, ValueError) as error:
        raise WorkflowError(f"This version cannot be published: {error}") from error
    Revision.objects.filter(pk=revision.pk).update(
        status=RevisionStatus.APPROVED,
        body_html=rendered.html,
        toc=rendered.toc,
        citations=rendered.citations,
    )
    transition = _record(article, revision, Action.APPROVED, by, comment)
    article.live_revision = revision
    article.live_since = transition.created_at
    _renew_review(article, transition, revision.note_for_readers)
    article.save(
        update_fields=[
            "live_revision",
            "live_since",
            "last_review",
            "next_review_due",
            "change_log",
        ]
    )
    revision.refresh_from_db()
    search.index_article(article)
    if article.kind in (Kind.GLOSSARY, Kind.MEDICINE):
        refresh_live_pages()
    transaction.on_commit(lambda: notifications.review_decided(transition))
    return revision


def refresh_live_pages():
    """Re-derive live pages' glossary links and medicine mentions after a glossary
    term or medicine is published. Only derived data changes: the approved title,
    summary and body stay exactly as the reviewer approved them."""
    terms = glossary_terms()
    for page in Article.objects.pages().published().select_related("live_revision"):
        live = page.live_revision
        rendered = render(live.body, glossary_terms=terms)
        Revision.objects.filter(pk=live.pk).update(body_html=rendered.html)
        live.mentions.set(medicines_mentioned(f"{live.title} {live.body}"))


@transaction.atomic
def request_changes(revision, *, by, comment):
    """Send a revision in review back to its author with a comment."""
    _check_reviewer(by, revision, "request changes to this version")
    if not comment.strip():
        raise WorkflowError("Say what needs to change: the comment is sent to the author.")
    article = _locked(revision.article)
    revision = Revision.objects.get(pk=revision.pk)
    if revision.status != RevisionStatus.IN_REVIEW:
        raise WorkflowError(
            f"This version is {revision.get_status_display().lower()}: only versions in "
            "medical review can be sent back."
        )
    Revision.objects.filter(pk=revision.pk).update(status=RevisionStatus.CHANGES_REQUESTED)
    transition = _record(article, revision, Action.CHANGES_REQUESTED, by, comment)
    revision.refresh_from_db()
    transaction.on_commit(lambda: notifications.review_decided(transition))
    return revision


@transaction.atomic
def confirm_still_accurate(article, *, by, comment=""):
    """A reviewer re-checks the unchanged live page: renews its review dates."""
    article = _locked(article)
    if article.live_revision is None:
        raise WorkflowError("This page is not published yet, so there is nothing to confirm.")
    _check_reviewer(by, article.live_revision, "confirm this page")
    transition = _record(article, article.live_revision, Action.CONFIRMED, by, comment)
    _renew_review(article, transition, "")
    article.save(update_fields=["last_review", "next_review_due", "change_log"])
    return article
