"""Search searches the reader's language: French readers find French pages and
are offered French words; English readers never get a French page, and the
other way round, over HTTP (/search/ and /fr/search/) and at the function
level (allsite.search with a language)."""

import re

import pytest
from django.db import connection

from allsite import search
from allsite.models import SearchEntry, SearchWord
from tests.translations import bilingual_reviewer, publish_translation
from treatments import workflow

pytestmark = pytest.mark.django_db

FR_BODY = (
    "## Ce qui se passe\n\nL'induction dure environ un mois. La chimiothérapie détruit les "
    "cellules leucémiques.\n"
)


@pytest.fixture
def site(publish, editor):
    reviewer = bilingual_reviewer()
    induction = publish(
        "induction",
        title="Induction",
        summary="The first phase of treatment.",
        body="## What happens\n\nInduction lasts about a month. Chemotherapy kills "
        "leukaemia cells.\n",
    )
    maintenance = publish(
        "maintenance",
        title="Maintenance",
        summary="The longest phase of treatment.",
        body="## Tablets\n\nMaintenance uses tablets at home.\n",
    )
    french = publish_translation(
        induction,
        editor=editor,
        reviewer=reviewer,
        title="Induction",
        summary="La première phase du traitement.",
        body=FR_BODY,
    )
    return {"induction": induction, "maintenance": maintenance, "french": french}


def titles(results):
    return [(r.title, r.summary) for r in results]


def test_french_search_finds_french_words_and_no_english_only_page(site):
    found = search.search("chimiothérapie", language="fr")
    assert titles(found) == [("Induction", "La première phase du traitement.")]
    assert search.search("chemotherapy", language="fr") == []
    assert search.search("maintenance", language="fr") == []  # English only
    assert search.search("tablets", language="fr") == []
    # A French reader's "de", "la", "les" are left out, not searched for.
    assert titles(search.search("la chimiothérapie des cellules", language="fr")) == [
        ("Induction", "La première phase du traitement.")
    ]


def results_region(html):
    found = re.search(r'<ol class="search-results".*?</ol>', html, re.S)
    return found.group(0) if found else ""


def test_english_search_never_returns_a_french_page(client, site):
    assert search.search("chimiothérapie") == []
    assert [r.summary for r in search.search("induction")] == ["The first phase of treatment."]
    response = client.get("/search/", {"q": "chimiothérapie"})
    assert response.context["results"] == []
    assert "No pages matched “chimiothérapie”." in response.content.decode()
    response = client.get("/search/", {"q": "chemotherapy"})
    assert titles(response.context["results"]) == [("Induction", "The first phase of treatment.")]
    region = results_region(response.content.decode())
    assert '<a href="/treatment/induction/">Induction</a>' in region
    assert "chimiothérapie" not in region


def test_french_search_page_finds_french_pages_and_offers_french_words(client, site):
    response = client.get("/fr/search/", {"q": "chimiothérapie"})
    assert titles(response.context["results"]) == [
        ("Induction", "La première phase du traitement.")
    ]
    region = results_region(response.content.decode())
    assert '<a href="/fr/treatment/induction/">Induction</a>' in region
    assert "<mark>chimiothérapie</mark>" in region
    assert "pas encore disponible" not in response.content.decode()
    response = client.get("/fr/search/", {"q": "chemotherapy"})
    assert response.context["results"] == []
    response = client.get("/fr/search/", {"q": "chimiothérapei"})
    assert response.context["suggestion"].query == "chimiothérapie"
    assert "chimiothérapie" in response.content.decode()


def test_each_entry_and_word_knows_its_language(site):
    french = SearchEntry.objects.get(article=site["french"])
    assert french.language == "fr"
    assert SearchEntry.objects.get(article=site["induction"]).language == "en-gb"
    assert SearchWord.objects.filter(language="fr", word="chimiothérapie").exists()
    assert not SearchWord.objects.filter(language="en-gb", word="chimiothérapie").exists()
    assert not SearchWord.objects.filter(language="fr", word="tablets").exists()
    # "induction" is a word of both languages, counted in each.
    assert SearchWord.objects.get(language="fr", word="induction").entries == 1
    assert SearchWord.objects.get(language="en-gb", word="induction").entries == 1
    # Rebuilding the index gives the same.
    before = sorted(SearchWord.objects.values_list("language", "word", "entries"))
    search.rebuild_index()
    assert sorted(SearchWord.objects.values_list("language", "word", "entries")) == before
    assert SearchEntry.objects.get(article=site["french"]).language == "fr"


def test_did_you_mean_offers_words_of_the_readers_language(site):
    suggestion = search.suggest("chimiothérapei", language="fr")
    assert suggestion is not None
    assert suggestion.query == "chimiothérapie"
    assert search.suggest("chimiothérapei") is None  # not an English word
    english = search.suggest("chemotheraphy")
    assert english is not None
    assert english.query == "chemotherapy"
    assert search.suggest("chemotheraphy", language="fr") is None


def test_withdrawing_a_translation_takes_its_words_out_of_its_language_only(site, reviewer):
    workflow.withdraw(site["french"], by=reviewer, reason="Corrections.")
    assert search.search("chimiothérapie", language="fr") == []
    assert not SearchWord.objects.filter(language="fr", word="chimiothérapie").exists()
    assert SearchWord.objects.get(language="en-gb", word="induction").entries == 1


def test_articles_containing_looks_in_one_language(site):
    assert search.articles_containing(["induction"]) == {site["induction"].pk}
    assert search.articles_containing(["induction"], language="fr") == {site["french"].pk}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's French stemmer")
def test_postgresql_stems_french_words_with_the_french_configuration(site):
    assert titles(search.search("leucémique", language="fr")) == [
        ("Induction", "La première phase du traitement.")
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN of PostgreSQL's plan")
def test_postgresql_french_search_uses_the_gin_index(site):
    terms = search.parse_query("chimiothérapie induction", "fr")
    backend = search._PostgresBackend
    plans = [
        *(
            backend.find_sql(terms, match_all=True, limit=20, tier=tier, language="fr")
            for tier in range(len(backend.TIERS))
        ),
        backend.containing_sql(search.wanted(terms), "fr"),
    ]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for sql, params in plans:
            assert "'french'" in sql
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert re.search(r"Bitmap Index Scan on allsite_searchentry_\w+_gin", plan), plan
            assert "Seq Scan" not in plan, plan
