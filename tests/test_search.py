"""Site search (allsite/search.py, /search/): the same results on SQLite and PostgreSQL."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils.safestring import SafeString

from allsite import search
from allsite.models import SearchEntry
from tests.html_checks import H1_RE, INLINE_SCRIPT_RE, validate
from treatments import workflow
from treatments.models import Article, Kind

pytestmark = pytest.mark.django_db


@pytest.fixture
def publish_item(editor, reviewer):
    """Publish a glossary term or medicine through the real workflow."""

    def _publish(kind, slug, *, title, summary, body="", details=None):
        article = Article.objects.create(kind=kind, slug=slug)
        revision = workflow.save_draft(
            article,
            by=editor,
            base_revision=None,
            title=title,
            summary=summary,
            body=body,
            audience="both",
            details=details or {},
        )
        workflow.submit(revision, by=editor, note_for_readers="First published.")
        workflow.approve(revision, by=reviewer)
        article.refresh_from_db()
        return article

    return _publish


@pytest.fixture
def site(publish, publish_item):
    """A small site: one page per place a word can be (title, summary, body),
    a medicine with a brand name and a glossary term with an alias."""
    return {
        "title": publish(
            "stem-cell-transplant",
            title="Stem cell transplant",
            summary="Replacing the bone marrow with healthy stem cells from a donor, for some "
            "people with ALL.",
            body="## Before\n\nYou have conditioning treatment first.\n",
        ),
        "summary": publish(
            "life-after-treatment",
            title="Life after treatment",
            summary="Recovering after a transplant or after chemotherapy.",
            body="## Check-ups\n\nYou have regular check-ups at the clinic.\n",
        ),
        "body": publish(
            "side-effects",
            title="Side effects",
            summary="Common effects of treatment and how they are managed.",
            body="## Infections\n\nAfter a transplant, the transplant team watches for "
            "infection. Transplant units have clean air. Every transplant patient is "
            "checked daily. The problems stem from low blood cell counts.\n\n"
            "Blincyto, Blincyto and Blincyto are mentioned here too.\n",
        ),
        "medicine": publish_item(
            Kind.MEDICINE,
            "blinatumomab",
            title="Blinatumomab",
            summary="An immunotherapy that helps your own T cells find leukaemia cells.",
            details={
                "brand_names": ["Blincyto"],
                "drug_class": "bispecific T-cell engager",
                "target": "CD19",
                "route": "drip into a vein",
            },
        ),
        "glossary": publish_item(
            Kind.GLOSSARY,
            "minimal-residual-disease",
            title="Minimal residual disease",
            summary="Leukaemia cells left after treatment, too few to see under a microscope.",
            details={"aliases": ["MRD"]},
        ),
    }


def urls(query, **kwargs):
    return [result.url for result in search.search(query, **kwargs)]


# Ranking, stemming, names --------------------------------------------------


@pytest.mark.parametrize("query", ["transplant", "transplants", "TRANSPLANT", "  transplant  "])
def test_title_matches_rank_above_summary_matches_above_body_matches(site, query):
    expected = [site[place].get_absolute_url() for place in ("title", "summary", "body")]
    assert urls(query) == expected


def test_all_words_in_the_title_rank_above_words_spread_over_the_page(site):
    assert urls("stem cell")[:2] == [
        site["title"].get_absolute_url(),
        site["body"].get_absolute_url(),
    ]
    assert urls("after treatment")[0] == site["summary"].get_absolute_url()


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("treatments", "summary"),  # "Life after treatment"
        ("transplanting", "title"),
        ("replaced", "title"),  # "Replacing" in the summary
        ("infections", "body"),
    ],
)
def test_words_are_stemmed(site, query, found):
    assert site[found].get_absolute_url() in urls(query)


def test_a_brand_name_finds_its_medicine_first(site):
    results = search.search("blincyto")
    assert results[0].url == "/medicines/blinatumomab/"
    assert results[0].title == "Blinatumomab"
    assert results[0].kind_label == "Medicine"
    assert str(results[0].snippet) == "Brand names: <mark>Blincyto</mark>"
    assert site["body"].get_absolute_url() in [result.url for result in results[1:]]
    assert search.search("Blincyto")[0].url == results[0].url


def test_a_medicine_is_found_by_its_other_details(site):
    assert urls("CD19") == ["/medicines/blinatumomab/"]


def test_a_glossary_alias_finds_the_term(site):
    results = search.search("mrd")
    assert [result.url for result in results] == ["/glossary/#minimal-residual-disease"]
    assert results[0].kind_label == "Glossary term"
    assert str(results[0].snippet) == "Also called: <mark>MRD</mark>"
    assert urls("residual")[0] == "/glossary/#minimal-residual-disease"


def test_all_the_words_must_match_and_quotes_keep_words_together(site):
    assert urls("transplant donor") == [site["title"].get_absolute_url()]
    assert urls('"stem cell"') == [site["title"].get_absolute_url()]
    assert urls('"cell stem"') == []


def test_common_words_are_ignored_but_all_is_the_disease(site):
    assert urls("what is a stem cell transplant")[0] == site["title"].get_absolute_url()
    assert urls("ALL") == [site["title"].get_absolute_url()]
    assert urls("the transplant") == urls("transplant")
    # A query of nothing but common words searches for them.
    assert site["body"].get_absolute_url() in urls("the")


def test_when_no_page_has_every_word_pages_with_some_are_marked_partial(site):
    results = search.search("transplant quokka")
    assert [result.url for result in results][:1] == [site["title"].get_absolute_url()]
    assert all(result.partial for result in results)
    assert not any(result.partial for result in search.search("transplant"))


def test_words_split_at_punctuation_alike_on_both_databases(publish_item):
    publish_item(
        Kind.MEDICINE,
        "tisagenlecleucel",
        title="Tisagenlecleucel",
        summary="A CAR T-cell therapy made from your own white blood cells.",
        body="Given once, as a drip. Doses<5mg/kg and/or 0.5 ml e.g. at 10:30.",
        details={"brand_names": ["Kymriah"], "drug_class": "CAR-T", "route": "drip"},
    )
    expected = ["/medicines/tisagenlecleucel/"]
    for query in ["CAR-T", "car t cells", "T-cell", "t cell", "5mg", "kg", "or", "0.5", "30"]:
        assert urls(query) == expected, query
    [result] = search.search("t-cell")
    assert "T</mark>-<mark>cell" in result.snippet or "<mark>T-cell</mark>" in result.snippet
    [result] = search.search("5mg")
    assert "Doses&lt;<mark>5mg</mark>/kg and/or 0.5" in result.snippet


def test_limit(site):
    assert len(search.search("transplant", limit=2)) == 2


# Snippets ------------------------------------------------------------------


def test_snippet_marks_the_match_and_escapes_the_content(publish):
    publish(
        "eating",
        title="Eating & drinking <well>",
        summary="Food & drink during treatment.",
        body="## Tips\n\nSmall meals & snacks help when steroids make you hungry. "
        "Never type `<script>alert(1)</script>` into anything.\n",
    )
    [result] = search.search("snacks")
    assert isinstance(result.snippet, SafeString)
    assert "<mark>snacks</mark>" in result.snippet
    assert "meals &amp; <mark>snacks</mark>" in result.snippet
    assert result.title == "Eating & drinking <well>"

    [result] = search.search("alert")
    assert "<mark>alert</mark>" in result.snippet
    assert "<script" not in result.snippet
    assert re.sub(r"</?mark>", "", result.snippet).count("<") == 0


def test_snippet_is_the_summary_when_only_the_title_matched(site):
    [result] = search.search("side")
    assert result.url == site["body"].get_absolute_url()
    assert result.snippet == "Common effects of treatment and how they are managed."
    assert result.summary == "Common effects of treatment and how they are managed."


def test_citations_reference_list_and_glossary_hints_are_not_indexed(publish, publish_item):
    publish_item(Kind.GLOSSARY, "remission", title="Remission", summary="No leukaemia can be seen.")
    article = publish(
        "induction",
        title="Induction",
        body="## About\n\nIt aims at remission within a month [@acs-treating-all].\n",
    )
    assert "glossary-link" in article.live_page.body_html
    entry = SearchEntry.objects.get(article=article)
    assert entry.body_text == "About It aims at remission within a month."
    assert urls("American Cancer Society") == []
    assert urls("glossary") == []


def test_highlight_escapes_everything_but_the_marks():
    text = f"<b>x</b> & {search.MARK_START}word{search.MARK_END} {search.MARK_START}dangling"
    assert search.highlight(text) == "&lt;b&gt;x&lt;/b&gt; &amp; <mark>word</mark> dangling"


# Only live revisions -------------------------------------------------------


def test_drafts_and_revisions_in_review_are_never_found(editor):
    draft_only = Article.objects.create(slug="draft-only")
    workflow.save_draft(
        draft_only, by=editor, base_revision=None, title="Quokka", summary="A quokka.",
        body="## Quokka\n\nQuokka.\n", audience="both",
    )  # fmt: skip
    in_review = Article.objects.create(slug="in-review")
    revision = workflow.save_draft(
        in_review, by=editor, base_revision=None, title="Wombat", summary="A wombat.",
        body="## Wombat\n\nWombat.\n", audience="both",
    )  # fmt: skip
    workflow.submit(revision, by=editor)
    assert search.search("quokka") == []
    assert search.search("wombat") == []
    assert not SearchEntry.objects.exists()


def test_a_newer_unapproved_draft_is_not_found_until_approved(publish, editor, reviewer):
    article = publish(
        "induction", title="Induction", body="## Medicines\n\nDexamethasone is a steroid.\n"
    )
    newer = workflow.save_draft(
        article,
        by=editor,
        base_revision=article.live_revision,
        title="Induction treatment",
        summary="The first phase.",
        body="## Medicines\n\nPrednisolone is a steroid.\n",
        audience="both",
    )
    workflow.submit(newer, by=editor)

    assert search.search("prednisolone") == []
    assert [result.title for result in search.search("dexamethasone")] == ["Induction"]

    workflow.approve(newer, by=reviewer)
    assert [result.title for result in search.search("prednisolone")] == ["Induction treatment"]
    assert search.search("dexamethasone") == []
    assert SearchEntry.objects.get(article=article).revision_id == newer.pk


def test_index_article_removes_an_article_that_is_not_published(site):
    article = site["title"]
    Article.objects.filter(pk=article.pk).update(live_revision=None)
    # Never shown even before the index catches up...
    assert article.get_absolute_url() not in urls("transplant")
    # ...and indexing it again removes its entry.
    assert search.index_article(article) is None
    assert not SearchEntry.objects.filter(article=article).exists()
    assert article.get_absolute_url() not in urls("transplant")
    assert urls("transplant")


def test_every_kind_is_indexed_from_its_live_revision(site):
    for article in site.values():
        entry = SearchEntry.objects.get(article=article)
        assert entry.revision_id == article.live_revision_id
    assert SearchEntry.objects.get(article=site["medicine"]).keywords == "Blincyto"


def test_rebuild_index_and_its_command(site):
    SearchEntry.objects.all().delete()
    assert search.search("transplant") == []
    out = StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert "5" in out.getvalue()
    assert len(search.search("transplant")) == 3
    assert search.rebuild_index() == 5
    assert urls("blincyto")[0] == "/medicines/blinatumomab/"


def test_the_migration_created_the_database_specific_index():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT 1 FROM information_schema.columns WHERE table_name = "
                "'allsite_searchentry' AND column_name = 'search_vector'"
            )
        else:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'allsite_searchentry_fts'")
        assert cursor.fetchone() == (1,)


# Hostile and odd input -----------------------------------------------------

HOSTILE = [
    "",
    "   ",
    "a" * 10_000,
    "transplant " * 2_000,
    '"',
    '"""',
    '"unbalanced quote',
    'stem "cell',
    "((",
    "(transplant",
    "transplant)",
    "AND OR NOT NEAR * ^ : -",
    "NEAR(stem cell)",
    "title:transplant",
    "{title}: transplant",
    "transplant*",
    "^transplant",
    "-transplant",
    "' OR 1=1 --",
    "'; DROP TABLE allsite_searchentry; --",
    "<script>alert(1)</script>",
    "trans\x00plant",
    "\x00",
    "\ue000mark\ue001",
    "%",
    "_",
    "\\",
    "😀🩸💉",
    "лейкоз",
    "白血病",
    "ابيضاض الدم",
    "e\u0301",
    "\u0301",
    "\u200b",
    "!@#$%^&*()[]{}<>?/|~`",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_any_input_gives_a_normal_page(client, site, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert len(H1_RE.findall(html)) == 1
    assert isinstance(search.search(query), list)


def test_a_script_in_the_query_is_shown_escaped(client, site):
    html = client.get("/search/", {"q": "<script>alert(1)</script>"}).content.decode()
    assert "“&lt;script&gt;alert(1)&lt;/script&gt;”" in html
    assert not INLINE_SCRIPT_RE.search(html)


def test_a_long_query_is_cut_short(client, site):
    assert search.clean_query("a" * 10_000) == "a" * search.MAX_QUERY_LENGTH
    html = client.get("/search/", {"q": "a" * 10_000}).content.decode()
    assert "a" * search.MAX_QUERY_LENGTH in html
    assert "a" * (search.MAX_QUERY_LENGTH + 1) not in html


def test_words_are_found_around_odd_characters(site):
    assert site["title"].get_absolute_url() in urls("trans\x00plant transplant")
    assert urls("(transplant") == urls("transplant")
    assert urls("- transplant") == urls("transplant")
    assert urls('stem "cell') == urls("stem cell")


def test_a_minus_leaves_out_pages_with_that_word(site):
    with_word = set(urls("transplant"))
    assert with_word
    assert not set(urls("transplant -transplant"))
    assert urls("-transplant") == []


def test_or_finds_pages_with_either_word_and_quoted_phrases_can_be_excluded(site):
    either = set(urls("transplant or zzzunknownword"))
    assert either == set(urls("transplant"))
    assert set(urls('transplant -"no such phrase here"')) == set(urls("transplant"))


def test_web_search_syntax_is_parsed_into_terms():
    terms = search.parse_query('induction or consolidation -"stem cell" steroids')
    assert [(t.words, t.excluded, t.or_previous) for t in terms] == [
        (("induction",), False, False),
        (("consolidation",), False, True),
        (("stem", "cell"), True, False),
        (("steroids",), False, False),
    ]
    assert [[t.words for t in g] for g in search.or_groups(terms)] == [
        [("induction",), ("consolidation",)],
        [("steroids",)],
    ]


def test_query_parsing():
    terms = search.parse_query('What is "stem cell" transplant AND NOT CAR-T? 1=1 -- "')
    assert [term.words for term in terms] == [
        ("stem", "cell"),
        ("transplant",),
        ("car", "t"),
        ("1", "1"),
    ]
    assert [term.words for term in search.parse_query("the of")] == [("the",), ("of",)]
    assert search.parse_query("*** --") == []
    assert len(search.parse_query(" ".join(f"w{i}" for i in range(50)))) == search.MAX_TERMS


# The page ------------------------------------------------------------------


def test_empty_search_page_explains_what_to_type(client):
    response = client.get("/search/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Search |" in html
    assert "Type one or more words" in html
    assert '<label class="search-form__label" for="search-page-q">' in html
    assert re.search(r'<input[^>]*id="search-page-q"[^>]*type="search"[^>]*name="q"', html)
    assert '<button class="search-form__button" type="submit">Search</button>' in html
    assert '<nav class="breadcrumbs"' in html
    assert '<span aria-current="page">Search</span>' in html
    assert len(H1_RE.findall(html)) == 1
    assert " style=" not in html
    assert "<style" not in html
    assert not INLINE_SCRIPT_RE.search(html)


def test_results_page_lists_results_with_count_kind_and_snippet(client, site):
    response = client.get("/search/", {"q": "transplants"})
    assert response.status_code == 200
    html = re.search(r"<main.*</main>", response.content.decode(), re.S).group(0)
    assert "3 results for “transplants”." in html
    assert "<title>Search results for “transplants”: 3 found |" in response.content.decode()
    assert html.index("Stem cell transplant</a>") < html.index("Life after treatment</a>")
    assert html.index("Life after treatment</a>") < html.index("Side effects</a>")
    assert f'<a href="{site["title"].get_absolute_url()}">Stem cell transplant</a>' in html
    assert '<p class="search-result__kind">Treatment page</p>' in html
    assert "<mark>transplant</mark>" in html
    assert 'value="transplants"' in html
    assert len(H1_RE.findall(html)) == 1
    assert " style=" not in html
    assert response.context["result_count"] == 3
    assert response.context["query"] == "transplants"


def test_results_page_escapes_content(client, publish):
    publish("eating", title="Eating & drinking <well>", summary="Food & drink.",
            body="## Tips\n\nSmall meals & snacks.\n")  # fmt: skip
    html = client.get("/search/", {"q": "snacks"}).content.decode()
    assert ">Eating &amp; drinking &lt;well&gt;</a>" in html
    assert "meals &amp; <mark>snacks</mark>" in html


def test_no_results_page_says_so_and_suggests_what_to_do(client, site):
    html = client.get("/search/", {"q": "quokka"}).content.decode()
    assert "No pages matched “quokka”." in html
    assert "Check the spelling" in html
    assert 'href="/medicines/"' in html
    assert 'href="/glossary/"' in html
    assert "<title>Search results for “quokka”: 0 found |" in html


def test_partial_results_are_explained(client, site):
    html = client.get("/search/", {"q": "transplant quokka"}).content.decode()
    assert "No page contains all of your words" in html


def test_punctuation_only_query_says_there_is_nothing_to_search_for(client):
    html = client.get("/search/", {"q": "*** ---"}).content.decode()
    assert "There is nothing to search for" in html


def test_search_pages_validate_as_html5(client, site, tmp_path):
    pages = {
        name: client.get("/search/", {"q": query}).content.decode()
        for name, query in [("empty", ""), ("results", "transplant"), ("none", "quokka"),
                            ("hostile", '<script>"\'&')]
    }  # fmt: skip
    assert validate(pages, tmp_path) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN of PostgreSQL's plan")
@pytest.mark.parametrize(
    "query", ["transplant", "stem cell -steroid", "induction or consolidation"]
)
def test_postgresql_search_looks_words_up_in_its_gin_index(site, query):
    """With sequential scans priced out, a query that can use the GIN index
    does; one written so it cannot (the tsquery in a CTE) would scan every row."""
    terms = search.parse_query(query)
    backend = search._PostgresBackend
    plans = [
        *(
            backend.find_sql(terms, match_all=True, limit=20, tier=tier)
            for tier in range(len(backend.TIERS))
        ),
        backend.containing_sql(search.wanted(terms)),
    ]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for sql, params in plans:
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert re.search(r"Bitmap Index Scan on allsite_searchentry_\w+_gin", plan), plan
            assert "Seq Scan" not in plan, plan


def test_articles_containing_finds_every_page_with_a_name_in_any_form(site):
    found = search.articles_containing(["stem cell transplant"])
    expected = {
        entry.article_id
        for entry in SearchEntry.objects.all()
        if re.search(r"stem cell transplant", entry.body_text + entry.title, re.I)
    }
    assert expected
    assert expected <= found


@pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN of PostgreSQL's plan")
def test_postgresql_search_ranks_a_bounded_number_of_matches(site, publish, monkeypatch):
    """However many pages a word is on, each tier ranks at most RANKED_MATCHES
    of them: the ranking reads each match's whole vector."""
    for n in range(4):
        publish(f"more-{n}", title=f"More {n}", body="## Care\n\nA transplant again.\n")
    monkeypatch.setattr(search, "RANKED_MATCHES", 2)
    sql, params = search._PostgresBackend.find_sql(
        search.parse_query("transplant"), match_all=True, limit=20, tier=2
    )
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0][0]["Plan"]

    def nodes(node):
        yield node
        for child in node.get("Plans", []):
            yield from nodes(child)

    sort = next(node for node in nodes(plan) if node["Node Type"] == "Sort")
    assert sort["Actual Rows"] == 2
    assert len(search.search("transplant")) >= 2


def test_snippet_comes_from_the_part_of_a_long_page_with_the_words(publish):
    filler = " ".join(f"Sentence {n} is about something else entirely." for n in range(300))
    publish(
        "long-page",
        title="A long page",
        body=f"## Start\n\n{filler}\n\n## End\n\nThe quokka clinic is at the end.\n",
    )
    [result] = search.search("quokka")
    assert "The <mark>quokka</mark> clinic" in result.snippet
    assert len(re.sub(r"</?mark>", "", result.snippet)) < 400
