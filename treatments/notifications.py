"""Emails sent by the workflow, from background tasks (treatments.tasks)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

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
        _("Medical review needed: %(title)s") % {"title": revision.title},
        _(
            "%(person)s submitted a change to “%(title)s” for medical review.\n\n"
            "Note for readers: %(note)s\n\n"
            "Review it here: %(url)s\n"
        )
        % {
            "person": submitted_by,
            "title": revision.title,
            "note": revision.note_for_readers or _("(none)"),
            "url": url,
        },
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
        title, author = _("reference [@%(key)s]") % {"key": version.key}, version.author
        change_url = live_url = reverse(
            "admin:references_reference_change", args=[version.reference_id]
        )
    if author is None or not author.email or author.pk == transition.actor_id:
        return
    if transition.action == Action.APPROVED:
        subject = _("Approved and published: %(title)s") % {"title": title}
        text = _("%(person)s approved your change to “%(title)s”. It is now live.") % {
            "person": transition.actor,
            "title": title,
        }
        url = site_url(live_url)
    elif transition.action == Action.SCHEDULED:
        go_live_at = timezone.localtime(transition.go_live_at)
        when = _("%(date)s at %(time)s") % {
            "date": formats.date_format(go_live_at, "j M Y"),
            "time": formats.date_format(go_live_at, "H:i"),
        }
        subject = _("Approved to go live on %(when)s: %(title)s") % {"when": when, "title": title}
        text = _(
            "%(person)s approved your change to “%(title)s”. It goes live on %(when)s; "
            "until then readers see the page as it is."
        ) % {"person": transition.actor, "title": title, "when": when}
        url = site_url(change_url)
    elif transition.action == Action.WENT_LIVE:
        subject = _("Now live: %(title)s") % {"title": title}
        text = _("Your change to “%(title)s” went live as scheduled.") % {"title": title}
        url = site_url(live_url)
    else:
        subject = _("Changes requested: %(title)s") % {"title": title}
        text = _("%(person)s asked for changes to “%(title)s” before it can be published.") % {
            "person": transition.actor,
            "title": title,
        }
        url = site_url(change_url)
    comment = "\n\n" + _("Their comment:") + "\n" + transition.comment if transition.comment else ""
    if transition.action == Action.WENT_LIVE:
        comment = ""
    send_mail(subject, f"{text}{comment}\n\n{url}\n", None, [author.email])
