"""The review workflow: the only code that changes what readers may see.

    draft --submit--> in review --approve--> live --withdraw (reason)--> withdrawn
                          |    |                  <--restore-----------
                          |    +--approve to go live later--> scheduled --(its time)--> live
                          |                 <--cancel (or a newer approval)--+
                          +--request changes (comment)--> changes requested

Revert copies an earlier version into a new draft, which goes through review
like any other. Withdrawing takes the live page down at once (readers get
410); restoring brings back the same approved version, with no new review.

The same steps apply to every kind of reviewed content: treatment pages,
glossary terms and medicines (as revisions of an Article), and references
(as ReferenceVersions: snapshots of a reference's working copy).

Translations (treatments.translations) are Articles too, with their own
line of revisions and the same steps and rules. One more rule applies to
every language: only a medical reviewer who declared the content's language
in their ReviewerProfile.languages may approve it, approve it to go live
later, send it back, or confirm it still accurate (a reviewer with no
profile counts as declaring the site's default language, English, only).
A translation's revision records the approved version of the English
original it translates (`Revision.translates`); when the original is
approved again, the translation is out of date until a newer translation
that says so is approved.

The rule for live pages: every word, link and number on a live page derives
from approved versions only: the page's own approved revision plus the
approved versions of the references, glossary terms and medicines it draws in.
An editor's unreviewed change, to a page or to anything a page shows, never
reaches a reader by any path. treatments.publishing renders live pages that
way and records exactly which versions each was made from.

Every function is keyword-only after its subject, atomic, checks the
caller's rights itself, records a Transition, and raises WorkflowError with a
message a person can act on when a rule is broken. Side effects (email,
re-rendering dependent pages, cache and export updates) happen after commit,
in background tasks.
"""

import calendar
import datetime
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from references.citations import keys_in, malformed_citations
from references.models import Reference, ReferenceVersion, VersionStatus

from . import publishing, tasks
from .kinds import clean_details
from .media import library_images
from .models import (
    Action,
    Article,
    Kind,
    ReviewerProfile,
    Revision,
    RevisionStatus,
    Transition,
)
from .publishing import NavData
from .rendering import RenderError, render_body, working_references

EDITORS = "Editors"
MEDICAL_REVIEWERS = "Medical reviewers"
HELPLINE_STAFF = "Helpline staff"
CONTENT_MANAGERS = "Content managers"

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


def can_withdraw(user):
    """Medical reviewers and content managers (by permission, so a deployment
    can reshape roles) may take a page down, put it back, or cancel a schedule."""
    return user.is_active and user.has_perm("treatments.withdraw_article")


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
    malformed = malformed_citations(candidate.body)
    if malformed:
        raise WorkflowError(
            f"These citation markers are not written right: {', '.join(malformed)}. A citation "
            "is [@key] or [@key1; @key2], with a reference's key right after each @.",
            field="body",
        )
    try:
        render_body(candidate.body, references=working_references(candidate.body), strict=True)
    except (RenderError, ValueError) as error:
        raise WorkflowError(str(error), field="body") from error
    return fields


TAG_MAX_LENGTH = 100  # taggit's Tag.name


def validate_tags(tags):
    """The tags as given, or WorkflowError naming the first that could not be a
    page's topic: every tag needs a letter or digit (its address is made of
    them, in any alphabet) and at most TAG_MAX_LENGTH characters."""
    for tag in tags:
        if not slugify(tag, allow_unicode=True):
            raise WorkflowError(
                f"The tag “{tag}” has no letter or digit, so it cannot have a page of its "
                "own: use a word (in any language).",
                field="tags",
            )
        if len(tag) > TAG_MAX_LENGTH:
            raise WorkflowError(
                f"The tag “{tag[:40]}…” is {len(tag)} characters long: tags can have at most "
                f"{TAG_MAX_LENGTH}.",
                field="tags",
            )
    return list(tags)


def _join_messages(error):
    if hasattr(error, "message_dict"):
        return " ".join(
            f"{field.replace('_', ' ').capitalize()}: {' '.join(messages)}"
            for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


MAX_COMMENT_LENGTH = 10_000


def _record(article, revision, action, actor, comment="", **extra):
    _check_comment(comment)
    return Transition.objects.create(
        article=article, revision=revision, action=action, actor=actor, comment=comment, **extra
    )


def _check_comment(comment):
    if len(comment) > MAX_COMMENT_LENGTH:
        raise WorkflowError(
            f"Your comment is {len(comment):,} characters long: a comment can have at most "
            f"{MAX_COMMENT_LENGTH:,}. Nothing was recorded; shorten it and try again (it is "
            "still in the box).",
            field="comment",
        )


def _after_commit(task, *args):
    transaction.on_commit(lambda: tasks.enqueue(task, *args))


def _not_in_review(version, decision):
    """Why a decision on a version no longer in review is refused, in plain words."""
    return (
        f"This version is no longer in medical review (it is now "
        f"{version.get_status_display().lower()}): only versions in medical review can be "
        f"{decision}. Another reviewer may have decided on it a moment ago: see the page's "
        "history."
    )


def _locked(article):
    return Article.objects.select_for_update().get(pk=article.pk)


@transaction.atomic
def save_draft(article, *, by, base_revision, tags=(), translates=None, **fields):
    """Save the fields as a new draft revision based on `base_revision`.

    Refused as a conflict when someone saved a newer revision since
    `base_revision` was loaded; the caller keeps the typed text.

    For a translation, `translates` is the approved revision of the English
    original this draft translates; left out, the draft keeps what the
    version it is based on translates.
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
    if translates is None:
        translates = base_revision.translates if base_revision is not None else None
    return _new_draft(
        article, by=by, base_revision=base_revision, tags=tags, fields=fields,
        translates=translates,
    )  # fmt: skip


def _check_translates(article, translates):
    """Refuse a `translates` that is not an approved version of the article's original."""
    if translates is None:
        return
    if article.translation_of_id is None:
        raise WorkflowError(
            "This is not a translation, so it cannot say which English version it translates."
        )
    if translates.article_id != article.translation_of_id:
        raise WorkflowError(
            "That version belongs to another page: a translation translates a version of its "
            "own English page."
        )
    if translates.status != RevisionStatus.APPROVED:
        raise WorkflowError(
            "A translation translates an approved English version, and that one is "
            f"{translates.get_status_display().lower()}: translate the English page's live "
            "version."
        )


def _new_draft(
    article, *, by, base_revision, tags, fields, translates=None, action=Action.SAVED, comment=""
):
    """Validate and store a draft of the (locked) article, and record `action`."""
    fields = validate_content(fields, article.kind)
    tags = validate_tags(tags)
    _check_translates(article, translates)
    revision = Revision.objects.create(
        article=article, author=by, based_on=base_revision, status=RevisionStatus.DRAFT,
        translates=translates, **fields,
    )  # fmt: skip
    revision.tags.set(list(tags))
    revision.references.set(Reference.objects.filter(key__in=keys_in(revision.body)))
    # Images never change, so the revision shows exactly these; they cannot be
    # deleted while it exists (RevisionImage.image is PROTECT).
    revision.images.set(library_images(revision.body).values())
    if article.live_revision_id is None and article.withdrawal_id is None:
        Article.objects.filter(pk=article.pk).update(display_title=revision.title)
    _record(article, revision, action, by, comment)
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
    revision.new_references = _submit_new_references(revision.body, by)
    _after_commit(tasks.notify_submitted, revision.pk, by.pk)
    return revision


def _submit_new_references(body, by):
    """Send the never-approved references a body cites for review with it, so
    the reviewer finds them in the queue. Returns their keys."""
    submitted = []
    for reference in Reference.objects.filter(key__in=keys_in(body), live_version__isnull=True):
        if not reference.versions.filter(status=VersionStatus.IN_REVIEW).exists():
            submit_reference(reference, by=by)
            submitted.append(reference.key)
    return submitted


def language_name(code):
    """A language's name as settings.LANGUAGES gives it ("Français")."""
    return dict(settings.LANGUAGES).get(code, code)


def _declared_languages(user):
    """(language codes `user` declared they review in, whether they have a
    reviewer profile). Without a profile (or with an empty list): the default
    language alone."""
    profile = ReviewerProfile.objects.filter(user_id=user.pk).only("languages").first()
    languages = profile.languages if profile is not None else None
    return (list(languages) if languages else [settings.LANGUAGE_CODE]), profile is not None


def reviewer_languages(user):
    """The language codes `user` may review content in."""
    return _declared_languages(user)[0]


def language_refusal(user, article, verb="approve this version"):
    """Why `user` may not review `article` in its language, in plain words, or
    None when they declared that language."""
    declared, has_profile = _declared_languages(user)
    if article.language in declared:
        return None
    if article.translation_of_id is not None:
        verb = verb.replace("this version", "this translation").replace(
            "this page", "this translation"
        )
    name = language_name(article.language)
    listed = ", ".join(language_name(code) for code in declared)
    lists = (
        f"Your profile lists: {listed}."
        if has_profile
        else f"You have no reviewer profile yet, so you count as reviewing in {listed} only."
    )
    return (
        f"Only a medical reviewer who has declared {name} in their reviewer profile can "
        f"{verb}. {lists} If you review in {name}, ask an administrator to add it to your "
        "reviewer profile."
    )


def _check_reviewer(by, revision, verb):
    if not is_medical_reviewer(by):
        raise WorkflowError(f"Only medical reviewers can {verb}.")
    if revision.author_id == by.pk:
        raise WorkflowError(
            f"You wrote this version, so you cannot {verb}. Another medical reviewer must do "
            "it: every change is checked by someone who did not write it."
        )
    refusal = language_refusal(by, revision.article, verb)
    if refusal:
        raise WorkflowError(refusal)


def _renew_review(article, transition, note, *, shown=None):
    """New review dates from the review `transition`, and a line at the top of
    the readers' change log dated when readers got the change (`shown`)."""
    today = timezone.localdate(transition.created_at)
    shown = shown or transition
    interval = min(article.review_interval_months, settings.MAX_REVIEW_INTERVAL_MONTHS)
    article.last_review = transition
    article.next_review_due = add_months(today, interval)
    entry = {
        "date": timezone.localdate(shown.created_at).isoformat(),
        "action": shown.action,
        "note": note,
    }
    article.change_log = [entry, *article.change_log]


def newest_approved(article):
    """The approved version readers see, or while the page is withdrawn the one
    restoring would bring back."""
    if article.live_revision_id is not None:
        return article.live_revision
    if article.withdrawal_id is not None:
        return article.withdrawal.revision
    return None


def _newer(a, b):
    return (a.created_at, a.pk) > (b.created_at, b.pk)


def _check_publishable(article, revision, *, status=RevisionStatus.IN_REVIEW):
    """Every check an approval passes, whether it publishes now or later (and
    again when a scheduled version goes live)."""
    if revision.status != status:
        raise WorkflowError(_not_in_review(revision, "approved"))
    newest = newest_approved(article)
    if newest and _newer(newest, revision):
        raise WorkflowError(
            "A newer version of this page is already live, so approving this older one would "
            "undo it. Request changes instead."
        )
    unapproved = publishing.unapproved_citations(revision.body)
    if unapproved:
        listed = ", ".join(f"[@{key}]" for key in unapproved)
        raise WorkflowError(
            f"This version cites sources that no medical reviewer has approved yet: {listed}. "
            "Readers only ever see approved sources: approve them first (they are in the "
            "review queue), then this version."
        )
    try:
        render_body(revision.body, references=working_references(revision.body))
    except (RenderError, ValueError) as error:
        raise WorkflowError(f"This version cannot be published: {error}") from error


@transaction.atomic
def approve(revision, *, by, comment="", go_live_at=None, now=None):
    """Publish a revision in review: it becomes the live page, with new review dates.

    With `go_live_at`, approve it to go live at that time instead (see schedule)."""
    if go_live_at is not None:
        return schedule(revision, by=by, comment=comment, go_live_at=go_live_at, now=now)
    _check_reviewer(by, revision, "approve this version")
    article = _locked(revision.article)
    revision = Revision.objects.get(pk=revision.pk)
    _check_publishable(article, revision)
    transition = _record(article, revision, Action.APPROVED, by, comment)
    _make_live(article, revision, transition, review=transition)
    _after_commit(tasks.notify_decided, transition.pk)
    revision.refresh_from_db()
    return revision


def _make_live(article, revision, transition, *, review):
    """Make an approved revision the live page of the locked article.

    `transition` is the step that published it (its time is the page's "live
    since"); `review` the approval that dates it (the same step, or for a
    scheduled version the approval made earlier). Publishing ends a withdrawal
    (a reviewer approved words fit for readers) and supersedes a schedule of
    an older version (it would undo this one)."""
    live = article.live_revision
    previous = {
        "previous_revision": live,
        "previous_nav": NavData.of(article),
        "previous_tags": set(live.tags.values_list("slug", flat=True)) if live else set(),
        "was_fictional": publishing.is_fictionally_reviewed(article),
    }
    Revision.objects.filter(pk=revision.pk).update(status=RevisionStatus.APPROVED)
    if article.schedule_id is not None:
        scheduled = article.schedule
        if scheduled.revision_id == revision.pk:
            article.schedule = None
        elif not _newer(scheduled.revision, revision):
            _cancel_schedule(
                article,
                transition.actor,
                f"A newer version was approved on {_when(transition.created_at)} before this "
                "one went live, so this one will not go live.",
            )
    _put_live(article, revision, transition, review=review)
    article.save(update_fields=[*LIVE_FIELDS, "schedule"])
    publishing.published(article, **previous)


LIVE_FIELDS = [
    "live_revision",
    "display_title",
    "live_since",
    "last_review",
    "next_review_due",
    "change_log",
    "withdrawal",
]


def _put_live(article, revision, transition, *, review):
    """Set what readers are shown of `article` (LIVE_FIELDS) from `revision`;
    shared by publishing and by the rehearsal a preview is made in."""
    article.withdrawal = None
    article.live_revision = revision
    article.display_title = revision.title
    article.live_since = transition.created_at
    _renew_review(article, review, revision.note_for_readers, shown=transition)


def _when(moment):
    return f"{timezone.localtime(moment):%-d %b %Y at %H:%M}"


@transaction.atomic
def request_changes(revision, *, by, comment):
    """Send a revision in review back to its author with a comment."""
    _check_reviewer(by, revision, "request changes to this version")
    if not comment.strip():
        raise WorkflowError("Say what needs to change: the comment is sent to the author.")
    article = _locked(revision.article)
    revision = Revision.objects.get(pk=revision.pk)
    if revision.status != RevisionStatus.IN_REVIEW:
        raise WorkflowError(_not_in_review(revision, "sent back"))
    Revision.objects.filter(pk=revision.pk).update(status=RevisionStatus.CHANGES_REQUESTED)
    transition = _record(article, revision, Action.CHANGES_REQUESTED, by, comment)
    revision.refresh_from_db()
    _after_commit(tasks.notify_decided, transition.pk)
    return revision


@transaction.atomic
def confirm_still_accurate(article, *, by, comment=""):
    """A reviewer re-checks the unchanged live page: renews its review dates."""
    article = _locked(article)
    if article.withdrawal_id is not None:
        raise WorkflowError(
            "This page is withdrawn, so readers cannot see it: put it back or approve a "
            "corrected version first."
        )
    if article.live_revision is None:
        raise WorkflowError("This page is not published yet, so there is nothing to confirm.")
    _check_reviewer(by, article.live_revision, "confirm this page")
    was_fictional = publishing.is_fictionally_reviewed(article)
    transition = _record(article, article.live_revision, Action.CONFIRMED, by, comment)
    _renew_review(article, transition, "")
    article.save(update_fields=["last_review", "next_review_due", "change_log"])
    publishing.confirmed(article, was_fictional=was_fictional)
    return article


# Revert, withdraw, restore, schedule -----------------------------------------


@transaction.atomic
def revert(revision, *, by):
    """Copy an earlier version into a new draft based on the latest one. It is
    an ordinary draft: it needs submitting and another person's approval, and
    its review diff against the live page shows what reverting changes."""
    if not is_editor(by):
        raise WorkflowError("Only editors can make a draft from an earlier version.")
    article = _locked(revision.article)
    revision = Revision.objects.get(pk=revision.pk)
    latest = article.latest_revision
    if latest.pk == revision.pk:
        raise WorkflowError("This is already the newest version: edit the page instead.")
    fields = {name: getattr(revision, name) for name in CONTENT_FIELDS}
    tags = sorted(revision.tags.names())
    if all(getattr(latest, k) == v for k, v in fields.items()) and tags == sorted(
        latest.tags.names()
    ):
        raise WorkflowError(
            "The newest version already has exactly this content, so there is nothing to revert."
        )
    return _new_draft(
        article,
        by=by,
        base_revision=latest,
        tags=tags,
        fields=fields,
        translates=revision.translates,
        action=Action.REVERTED,
        comment=f"Copied from the version saved on {_when(revision.created_at)} by "
        f"{revision.author}.",
    )


def _check_withdrawer(by, verb):
    if not can_withdraw(by):
        raise WorkflowError(f"Only medical reviewers and content managers can {verb}.")


@transaction.atomic
def withdraw(article, *, by, reason):
    """Take a live page down at once: readers get 410 ("being updated"), and
    lists, the sitemap, search and the feed drop it. Pages linking to it (a
    glossary term) or naming it (a medicine) are re-rendered without it. A
    pending schedule is cancelled: nothing goes live on its own while the
    page is down."""
    _check_withdrawer(by, "take a page down")
    if not reason.strip():
        raise WorkflowError(
            "Say why the page is coming down: the reason is kept in the page's history.",
            field="reason",
        )
    article = _locked(article)
    live = article.live_revision
    if article.withdrawal_id is not None:
        raise WorkflowError("This page is already withdrawn: readers cannot see it.")
    if live is None:
        raise WorkflowError("This page is not published, so readers cannot see it already.")
    previous = {
        "previous_revision": live,
        "previous_nav": NavData.of(article),
        "previous_tags": set(live.tags.values_list("slug", flat=True)),
        "was_fictional": publishing.is_fictionally_reviewed(article),
    }
    if article.schedule_id is not None:
        _cancel_schedule(article, by, f"Cancelled because the page was withdrawn: {reason}")
    transition = _record(article, live, Action.WITHDRAWN, by, reason)
    article.live_revision = None
    article.withdrawal = transition
    article.save(update_fields=["live_revision", "withdrawal", "schedule"])
    publishing.withdrawn(article, **previous)
    return transition


@transaction.atomic
def restore(article, *, by, comment=""):
    """Put a withdrawn page back: the same approved version it had, rendered
    from today's approved sources. No new review: it is an approved version."""
    _check_withdrawer(by, "put a page back")
    article = _locked(article)
    if article.withdrawal_id is None:
        raise WorkflowError("This page is not withdrawn, so there is nothing to put back.")
    revision = Revision.objects.get(pk=article.withdrawal.revision_id)
    if revision.status != RevisionStatus.APPROVED:  # never: only live versions are withdrawn
        raise WorkflowError("The withdrawn version is not an approved one: it cannot go back.")
    if publishing.unapproved_citations(revision.body):
        raise WorkflowError("The withdrawn version cites a source that is no longer approved.")
    transition = _record(article, revision, Action.RESTORED, by, comment)
    article.live_revision = revision
    article.withdrawal = None
    article.save(update_fields=["live_revision", "withdrawal"])
    publishing.published(
        article, previous_revision=None, previous_nav=None, previous_tags=set(),
        was_fictional=False,
    )  # fmt: skip
    return transition


MAX_SCHEDULE_AHEAD = datetime.timedelta(days=366)


@transaction.atomic
def schedule(revision, *, by, go_live_at, comment="", now=None):
    """Approve a revision in review to go live at `go_live_at`. Every check of
    an approval applies now (four eyes, sources approved, it renders); readers
    keep the current page until then. `publish_scheduled` makes it live.

    A schedule of an older version of the page is replaced by this one; an
    approval (now or later) of a newer version is refused as undoing it."""
    _check_reviewer(by, revision, "approve this version")
    now = now or timezone.now()
    if go_live_at <= now:
        raise WorkflowError(
            f"{_when(go_live_at)} has already passed: choose a later time, or leave the time "
            "empty to publish now.",
            field="go_live_at",
        )
    if go_live_at > now + MAX_SCHEDULE_AHEAD:
        raise WorkflowError(
            f"{_when(go_live_at)} is more than a year ahead: check the year.", field="go_live_at"
        )
    article = _locked(revision.article)
    revision = Revision.objects.get(pk=revision.pk)
    _check_publishable(article, revision)
    if article.schedule_id is not None:
        pending = article.schedule
        if _newer(pending.revision, revision):
            raise WorkflowError(
                f"A newer version of this page is already approved to go live on "
                f"{_when(pending.go_live_at)}, so approving this older one would undo it. "
                "Request changes instead."
            )
        _cancel_schedule(
            article,
            by,
            f"Replaced: a newer version was approved to go live on {_when(go_live_at)}.",
        )
    Revision.objects.filter(pk=revision.pk).update(status=RevisionStatus.SCHEDULED)
    transition = _record(article, revision, Action.SCHEDULED, by, comment, go_live_at=go_live_at)
    article.schedule = transition
    article.save(update_fields=["schedule"])
    _after_commit(tasks.notify_decided, transition.pk)
    transaction.on_commit(lambda: tasks.enqueue_scheduled_publishing(go_live_at))
    revision.refresh_from_db()
    return revision


def _cancel_schedule(article, actor, comment):
    """Record that the locked article's scheduled version will not go live; it
    goes back to the review queue (to be approved, rescheduled or sent back).
    The caller saves the article."""
    scheduled = article.schedule
    Revision.objects.filter(pk=scheduled.revision_id, status=RevisionStatus.SCHEDULED).update(
        status=RevisionStatus.IN_REVIEW
    )
    article.schedule = None
    return _record(article, scheduled.revision, Action.SCHEDULE_CANCELLED, actor, comment)


@transaction.atomic
def cancel_schedule(article, *, by, comment=""):
    """Stop a scheduled version from going live; it goes back to the review queue."""
    _check_withdrawer(by, "cancel a scheduled publication")
    article = _locked(article)
    if article.schedule_id is None:
        raise WorkflowError(
            "Nothing is waiting to go live on this page: it may have gone live a moment ago, "
            "or someone cancelled it. See the page's history."
        )
    transition = _cancel_schedule(article, by, comment)
    article.save(update_fields=["schedule"])
    return transition


def publish_scheduled(*, now=None):
    """Make every scheduled version whose time has come live. Returns the
    articles that went live.

    Safe to run at once in several processes and machines, and again and
    again: each page is published in its own transaction holding its row
    lock, and only while its schedule is still due (a second runner waiting
    on the lock then finds nothing to do). A version that can no longer be
    published (say it cites a source since replaced by an unapproved one) is
    not: its schedule is cancelled with the reason, and it is back in the
    review queue."""
    now = now or timezone.now()
    due = (
        Article.objects.filter(schedule__go_live_at__lte=now)
        .order_by("schedule__go_live_at", "pk")
        .values_list("pk", flat=True)
    )
    return [article for article in (_go_live(pk, now) for pk in list(due)) if article]


@transaction.atomic
def _go_live(article_id, now):
    article = (
        Article.objects.select_for_update(of=("self",))
        .filter(pk=article_id, schedule__go_live_at__lte=now)
        .first()
    )
    if article is None:  # published or cancelled meanwhile
        return None
    scheduled = Transition.objects.select_related("actor").get(pk=article.schedule_id)
    revision = Revision.objects.get(pk=scheduled.revision_id)
    try:
        _check_publishable(article, revision, status=RevisionStatus.SCHEDULED)
    except WorkflowError as error:
        _cancel_schedule(article, scheduled.actor, f"Could not go live: {error}")
        article.save(update_fields=["schedule"])
        return None
    transition = _record(
        article, revision, Action.WENT_LIVE, scheduled.actor,
        f"Approved by {scheduled.actor} on {_when(scheduled.created_at)} to go live on "
        f"{_when(scheduled.go_live_at)}.",
        created_at=now,
    )  # fmt: skip
    _make_live(article, revision, transition, review=scheduled)
    _after_commit(tasks.notify_decided, transition.pk)
    return article


# References ----------------------------------------------------------------
#
# A reference's fields are the editors' working copy, saved freely in the
# admin. What readers see is its live version: a snapshot that was submitted
# and approved, by a medical reviewer who did not submit it.


def _locked_reference(reference):
    return Reference.objects.select_for_update().get(pk=reference.pk)


def _record_reference(version, action, actor, comment=""):
    _check_comment(comment)
    return Transition.objects.create(
        reference_version=version, action=action, actor=actor, comment=comment
    )


def reference_status(reference):
    """How a reference stands in review, in words for staff lists."""
    pending = reference.versions.filter(status=VersionStatus.IN_REVIEW).order_by("-pk").first()
    if pending is not None:
        return "In medical review"
    if reference.live_version_id is None:
        return "Not approved yet: readers cannot see it"
    if reference.live_version.data != reference.content():
        return "Changed since approval: not submitted"
    return "Approved"


@transaction.atomic
def submit_reference(reference, *, by, comment=""):
    """Snapshot the reference's working copy and send it to the medical reviewers."""
    if not is_editor(by):
        raise WorkflowError("Only editors can submit a reference for medical review.")
    reference = _locked_reference(reference)
    try:
        reference.full_clean()
    except ValidationError as error:
        raise WorkflowError(f"[@{reference.key}]: {_join_messages(error)}") from error
    content = reference.content()
    live = reference.live_version
    if live is not None and live.data == content:
        raise WorkflowError(
            f"[@{reference.key}] has no changes since it was approved, so there is nothing "
            "to review."
        )
    pending = reference.versions.filter(status=VersionStatus.IN_REVIEW)
    if any(version.data == content for version in pending):
        raise WorkflowError(f"This version of [@{reference.key}] is already waiting for review.")
    version = ReferenceVersion.objects.create(
        reference=reference, data=content, author=by, based_on=live
    )
    _record_reference(version, Action.SUBMITTED, by, comment)
    return version


def _check_reference_reviewer(by, version, verb):
    if not is_medical_reviewer(by):
        raise WorkflowError(f"Only medical reviewers can {verb}.")
    if version.author_id == by.pk:
        raise WorkflowError(
            f"You submitted this version, so you cannot {verb}. Another medical reviewer must "
            "do it: every change is checked by someone who did not make it."
        )


@transaction.atomic
def approve_reference(version, *, by, comment=""):
    """Make a submitted reference version the one readers see; the pages citing
    the reference are re-rendered in the background."""
    _check_reference_reviewer(by, version, "approve this reference")
    reference = _locked_reference(version.reference)
    version = ReferenceVersion.objects.get(pk=version.pk)
    if version.status != VersionStatus.IN_REVIEW:
        raise WorkflowError(_not_in_review(version, "approved"))
    live = reference.live_version
    if live and (live.created_at, live.pk) > (version.created_at, version.pk):
        raise WorkflowError(
            "A newer version of this reference is already live, so approving this older one "
            "would undo it. Request changes instead."
        )
    ReferenceVersion.objects.filter(pk=version.pk).update(status=VersionStatus.APPROVED)
    transition = _record_reference(version, Action.APPROVED, by, comment)
    reference.live_version = version
    reference.save(update_fields=["live_version"])
    publishing.reference_approved(reference)
    _after_commit(tasks.notify_decided, transition.pk)
    version.refresh_from_db()
    return version


@transaction.atomic
def request_reference_changes(version, *, by, comment):
    """Send a submitted reference version back with a comment."""
    _check_reference_reviewer(by, version, "request changes to this reference")
    if not comment.strip():
        raise WorkflowError("Say what needs to change: the comment is sent to the author.")
    _locked_reference(version.reference)
    version = ReferenceVersion.objects.get(pk=version.pk)
    if version.status != VersionStatus.IN_REVIEW:
        raise WorkflowError(_not_in_review(version, "sent back"))
    ReferenceVersion.objects.filter(pk=version.pk).update(status=VersionStatus.CHANGES_REQUESTED)
    transition = _record_reference(version, Action.CHANGES_REQUESTED, by, comment)
    _after_commit(tasks.notify_decided, transition.pk)
    version.refresh_from_db()
    return version


class _RehearsalOver(Exception):
    """Raised to roll a rehearsal back."""


@contextmanager
def rehearsed_approval(revision, *, by):
    """The site as it would be if `by` approved `revision` now, for as long as
    the block runs, then rolled back whatever happens: so a preview is made by
    the very code that makes the live page, from the same approved sources.

    Checks no rule (a preview is not an approval) and leaves nothing behind:
    the writes, the search index and any task queued after commit go with the
    savepoint. Raises ValueError (e.g. UnknownCitationKeys) if the revision
    could not be rendered from approved sources."""
    try:
        with transaction.atomic():
            article = _locked(revision.article)
            transition = _record(article, revision, Action.APPROVED, by)
            _put_live(article, revision, transition, review=transition)
            article.save(update_fields=LIVE_FIELDS)
            publishing.write_live_page(article)
            article.refresh_from_db()
            yield article
            raise _RehearsalOver
    except _RehearsalOver:
        pass
