"""Plain words: every demo treatment page reads at school grade 8 or below, as
readers get it (the rendered page, graded by treatments.readability.assess_html,
the same figure editors see and `manage.py readability_report` prints)."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import demo_loaded_once
from treatments.management.commands.readability_report import page_grades
from treatments.models import Article
from treatments.readability import TARGET_GRADE

pytestmark = pytest.mark.django_db

SUPPORTIVE_CARE_TOPICS = {
    "blood transfusions": r"transfusion",
    "infection prevention": r"infection",
    "anti-sickness medicines": r"anti-sickness",
    "nutrition": r"eating well|dietitian",
    "fertility": r"fertility",
    "emotional support": r"emotional support|counsellor",
}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Every database test here reads the demo: it is loaded once for them."""
    with demo_loaded_once(django_db_blocker):
        yield


@pytest.fixture
def loaded(demo, db):
    pass


def test_every_published_english_demo_page_reads_at_grade_8_or_below(loaded):
    graded = page_grades()
    assert len(graded) == Article.objects.pages().published().filter(language="en-gb").count()
    assert len(graded) >= 22
    too_hard = [
        f"{slug}: grade {result.grade}" for slug, result in graded if result.grade > TARGET_GRADE
    ]
    assert not too_hard, f"Above grade {TARGET_GRADE}: {'; '.join(too_hard)}"
    assert all(not result.failed and result.words > 300 for _, result in graded)


def test_translated_pages_are_not_graded_with_the_english_formula(loaded):
    """Flesch-Kincaid is made for English: the French demo pages (written as
    plainly, see allsite/demo/FORMAT.md) are left out of the grades."""
    assert Article.objects.pages().published().filter(language="fr").count() == 5
    slugs = [slug for slug, _ in page_grades()]
    assert len(slugs) == len(set(slugs))  # "induction" once: the English page
    out = io.StringIO()
    call_command("readability_report", stdout=out)
    assert sum(line.split()[0] == "induction" for line in out.getvalue().splitlines()) == 1


def test_the_report_lists_pages_hardest_first_and_can_fail_above_a_grade(loaded):
    out = io.StringIO()
    call_command("readability_report", stdout=out)
    lines = out.getvalue().splitlines()
    grades = [float(line.split()[1]) for line in lines[:-1]]
    assert grades == sorted(grades, reverse=True)
    assert {line.split()[0] for line in lines[:-1]} >= {"induction", "supportive-care"}
    assert lines[-1] == f"0 of {len(grades)} pages read above grade 8."

    call_command("readability_report", "--fail-above", "8", stdout=io.StringIO())
    hardest = lines[0].split()[0]
    with pytest.raises(CommandError, match=hardest):
        call_command("readability_report", "--fail-above", "1", stdout=io.StringIO())


def test_the_supportive_care_page_is_published_covers_its_topics_and_cites_sources(loaded, client):
    article = Article.objects.get(slug="supportive-care", language="en-gb")
    assert article.live_revision is not None
    assert article.parent.slug == "during-and-after-treatment"
    reviewer = article.last_review.actor
    assert reviewer.reviewer_profile.is_fictional
    assert reviewer != article.live_revision.author

    html = client.get("/treatment/supportive-care/").content.decode()
    text = re.sub(r"<[^>]+>", " ", html).lower()
    for topic, pattern in SUPPORTIVE_CARE_TOPICS.items():
        assert re.search(pattern, text), f"supportive care does not cover {topic}"
    assert 'class="reference-list"' in html
    cited = article.live_page.citations
    assert len(cited) >= 6
    assert {"nhs-blood-transfusion", "nci-infection-neutropenia"} <= {c["key"] for c in cited}
