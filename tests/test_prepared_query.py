"""The treatment page's lookup, compiled once (treatments.prepared), gives
the same pages as the ORM query it was compiled from, for any values."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.translations import bilingual_reviewer, publish_translation
from treatments.navigation import published_languages, with_languages
from treatments.prepared import PreparedQuery
from treatments.views import ArticleDetailView


def orm_lookup(slug, languages):
    return with_languages(ArticleDetailView.queryset).filter(slug=slug, language__in=languages)


@pytest.fixture
def pages(publish, editor):
    induction = publish("induction", title="Induction")
    publish("maintenance", title="Maintenance", body="Two years of tablets.")
    publish_translation(
        induction,
        editor=editor,
        reviewer=bilingual_reviewer(),
        title="Induction (fr)",
        body="Le premier traitement.",
    )


def described(articles):
    return sorted(
        (
            a.pk, a.language, a.slug, a.next_review_due, a.live_revision.title,
            a.live_revision.summary, a.live_page.page_html, a.live_page.section_id,
            published_languages(a),
        )
        for a in articles
    )  # fmt: skip


@pytest.mark.parametrize(
    ("slug", "languages"),
    [
        ("induction", ["en", "en"]),
        ("induction", ["fr", "en"]),
        ("maintenance", ["fr", "en"]),
        ("no-such-page", ["en", "en"]),
        ("induction'; DROP TABLE treatments_article; --", ["en", "fr"]),
    ],
)
def test_compiled_lookup_finds_what_the_orm_finds(pages, slug, languages):
    lookup = PreparedQuery(orm_lookup, slug=1, languages=2)
    lookup(slug="maintenance", languages=["en", "en"])  # compiled with other values
    with CaptureQueriesContext(connection) as queries:
        found = lookup(slug=slug, languages=languages)
    assert len(queries) == 1
    assert described(found) == described(orm_lookup(slug, languages))


def test_french_page_and_its_language_switcher_come_from_the_compiled_lookup(pages, client):
    french = client.get("/fr/treatment/induction/").content.decode()
    english = client.get("/treatment/induction/").content.decode()
    assert "Induction (fr)" in french
    assert 'hreflang="en-GB"' in french
    assert "Induction (fr)" not in english
    assert 'hreflang="fr"' in english


def test_wrong_values_are_refused(pages):
    lookup = PreparedQuery(orm_lookup, slug=1, languages=2)
    with pytest.raises(ValueError, match="languages: expected 2 values"):
        lookup(slug="induction", languages=["en"])
    with pytest.raises(TypeError, match="Expected values for"):
        lookup(slug="induction")
