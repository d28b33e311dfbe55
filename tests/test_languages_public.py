"""Public pages per language: English at the addresses it always had, French
under /fr/ with the same slugs; a language switcher and hreflang links that
pair a page with its translation; the English page, marked as English, where
a page is not translated yet; menus, lists, sitemap and static export per
language; and no `Vary` header, so a page stays cacheable by its path."""

import re

import pytest
from django.test import Client

from allsite import static_export
from tests.conftest import make_user
from treatments import workflow
from treatments.models import Article, Kind, ReviewerProfile

pytestmark = pytest.mark.django_db


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return response.content.decode()


def switcher(html):
    return re.search(r'<nav class="language-switcher".*?</nav>', html, re.S).group(0)


def hreflangs(html):
    """{hreflang: href} of the page's alternates in <head>."""
    head = html.split("</head>")[0]
    return dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', head))


def main(html):
    return re.search(r"<main.*?</main>", html, re.S).group(0)


@pytest.fixture
def french_reviewer(db):
    user = make_user(workflow.MEDICAL_REVIEWERS, username="dr_fr")
    ReviewerProfile.objects.create(
        user=user,
        display_name="Dr Françoise Relue",
        role="Hématologue",
        languages=["en-gb", "fr"],
    )
    return user


@pytest.fixture
def translate(editor, french_reviewer):
    """Publish a French translation of a published article through the workflow."""

    def _translate(original, title, summary="Résumé en français.", body="Texte en français.\n"):
        parent = None
        if original.parent_id:
            parent = Article.objects.filter(
                translation_of=original.parent_id, language="fr"
            ).first()
        translation = Article.objects.create(
            kind=original.kind,
            slug=original.slug,
            language="fr",
            translation_of=original,
            parent=parent,
            order=original.order,
        )
        revision = workflow.save_draft(
            translation,
            by=editor,
            base_revision=None,
            title=title,
            summary=summary,
            body=body,
            details=original.live_revision.details,
            tags=list(original.live_revision.tags.names()),
        )
        workflow.submit(revision, by=editor, note_for_readers="Traduction publiée.")
        workflow.approve(revision, by=french_reviewer)
        translation.refresh_from_db()
        return translation

    return _translate


@pytest.fixture
def site(publish, translate, helpline):
    """Phases (translated) with Induction (translated) and Maintenance (English only)."""
    phases = publish("phases", title="Phases", tags=())
    induction = publish("induction", parent=phases, title="Induction", order=1)
    maintenance = publish("maintenance", parent=phases, title="Maintenance", order=2)
    phases_fr = translate(phases, "Les phases")
    induction_fr = translate(induction, "L’induction")
    return {
        "phases": phases,
        "induction": induction,
        "maintenance": maintenance,
        "phases_fr": phases_fr,
        "induction_fr": induction_fr,
    }


def test_french_home_page_lists_the_french_sections_in_french(client, site):
    html = page(client, "/fr/")
    assert '<html lang="fr">' in html
    assert '<a href="/fr/treatment/phases/">Les phases</a>' in main(html)
    assert '<a href="/fr/treatment/induction/">L’induction</a>' in main(html)
    assert "/treatment/maintenance/" not in main(html)  # not translated: not in French lists


def test_english_addresses_are_unchanged_and_english(client, site):
    html = page(client, "/treatment/induction/")
    assert '<html lang="en-GB">' in html
    assert "<h1>Induction</h1>" in html
    assert "L’induction" not in main(html)
    home = page(client, "/")
    assert '<a href="/treatment/phases/">Phases</a>' in main(home)
    assert "/fr/treatment/" not in main(home)


def test_french_address_serves_the_published_translation(client, site):
    html = page(client, "/fr/treatment/induction/")
    assert "<h1>L’induction</h1>" in html
    assert "Texte en français." in html
    assert '<link rel="canonical" href="http://testserver/fr/treatment/induction/">' in html
    # Its breadcrumbs and section links stay in French.
    breadcrumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', html, re.S).group(0)
    assert '<a href="/fr/">' in breadcrumbs
    assert '<a href="/fr/treatment/phases/">Les phases</a>' in breadcrumbs


def test_switcher_on_a_translated_page_links_to_its_translation_and_back(client, site):
    english = switcher(page(client, "/treatment/induction/"))
    assert '<a href="/fr/treatment/induction/" lang="fr" hreflang="fr">Français</a>' in english
    assert (
        '<a href="/treatment/induction/" lang="en-GB" hreflang="en-GB" aria-current="true">'
        "English</a>" in english
    )
    french = switcher(page(client, "/fr/treatment/induction/"))
    assert '<a href="/treatment/induction/" lang="en-GB" hreflang="en-GB">English</a>' in french
    assert 'href="/fr/treatment/induction/" lang="fr" hreflang="fr" aria-current="true"' in french


def test_switcher_on_an_untranslated_page_offers_the_other_home_page_and_says_so(client, site):
    links = switcher(page(client, "/treatment/maintenance/"))
    french = re.search(r'<a href="/fr/"[^>]*>(.*?)</a>', links, re.S)
    assert french, links
    assert 'lang="fr"' in french.group(0)
    assert "Français" in french.group(1)
    assert "/fr/treatment/maintenance/" not in links


def test_hreflang_pairs_a_page_and_its_translation_both_ways(client, site):
    english = hreflangs(page(client, "/treatment/induction/"))
    french = hreflangs(page(client, "/fr/treatment/induction/"))
    expected = {
        "en-GB": "http://testserver/treatment/induction/",
        "fr": "http://testserver/fr/treatment/induction/",
        "x-default": "http://testserver/treatment/induction/",
    }
    assert english == expected
    assert french == expected
    # A page with no translation names only itself.
    assert hreflangs(page(client, "/treatment/maintenance/")) == {
        "en-GB": "http://testserver/treatment/maintenance/",
        "x-default": "http://testserver/treatment/maintenance/",
    }


def test_untranslated_page_in_french_shows_the_english_page_marked_english_with_a_notice(
    client, site
):
    html = page(client, "/fr/treatment/maintenance/")
    assert '<html lang="fr">' in html
    notice = re.search(r'<div class="notice notice--untranslated">.*?</div>', html, re.S).group(0)
    assert "Dr Rhea Viewer" in notice  # who reviewed the English page
    assert 'href="/treatment/maintenance/"' in notice
    # The English page's content, in an element marked English (WCAG language of parts).
    english = re.search(r'<div lang="en-GB">.*?<h1>Maintenance</h1>', html, re.S)
    assert english is not None
    assert '<link rel="canonical" href="http://testserver/treatment/maintenance/">' in html
    # Not a French version: no hreflang names this address.
    assert "http://testserver/fr/treatment/maintenance/" not in hreflangs(html).values()


def test_french_navigation_lists_only_french_pages(client, site):
    html = page(client, "/fr/treatment/phases/")
    header = re.search(r'<nav class="site-nav".*?</nav>', html, re.S).group(0)
    assert '<a href="/fr/treatment/phases/"' in header
    assert 'href="/treatment/' not in header
    in_section = re.search(r'<nav class="in-this-section".*?</nav>', html, re.S).group(0)
    assert '<a href="/fr/treatment/induction/">L’induction</a>' in in_section
    assert "Maintenance" not in in_section
    # The English header is unchanged.
    english = page(client, "/treatment/phases/")
    assert "/fr/treatment/" not in re.search(r'<nav class="site-nav".*?</nav>', english, re.S)[0]


def test_public_pages_in_either_language_send_no_vary_header(client, site):
    for url in ["/", "/fr/", "/treatment/induction/", "/fr/treatment/induction/", "/fr/glossary/"]:
        response = client.get(url)
        assert response.status_code == 200
        assert "Vary" not in response.headers, (url, response.headers.get("Vary"))
        assert not response.cookies
    assert client.get("/fr/").headers["Content-Language"] == "fr"
    assert client.get("/").headers["Content-Language"] == "en-GB"


def test_language_comes_from_the_address_never_the_browser(site):
    browser = Client(HTTP_ACCEPT_LANGUAGE="fr", HTTP_COOKIE="django_language=fr")
    html = page(browser, "/treatment/induction/")
    assert "<h1>Induction</h1>" in html
    assert '<html lang="en-GB">' in html


def test_cached_french_page_is_refreshed_when_its_english_original_is_published(
    client, site, editor, reviewer, translate
):
    # English-only page: its French address shows the English text, cached.
    assert "Maintenance lasts" not in page(client, "/fr/treatment/maintenance/")
    original = site["maintenance"]
    revision = workflow.save_draft(
        original,
        by=editor,
        base_revision=original.latest_revision,
        title="Maintenance",
        summary="The longest phase.",
        body="Maintenance lasts about two years.\n",
        tags=[],
    )
    workflow.submit(revision, by=editor)
    workflow.approve(revision, by=reviewer)
    assert "Maintenance lasts about two years." in page(client, "/fr/treatment/maintenance/")
    # Publishing its translation refreshes both languages' cached pages.
    english_before = page(client, "/treatment/maintenance/")
    assert 'href="/fr/treatment/maintenance/"' not in switcher(english_before)
    translate(Article.objects.get(pk=original.pk), "L’entretien")
    assert "<h1>L’entretien</h1>" in page(client, "/fr/treatment/maintenance/")
    english_after = page(client, "/treatment/maintenance/")
    assert 'href="/fr/treatment/maintenance/"' in switcher(english_after)
    assert hreflangs(english_after)["fr"] == "http://testserver/fr/treatment/maintenance/"


def test_withdrawn_translation_answers_410_in_its_language_only(client, site, french_reviewer):
    workflow.withdraw(site["induction_fr"], by=make_superuser(), reason="Mistranslated dose.")
    assert client.get("/fr/treatment/induction/").status_code == 410
    assert client.get("/treatment/induction/").status_code == 200


IMATINIB = {
    "brand_names": ["Glivec"],
    "drug_class": "Tyrosine kinase inhibitor",
    "target": "BCR-ABL1",
    "route": "Tablets",
    "phases": ["Induction"],
    "side_effects": ["Nausea"],
}


def make_superuser():
    return make_user(superuser=True, username="admin_withdraw")


def test_glossary_and_medicines_in_french_list_french_items_or_point_to_english(
    client, publish_item, translate, helpline
):
    term = publish_item(Kind.GLOSSARY, "remission", "Remission", "No sign of leukaemia.", {})
    publish_item(Kind.MEDICINE, "imatinib", "Imatinib", "A targeted drug.", IMATINIB)
    translate(term, "Rémission", summary="Aucun signe de leucémie.")
    glossary = main(page(client, "/fr/glossary/"))
    assert "Rémission" in glossary
    assert "No sign of leukaemia." not in glossary
    assert "Remission" in main(page(client, "/glossary/"))
    medicines = main(page(client, "/fr/medicines/"))
    assert "Imatinib" not in medicines
    assert '<a href="/medicines/" hreflang="en-GB" lang="en-GB">' in medicines
    # A medicine not translated: the English page, marked English, with the notice.
    html = page(client, "/fr/medicines/imatinib/")
    assert "notice--untranslated" in html
    assert re.search(r'<article class="article" lang="en-GB">', html)


def test_topics_are_listed_per_language(client, site):
    french = main(page(client, "/fr/tags/chemotherapy/"))
    assert '<a href="/fr/treatment/induction/">L’induction</a>' in french
    assert "/treatment/maintenance/" not in french
    english = main(page(client, "/tags/chemotherapy/"))
    assert '<a href="/treatment/induction/">Induction</a>' in english
    assert "L’induction" not in english


def test_search_answers_under_the_french_prefix(client, site):
    response = client.get("/fr/search/?q=induction")
    assert response.status_code == 200
    assert '<html lang="fr">' in response.content.decode()


def test_search_finds_pages_in_the_readers_language_only(client, site):
    english = page(client, "/search/?q=induction")
    assert 'href="/treatment/induction/"' in english
    assert "/fr/treatment/" not in english
    french = page(client, "/fr/search/?q=induction")
    assert '<a href="/fr/treatment/induction/">L’induction</a>' in french
    assert 'href="/treatment/induction/"' not in french
    assert "pas encore disponible" not in french
    french = page(client, "/fr/search/?q=maintenance")  # not translated: no French page
    assert "/treatment/maintenance/" not in french


def test_sitemap_lists_french_pages_with_their_english_alternates(client, site):
    index = page(client, "/sitemap.xml")
    files = re.findall(r"<loc>http://testserver(/sitemap-[^<]+)</loc>", index)
    text = "".join(page(client, url) for url in files)
    assert "<loc>http://testserver/fr/treatment/induction/</loc>" in text
    assert "<loc>http://testserver/treatment/induction/</loc>" in text
    assert "<loc>http://testserver/fr/</loc>" in text
    entry = re.search(r"<url><loc>http://testserver/fr/treatment/induction/</loc>.*?</url>", text)
    assert (
        '<xhtml:link rel="alternate" hreflang="en-GB" '
        'href="http://testserver/treatment/induction/"/>' in entry.group(0)
    )
    assert "/fr/treatment/maintenance/" not in text  # not translated: no French page


def test_static_export_holds_french_pages_and_no_link_to_a_missing_page(site, settings):
    settings.STATIC_EXPORT_BASE_URL = "http://testserver"
    urls = static_export.all_urls()
    assert "/fr/" in urls
    assert "/fr/treatment/induction/" in urls
    assert "/fr/treatment/phases/" in urls
    assert "/fr/treatment/maintenance/" not in urls
    renderer = static_export.Renderer()
    exported = set(urls)
    for url in urls:
        if not url.endswith("/"):
            continue
        html = renderer.get(url).decode()
        for href in re.findall(r'<a [^>]*href="(/[^"#?]*)', html):
            if href.startswith(("/static/", "/media/", "/admin/", "/feedback/", "/fr/feedback/")):
                continue
            assert href in exported, f"{url} links to {href}, which is not exported"


def test_french_pages_and_the_stand_in_english_page_validate_as_html5(client, site, tmp_path):
    from tests.html_checks import H1_RE, INLINE_SCRIPT_RE, validate

    urls = {
        "home": "/fr/",
        "translation": "/fr/treatment/induction/",
        "section": "/fr/treatment/phases/",
        "untranslated": "/fr/treatment/maintenance/",
        "english-with-switcher": "/treatment/induction/",
        "glossary": "/fr/glossary/",
        "medicines": "/fr/medicines/",
        "topic": "/fr/tags/chemotherapy/",
    }
    html = {name: page(client, url) for name, url in urls.items()}
    # These translations record no English version, so they carry the
    # out-of-date notice: it is validated too.
    assert "notice--translation" in html["translation"]
    for name, text in html.items():
        assert len(H1_RE.findall(text)) == 1, name
        assert not INLINE_SCRIPT_RE.search(text), name
        assert " style=" not in text, name
    assert validate(html, tmp_path) == []


def test_feedback_from_a_french_page_goes_to_the_french_page(client, site):
    from allsite.models import Feedback

    html = page(client, "/fr/treatment/induction/")
    assert 'action="/fr/feedback/induction/"' in html
    response = client.post(
        "/fr/feedback/induction/", {"kind": "helpful", "helpful": "yes", "comment": ""}
    )
    assert response.status_code == 303
    assert response["Location"].startswith("/fr/treatment/induction/")
    assert Feedback.objects.get().article == site["induction_fr"]


def test_preview_of_a_french_draft_shows_the_french_page(client, site, editor, french_reviewer):
    translation = site["induction_fr"]
    revision = workflow.save_draft(
        translation,
        by=editor,
        base_revision=translation.latest_revision,
        title="L’induction, revue",
        summary="Résumé revu.",
        body="Texte revu.\n",
        tags=["chemotherapy"],
    )
    workflow.submit(revision, by=editor)
    client.force_login(french_reviewer)
    html = page(client, f"/admin/treatments/article/versions/{revision.pk}/preview/")
    assert "<h1>L’induction, revue</h1>" in html
    assert '<html lang="fr">' in html
