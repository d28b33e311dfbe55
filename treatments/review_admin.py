"""Admin screens for medical review: queue, review, due list, history, preview.

Views only gather data and call treatments.workflow; every rule (who may
approve, four eyes, conflicts) is enforced there.
"""

from dataclasses import dataclass
from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Max, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from references.citations import format_entries
from references.models import ReferenceVersion, VersionStatus

from . import diff, rendered_diff, translations, workflow
from .kinds import detail_lines
from .lifecycle_admin import (
    GoLiveTimeError,
    change_url,
    lifecycle_state,
    parse_go_live_at,
    scheduled_articles,
)
from .models import Action, Article, Kind, Revision, RevisionStatus
from .publishing import Sources, approved_references, page_main_context
from .readability import assess_body
from .rendering import Rendered, render, working_references

DUE_PAGE_SIZE = 50
OUT_OF_DATE_SHOWN = 50  # the article list's "Translation out of date" filter lists them all


@dataclass
class QueueItem:
    """One change waiting for medical review: a revision or a reference version."""

    title: str
    kind_label: str
    author: object
    submitted_at: object
    note: str
    url: str
    article: object = None
    language: str = ""
    # A translation translating another English version than the live one.
    translates_older_english: bool = False


def translates_older_english(revision):
    """Whether a translation revision translates another version of the English
    page than the one readers see now (its original must be select_related)."""
    original = revision.article.translation_of
    if original is None or original.live_revision_id is None:
        return False
    return revision.translates_id != original.live_revision_id


def queue_items():
    """Everything waiting for medical review, oldest first."""
    items = [
        QueueItem(
            title=revision.title,
            kind_label=revision.article.get_kind_display(),
            author=revision.author,
            submitted_at=revision.submitted_at,
            note=revision.note_for_readers,
            url=reverse("admin:treatments_review", args=[revision.pk]),
            article=revision.article,
            language=workflow.language_name(revision.article.language),
            translates_older_english=translates_older_english(revision),
        )
        for revision in queue_revisions()
    ]
    items += [
        QueueItem(
            title=f"[@{version.reference.key}] {version.data.get('title', '')}",
            kind_label=_("Reference"),
            author=version.author,
            submitted_at=version.created_at,
            note="",
            url=reverse("admin:treatments_review_reference", args=[version.pk]),
        )
        for version in ReferenceVersion.objects.filter(status=VersionStatus.IN_REVIEW)
        .select_related("reference", "author")
        .order_by("created_at", "id")
    ]
    return sorted(items, key=lambda item: item.submitted_at)


def queue_revisions():
    return (
        Revision.objects.filter(status=RevisionStatus.IN_REVIEW)
        .select_related(
            "article__live_revision", "article__last_review", "article__translation_of", "author"
        )
        .annotate(
            submitted_at=Max(
                "transitions__created_at", filter=Q(transitions__action=Action.SUBMITTED)
            )
        )
        .order_by("submitted_at", "id")
    )


def due_articles(within_days=60):
    return (
        Article.objects.due_for_review(within_days)
        .select_related("live_revision", "last_review__actor__reviewer_profile")
        .order_by("next_review_due", "slug")
    )


def approved_message(revision, go_live_at):
    if go_live_at is None:
        return f"Approved and published: “{revision.title}”. Readers now see this version."
    return (
        f"Approved “{revision.title}” to go live on "
        f"{timezone.localtime(go_live_at):%-d %b %Y at %H:%M}. Until then readers see the page "
        "as it is now. The review queue lists it under “Waiting to go live”, where it can "
        "be cancelled."
    )


def previous_revision(revision):
    """The version a revision should be compared with: what it was based on, else the one before."""
    if revision.based_on_id:
        return revision.based_on
    return (
        revision.article.revisions.filter(created_at__lt=revision.created_at)
        .order_by("-created_at", "-id")
        .first()
    )


REVIEW_VIEWS = {
    "changes": "Changes only",
    "page": "Whole page, changes marked",
    "source": "Source text",
}


def render_for_review(revision, sources):
    """(Rendered, None) of a revision as readers would get it: approved versions
    of the sources it cites, the editors' working copy of any not yet approved
    (flagged elsewhere, and approval refuses them); or (None, message)."""
    body = revision.body
    references = working_references(body)
    for key, version in approved_references(body).items():
        references[key] = version.as_reference()
    try:
        return (
            render(
                body,
                references=references,
                glossary_terms=sources.glossary_terms(exclude_id=revision.article_id),
                medicines=sources.medicine_links(revision.article.kind),
            ),
            None,
        )
    except ValueError as error:
        return None, str(error)


def live_render(article):
    """The live page's body as readers get it now, as a Rendered."""
    page = getattr(article, "live_page", None)
    if page is None:
        return None
    return Rendered(html=page.body_html, toc=page.toc, citations=page.citations)


def reader_view_of_changes(revision, compared_with):
    """(RenderedDiff or None, error message) for the review screen."""
    sources = Sources.load(revision.article.language)
    new, error = render_for_review(revision, sources)
    if new is None:
        return None, error
    article = revision.article
    if compared_with is None:
        old = None
    elif compared_with.pk == article.live_revision_id and live_render(article) is not None:
        old = live_render(article)
    else:
        old, _ = render_for_review(compared_with, sources)
    return rendered_diff.compare(old, new), None


class ReviewAdminViews:
    """Mixed into ArticleAdmin: extra admin URLs for the review workflow."""

    def _context(self, request, **extra):
        return {**self.admin_site.each_context(request), "opts": self.model._meta, **extra}

    def _require_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied

    def review_queue_view(self, request):
        self._require_view(request)
        return TemplateResponse(
            request,
            "admin/treatments/review_queue.html",
            self._context(
                request,
                title=_("Review queue: changes waiting for medical review"),
                items=queue_items(),
                out_of_date=[
                    {
                        "article": article,
                        "language": workflow.language_name(article.language),
                        "url": change_url(article),
                    }
                    for article in translations.out_of_date_translations()[:OUT_OF_DATE_SHOWN]
                ],
                out_of_date_shown=OUT_OF_DATE_SHOWN,
                scheduled=scheduled_articles(),
                now=timezone.now(),
                can_review=workflow.is_medical_reviewer(request.user),
            ),
        )

    def review_view(self, request, revision_id):
        self._require_view(request)
        revision = get_object_or_404(
            Revision.objects.select_related("article__live_revision", "author"), pk=revision_id
        )
        comment = go_live_text = ""
        if request.method == "POST":
            comment = request.POST.get("comment", "")
            go_live_text = request.POST.get("go_live_at", "")
            action = request.POST.get("action")
            try:
                if action == "approve":
                    go_live_at = parse_go_live_at(go_live_text)
                    workflow.approve(
                        revision, by=request.user, comment=comment, go_live_at=go_live_at
                    )
                    messages.success(request, approved_message(revision, go_live_at))
                    return redirect("admin:treatments_review_queue")
                if action == "request_changes":
                    workflow.request_changes(revision, by=request.user, comment=comment)
                    messages.success(request, f"Sent back to {revision.author} with your comment.")
                    return redirect("admin:treatments_review_queue")
                messages.error(request, "Choose Approve or Request changes.")
            except (workflow.WorkflowError, GoLiveTimeError) as error:
                messages.error(request, str(error))
            revision.refresh_from_db()
        live = workflow.newest_approved(revision.article)
        compared_with = live if live and live.pk != revision.pk else None
        view = request.GET.get("view")
        view = view if view in REVIEW_VIEWS else "changes"
        changes = diff.compare(compared_with, revision)
        reader_diff, render_error = reader_view_of_changes(revision, compared_with)
        return TemplateResponse(
            request,
            "admin/treatments/review.html",
            self._context(
                request,
                title=f"Review: {revision.title}",
                revision=revision,
                article=revision.article,
                compared_with=compared_with,
                changes=changes,
                metadata_changes=[f for f in changes.fields if f.changed and f.label != "Body"],
                set_changes=[s for s in changes.sets if s.changed],
                reader_diff=reader_diff,
                render_error=render_error,
                view=view,
                views=REVIEW_VIEWS,
                comment=comment,
                go_live_text=go_live_text,
                time_zone_name=timezone.get_current_timezone_name(),
                is_in_review=revision.status == RevisionStatus.IN_REVIEW,
                can_review=workflow.is_medical_reviewer(request.user),
                is_author=revision.author_id == request.user.pk,
                language_refusal=workflow.language_refusal(
                    request.user, revision.article, "approve or send back this version"
                )
                if workflow.is_medical_reviewer(request.user)
                else None,
                language=workflow.language_name(revision.article.language),
                translation=self._translation_of(revision),
                transitions=revision.transitions.select_related("actor"),
                readability=assess_body(revision.body),
            ),
        )

    @staticmethod
    def _translation_of(revision):
        """For a translation's revision: its original and the English version it translates."""
        article = revision.article
        if not article.translation_of_id:
            return None
        original = Article.objects.select_related("live_revision").get(pk=article.translation_of_id)
        versions = translations.english_versions(revision, original)
        compare_url = None
        if versions["out_of_date"] and versions["translated"] is not None:
            compare_url = (
                reverse("admin:treatments_revision", args=[versions["live"].pk])
                + f"?compared_with={versions['translated'].pk}"
            )
        return {"original": original, "versions": versions, "compare_url": compare_url}

    def review_reference_view(self, request, version_id):
        """A reference change: what readers will see before and after, field by field."""
        self._require_view(request)
        version = get_object_or_404(
            ReferenceVersion.objects.select_related("reference__live_version", "author"),
            pk=version_id,
        )
        comment = ""
        if request.method == "POST":
            comment = request.POST.get("comment", "")
            action = request.POST.get("action")
            try:
                if action == "approve":
                    workflow.approve_reference(version, by=request.user, comment=comment)
                    messages.success(
                        request,
                        f"Approved [@{version.key}]. Pages citing it are being updated now.",
                    )
                    return redirect("admin:treatments_review_queue")
                if action == "request_changes":
                    workflow.request_reference_changes(version, by=request.user, comment=comment)
                    messages.success(request, f"Sent back to {version.author} with your comment.")
                    return redirect("admin:treatments_review_queue")
                messages.error(request, "Choose Approve or Request changes.")
            except workflow.WorkflowError as error:
                messages.error(request, str(error))
            version.refresh_from_db()
        reference = version.reference
        live = reference.live_version
        compared_with = live if live and live.pk != version.pk else None
        before, after = (
            format_entries([v.as_reference()])[0] if v else None for v in (compared_with, version)
        )
        citing = Article.objects.filter(
            live_page__reference_versions__reference=reference
        ).order_by("display_title")
        return TemplateResponse(
            request,
            "admin/treatments/review_reference.html",
            self._context(
                request,
                title=f"Review reference: [@{reference.key}]",
                version=version,
                reference=reference,
                compared_with=compared_with,
                entry_before=before,
                entry_after=after,
                changes=diff.compare_reference(
                    compared_with.data if compared_with else None, version.data
                ),
                citing=citing[:20],
                citing_count=citing.count(),
                comment=comment,
                is_in_review=version.status == VersionStatus.IN_REVIEW,
                can_review=workflow.is_medical_reviewer(request.user),
                is_author=version.author_id == request.user.pk,
                transitions=version.transitions.select_related("actor"),
            ),
        )

    def due_view(self, request):
        self._require_view(request)
        if request.method == "POST":
            article_id = request.POST.get("article", "")
            if not article_id.isdigit():
                messages.error(
                    request, "That request did not say which page to confirm: try again."
                )
                return redirect("admin:treatments_due_for_review")
            article = get_object_or_404(Article, pk=int(article_id))
            try:
                workflow.confirm_still_accurate(
                    article, by=request.user, comment=request.POST.get("comment", "")
                )
                messages.success(
                    request,
                    f"Confirmed “{article}” is still accurate. Its review dates are renewed.",
                )
            except workflow.WorkflowError as error:
                messages.error(request, f"“{article}”: {error}")
            return redirect("admin:treatments_due_for_review")
        today = timezone.localdate()
        due = due_articles()
        page = Paginator(due, DUE_PAGE_SIZE).get_page(request.GET.get("page"))
        return TemplateResponse(
            request,
            "admin/treatments/due_for_review.html",
            self._context(
                request,
                title=_("Due for medical review"),
                page_obj=page,
                overdue=[a for a in page if a.next_review_due < today],
                due_soon=[a for a in page if a.next_review_due >= today],
                overdue_count=(overdue_count := due.filter(next_review_due__lt=today).count()),
                due_soon_count=due.filter(next_review_due__gte=today).count(),
                # On later pages of the list, earlier pages may hold the overdue ones.
                overdue_empty="No page is overdue."
                if not overdue_count
                else "The overdue pages are on the earlier pages of this list.",
                due_soon_empty="No page is due in the next 60 days."
                if page.number == page.paginator.num_pages
                else "The pages due soon are on the next pages of this list.",
                can_review=workflow.is_medical_reviewer(request.user),
            ),
        )

    def history_view(self, request, object_id, extra_context=None):
        self._require_view(request)
        if not str(object_id).isdigit():  # the admin's URL takes any text here
            raise Http404("No such page.")
        article = get_object_or_404(Article, pk=object_id)
        return TemplateResponse(
            request,
            "admin/treatments/article_history.html",
            self._context(
                request,
                title=f"History: {article}",
                article=article,
                object=article,
                can_revert=workflow.is_editor(request.user),
                can_withdraw=workflow.can_withdraw(request.user),
                latest_id=article.revisions.order_by("-created_at", "-id")
                .values_list("pk", flat=True)
                .first(),
                **lifecycle_state(article),
                revisions=article.revisions.select_related("author").order_by("-created_at", "-id"),
                transitions=article.transitions.select_related("actor", "revision"),
            ),
        )

    def revision_view(self, request, revision_id):
        self._require_view(request)
        revision = get_object_or_404(
            Revision.objects.select_related("article", "author"), pk=revision_id
        )
        # ?compared_with=<id>: the changes since another version of the same page
        # (a translation's screens link to the English changes it has not caught up with).
        other = request.GET.get("compared_with", "")
        previous = None
        if other.isdigit():
            previous = Revision.objects.filter(
                pk=int(other), article_id=revision.article_id
            ).first()
        previous = previous or previous_revision(revision)
        return TemplateResponse(
            request,
            "admin/treatments/revision.html",
            self._context(
                request,
                title=f"Version of {revision.created_at:%d %b %Y %H:%M}: {revision.title}",
                revision=revision,
                article=revision.article,
                previous=previous,
                changes=diff.compare(previous, revision),
                readability=assess_body(revision.body),
            ),
        )

    def preview_view(self, request, revision_id):
        """The revision exactly as readers would get it once approved: the public
        page, made by the public view inside a rehearsed approval (rolled back),
        with a preview banner; never cached, never indexed."""
        self._require_view(request)
        revision = get_object_or_404(Revision.objects.select_related("article"), pk=revision_id)
        if revision.article.kind != Kind.GLOSSARY:
            try:
                response = self._rehearsed_public_page(request, revision)
            except ValueError as error:
                response = self._draft_preview(request, revision, error)
        else:
            response = self._draft_preview(request, revision)
        response.render()
        response["Cache-Control"] = "no-store, private"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    def _rehearsed_public_page(self, request, revision):
        from .views import ArticleDetailView, MedicineDetailView

        view = ArticleDetailView if revision.article.kind == Kind.PAGE else MedicineDetailView
        request.preview_banner = {
            "review_url": reverse("admin:treatments_review", args=[revision.pk]),
            "approver": request.user,
            "is_live": revision.article.live_revision_id == revision.pk,
        }
        with (
            workflow.rehearsed_approval(revision, by=request.user) as article,
            translation.override(article.language),  # the page in its own language
        ):
            response = view.as_view()(request, slug=article.slug)
            response.render()
        return response

    def _draft_preview(self, request, revision, error=None):
        """A version that cannot be rendered from approved sources yet (or a
        glossary term), shown with the editors' working copies and the reason."""
        article = revision.article
        try:
            if error is not None:
                raise error
            sources = Sources.load(article.language)
            rendered = render(
                revision.body,
                references=working_references(revision.body),
                glossary_terms=sources.glossary_terms(exclude_id=article.pk),
                medicines=sources.medicine_links(article.kind),
            )
            live_page = SimpleNamespace(body_html=rendered.html, toc=rendered.toc)
        except ValueError as problem:
            message = format_html(
                "<p><strong>This version cannot be published yet:</strong> {}</p>", problem
            )
            live_page = SimpleNamespace(body_html=message, toc=[])
        context = {
            "article": article,
            "revision": revision,
            "live_page": live_page,
            "preview": True,
            "review_url": reverse("admin:treatments_review", args=[revision.pk]),
        }
        if article.kind == Kind.MEDICINE:
            context["facts"] = detail_lines(Kind.MEDICINE, revision.details)
            return TemplateResponse(request, "treatments/medicine_detail.html", context)
        if article.kind == Kind.GLOSSARY:
            return TemplateResponse(request, "treatments/glossary_preview.html", context)
        context.update(
            {
                **page_main_context(article, revision=revision, live_page=live_page),
                "preview": True,
            }
        )
        return TemplateResponse(request, "treatments/article_detail.html", context)
