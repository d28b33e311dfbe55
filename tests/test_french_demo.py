"""The French demo: five pages and the glossary terms they use, translated in our
own words, each translating its English original's live version, approved
through the workflow by the fictional French-speaking demo reviewer.

Most tests read what readers get at the data level (the live pages, rendered
from approved versions); the walk requests the French demo pages over HTTP, as
`make run` serves them."""

import io
import json
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from allsite.demo.loader import DEMO_DIR, demo_articles, demo_glossary
from references.citations import CITATION_RE, keys_in
from references.models import Reference
from tests.conftest import demo_loaded_once
from treatments.models import Action, Article, Kind, Revision, Transition

pytestmark = pytest.mark.django_db

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
FRENCH_PAGES = [
    "treatment-overview", "phases-of-treatment", "induction", "consolidation", "maintenance",
]  # fmt: skip


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Every test here that reads the database reads the demo: it is loaded once for them."""
    with demo_loaded_once(django_db_blocker):
        yield


@pytest.fixture
def loaded(demo, db):
    pass


def french(kind=None):
    articles = Article.objects.filter(language="fr").select_related(
        "live_revision__translates", "translation_of__live_revision", "last_review__actor"
    )
    return articles.filter(kind=kind) if kind else articles


def sections(body):
    """[(heading line, citation keys in the order cited)] of a Markdown body."""
    parts = re.split(r"^(#{2,3} .*)$", body, flags=re.M)
    headings = ["(introduction)", *parts[1::2]]
    return [
        (heading.split(" ", 1)[0], re.findall(r"@([\w-]+)", " ".join(CITATION_RE.findall(text))))
        for heading, text in zip(headings, parts[0::2], strict=True)
    ]


def test_the_five_french_pages_and_their_glossary_terms_are_published_translating_the_live_english(
    loaded,
):
    pages = {page.slug: page for page in french(Kind.PAGE)}
    assert sorted(pages) == sorted(FRENCH_PAGES)
    terms = list(french(Kind.GLOSSARY))
    assert {term.slug for term in terms} == {item["slug"] for item in demo_glossary("fr")}
    assert len(terms) >= 15
    for article in [*pages.values(), *terms]:
        original = article.translation_of
        assert article.live_revision is not None, article.slug
        assert original.language == "en-gb"
        assert original.slug == article.slug
        assert original.kind == article.kind
        assert article.live_revision.translates == original.live_revision
        assert not article.is_out_of_date
    # Placed like the originals: the phases under the French phases page, in order.
    phases = pages["phases-of-treatment"]
    assert [p.slug for p in phases.children.order_by("order")] == [
        "induction", "consolidation", "maintenance",
    ]  # fmt: skip
    for page in pages.values():
        assert page.order == page.translation_of.order
        assert page.live_revision.audience == page.translation_of.live_revision.audience
    assert pages["treatment-overview"].parent is None


def test_french_content_is_approved_by_the_french_demo_reviewer_never_by_its_author(loaded):
    relecteur = User.objects.get(username="relecteur")
    profile = relecteur.reviewer_profile
    assert profile.is_fictional
    assert profile.display_name == "Dr C. Exemple"
    assert "fr" in profile.languages
    assert relecteur.groups.filter(name="Medical reviewers").exists()
    assert relecteur.check_password("relecteur-demo-pass")
    for article in french():
        approval = article.last_review
        assert approval.action == Action.APPROVED
        assert approval.revision == article.live_revision
        assert approval.actor == relecteur
        assert article.live_revision.author != relecteur
    # The English demo is still reviewed by the English demo reviewers.
    english = Article.objects.filter(language="en-gb").select_related("last_review")
    assert not english.filter(last_review__actor=relecteur).exists()


def test_every_french_page_cites_the_same_sources_as_its_original(loaded):
    for page in french(Kind.PAGE).select_related("translation_of__live_page", "live_page"):
        cited = [c["key"] for c in page.live_page.citations]
        original = [c["key"] for c in page.translation_of.live_page.citations]
        assert cited == original, page.slug
        assert set(cited) == set(page.live_revision.references.values_list("key", flat=True))


def test_each_french_page_keeps_its_originals_sections_and_citation_markers_section_by_section():
    english = {demo.slug: demo for demo in demo_articles()}
    translations = demo_articles("fr")
    assert sorted(demo.slug for demo in translations) == sorted(FRENCH_PAGES)
    known = {ref["id"] for ref in json.loads((DEMO_DIR / "references.json").read_text())}
    for demo in translations:
        assert sections(demo.body) == sections(english[demo.slug].body), demo.slug
        assert keys_in(demo.body) <= known
        assert demo.tags == english[demo.slug].tags
        assert len(demo.summary) <= 300


def test_french_pages_link_to_french_pages_and_say_when_a_link_leads_to_english():
    for demo in demo_articles("fr"):
        for target, after in re.findall(r"\]\((/[^)]*)\)([^\n]{0,25})", demo.body):
            slug = target.strip("/").split("/")[-1]
            if slug in FRENCH_PAGES:
                assert target == f"/fr/treatment/{slug}/", (demo.slug, target)
            else:
                assert target == f"/treatment/{slug}/", (demo.slug, target)
                assert "en anglais" in after, (demo.slug, target)


def test_french_pages_link_french_glossary_terms_and_english_pages_only_english_ones(loaded):
    induction = Article.objects.select_related("live_page").get(slug="induction", language="fr")
    linked = induction.live_page.glossary_revisions.select_related("article")
    assert {revision.article.language for revision in linked} == {"fr"}
    assert {"remission", "blast-cell", "lumbar-puncture"} <= {r.article.slug for r in linked}
    html = induction.live_page.body_html
    assert 'class="glossary-link"' in html
    assert re.search(r'data-definition="[^"]*moelle', html)  # a French definition

    phases = Article.objects.select_related("live_page").get(
        slug="phases-of-treatment", language="fr"
    )
    assert 'alt="Frise en anglais des trois grandes phases' in phases.live_page.body_html
    assert "<figcaption>Les trois grandes phases du traitement" in phases.live_page.body_html

    english = Article.objects.filter(language="en-gb", kind=Kind.PAGE, live_page__isnull=False)
    for page in english.select_related("live_page"):
        languages = set(
            page.live_page.glossary_revisions.values_list("article__language", flat=True)
        )
        assert languages <= {"en-gb"}, page.slug


def test_every_french_glossary_term_is_used_by_the_french_pages():
    text = " ".join(re.sub(r"\[[^\]]*\]\([^)]*\)", " ", demo.body) for demo in demo_articles("fr"))
    english = {item["slug"] for item in demo_glossary()}
    for item in demo_glossary("fr"):
        assert item["slug"] in english
        names = [item["term"], *item["aliases"]]
        pattern = r"\b(" + "|".join(re.escape(n) for n in names) + r")(?:s|es)?\b"
        assert re.search(pattern, text, re.IGNORECASE), item["slug"]
        assert len(item["definition"]) <= 300


def words(text):
    return re.sub(r"[^a-z0-9%<]+", " ", text.lower()).split()


@pytest.mark.skipif(not SEEDS.is_dir(), reason="needs ../shared/seeds beside the checkout")
def test_no_french_page_or_term_copies_eight_words_in_a_row_from_the_seed_pages():
    seed_runs = set()
    for seed in SEEDS.glob("*.txt"):
        w = words(seed.read_text(encoding="utf-8"))
        seed_runs.update(tuple(w[i : i + 8]) for i in range(len(w) - 7))
    texts = [(d.slug, f"{d.title} {d.summary} {d.body}") for d in demo_articles("fr")]
    texts += [(t["slug"], f"{t['term']} {t['definition']}") for t in demo_glossary("fr")]
    for name, text in texts:
        w = words(CITATION_RE.sub(" ", text))
        copied = [
            " ".join(w[i : i + 8]) for i in range(len(w) - 7) if tuple(w[i : i + 8]) in seed_runs
        ]
        assert not copied, f"{name} copies: {copied[:3]}"


def counts():
    return (
        User.objects.count(),
        Article.objects.count(),
        Revision.objects.count(),
        Transition.objects.count(),
        Reference.objects.count(),
    )


def test_loading_the_demo_again_creates_no_second_translation(loaded):
    before = counts()
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert counts() == before
    assert "Translations (fr): 0 articles and 0 glossary terms created." in out.getvalue()
    assert Article.objects.filter(language="fr", slug="induction").count() == 1


def test_the_french_demo_pages_show_no_english_words_outside_marked_english_parts(loaded, client):
    """What a French reader of `make run` gets: the interface, the helpline and the
    pages in French; English only where it is marked as English (lang="en...":
    reference titles, a link to an English page)."""
    from tests.test_french_interface import english_words_in

    paths = ["/fr/", *(f"/fr/treatment/{slug}/" for slug in FRENCH_PAGES)]
    paths += ["/fr/glossary/", "/fr/search/?q=induction", "/fr/tags/"]
    problems = []
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        problems += [f"{path}: {item}" for item in english_words_in(response.content.decode())]
    assert not problems, "English words on French demo pages:\n" + "\n".join(problems)
