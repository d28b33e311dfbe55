"""Search's "Did you mean ...?" (allsite.search.suggest), on SQLite and PostgreSQL,
and what a search that found nothing offers instead."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from allsite import search
from allsite.models import SearchEntry, SearchWord
from tests.conftest import make_user
from tests.html_checks import H1_RE, INLINE_SCRIPT_RE, validate
from treatments import workflow
from treatments.models import Article, Kind

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(publish, publish_item):
    return {
        "chemo": publish(
            "chemotherapy",
            title="Chemotherapy",
            summary="Medicines that kill leukaemia cells, given in phases.",
            body="## How it is given\n\nChemotherapy is given into a vein or as tablets.\n",
        ),
        "transplant": publish(
            "stem-cell-transplant",
            title="Stem cell transplant",
            summary="Replacing the bone marrow with healthy stem cells from a donor.",
            body="## Before\n\nYou have conditioning chemotherapy first.\n",
        ),
        "medicine": publish_item(
            Kind.MEDICINE,
            "blinatumomab",
            "Blinatumomab",
            "An immunotherapy that helps your own T cells find leukaemia cells.",
            {
                "brand_names": ["Blincyto"],
                "drug_class": "bispecific T-cell engager",
                "target": "CD19",
                "route": "drip into a vein",
            },
        ),
        "glossary": publish_item(
            Kind.GLOSSARY,
            "neutropenia",
            "Neutropenia",
            "Too few neutrophils, the white blood cells that fight infection.",
            {"aliases": ["low neutrophil count"]},
        ),
    }


def vocabulary():
    return dict(SearchWord.objects.values_list("word", "entries"))


def suggested(query):
    suggestion = search.suggest(query)
    return suggestion and suggestion.query


# Suggestions ---------------------------------------------------------------


def test_a_misspelt_word_suggests_the_site_word(site):
    assert search.search("chemotheraphy") == []
    suggestion = search.suggest("chemotheraphy")
    assert suggestion.query == "chemotherapy"
    assert suggestion.parts == (("chemotherapy", True),)
    assert search.search(suggestion.query)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Chemotheraphy", "Chemotherapy"),  # the case as typed
        ("NEUTROPENIA", None),  # found as typed: nothing to suggest
        ("nuetropenia", "neutropenia"),  # two letters swapped (a glossary term)
        ("blincyot", "blincyto"),  # a brand name
        ("blinatumomb", "blinatumomab"),  # a medicine name, a letter left out
        ("immunoterapy", "immunotherapy"),  # from a summary
    ],
)
def test_words_from_titles_summaries_and_other_kinds_are_suggested(site, query, expected):
    assert suggested(query) == expected


def test_each_misspelt_word_of_several_is_corrected_and_good_words_are_kept(site):
    suggestion = search.suggest("stem cel tranplant")
    assert suggestion.query == "stem cell transplant"
    assert suggestion.parts == (("stem ", False), ("cell", True), (" ", False),
                                ("transplant", True))  # fmt: skip
    # Quotes, exclusions and common words stay as typed.
    assert suggested('what is "conditioning chemotheraphy"') == (
        'what is "conditioning chemotherapy"'
    )
    assert suggested("chemotheraphy -cells") is None  # the corrected query finds nothing
    assert suggested("chemotheraphy -donor") == "chemotherapy -donor"


def test_a_word_found_as_stemmed_is_not_corrected(site):
    # "transplants" is not a word of the site, but search finds "transplant".
    assert "transplants" not in vocabulary()
    assert search.search("transplants")
    assert search.suggest("transplants") is None
    assert suggested("transplants chemotheraphy") == "transplants chemotherapy"


def test_no_suggestion_for_a_query_that_matches(site, client):
    for query in ["chemotherapy", "stem cell", "Blincyto", "neutrophil count"]:
        assert search.search(query)
        assert search.suggest(query) is None
        response = client.get("/search/", {"q": query})
        assert response.context["suggestion"] is None
        assert "Did you mean" not in response.content.decode()


def test_no_suggestion_without_a_close_word_or_when_the_correction_finds_nothing(site):
    assert search.suggest("quokka") is None
    assert search.suggest("") is None
    assert search.suggest("CD91") is None  # codes are never corrected
    # Both words exist alone, corrected, but no page has both.
    assert suggested("blinatumomb conditioning") is None


def test_words_of_a_draft_are_never_suggested(site, editor):
    article = site["chemo"]
    draft = workflow.save_draft(
        article, by=editor, base_revision=article.live_revision,
        title="Chemotherapy", summary="Medicines that kill leukaemia cells, given in phases.",
        body="## Zanubrutinib\n\nZanubrutinib is a xylocaine-like quinquagesimal.\n",
        audience="both", tags=["chemotherapy"],
    )  # fmt: skip
    new_page = Article.objects.create(slug="asparaginase")
    workflow.save_draft(
        new_page, by=editor, base_revision=None, title="Asparaginase",
        summary="Pegaspargase.", body="## About\n\nQuinquagesimal.\n", audience="both", tags=[],
    )  # fmt: skip
    workflow.submit(draft, by=editor, note_for_readers="Changed.")  # in review: still a draft
    words = vocabulary()
    for word in ["zanubrutinib", "quinquagesimal", "asparaginase", "pegaspargase"]:
        assert word not in words
    for query in ["zanubrutinb", "quinquagesimla", "asparaginse", "pegaspargse"]:
        assert search.suggest(query) is None
    assert SearchEntry.objects.get(article=article).words.split() == sorted(
        search.entry_words(
            **{
                f: getattr(SearchEntry.objects.get(article=article), f)
                for f in ("title", "keywords", "summary", "body_text")
            }
        )
    )


def test_the_vocabulary_follows_publishing_changes_and_withdrawals(site, editor, reviewer):
    words = vocabulary()
    assert words["chemotherapy"] == 2  # the chemotherapy page and the transplant page
    assert words["blincyto"] == 1
    assert words["leukaemia"] == 2
    assert "the" in words
    assert "it" not in words

    article = site["transplant"]
    revision = workflow.save_draft(
        article, by=editor, base_revision=article.live_revision,
        title="Stem cell transplant", summary="Replacing the bone marrow with donor cells.",
        body="## Before\n\nYou have conditioning radiotherapy first.\n", audience="both",
        tags=[],
    )  # fmt: skip
    assert vocabulary() == words  # a draft changes nothing
    workflow.submit(revision, by=editor, note_for_readers="Radiotherapy, not chemotherapy.")
    workflow.approve(revision, by=reviewer)
    words = vocabulary()
    assert words["chemotherapy"] == 1
    assert words["radiotherapy"] == 1
    assert "healthy" not in words
    assert suggested("radiotheraphy") == "radiotherapy"
    assert suggested("helthy") is None

    search.index_article(Article.objects.get(pk=site["medicine"].pk))
    assert vocabulary() == words  # indexing again counts nothing twice
    SearchEntry.objects.filter(article=site["medicine"]).delete()
    search.rebuild_index()
    assert vocabulary() == words  # a rebuild counts the same


def test_a_withdrawn_page_takes_its_words_away_and_a_restored_one_brings_them_back(site):
    manager = make_user(workflow.CONTENT_MANAGERS)
    assert vocabulary()["neutrophils"] == 1
    workflow.withdraw(site["glossary"], by=manager, reason="Checking the definition.")
    assert "neutrophils" not in vocabulary()
    assert search.suggest("neutrophls") is None
    assert vocabulary()["cells"] == 3  # still used by the other pages
    workflow.restore(site["glossary"], by=manager, comment="It was right.")
    assert vocabulary()["neutrophils"] == 1
    assert suggested("neutrophls") == "neutrophils"


def test_the_migration_created_the_database_specific_word_index():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'allsite_searchword_trgm'")
        else:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'allsite_searchword_trigram'")
        assert cursor.fetchone() == (1,)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN of PostgreSQL's plan")
def test_postgresql_looks_close_words_up_in_the_trigram_index(site):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = search._PostgresBackend.close_words_sql("chemotheraphy", 20)
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Bitmap Index Scan on allsite_searchword_trgm" in plan, plan
    assert "Seq Scan" not in plan, plan


def test_edit_distance_and_closest_words():
    assert search.edit_distance("chemotheraphy", "chemotherapy") == 1
    assert search.edit_distance("nuetropenia", "neutropenia") == 1  # a swap is one edit
    assert search.edit_distance("vinblastine", "vincristine") == 3
    # Fewest edits first, then the word more pages use; too far is left out.
    assert search.closest_words(
        "tramsplant", [("transplant", 3), ("transplants", 9), ("implant", 50)]
    ) == ["transplant", "transplants"]
    assert search.closest_words("vinblastine", [("vincristine", 5)]) == []


# The page ------------------------------------------------------------------


def test_the_page_offers_the_corrected_search_as_a_link(client, site):
    response = client.get("/search/", {"q": "Chemotheraphy tabelts"})
    html = response.content.decode()
    assert "No pages matched “Chemotheraphy tabelts”." in html
    assert (
        '<p class="search-suggestion">Did you mean <a href="/search/?q=Chemotherapy%20tablets">'
        "<strong>Chemotherapy</strong> <strong>tablets</strong></a>?</p>"
    ) in html
    followed = client.get("/search/", {"q": "Chemotherapy tablets"})
    assert followed.context["result_count"] == 1
    assert followed.context["suggestion"] is None


def test_partial_results_come_with_a_suggestion(client, site):
    html = client.get("/search/", {"q": "donor chemotheraphy"}).content.decode()
    assert "No page contains all of your words" in html
    assert (
        'Did you mean <a href="/search/?q=donor%20chemotherapy">donor '
        "<strong>chemotherapy</strong></a>?"
    ) in html
    assert html.index("Did you mean") < html.index('<ol class="search-results"')


def test_the_no_result_page_offers_the_helpline_and_the_sections(client, site, helpline):
    response = client.get("/search/", {"q": "quokka"})
    html = re.search(r"<main.*</main>", response.content.decode(), re.S).group(0)
    assert response.context["suggestion"] is None
    assert "Did you mean" not in html
    assert '<h2 id="search-help-heading">Talk to someone</h2>' in html
    assert (
        "talk to your care team or call the Support line on "
        '<a href="tel:08081570100">0808 157 0100</a>. The helpline’s opening hours are at the '
        "bottom of this page."
    ) in html
    sections = re.search(r'<nav class="search-page__sections".*?</nav>', html, re.S).group(0)
    assert 'aria-labelledby="search-sections-heading"' in sections
    assert '<a href="/treatment/chemotherapy/">Chemotherapy</a>' in sections
    assert '<a href="/treatment/stem-cell-transplant/">Stem cell transplant</a>' in sections
    assert 'href="/medicines/"' in sections
    assert 'href="/glossary/"' in sections
    assert "/medicines/blinatumomab/" not in sections  # sections are treatment pages


def test_a_page_with_results_shows_neither_helpline_box_nor_sections(client, site, helpline):
    html = client.get("/search/", {"q": "chemotherapy"}).content.decode()
    assert "search-help-heading" not in html
    assert "search-page__sections" not in html


def test_suggestion_pages_validate_as_html5(client, site, helpline, tmp_path):
    pages = {
        name: client.get("/search/", {"q": query}).content.decode()
        for name, query in [("suggestion", "chemotheraphy"), ("partial", "donor chemotheraphy"),
                            ("none", "quokka"), ("odd", '"Chemotheraphy" <b>&')]
    }  # fmt: skip
    for html in pages.values():
        assert len(H1_RE.findall(html)) == 1
        assert " style=" not in html
        assert not INLINE_SCRIPT_RE.search(html)
    assert validate(pages, tmp_path) == []


def test_a_search_request_runs_the_same_queries_however_big_the_site(client, site, publish):
    def queries_for(query):
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/search/", {"q": query}).status_code == 200
        return len(captured)

    queries = ["chemotheraphy", "stem cel tranplant", "quokka", "chemotherapy"]
    before = [queries_for(q) for q in queries]
    for n in range(12):
        publish(
            f"extra-{n}",
            title=f"Extra page {n}",
            summary=f"Chemotherapy and transplant notes, part {n}.",
            body=f"## Notes\n\nChemotherapy, chemotherapeutic and chemoimmunotherapy {n}.\n",
        )
    after = [queries_for(q) for q in queries]
    assert after == before
