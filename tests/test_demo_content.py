"""The demo loader: our own words, real sources, fictional reviewers, idempotent."""

import io
import json
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from allsite.demo.loader import DEMO_DIR, demo_articles, parse_medicine
from references.citations import CITATION_RE, keys_in
from references.models import Reference
from tests.conftest import demo_loaded_once
from treatments.models import Action, Article, Revision, Transition

pytestmark = pytest.mark.django_db

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
REQUIRED_TOPICS = [
    "treatment-overview", "induction", "consolidation", "maintenance",
    "cns-directed-treatment", "chemotherapy", "steroids", "targeted-therapy",
    "immunotherapy", "car-t-cell-therapy", "radiotherapy", "stem-cell-transplant",
    "relapsed-refractory-all", "side-effects", "clinical-trials", "care-team",
    "follow-up", "adults-and-children",
]  # fmt: skip


@pytest.fixture(scope="class")
def demo(django_db_setup, django_db_blocker):
    with demo_loaded_once(django_db_blocker):
        yield


@pytest.fixture
def loaded(demo, db):
    """The demo, loaded once for the tests of TestLoadedDemo."""


def counts():
    return (
        User.objects.count(),
        Article.objects.count(),
        Revision.objects.count(),
        Transition.objects.count(),
        Reference.objects.count(),
    )


class TestLoadedDemo:
    def test_loading_twice_changes_nothing_and_duplicates_nothing(self, loaded):
        before = counts()
        call_command("load_demo", stdout=io.StringIO())
        assert counts() == before

    def test_every_required_topic_is_published(self, loaded, client):
        assert Article.objects.published().count() >= 15
        for slug in REQUIRED_TOPICS:
            assert client.get(f"/treatment/{slug}/").status_code == 200, slug

    def test_every_demo_article_was_approved_by_a_fictional_reviewer_who_did_not_write_it(
        self, loaded
    ):
        for article in Article.objects.select_related("live_revision", "last_review__actor"):
            approval = article.last_review
            assert approval.action == Action.APPROVED
            assert approval.revision == article.live_revision
            assert approval.actor != article.live_revision.author
            assert approval.actor.reviewer_profile.is_fictional
            assert approval.actor.groups.filter(name="Medical reviewers").exists()

    def test_demo_pages_say_they_are_examples(self, loaded, client):
        html = client.get("/treatment/induction/").content.decode()
        assert "Demonstration site" in html
        assert "fictional" in html

    def test_demo_medicines_and_glossary_are_published_for_readers(self, loaded, client):
        assert Article.objects.medicines().published().count() >= 15
        assert Article.objects.glossary().published().count() >= 30
        html = client.get("/medicines/blinatumomab/").content.decode()
        assert "Blincyto" in html
        induction = client.get("/treatment/induction/").content.decode()
        assert 'class="glossary-link"' in induction


def test_demo_accounts_exist_only_after_loading(db):
    assert not User.objects.filter(username__in=["editor", "reviewer", "admin"]).exists()


def demo_texts():
    """(name, title, summary, Markdown body) of every demo article, medicine and glossary term."""
    for article in demo_articles():
        yield article.slug, article.title, article.summary, article.body
    for path in sorted((DEMO_DIR / "medicines").glob("*.md")):
        meta, _, body = parse_medicine(path)
        yield path.stem, meta["title"], meta["summary"], body
    for term in json.loads((DEMO_DIR / "glossary.json").read_text(encoding="utf-8")):
        yield term["slug"], term["term"], term["definition"], ""


def test_every_h2_section_of_every_demo_page_and_medicine_cites_a_known_source():
    known = {ref["id"] for ref in json.loads((DEMO_DIR / "references.json").read_text())}
    for name, _, _, body in demo_texts():
        sections = re.split(r"^## ", body, flags=re.M)[1:]
        for section in sections:
            cited = keys_in(section)
            assert cited, f"{name}: section '{section.splitlines()[0]}' cites nothing"
            assert cited <= known, f"{name}: unknown {cited - known}"


def words(text):
    return re.sub(r"[^a-z0-9%<]+", " ", text.lower()).split()


@pytest.mark.skipif(not SEEDS.is_dir(), reason="needs ../shared/seeds beside the checkout")
def test_no_demo_article_copies_eight_words_in_a_row_from_the_seed_pages():
    seed_runs = set()
    for seed in SEEDS.glob("*.txt"):
        w = words(seed.read_text(encoding="utf-8"))
        seed_runs.update(tuple(w[i : i + 8]) for i in range(len(w) - 7))
    for article in demo_articles():
        body = CITATION_RE.sub(" ", article.body)
        w = words(f"{article.title} {article.summary} {body}")
        copied = [
            " ".join(w[i : i + 8]) for i in range(len(w) - 7) if tuple(w[i : i + 8]) in seed_runs
        ]
        assert not copied, f"{article.slug} copies: {copied[:3]}"
