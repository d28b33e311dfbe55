"""The read-only Content API at /api/v1/ (Django Ninja): published content only.

What it shows is exactly what readers of the site see, read from what the
workflow stored: an article's live revision and its LivePage (the body HTML
rendered when it was approved; no Markdown is rendered here), its review
dates and reviewer, the citations recorded with the live page (approved
reference versions) and its change log; a reference's approved (live)
version. Drafts, revisions in review or scheduled, withdrawn pages (they have
no LivePage and no live revision), reader feedback and staff accounts are
never read.

Every list reads a bounded amount: keyset pagination on the primary key
(`cursor`), at most MAX_LIMIT items, three queries whatever the site's size
(the items with what they show joined in, the approved reference versions
they cite, and the published language versions of the items on the page).

Languages: every item says its `language` (BCP 47: en-GB, fr) and lists its
`translations`: for an original, its published translations; for a
translation, its original and the other published translations. Lists take
`language=` (en-GB, en, fr...); a detail is in English unless `language=`
asks for another (a translation shares its original's slug). References are
the same in every language: they are in the language they were published in. `allsite.api_http.ApiMiddleware` gives every /api/ response CORS for
GET, an ETag (conditional GETs answered 304) and Cache-Control.
"""

import base64
import binascii
import datetime

from django.conf import settings
from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import http_date
from ninja import NinjaAPI, Query, Schema
from ninja.errors import HttpError
from ninja.openapi.docs import DocsBase
from pydantic import Field

from references.models import Reference, ReferenceVersion, VersionStatus
from treatments.models import Action, Article, Kind, Transition

from .locale import html_lang

LANGUAGE = "en-GB"  # references' language (they are published in English)
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


# Schemas -----------------------------------------------------------------------


class Reviewer(Schema):
    name: str = Field(description="As shown on the page, e.g. 'Dr A. Example'.")
    role: str = Field(description="Role and credentials.")


class Citation(Schema):
    number: int = Field(description="The number the page gives the source (order of first use).")
    key: str
    title: str
    url: str | None = Field(description="DOI, PubMed or web address of the source.")
    referenceVersion: int | None = Field(
        description="The approved reference version the page was rendered from."
    )


class ChangeLogEntry(Schema):
    date: datetime.date
    action: str = Field(description="approved, confirmed or went_live")
    note: str


class Translation(Schema):
    language: str
    url: str
    title: str = ""


class Item(Schema):
    slug: str
    kind: str = Field(description="page, glossary or medicine")
    title: str
    summary: str
    html: str = Field(description="The body as readers get it (stored, sanitised HTML).")
    details: dict = Field(
        description="Reviewed fields of glossary terms (aliases) and medicines (brand names...)."
    )
    language: str = Field(description="BCP 47 tag: en-GB, fr.")
    translations: list[Translation] = Field(
        description="The other published language versions: an original's translations, or "
        "a translation's original and sibling translations."
    )
    url: str = Field(description="The canonical address of the page on the site.")
    lastReviewed: datetime.date | None
    nextReviewDue: datetime.date | None
    updatedAt: datetime.datetime | None = Field(
        description="When this item last changed for readers (approval, re-confirmation or "
        "a re-render after a source it draws on changed)."
    )
    reviewer: Reviewer | None
    citations: list[Citation]
    changeLog: list[ChangeLogEntry]


class ItemList(Schema):
    items: list[Item]
    next: str | None = Field(description="The next page of results, or null on the last.")


class ReferenceItem(Schema):
    key: str
    type: str
    title: str
    authorOrganisation: str
    authors: list[str] = Field(description='People, each "Family, Given".')
    containerTitle: str
    publisher: str
    publisherPlace: str
    issuedYear: int | None
    issuedMonth: int | None
    issuedDay: int | None
    volume: str
    issue: str
    pages: str
    doi: str
    pmid: str
    url: str
    accessed: datetime.date | None
    language: str
    translations: list[Translation]
    version: int = Field(description="The approved reference version shown.")
    updatedAt: datetime.datetime | None = Field(description="When this version was approved.")


class ReferenceList(Schema):
    items: list[ReferenceItem]
    next: str | None


class Filters(Schema):
    updated_since: datetime.datetime | None = Field(
        None, description="Only items changed for readers at or after this ISO 8601 time."
    )
    language: str | None = Field(
        None, description="Only items in this language (en-GB or fr; en means en-GB)."
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page.")
    cursor: str | None = Field(None, description="From the previous page's `next` link.")


# Docs page: Swagger UI from our static files (django-ninja ships them), set up
# by static/js/api-docs.js; no inline script, so the site's CSP holds.


class StaticSwagger(DocsBase):
    def render_page(self, request, api, **kwargs):
        return render(
            request,
            "api/docs.html",
            {"api": api, "openapi_url": self.get_openapi_url(api, kwargs)},
        )


api = NinjaAPI(
    title="allsite Content API",
    version="1",
    description="Read-only, published, medically reviewed content. See the README's "
    "'Content API' section.",
    urls_namespace="api-v1",
    docs=StaticSwagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


# Reading -----------------------------------------------------------------------


def _encode_cursor(pk):
    return base64.urlsafe_b64encode(str(pk).encode()).decode().rstrip("=")


def _decode_cursor(cursor):
    try:
        return int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise HttpError(400, "That cursor is not one this API gave out.") from None


def _aware(when):
    if when is not None and timezone.is_naive(when):
        return timezone.make_aware(when, datetime.UTC)
    return when


def _language_code(language):
    """The site's language code for a requested tag (en-GB, en, fr...), or None
    if the site has no such language."""
    if language is None:
        return settings.LANGUAGE_CODE
    language = language.lower().replace("_", "-")
    codes = [code for code, _ in settings.LANGUAGES]
    if language in codes:
        return language
    matches = [code for code in codes if code.split("-")[0] == language]
    return matches[0] if len(matches) == 1 else None


def _wrong_language(language):
    """References are in English: another language has none."""
    return language is not None and _language_code(language) != settings.LANGUAGE_CODE


def _next_url(request, rows, filters):
    if len(rows) <= filters.limit:
        return None
    query = request.GET.copy()
    query["cursor"] = _encode_cursor(rows[filters.limit - 1].pk)
    return request.build_absolute_uri(request.path + "?" + query.urlencode())


def _page(queryset, filters):
    """At most `limit` + 1 rows after the cursor, in primary-key order."""
    if filters.cursor:
        queryset = queryset.filter(pk__gt=_decode_cursor(filters.cursor))
    return list(queryset.order_by("pk")[: filters.limit + 1])


def _articles(kind):
    approved_versions = ReferenceVersion.objects.filter(
        status=VersionStatus.APPROVED
    ).select_related("reference")
    return (
        Article.objects.for_public_page()
        .filter(kind=kind)
        .prefetch_related(Prefetch("live_page__reference_versions", queryset=approved_versions))
    )


def _updated(article):
    times = [article.live_since, article.live_page.rendered_at]
    if article.last_review_id:
        times.append(article.last_review.created_at)
    return max((t for t in times if t is not None), default=None)


def _families(articles):
    """{original id: [(language, url, title)]} of the published language
    versions of these articles' originals (originals included): one query."""
    originals = {a.translation_of_id or a.pk for a in articles}
    if not originals:
        return {}
    versions = (
        Article.objects.published()
        .filter(Q(pk__in=originals) | Q(translation_of_id__in=originals))
        .filter(live_page__isnull=False)
        .select_related("live_revision")
        .only("kind", "slug", "language", "translation_of_id", "live_revision__title")
        .order_by("language", "pk")
    )
    families = {}
    for version in versions:
        families.setdefault(version.translation_of_id or version.pk, []).append(version)
    return families


def _translations(article, families):
    return [
        {
            "language": html_lang(other.language),
            "url": settings.SITE_URL + other.get_absolute_url(),
            "title": other.live_revision.title,
        }
        for other in families.get(article.translation_of_id or article.pk, [])
        if other.pk != article.pk
    ]


def _item(article, families):
    revision = article.live_revision
    live_page = article.live_page
    versions = {v.reference.key: v.pk for v in live_page.reference_versions.all()}
    profile = (
        getattr(article.last_review.actor, "reviewer_profile", None)
        if article.last_review_id
        else None
    )
    return {
        "slug": article.slug,
        "kind": article.kind,
        "title": revision.title,
        "summary": revision.summary,
        "html": live_page.body_html,
        "details": revision.details or {},
        "language": html_lang(article.language),
        "translations": _translations(article, families),
        "url": settings.SITE_URL + article.get_absolute_url(),
        "lastReviewed": timezone.localdate(article.last_reviewed_at)
        if article.last_review_id
        else None,
        "nextReviewDue": article.next_review_due,
        "updatedAt": _updated(article),
        "reviewer": {"name": profile.display_name, "role": profile.role} if profile else None,
        "citations": [
            {
                "number": number,
                "key": c["key"],
                "title": c["name"],
                "url": c.get("url") or None,
                "referenceVersion": versions.get(c["key"]),
            }
            for number, c in enumerate(live_page.citations, start=1)
        ],
        "changeLog": article.change_log,
    }


def _list_articles(request, response, kind, filters):
    queryset = _articles(kind)
    if filters.language is not None:
        language = _language_code(filters.language)
        if language is None:
            return {"items": [], "next": None}
        queryset = queryset.filter(language=language)
    since = _aware(filters.updated_since)
    if since is not None:
        queryset = queryset.filter(
            Q(live_since__gte=since)
            | Q(last_review__created_at__gte=since)
            | Q(live_page__rendered_at__gte=since)
        )
    rows = _page(queryset, filters)
    families = _families(rows[: filters.limit])
    return {
        "items": [_item(a, families) for a in rows[: filters.limit]],
        "next": _next_url(request, rows, filters),
    }


def _detail_article(response, kind, slug, language=None):
    code = _language_code(language)
    article = _articles(kind).filter(slug=slug, language=code).first() if code else None
    if article is None:
        raise Http404("No published item with that name.")
    item = _item(article, _families([article]))
    if item["updatedAt"] is not None:
        response["Last-Modified"] = http_date(item["updatedAt"].timestamp())
    return item


def _references():
    approved_at = Transition.objects.filter(
        reference_version=OuterRef("live_version"), action=Action.APPROVED
    ).order_by("-created_at")
    return (
        Reference.objects.approved()
        .filter(live_version__status=VersionStatus.APPROVED)
        .select_related("live_version")
        .annotate(approved_at=Subquery(approved_at.values("created_at")[:1]))
    )


def _reference_item(reference):
    version = reference.live_version
    data = version.data
    accessed = data.get("accessed")
    return {
        "key": reference.key,
        "type": data.get("type") or "",
        "title": data.get("title") or "",
        "authorOrganisation": data.get("author_organisation") or "",
        "authors": [line for line in (data.get("author_people") or "").splitlines() if line],
        "containerTitle": data.get("container_title") or "",
        "publisher": data.get("publisher") or "",
        "publisherPlace": data.get("publisher_place") or "",
        "issuedYear": data.get("issued_year"),
        "issuedMonth": data.get("issued_month"),
        "issuedDay": data.get("issued_day"),
        "volume": data.get("volume") or "",
        "issue": data.get("issue") or "",
        "pages": data.get("pages") or "",
        "doi": data.get("doi") or "",
        "pmid": data.get("pmid") or "",
        "url": data.get("url") or "",
        "accessed": datetime.date.fromisoformat(accessed) if accessed else None,
        "language": LANGUAGE,
        "translations": [],
        "version": version.pk,
        "updatedAt": reference.approved_at,
    }


# Endpoints ---------------------------------------------------------------------

KINDS = [
    ("pages", Kind.PAGE, "treatment pages"),
    ("glossary", Kind.GLOSSARY, "glossary terms"),
    ("medicines", Kind.MEDICINE, "medicines"),
]


def _register(path, kind, label):
    @api.get(
        f"/{path}",
        response=ItemList,
        operation_id=f"list_{path}",
        summary=f"Published {label}",
        tags=[path],
    )
    def list_view(request, response: HttpResponse, filters: Query[Filters]):
        return _list_articles(request, response, kind, filters)

    @api.get(
        f"/{path}/{{slug}}",
        response=Item,
        operation_id=f"get_{path}",
        summary=f"One published item of the {label}",
        tags=[path],
    )
    def detail_view(
        request,
        response: HttpResponse,
        slug: str,
        language: str | None = Query(None, description="en-GB (default) or fr."),
    ):
        return _detail_article(response, kind, slug, language)


for _path, _kind, _label in KINDS:
    _register(_path, _kind, _label)


@api.get(
    "/references",
    response=ReferenceList,
    operation_id="list_references",
    summary="Approved references (their approved versions)",
    tags=["references"],
)
def list_references(request, response: HttpResponse, filters: Query[Filters]):
    if _wrong_language(filters.language):
        return {"items": [], "next": None}
    queryset = _references()
    since = _aware(filters.updated_since)
    if since is not None:
        queryset = queryset.filter(approved_at__gte=since)
    rows = _page(queryset, filters)
    return {
        "items": [_reference_item(r) for r in rows[: filters.limit]],
        "next": _next_url(request, rows, filters),
    }


@api.get(
    "/references/{key}",
    response=ReferenceItem,
    operation_id="get_references",
    summary="One approved reference",
    tags=["references"],
)
def reference_detail(request, response: HttpResponse, key: str):
    reference = _references().filter(key=key).first()
    if reference is None:
        raise Http404("No approved reference with that key.")
    item = _reference_item(reference)
    if item["updatedAt"] is not None:
        response["Last-Modified"] = http_date(item["updatedAt"].timestamp())
    return item
