"""Admin screens for a page's life after approval: take it down (withdraw),
put it back (restore), cancel a scheduled go-live, and make a draft from an
earlier version (revert).

Views only gather data and call treatments.workflow, which checks who may do
what; a refusal is shown as a message in plain words, with what was typed kept.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from . import workflow
from .models import Article, Kind, Revision, Transition

CHANGE_URL_NAMES = {
    Kind.PAGE: "admin:treatments_article_change",
    Kind.GLOSSARY: "admin:treatments_glossaryterm_change",
    Kind.MEDICINE: "admin:treatments_medicine_change",
}


def change_url(article):
    return reverse(CHANGE_URL_NAMES[Kind(article.kind)], args=[article.pk])


def when(moment):
    return f"{timezone.localtime(moment):%-d %b %Y at %H:%M}"


class GoLiveTimeError(ValueError):
    pass


def parse_go_live_at(text):
    """The aware datetime typed in the review screen's "Go live later" box
    (a datetime-local value, or "2027-06-03 09:00"), in the site's time zone;
    None when empty. GoLiveTimeError with a message a person can act on."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        raise GoLiveTimeError(
            f"“{text[:40]}” is not a date and time this screen understands: give it as "
            "2027-06-03 09:00 (year-month-day hours:minutes), or leave it empty to publish now."
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def lifecycle_state(article):
    """What staff screens say about a page's withdrawal and schedule: the
    transitions with their actors, or None (a query only when set)."""
    ids = [pk for pk in (article.withdrawal_id, article.schedule_id) if pk]
    steps = {
        t.pk: t for t in Transition.objects.filter(pk__in=ids).select_related("actor", "revision")
    }
    return {
        "withdrawal": steps.get(article.withdrawal_id),
        "schedule": steps.get(article.schedule_id),
    }


class ReadersSeeFilter(admin.SimpleListFilter):
    """Live, withdrawn, waiting to go live, or not published."""

    title = "on the site"
    parameter_name = "on_site"

    def lookups(self, request, model_admin):
        return [
            ("live", "Live"),
            ("withdrawn", "Withdrawn (taken down)"),
            ("scheduled", "Waiting to go live"),
            ("unpublished", "Not published"),
        ]

    def queryset(self, request, queryset):
        return {
            "live": lambda: queryset.filter(live_revision__isnull=False),
            "withdrawn": lambda: queryset.filter(withdrawal__isnull=False),
            "scheduled": lambda: queryset.filter(schedule__isnull=False),
            "unpublished": lambda: queryset.filter(
                live_revision__isnull=True, withdrawal__isnull=True
            ),
        }.get(self.value(), lambda: queryset)()


def on_site_label(article):
    """A list column: what readers get, and a pending go-live time (from an
    annotation, so no query per row)."""
    if article.withdrawal_id:
        label = "Withdrawn: readers get “being updated”"
    elif article.live_revision_id:
        label = "Live"
    else:
        label = "Not published"
    go_live_at = getattr(article, "go_live_at", None)
    if go_live_at:
        label += f"; a new version goes live {when(go_live_at)}"
    return label


class LifecycleAdminViews:
    """Mixed into ArticleAdmin: extra admin URLs. Any kind of content (page,
    glossary term, medicine) is found by its id; success returns to its own
    edit screen, which shows its state."""

    def _article(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(Article.objects.select_related("live_revision"), pk=object_id)

    def _confirm(self, request, article, action, *, text="", error=None):
        return TemplateResponse(
            request,
            "admin/treatments/lifecycle_confirm.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": CONFIRM_TITLES[action].format(article=article),
                "article": article,
                "action": action,
                "text": text,
                "error": error,
                "change_url": change_url(article),
                "allowed": workflow.can_withdraw(request.user),
                **lifecycle_state(article),
            },
            status=400 if error else 200,
        )

    def _lifecycle_step(self, request, object_id, action, do, success):
        """GET: the confirmation page. POST: do it; on success back to the edit
        screen with a message, on refusal the page again with the message and
        the typed text."""
        article = self._article(request, object_id)
        if request.method != "POST":
            return self._confirm(request, article, action)
        text = request.POST.get("text", "")
        try:
            do(article, text)
        except workflow.WorkflowError as error:
            article.refresh_from_db()
            return self._confirm(request, article, action, text=text, error=str(error))
        messages.success(request, success.format(article=article))
        return redirect(change_url(article))

    def withdraw_view(self, request, object_id):
        return self._lifecycle_step(
            request, object_id, "withdraw",
            lambda article, text: workflow.withdraw(article, by=request.user, reason=text),
            "“{article}” is taken down. Readers now get a page saying it is being updated, with "
            "the helpline; it has left search, the sitemap, the feed and every list. Put it back "
            "from this screen, or approve a corrected version.",
        )  # fmt: skip

    def restore_view(self, request, object_id):
        return self._lifecycle_step(
            request, object_id, "restore",
            lambda article, text: workflow.restore(article, by=request.user, comment=text),
            "“{article}” is back: readers see the approved version it had before it was taken "
            "down.",
        )  # fmt: skip

    def cancel_schedule_view(self, request, object_id):
        return self._lifecycle_step(
            request, object_id, "cancel_schedule",
            lambda article, text: workflow.cancel_schedule(article, by=request.user, comment=text),
            "Cancelled: the approved version of “{article}” will not go live on its own. It is "
            "back in the review queue.",
        )  # fmt: skip

    def revert_view(self, request, revision_id):
        """POST only (a button on the history page): copy that version into a new draft."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        revision = get_object_or_404(Revision.objects.select_related("article"), pk=revision_id)
        article = revision.article
        if request.method != "POST":
            return redirect("admin:treatments_article_history", article.pk)
        try:
            workflow.revert(revision, by=request.user)
        except workflow.WorkflowError as error:
            messages.error(request, str(error))
            return redirect("admin:treatments_article_history", article.pk)
        messages.success(
            request,
            f"A new draft now holds the version saved on {when(revision.created_at)}. Readers "
            "still see the live page. Check the draft below, tick “Submit for medical review” "
            "and save: a medical reviewer then sees exactly what reverting changes.",
        )
        return redirect(change_url(article))


CONFIRM_TITLES = {
    "withdraw": "Take “{article}” down",
    "restore": "Put “{article}” back",
    "cancel_schedule": "Cancel going live later: “{article}”",
}


def scheduled_articles():
    """Pages with a version approved to go live later, soonest first (the review queue)."""
    return (
        Article.objects.filter(schedule__isnull=False)
        .select_related("schedule__actor", "schedule__revision")
        .order_by("schedule__go_live_at", "pk")
    )
