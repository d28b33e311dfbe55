"""Emails sent by the workflow (after the transaction commits)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.urls import reverse

from .models import Action


def site_url(path):
    return settings.SITE_URL.rstrip("/") + path


def reviewer_addresses(exclude=None):
    from .workflow import MEDICAL_REVIEWERS

    users = (
        get_user_model()
        .objects.filter(groups__name=MEDICAL_REVIEWERS, is_active=True)
        .exclude(email="")
    )
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return sorted(set(users.values_list("email", flat=True)))


def revision_submitted(revision, submitted_by):
    recipients = reviewer_addresses(exclude=revision.author)
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


def review_decided(transition):
    revision = transition.revision
    author = revision.author
    if not author.email or author.pk == transition.actor_id:
        return
    if transition.action == Action.APPROVED:
        subject = f"Approved and published: {revision.title}"
        text = f"{transition.actor} approved your change to “{revision.title}”. It is now live."
        url = site_url(revision.article.get_absolute_url())
    else:
        subject = f"Changes requested: {revision.title}"
        text = f"{transition.actor} asked for changes to “{revision.title}” before it can be published."
        url = site_url(reverse("admin:treatments_article_change", args=[revision.article_id]))
    comment = f"\n\nTheir comment:\n{transition.comment}" if transition.comment else ""
    send_mail(subject, f"{text}{comment}\n\n{url}\n", None, [author.email])
