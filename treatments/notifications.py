"""Emails sent by the workflow, from background tasks (treatments.tasks)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from .models import Action, Revision, Transition


def site_url(path):
    return settings.SITE_URL.rstrip("/") + path


def reviewer_addresses(exclude_id=None):
    from .workflow import MEDICAL_REVIEWERS

    users = (
        get_user_model()
        .objects.filter(groups__name=MEDICAL_REVIEWERS, is_active=True)
        .exclude(email="")
    )
    if exclude_id is not None:
        users = users.exclude(pk=exclude_id)
    return sorted(set(users.values_list("email", flat=True)))


def revision_submitted(revision_id, submitted_by_id):
    revision = Revision.objects.select_related("author").get(pk=revision_id)
    submitted_by = get_user_model().objects.get(pk=submitted_by_id)
    recipients = reviewer_addresses(exclude_id=revision.author_id)
    if not recipients:
        return
    url = site_url(reverse("admin:treatments_review", args=[revision.pk]))
    send_mail(
        f"Medical review needed: {revision.title}",
        f"{submitted_by} submitted a change to “{revision.title}” for medical review.\n\n"
        f"Note for readers: {revision.note_for_readers or '(none)'}\n\n"
        f"Review it here: {url}\n",
        None,
        recipients,
    )


def review_decided(transition_id):
    transition = Transition.objects.select_related(
        "actor", "revision__author", "reference_version__author", "reference_version__reference"
    ).get(pk=transition_id)
    if transition.revision_id:
        title, author = transition.revision.title, transition.revision.author
        change_url = reverse("admin:treatments_article_change", args=[transition.article_id])
        live_url = transition.revision.article.get_absolute_url()
    else:
        version = transition.reference_version
        title, author = f"reference [@{version.key}]", version.author
        change_url = live_url = reverse(
            "admin:references_reference_change", args=[version.reference_id]
        )
    if author is None or not author.email or author.pk == transition.actor_id:
        return
    if transition.action == Action.APPROVED:
        subject = f"Approved and published: {title}"
        text = f"{transition.actor} approved your change to “{title}”. It is now live."
        url = site_url(live_url)
    elif transition.action == Action.SCHEDULED:
        when = f"{timezone.localtime(transition.go_live_at):%-d %b %Y at %H:%M}"
        subject = f"Approved to go live on {when}: {title}"
        text = (
            f"{transition.actor} approved your change to “{title}”. It goes live on {when}; "
            "until then readers see the page as it is."
        )
        url = site_url(change_url)
    elif transition.action == Action.WENT_LIVE:
        subject = f"Now live: {title}"
        text = f"Your change to “{title}” went live as scheduled."
        url = site_url(live_url)
    else:
        subject = f"Changes requested: {title}"
        text = f"{transition.actor} asked for changes to “{title}” before it can be published."
        url = site_url(change_url)
    comment = f"\n\nTheir comment:\n{transition.comment}" if transition.comment else ""
    if transition.action == Action.WENT_LIVE:
        comment = ""
    send_mail(subject, f"{text}{comment}\n\n{url}\n", None, [author.email])
