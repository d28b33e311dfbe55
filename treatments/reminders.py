"""Review reminders: pages overdue or due within 30 days, each reminded once per period."""

from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Article, ReminderKind, ReviewReminder
from .notifications import reviewer_addresses, site_url

REMIND_DAYS_BEFORE = 30


@transaction.atomic
def send_review_reminders(today=None):
    """Email reviewers about pages that newly became due soon or overdue.

    Returns the reminders sent. A reminder is recorded per (page, due date,
    kind), so running this daily sends each one once; renewing a page's review
    starts a new period. If the email cannot be sent, nothing is recorded.
    """
    today = today or timezone.localdate()
    horizon = today + timezone.timedelta(days=REMIND_DAYS_BEFORE)
    sent = []
    for article in (
        Article.objects.published()
        .filter(next_review_due__lte=horizon)
        .select_related("live_revision")
        .order_by("next_review_due")
    ):
        kind = ReminderKind.OVERDUE if article.next_review_due < today else ReminderKind.DUE_SOON
        reminder, created = ReviewReminder.objects.get_or_create(
            article=article, due_date=article.next_review_due, kind=kind
        )
        if created:
            sent.append(reminder)
    recipients = reviewer_addresses()
    if sent and recipients:
        lines = [
            "- "
            + (
                _("%(title)s: OVERDUE since %(date)s")
                if r.kind == ReminderKind.OVERDUE
                else _("%(title)s: due %(date)s")
            )
            % {
                "title": r.article.live_revision.title,
                "date": formats.date_format(r.due_date, "d M Y"),
            }
            for r in sent
        ]
        send_mail(
            ngettext(
                "%(count)d page needs medical review",
                "%(count)d pages need medical review",
                len(sent),
            )
            % {"count": len(sent)},
            _("These pages need their medical review renewed:")
            + "\n\n"
            + "\n".join(lines)
            + "\n\n"
            + _("Open the list: %(url)s")
            % {"url": site_url(reverse("admin:treatments_due_for_review"))}
            + "\n",
            None,
            recipients,
        )
    return sent
