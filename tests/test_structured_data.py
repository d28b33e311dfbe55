"""JSON-LD, canonical URL, Open Graph, sitemap and the Atom feed of page updates."""

import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from allsite import sitemaps
from treatments import workflow
from treatments.models import Article

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def json_ld(html):
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def shown_date(html, label):
    return re.search(rf'{label} <time datetime="(\d{{4}}-\d\d-\d\d)">', html).group(1)


def test_json_ld_parses_and_its_dates_equal_the_dates_on_the_page(client, publish):
    article = publish()
    html = client.get(article.get_absolute_url()).content.decode()
    data = json_ld(html)
    assert data["@type"] == "MedicalWebPage"
    assert data["lastReviewed"] == shown_date(html, "Last reviewed")
    assert data["dateModified"] == timezone.localdate(article.live_since).isoformat()
    assert data["reviewedBy"] == {
        "@type": "Person",
        "name": "Dr Rhea Viewer",
        "jobTitle": "Consultant haematologist",
    }
    assert data["about"]["code"] == {
        "@type": "MedicalCode",
        "code": "C91.0",
        "codingSystem": "ICD-10",
    }
    assert data["audience"] == {"@type": "Patient"}
    assert data["citation"][0]["name"] == "Treating acute lymphocytic leukemia (ALL)"
    assert data["url"] == "http://testserver/treatment/induction/"


def test_json_ld_follows_a_reconfirmation(client, publish, second_reviewer):
    article = publish()
    workflow.confirm_still_accurate(article, by=second_reviewer)
    html = client.get(article.get_absolute_url()).content.decode()
    data = json_ld(html)
    assert data["reviewedBy"]["name"] == "Dr Tomas Two"
    assert data["lastReviewed"] == shown_date(html, "Last reviewed")


def test_json_ld_cannot_be_broken_out_of_by_content(client, publish):
    html = client.get(
        publish(title="A </script><script>alert(1)</script> title").get_absolute_url()
    ).content.decode()
    assert "<script>alert(1)" not in html
    assert json_ld(html)["name"] == "A </script><script>alert(1)</script> title"


def test_article_page_has_canonical_url_and_open_graph_tags(client, publish):
    html = client.get(publish().get_absolute_url()).content.decode()
    assert '<link rel="canonical" href="http://testserver/treatment/induction/">' in html
    assert '<meta property="og:title" content="Induction">' in html
    assert '<meta property="og:type" content="article">' in html


def sitemap_pages(client):
    """Every URL in every page of every sitemap the index lists, with its text."""
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    assert "<sitemapindex" in index.content.decode()
    texts = []
    for url in re.findall(r"<sitemap><loc>http://testserver(/[^<]+)</loc>", index.content.decode()):
        response = client.get(url.replace("&amp;", "&"))
        assert response.status_code == 200, url
        texts.append(response.content.decode())
    return "\n".join(texts)


def test_sitemap_lists_published_pages_with_lastmod_from_the_last_approval(client, publish, editor):
    article = publish()
    Article.objects.create(slug="draft-only")
    text = sitemap_pages(client)
    assert "<loc>http://testserver/treatment/induction/</loc>" in text
    assert "draft-only" not in text
    article.refresh_from_db()
    assert f"<lastmod>{article.live_since.date().isoformat()}</lastmod>" in text
    assert "http://testserver/glossary/" in text
    assert "Sitemap: http://testserver/sitemap.xml" in client.get("/robots.txt").content.decode()


def test_a_large_sitemap_is_split_into_pages_listing_every_page_once(client, publish, monkeypatch):
    monkeypatch.setattr(sitemaps, "LIMIT", 2)
    for n in range(5):
        publish(f"page-{n}", title=f"Page {n}")
    text = sitemap_pages(client)
    for n in range(5):
        assert text.count(f"<loc>http://testserver/treatment/page-{n}/</loc>") == 1
    assert "sitemap-content-3.xml" in client.get("/sitemap.xml").content.decode()


def test_atom_feed_lists_updates_and_confirmations_from_the_change_log(
    client, publish, second_reviewer
):
    article = publish()
    workflow.confirm_still_accurate(article, by=second_reviewer)
    response = client.get("/updates.atom")
    assert response.headers["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    titles = [entry.find(f"{ATOM}title").text for entry in feed.iter(f"{ATOM}entry")]
    assert titles == ["Induction: reviewed, no changes", "Induction: updated"]
    summaries = [e.find(f"{ATOM}summary").text for e in feed.iter(f"{ATOM}entry")]
    assert "First published." in summaries
