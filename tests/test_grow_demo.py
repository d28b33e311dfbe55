"""`manage.py grow_demo N`: the demo site grown to N pages, all published
through the review workflow.

The plan is shrunk for the test (sections of 4 copies, volumes of 2 sections,
a made-up word per 3 copies) so that a site of 30 pages has every level of
it: volumes under the demo's top-level sections, sub-sections, copies, and a
word shared by exactly one full group of copies.
"""

import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from allsite import search
from allsite.demo import grow
from references.models import Reference, ReferenceVersion, VersionStatus
from treatments.models import Article, LivePage, RevisionStatus
from treatments.publishing import render_from_approved

pytestmark = pytest.mark.django_db

PAGES = 30


SMALL_PLAN = {"COPIES_PER_SECTION": 4, "SECTIONS_PER_VOLUME": 2, "WORD_GROUP": 3}


@pytest.fixture
def small_plan(monkeypatch):
    for name, value in SMALL_PLAN.items():
        monkeypatch.setattr(grow, name, value)


@pytest.fixture(scope="class")
def grown(django_db_setup, django_db_blocker):
    """The demo grown to PAGES pages once for the class's tests, in a
    transaction rolled back afterwards (each test runs in a savepoint of it)."""
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        for name, value in SMALL_PLAN.items():
            patch.setattr(grow, name, value)
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("load_demo", stdout=io.StringIO())
            demo_slugs = set(Article.objects.pages().values_list("slug", flat=True))
            out = io.StringIO()
            call_command("grow_demo", str(PAGES), stdout=out)
            yield demo_slugs, out.getvalue()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def published_pages():
    """The grown site's size counts English pages (the demo's translations come on top)."""
    return Article.objects.pages().published().filter(language="en-gb")


def grown_pages(demo_slugs):
    return published_pages().exclude(slug__in=demo_slugs).select_related("live_revision")


def copies(demo_slugs):
    return [page for page in grown_pages(demo_slugs) if "(copy " in page.live_revision.title]


class TestGrownSite:
    def test_the_site_has_n_published_treatment_pages(self, grown):
        _, output = grown
        assert published_pages().count() == PAGES
        assert f"the site has {PAGES} published treatment pages" in output

    def test_every_grown_page_went_through_review(self, grown):
        demo_slugs, _ = grown
        for page in grown_pages(demo_slugs):
            actions = list(page.transitions.order_by("pk").values_list("action", "actor__username"))
            assert [action for action, _ in actions] == ["saved", "submitted", "approved"]
            assert actions[2][1] in {"reviewer", "reviewer2"}
            assert page.live_revision.status == RevisionStatus.APPROVED
            assert page.last_review.actor.reviewer_profile.is_fictional

    def test_every_grown_live_page_is_what_approved_sources_render(self, grown):
        demo_slugs, _ = grown
        for page in grown_pages(demo_slugs):
            assert page.live_page.body_html == render_from_approved(page).html, page.slug
            assert page.live_page.revision_id == page.live_revision_id

    def test_copies_cite_their_own_approved_references(self, grown):
        demo_slugs, _ = grown
        for page in copies(demo_slugs):
            copy = page.slug.rsplit("-c", 1)[1]
            cited = Reference.objects.filter(revisions=page.live_revision)
            own = [ref for ref in cited if ref.key.endswith(f"-c{copy}")]
            assert len(own) == grow.OWN_REFERENCES, page.slug
            for reference in cited:
                assert reference.live_version.status == VersionStatus.APPROVED, reference.key
            shown = set(page.live_page.reference_versions.values_list("pk", flat=True))
            assert shown == {ref.live_version_id for ref in cited}
            assert page.live_page.body_html.count('class="reference-list"') == 1
        grown_references = Reference.objects.filter(key__regex=r"-c[0-9]+$")
        assert not ReferenceVersion.objects.filter(
            reference__in=grown_references, status=VersionStatus.IN_REVIEW
        ).exists()

    def test_copies_link_glossary_terms_and_name_medicines_like_the_demo(self, grown):
        demo_slugs, _ = grown
        for page in copies(demo_slugs):
            live = page.live_page
            assert live.glossary_revisions.exists(), page.slug
            assert 'href="/glossary/#' in live.body_html
        named = LivePage.objects.filter(
            article__in=copies(demo_slugs), medicine_revisions__isnull=False
        )
        assert named.exists()

    def test_no_section_lists_more_than_fifty_pages(self, grown):
        children = Counter(published_pages().values_list("parent_id", flat=True))
        children.pop(None)
        assert max(children.values()) <= 50
        demo_slugs, _ = grown
        for page in grown_pages(demo_slugs):
            assert page.parent_id is not None, "grown pages go under the demo's sections"

    def test_each_shared_word_is_on_exactly_its_group_of_copies(self, grown):
        demo_slugs, _ = grown
        by_word = {}
        for page in copies(demo_slugs):
            copy = int(page.slug.rsplit("-c", 1)[1])
            by_word.setdefault(grow.shared_word(copy), set()).add(page.pk)
        # Copies 1 to 6 on this site: zorblat1 is the full group 3, 4, 5.
        full = {
            page.pk for page in copies(demo_slugs) if int(page.slug.rsplit("-c", 1)[1]) in {3, 4, 5}
        }
        assert by_word["zorblat1"] == full
        for word, pages in by_word.items():
            assert search.articles_containing([word]) == pages, word
            having = LivePage.objects.filter(body_html__contains=f"{word}<")
            having = having | LivePage.objects.filter(body_html__contains=f"{word},")
            assert set(having.values_list("article_id", flat=True)) == pages, word
            assert search.search(word)

    def test_running_again_adds_only_the_missing_pages(self, grown):
        out = io.StringIO()
        call_command("grow_demo", str(PAGES), stdout=out)
        assert "Added 0 pages" in out.getvalue()
        call_command("grow_demo", str(PAGES + 3), stdout=io.StringIO())
        assert published_pages().count() == PAGES + 3
        assert Article.objects.pages().filter(live_revision__isnull=True).count() == 0


def test_the_plan_for_ten_thousand_pages_keeps_every_list_short():
    """With the real sizes: 4 top-level demo sections with up to 7 demo pages."""
    parents = Counter()
    for index in range(10_000 - 21):
        planned = grow.slot(index)
        if planned.kind == "volume":
            parents[("top", (planned.number - 1) % 4)] += 1
        elif planned.kind == "section":
            parents[("volume", planned.volume)] += 1
        else:
            parents[("section", planned.section)] += 1
    assert max(parents.values()) + 7 <= 50
    assert sum(1 for i in range(10_000 - 21) if grow.slot(i).kind == "copy") > 9_000


def test_needs_the_demo(small_plan):
    with pytest.raises(CommandError, match="load_demo"):
        call_command("grow_demo", "30", stdout=io.StringIO())
