"""The read-only Content API at /api/v1/: published content only, bounded work,
cache and CORS headers, a valid OpenAPI schema, a docs page the CSP allows."""

import datetime
import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openapi_spec_validator import validate

from allsite.models import Feedback
from references.models import Reference
from tests.conftest import BODY, approved_reference, make_user
from tests.html_checks import INLINE_SCRIPT_RE
from treatments import workflow
from treatments.models import Article, Kind, ReviewerProfile

pytestmark = pytest.mark.django_db(transaction=False)

MARK = "zqxleakmarker"
DAY = datetime.date(2026, 11, 1)
LISTS = ["/api/v1/pages", "/api/v1/glossary", "/api/v1/medicines", "/api/v1/references"]


def get_json(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def all_pages(client, url):
    """Every item of a list, following `next` links; and every raw body read."""
    items, bodies = [], []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        bodies.append(response.content.decode())
        data = response.json()
        items.extend(data["items"])
        url = data["next"]
    return items, bodies


@pytest.fixture
def site(publish, publish_item, editor):
    page = publish("induction", title="Induction", summary="The first phase.")
    term = publish_item("glossary", "remission", "Remission", "No signs of leukaemia.", {})
    medicine = publish_item(
        "medicine", "imatinib", "Imatinib", "A targeted medicine.",
        {"brand_names": ["Glivec"], "drug_class": "tyrosine kinase inhibitor", "route": "tablets"},
    )  # fmt: skip
    return page, term, medicine


def test_page_list_and_detail(client, site, reference):
    data = get_json(client, "/api/v1/pages")
    assert [item["slug"] for item in data["items"]] == ["induction"]
    assert data["next"] is None
    item = get_json(client, "/api/v1/pages/induction")
    assert item == data["items"][0]
    page = Article.objects.get(slug="induction", language="en-gb")
    assert item["title"] == "Induction"
    assert item["summary"] == "The first phase."
    assert item["html"] == page.live_page.body_html
    assert "<h2" in item["html"]
    assert "[@" not in item["html"]
    assert item["language"] == "en-GB"
    assert item["translations"] == []
    assert item["url"] == settings.SITE_URL + "/treatment/induction/"
    assert item["url"].startswith("http")
    assert item["lastReviewed"] == timezone.localdate().isoformat()
    assert item["nextReviewDue"] == page.next_review_due.isoformat()
    assert item["reviewer"] == {"name": "Dr Rhea Viewer", "role": "Consultant haematologist"}
    assert item["citations"] == [
        {
            "number": 1,
            "key": "acs-treating-all",
            "title": "Treating acute lymphocytic leukemia (ALL)",
            "url": reference.url,
            "referenceVersion": reference.live_version_id,
        }
    ]
    assert item["changeLog"][0]["note"] == "First published."


def test_glossary_medicine_and_reference_endpoints(client, site, reference):
    term = get_json(client, "/api/v1/glossary/remission")
    assert term["kind"] == "glossary"
    assert term["title"] == "Remission"
    assert term["url"].endswith("/glossary/#remission")
    medicine = get_json(client, "/api/v1/medicines/imatinib")
    assert medicine["details"]["brand_names"] == ["Glivec"]
    assert [i["slug"] for i in get_json(client, "/api/v1/glossary")["items"]] == ["remission"]
    assert [i["slug"] for i in get_json(client, "/api/v1/medicines")["items"]] == ["imatinib"]
    # A slug of another kind is not found under this kind.
    assert client.get("/api/v1/pages/imatinib").status_code == 404
    assert client.get("/api/v1/medicines/nothing-here").status_code == 404

    refs = get_json(client, "/api/v1/references")["items"]
    assert [r["key"] for r in refs] == ["acs-treating-all"]
    ref = get_json(client, "/api/v1/references/acs-treating-all")
    assert ref == refs[0]
    assert ref["title"] == "Treating acute lymphocytic leukemia (ALL)"
    assert ref["authorOrganisation"] == "American Cancer Society"
    assert ref["accessed"] == "2026-11-01"
    assert ref["version"] == reference.live_version_id
    assert ref["updatedAt"]


def test_pagination_follows_next_links_to_every_item(client, publish):
    for n in range(5):
        publish(f"page-{n}", title=f"Page {n}")
    seen = []
    url = "/api/v1/pages?limit=2"
    pages = 0
    while url:
        data = get_json(client, url)
        assert len(data["items"]) <= 2
        seen += [item["slug"] for item in data["items"]]
        url = data["next"]
        pages += 1
    assert sorted(seen) == [f"page-{n}" for n in range(5)]
    assert len(seen) == 5
    assert pages == 3
    assert client.get("/api/v1/pages?limit=101").status_code == 422
    assert client.get("/api/v1/pages?limit=0").status_code == 422
    assert client.get("/api/v1/pages?cursor=%%%").status_code == 400


def test_updated_since_and_language_filters(client, publish, reviewer):
    old = publish("old-page", title="Old")
    later = timezone.now() + datetime.timedelta(microseconds=1)
    since = f"?updated_since={later.isoformat().replace('+00:00', 'Z')}"
    assert [i["slug"] for i in get_json(client, "/api/v1/pages" + since)["items"]] == []
    publish("new-page", title="New")
    assert [i["slug"] for i in get_json(client, "/api/v1/pages" + since)["items"]] == ["new-page"]
    # A later re-confirmation counts as a change for readers.
    workflow.confirm_still_accurate(old, by=reviewer)
    slugs = {i["slug"] for i in get_json(client, "/api/v1/pages" + since)["items"]}
    assert slugs == {"old-page", "new-page"}
    earlier = (later - datetime.timedelta(days=1)).isoformat().replace("+00:00", "Z")
    data = get_json(client, f"/api/v1/pages?updated_since={earlier}")
    assert {i["slug"] for i in data["items"]} == {"old-page", "new-page"}
    assert len(get_json(client, "/api/v1/pages?language=en-GB")["items"]) == 2
    assert get_json(client, "/api/v1/pages?language=fr")["items"] == []
    assert get_json(client, "/api/v1/references?language=fr")["items"] == []
    assert client.get("/api/v1/pages?updated_since=yesterday").status_code == 422


def test_conditional_get_cache_control_cors_and_no_cookies(client, site, reference):
    for url in [*LISTS, "/api/v1/pages/induction", "/api/v1/references/acs-treating-all"]:
        response = client.get(url, HTTP_ORIGIN="https://elsewhere.example")
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in response
        assert "public" in response["Cache-Control"]
        assert response.cookies == {}
        assert "Set-Cookie" not in response
        assert "cookie" not in response.get("Vary", "").lower()
        etag = response["ETag"]
        again = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304
        assert again["ETag"] == etag
        assert again["Access-Control-Allow-Origin"] == "*"
        assert client.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200
        head = client.head(url)
        assert head.status_code == 200
        assert head["ETag"] == etag
    detail = client.get("/api/v1/pages/induction")
    assert detail["Last-Modified"]
    assert (
        client.get("/api/v1/pages/induction", HTTP_IF_MODIFIED_SINCE=detail["Last-Modified"])
    ).status_code == 304
    preflight = client.options(
        "/api/v1/pages", HTTP_ORIGIN="https://x.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    # Only the API gets CORS.
    assert "Access-Control-Allow-Origin" not in client.get("/treatment/induction/")


def test_the_etag_changes_when_the_content_does(client, site, editor, reviewer):
    before = client.get("/api/v1/pages/induction")["ETag"]
    page = Article.objects.get(slug="induction", language="en-gb")
    revision = workflow.save_draft(
        page, by=editor, base_revision=page.live_revision,
        title="Induction", summary="Changed summary.", body=BODY,
    )  # fmt: skip
    workflow.submit(revision, by=editor)
    workflow.approve(revision, by=reviewer)
    response = client.get("/api/v1/pages/induction", HTTP_IF_NONE_MATCH=before)
    assert response.status_code == 200
    assert response.json()["summary"] == "Changed summary."


def _query_count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_counts_do_not_grow_with_the_site(client, publish, publish_item, editor, reviewer):
    publish("first")
    publish_item("medicine", "med-0", "Med 0", "A medicine.", {"drug_class": "x", "route": "y"})
    publish_item("glossary", "term-0", "Term 0", "A term.", {})
    approved_reference(
        editor, reviewer, key="ref-0", title="Ref 0", url="https://x.example/0", accessed=DAY
    )
    urls = [
        "/api/v1/pages",
        "/api/v1/glossary",
        "/api/v1/medicines",
        "/api/v1/references",
        "/api/v1/pages/first",
        "/api/v1/references/ref-0",
    ]
    small = {url: _query_count(client, url) for url in urls}
    for n in range(1, 5):
        approved_reference(
            editor,
            reviewer,
            key=f"ref-{n}",
            title=f"Ref {n}",
            url=f"https://x.example/{n}",
            accessed=DAY,
        )
        publish(f"page-{n}", body=f"{BODY}\nMore [@ref-{n}; @ref-0].\n")
        publish_item(
            "medicine", f"med-{n}", f"Med {n}", "A medicine.", {"drug_class": "x", "route": "y"}
        )
        publish_item("glossary", f"term-{n}", f"Term {n}", "A term.", {})
    large = {url: _query_count(client, url) for url in urls}
    assert large == small
    assert max(small.values()) <= 3
    pages = get_json(client, "/api/v1/pages")["items"]
    assert len(pages) == 5
    assert [c["key"] for c in pages[-1]["citations"]] == ["acs-treating-all", "ref-4", "ref-0"]
    assert all(c["referenceVersion"] for c in pages[-1]["citations"])


def test_drafts_reviews_schedules_withdrawn_pages_feedback_and_users_never_leak(
    client, site, reference, editor, second_editor, reviewer, publish, publish_item
):
    page, term, medicine = site
    # A new draft, then a newer version in review, of a published page.
    draft = workflow.save_draft(
        page, by=editor, base_revision=page.live_revision,
        title=f"Draft {MARK}", summary=f"Draft summary {MARK}", body=f"{BODY}\n{MARK} draft\n",
    )  # fmt: skip
    in_review = workflow.save_draft(
        page, by=editor, base_revision=draft,
        title=f"Review {MARK}", summary=f"Review {MARK}", body=f"{BODY}\n{MARK} review\n",
    )  # fmt: skip
    workflow.submit(in_review, by=editor)
    # A version of the glossary term approved to go live tomorrow.
    scheduled = workflow.save_draft(
        term, by=editor, base_revision=term.live_revision,
        title="Remission", summary=f"Scheduled {MARK}", body="",
    )  # fmt: skip
    workflow.submit(scheduled, by=editor)
    workflow.approve(scheduled, by=reviewer, go_live_at=timezone.now() + datetime.timedelta(days=1))
    # A draft of the medicine.
    workflow.save_draft(
        medicine, by=editor, base_revision=medicine.live_revision,
        title="Imatinib", summary=f"Medicine draft {MARK}", body="",
        details={"brand_names": [MARK], "drug_class": "x", "route": "y"},
    )  # fmt: skip
    # A withdrawn page.
    gone = publish("withdrawn-page", title=f"Withdrawn {MARK}", summary=f"Gone {MARK}")
    workflow.withdraw(gone, by=reviewer, reason="Being corrected.")
    # A reference never approved, and an approved one with a working copy in review.
    Reference.objects.create(key=f"draft-{MARK}", title=f"Draft source {MARK}")
    Reference.objects.filter(pk=reference.pk).update(title=f"Edited {MARK}")
    reference.refresh_from_db()
    workflow.submit_reference(reference, by=editor)
    # Reader feedback.
    Feedback.objects.create(article=page, kind="error", comment=f"Feedback {MARK}")
    # A French translation that is only a draft.
    french = Article.objects.create(
        kind=page.kind, slug=page.slug, language="fr", translation_of=page
    )
    workflow.save_draft(
        french, by=editor, base_revision=None, translates=page.live_revision,
        title=f"Brouillon {MARK}", summary=f"Résumé {MARK}", body=f"{MARK} brouillon\n",
    )  # fmt: skip
    secrets = [MARK, "editor_ann", "editor_bob", "dr_rev", "@example"]
    editor.email = "ann@example.org"
    editor.save()

    outputs = []
    for url in LISTS:
        for limit in ("1", "100"):
            items, bodies = all_pages(client, f"{url}?limit={limit}")
            outputs += bodies
        key = "key" if url.endswith("references") else "slug"
        for item in items:
            outputs.append(client.get(f"{url}/{item[key]}").content.decode())
    outputs.append(client.get("/api/v1/openapi.json").content.decode())
    outputs.append(client.get("/api/v1/docs").content.decode())
    for url in LISTS:
        outputs += all_pages(client, f"{url}?language=fr&limit=100")[1]
    for url in [
        "/api/v1/pages/withdrawn-page",
        f"/api/v1/references/draft-{MARK}",
        f"/api/v1/pages/{page.slug}?language=fr",
    ]:
        response = client.get(url)
        assert response.status_code == 404
        outputs.append(response.content.decode())
    everything = "\n".join(outputs)
    for secret in secrets:
        assert secret not in everything, secret
    # The published versions are there, as they were approved.
    assert "The first phase." in everything
    assert "No signs of leukaemia." in everything
    assert "Treating acute lymphocytic leukemia (ALL)" in everything
    assert len(outputs) > 12


def test_openapi_schema_is_valid_and_lists_every_endpoint(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    assert schema["openapi"].startswith("3.")
    for path in [
        "/api/v1/pages",
        "/api/v1/pages/{slug}",
        "/api/v1/glossary",
        "/api/v1/glossary/{slug}",
        "/api/v1/medicines",
        "/api/v1/medicines/{slug}",
        "/api/v1/references",
        "/api/v1/references/{key}",
    ]:
        assert set(schema["paths"][path]) == {"get"}, path
    params = {p["name"] for p in schema["paths"]["/api/v1/pages"]["get"]["parameters"]}
    assert {"updated_since", "language", "limit", "cursor"} <= params
    assert response["Access-Control-Allow-Origin"] == "*"


def test_docs_page_uses_our_static_files_and_no_inline_script(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert not INLINE_SCRIPT_RE.search(html)
    assert " style=" not in html
    assert "<style" not in html
    assert "cdn" not in html.lower()
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert any("swagger-ui-bundle" in src for src in scripts)
    assert any("api-docs" in src for src in scripts)
    assert 'data-openapi-url="/api/v1/openapi.json"' in html
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_atom_feed_entry_ids_are_absolute(client, publish):
    publish()
    response = client.get("/updates.atom")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    ns = {"atom": "http://www.w3.org/2005/Atom"}
    ids = [e.text for e in root.findall("atom:entry/atom:id", ns)]
    assert ids
    for entry_id in ids:
        assert re.match(r"^(https?|tag):", entry_id), entry_id


def test_articles_of_each_kind_only(client, site):
    assert all(item["kind"] == Kind.PAGE for item in get_json(client, "/api/v1/pages")["items"])
    assert json.dumps(get_json(client, "/api/v1/glossary")).count('"kind": "glossary"') == 1


def test_list_and_detail_query_counts(client, site, reference):
    """Three queries per article list or detail (items, their approved
    citations, their language versions), one per reference list or detail,
    whatever the site holds."""
    assert _query_count(client, "/api/v1/pages") == 3
    assert _query_count(client, "/api/v1/pages/induction") == 3
    assert _query_count(client, "/api/v1/references") == 1
    assert _query_count(client, "/api/v1/references/acs-treating-all") == 1


def test_translations_are_served_by_language_and_never_stand_in_for_their_original(
    client, publish, editor
):
    english = publish("induction", title="Induction")
    french_reviewer = make_user(workflow.MEDICAL_REVIEWERS, username="dr_fr")
    ReviewerProfile.objects.create(
        user=french_reviewer, display_name="Dr F", role="Hématologue", languages=["fr"]
    )
    french = Article.objects.create(
        kind=english.kind, slug=english.slug, language="fr", translation_of=english
    )
    draft = workflow.save_draft(
        french, by=editor, base_revision=None, translates=english.live_revision,
        title="L’induction", summary="La première phase.", body="Texte en français.\n",
    )  # fmt: skip
    workflow.submit(draft, by=editor)
    workflow.approve(draft, by=french_reviewer)

    original = get_json(client, "/api/v1/pages/induction")
    assert original["title"] == "Induction"
    assert original["language"] == "en-GB"
    assert original["translations"] == [
        {"language": "fr", "url": settings.SITE_URL + "/fr/treatment/induction/",
         "title": "L’induction"}
    ]  # fmt: skip
    translated = get_json(client, "/api/v1/pages/induction?language=fr")
    assert translated["title"] == "L’induction"
    assert translated["language"] == "fr"
    assert translated["url"] == settings.SITE_URL + "/fr/treatment/induction/"
    assert "Texte en français." in translated["html"]
    assert translated["reviewer"]["name"] == "Dr F"
    assert translated["translations"] == [
        {"language": "en-GB", "url": settings.SITE_URL + "/treatment/induction/",
         "title": "Induction"}
    ]  # fmt: skip
    assert client.get("/api/v1/pages/induction?language=de").status_code == 404
    languages = [item["language"] for item in get_json(client, "/api/v1/pages")["items"]]
    assert sorted(languages) == ["en-GB", "fr"]
    english_only = get_json(client, "/api/v1/pages?language=en")["items"]
    assert [item["title"] for item in english_only] == ["Induction"]
    french_only = get_json(client, "/api/v1/pages?language=fr")["items"]
    assert [item["title"] for item in french_only] == ["L’induction"]
