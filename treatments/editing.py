"""The writing surface behind the edit screens: live preview, the source
picker for `[@`, and "who else has unsaved changes open on this page".

Mixed into the content admins (treatments.admin.RevisedContentAdmin), which
wire these views as admin URLs: `admin_site.admin_view` requires a signed-in
staff user, protects POSTs against CSRF and marks every answer uncacheable
(never_cache); each view also requires permission to change the content.

Nothing here saves a revision or changes what readers see: the preview
renders the typed text through the same pipeline as the public page
(treatments.rendering, with the editors' working references and the
published glossary terms, like the version preview) and throws it away.

Editing presence is kept in the database (EditingPresence) rather than the
cache: every process and machine shares it (the cache is per process in
development and tests), a heartbeat is an atomic upsert of one row per editor
and page, so two editors' heartbeats never overwrite each other as a shared
per-page cache entry could, and the cache may evict entries under pressure.
One small write per editor with unsaved changes every 30 seconds is nothing
for the database.
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone

from references.models import Reference

from .body_problems import MAX_BODY_CHARACTERS, Problem, find_problems, normalise
from .models import Article, EditingPresence, Kind
from .publishing import Sources
from .readability import assess_html
from .rendering import working_references

HEARTBEAT_SECONDS = 30  # how often the editor's browser says it still has unsaved changes
PRESENCE_FRESH = datetime.timedelta(minutes=2)  # older heartbeats mean the editor has gone
PRESENCE_KEPT = datetime.timedelta(hours=1)  # rows older than this are deleted
# A preview request carries at most the body (4 bytes a character at worst) and a
# little form data; anything larger is refused before it is read.
MAX_PREVIEW_BYTES = MAX_BODY_CHARACTERS * 4 + 64 * 1024
REFERENCE_RESULTS = 20


def display_name(user):
    """How staff screens name a colleague: the reviewer profile's name, else the
    full name, else the user name."""
    profile = getattr(user, "reviewer_profile", None)
    if profile is not None:
        return profile.display_name
    return user.get_full_name() or user.get_username()


def record_presence(article, user, *, now=None):
    """`user` still has unsaved changes open on `article`."""
    now = now or timezone.now()
    presence, created = EditingPresence.objects.get_or_create(
        article=article, user=user, defaults={"since": now, "seen_at": now}
    )
    if not created:
        # A heartbeat after a gap is new unsaved work, not the old one resumed.
        since = presence.since if presence.seen_at >= now - PRESENCE_FRESH else now
        EditingPresence.objects.filter(pk=presence.pk).update(since=since, seen_at=now)
    EditingPresence.objects.filter(seen_at__lt=now - PRESENCE_KEPT).delete()


def clear_presence(article, user):
    """`user` saved or left: they no longer have unsaved changes open."""
    EditingPresence.objects.filter(article=article, user=user).delete()


def since_label(moment, now):
    """The time as editors read it: "10:42" today, "23 Nov, 23:50" on another day."""
    moment = timezone.localtime(moment)
    if moment.date() == timezone.localtime(now).date():
        return f"{moment:%H:%M}"
    return f"{moment.day} {moment:%b, %H:%M}"


def others_editing(article, user, *, now=None):
    """[(name, since label)] of the other people with unsaved changes open on
    `article` in the last two minutes, longest first. One query."""
    if article is None or article.pk is None:
        return []
    now = now or timezone.now()
    presences = (
        EditingPresence.objects.filter(article=article, seen_at__gte=now - PRESENCE_FRESH)
        .exclude(user=user)
        .select_related("user__reviewer_profile")
        .order_by("since", "user_id")
    )
    return [(display_name(p.user), since_label(p.since, now)) for p in presences]


def approved_references(term):
    """Approved sources whose key or approved title contains `term`, by key."""
    references = Reference.objects.filter(live_version__isnull=False).select_related("live_version")
    term = term.strip().lstrip("[@").strip()
    if term:
        references = references.filter(
            Q(key__icontains=term) | Q(live_version__data__title__icontains=term)
        )
    return references.order_by("key")


class WritingSurfaceViews:
    """Mixed into a content admin: the writing surface's endpoints."""

    def writing_surface_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path(
                "writing/preview/",
                view(self.live_preview_view),
                name="{}_{}_live_preview".format(*info),
            ),
            path(
                "writing/references/",
                view(self.reference_keys_view),
                name="{}_{}_reference_keys".format(*info),
            ),
            path(
                "<path:object_id>/writing/heartbeat/",
                view(self.heartbeat_view),
                name="{}_{}_editing_heartbeat".format(*info),
            ),
        ]

    def _require_writer(self, request, obj=None):
        if obj is None and self.has_add_permission(request):
            return
        if not self.has_change_permission(request, obj):
            raise PermissionDenied

    def writing_surface_context(self, request, obj=None):
        """What the edit screen needs to switch the writing surface on."""
        info = self.opts.app_label, self.opts.model_name
        try:
            self._require_writer(request, obj)
        except PermissionDenied:  # a view-only screen: nothing to write in
            return {"others_editing": others_editing(obj, request.user)}
        return {
            "writing_surface": {
                "preview_url": f"admin:{info[0]}_{info[1]}_live_preview",
                "references_url": f"admin:{info[0]}_{info[1]}_reference_keys",
                "heartbeat_url": f"admin:{info[0]}_{info[1]}_editing_heartbeat",
                "article": obj,
                "heartbeat_seconds": HEARTBEAT_SECONDS,
            },
            "others_editing": others_editing(obj, request.user),
        }

    @staticmethod
    def _too_large(request):
        try:
            return int(request.META.get("CONTENT_LENGTH") or 0) > MAX_PREVIEW_BYTES
        except ValueError:
            return True

    def live_preview_view(self, request):
        """The typed body rendered as readers would see it, what would stop it
        being saved (by line), and its readability: JSON {html, problems,
        readability}. Saves nothing."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        self._require_writer(request)
        if self._too_large(request):
            message = (
                f"This text is too long to preview: a page can have at most "
                f"{MAX_BODY_CHARACTERS:,} characters. Your text is still in the box."
            )
            html = render_to_string(
                "admin/treatments/includes/live_preview.html",
                {"problems": [Problem(message)], "too_long": True},
            )
            return JsonResponse(
                {"html": html, "problems": [{"message": message, "places": [], "text": message}]},
                status=413,
            )
        body = normalise(request.POST.get("body", ""))
        exclude_id = request.POST.get("article", "")
        exclude_id = int(exclude_id) if exclude_id.isdigit() else None
        # Medicines are linked on treatment pages only; an article not saved yet
        # is previewed as one.
        kind, language = Article.objects.filter(pk=exclude_id).values_list(
            "kind", "language"
        ).first() or (Kind.PAGE, None)
        sources = Sources.load(language)
        problems, rendered = find_problems(
            body,
            references=working_references(body) if len(body) <= MAX_BODY_CHARACTERS else {},
            glossary_terms=sources.glossary_terms(exclude_id=exclude_id),
            medicines=sources.medicine_links(kind),
        )
        readability = assess_html(rendered.html) if rendered is not None else None
        html = render_to_string(
            "admin/treatments/includes/live_preview.html",
            {
                "problems": problems,
                "body_html": rendered.html if rendered is not None else "",
                "readability": readability,
                "too_long": rendered is None,
            },
        )
        return JsonResponse(
            {
                "html": html,
                "problems": [problem.as_dict() for problem in problems],
                "readability": None
                if readability is None
                else {
                    "verdict": readability.verdict,
                    "grade": readability.grade,
                    "words": readability.words,
                    "long_sentences": [
                        {"sentence": s, "words": n} for s, n in readability.long_sentences
                    ],
                    "long_paragraphs": [
                        {"start": s, "sentences": n} for s, n in readability.long_paragraphs
                    ],
                },
            },
            status=413 if rendered is None else 200,
        )

    def reference_keys_view(self, request):
        """Approved sources matching ?q= (key or title): JSON {results: [{key, title}], more}."""
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        self._require_writer(request)
        term = request.GET.get("q", "")[:200]
        found = list(approved_references(term)[: REFERENCE_RESULTS + 1])
        return JsonResponse(
            {
                "results": [
                    {"key": ref.key, "title": ref.live_version.data.get("title", "")}
                    for ref in found[:REFERENCE_RESULTS]
                ],
                "more": len(found) > REFERENCE_RESULTS,
            }
        )

    def heartbeat_view(self, request, object_id):
        """The editor's browser: "I still have unsaved changes open" (or, with
        state=closed, "I left"). Answers with who else has unsaved changes open."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404("No such page.")
        self._require_writer(request, obj)
        if request.POST.get("state") == "closed":
            clear_presence(obj, request.user)
        else:
            record_presence(obj, request.user)
        return JsonResponse(
            {
                "others": [
                    {"name": name, "since": since}
                    for name, since in others_editing(obj, request.user)
                ]
            }
        )
