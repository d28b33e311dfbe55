"""schema.org JSON-LD for public pages, built only from stored fields."""

import json

from django.conf import settings
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from .models import Kind


def condition():
    """The condition every page is about, named in the active language."""
    return {
        "@type": "MedicalCondition",
        "name": gettext("Acute lymphoblastic leukaemia"),
        "alternateName": ["Acute lymphocytic leukemia", "ALL"],
        "code": {"@type": "MedicalCode", "code": "C91.0", "codingSystem": "ICD-10"},
    }


def language_tag(code):
    """A BCP 47 tag for a language code: en-gb -> en-GB, fr -> fr."""
    language, _, region = (code or settings.LANGUAGE_CODE).partition("-")
    return f"{language.lower()}-{region.upper()}" if region else language.lower()


# Characters that could end a <script> data block or start HTML, as in Django's json_script.
SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def _date(value):
    return timezone.localdate(value).isoformat() if value else None


# Stands for the page's absolute URL in JSON-LD stored with a live page: the
# host is the request's, so the view puts it in (with_page_url).
PAGE_URL = "https://page-url.invalid/"


def with_page_url(stored_json_ld, url):
    """Stored JSON-LD with the page's absolute URL put in."""
    filled = stored_json_ld.replace(json.dumps(PAGE_URL), json.dumps(url).translate(SCRIPT_ESCAPES))
    return mark_safe(filled)  # noqa: S308 - JSON with <, > and & escaped


def medical_web_page(article, url):
    """The MedicalWebPage description of a published page at `url`, ready to embed."""
    revision = article.live_revision
    review = article.last_review
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": revision.title,
        "description": revision.summary,
        "url": url,
        "inLanguage": language_tag(article.language),
        "about": condition(),
        "audience": {"@type": "Patient"},
        "lastReviewed": _date(review.created_at),
        "dateModified": _date(article.live_since),
        "publisher": {"@type": "Organization", "name": settings.SITE_PUBLISHER},
        "citation": [
            {"@type": "CreativeWork", "name": c["name"], **({"url": c["url"]} if c["url"] else {})}
            for c in article.live_page.citations
        ],
    }
    profile = getattr(review.actor, "reviewer_profile", None)
    if profile is not None:
        data["reviewedBy"] = {
            "@type": "Person",
            "name": profile.display_name,
            "jobTitle": profile.role,
        }
    if article.kind == Kind.MEDICINE:
        data["about"] = {
            "@type": "Drug",
            "name": revision.title,
            "alternateName": revision.details.get("brand_names", []),
        }
        data["mentions"] = condition()
    text = json.dumps(data, ensure_ascii=False, indent=1).translate(SCRIPT_ESCAPES)
    return mark_safe(text)  # noqa: S308 - JSON with <, > and & escaped
