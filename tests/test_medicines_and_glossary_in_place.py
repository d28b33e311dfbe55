"""Medicines and glossary terms in place: the first mention of a published
medicine links to its page, and a glossary link carries its term's approved
short definition, all written into the stored page when it is published."""

import re

import pytest

from tests.conftest import demo_loaded_once
from tests.html_checks import INLINE_SCRIPT_RE, validate
from treatments import workflow
from treatments.models import Article, Kind, LivePage

pytestmark = pytest.mark.django_db

BLINA = {
    "brand_names": ["Blincyto"],
    "drug_class": "Bispecific T-cell engager",
    "route": "A continuous drip into a vein",
}
IMATINIB = {
    "brand_names": ["Glivec", "Gleevec"],
    "drug_class": "Tyrosine kinase inhibitor",
    "route": "Tablets",
}
MEDICINE_LINK_RE = re.compile(r'<a class="medicine-link" href="([^"]+)">([^<]+)<span')


def body_of(html):
    return html[html.index('class="article__body"') :]


def stored(article):
    return LivePage.objects.get(article=article).body_html


@pytest.fixture(scope="class")
def demo_for_class(django_db_setup, django_db_blocker):
    with demo_loaded_once(django_db_blocker):
        yield


@pytest.fixture
def demo(demo_for_class, db):
    """The demo, loaded once for the tests of TestDemoPages."""


class TestDemoPages:
    def test_demo_targeted_therapy_page_links_imatinib_to_its_medicine_page(self, demo, client):
        response = client.get("/treatment/targeted-therapy/")
        html = response.content.decode()
        links = MEDICINE_LINK_RE.findall(body_of(html))
        assert ("/medicines/imatinib/", "imatinib") in links
        assert [url for url, _ in links].count("/medicines/imatinib/") == 1  # first mention only
        # Glossary links there show their definitions in place (static/js/glossary.js).
        assert re.search(
            r'<a class="glossary-link" href="/glossary/#philadelphia-chromosome" '
            r'data-definition="A shortened chromosome 22[^"]*">',
            html,
        )
        assert '<script src="/static/js/glossary.js" defer></script>' in html
        assert not INLINE_SCRIPT_RE.search(html)
        # The imatinib page lists it among the pages that mention it.
        medicine_page = client.get("/medicines/imatinib/").content.decode()
        assert "/treatment/targeted-therapy/" in medicine_page

    def test_demo_pages_with_medicines_and_definitions_are_valid_html(self, demo, client, tmp_path):
        pages = {
            slug: client.get(f"/treatment/{slug}/").content.decode()
            for slug in ("targeted-therapy", "induction", "immunotherapy")
        }
        pages["blinatumomab"] = client.get("/medicines/blinatumomab/").content.decode()
        assert validate(pages, tmp_path) == []


def test_first_mention_by_any_name_links_once_and_never_in_headings_links_or_code(
    client, publish, publish_item
):
    publish_item(Kind.MEDICINE, "imatinib", "Imatinib", "A targeted medicine.", IMATINIB)
    page = publish(
        body="## Imatinib\n\nYou may take **Glivec** tablets. Imatinib again, and "
        "[imatinib](https://example.org/) and `imatinib` [@acs-treating-all]."
    )
    html = body_of(client.get(page.get_absolute_url()).content.decode())
    assert MEDICINE_LINK_RE.findall(html) == [("/medicines/imatinib/", "Glivec")]
    assert '<strong><a class="medicine-link"' in html  # the bold name is the link
    assert '<span class="visually-hidden"> (medicine)</span>' in html
    assert '<h2 id="imatinib">Imatinib</h2>' in html


def test_a_name_that_is_a_medicine_and_a_glossary_term_links_to_the_medicine_once(
    client, publish, publish_item
):
    publish_item(Kind.GLOSSARY, "blinatumomab-term", "Blinatumomab", "An antibody medicine.", {})
    medicine = publish_item(
        Kind.MEDICINE, "blinatumomab", "Blinatumomab", "An immunotherapy.", BLINA
    )
    page = publish(body="## Aims\n\nBlinatumomab is given by drip [@acs-treating-all].")
    html = body_of(client.get(page.get_absolute_url()).content.decode())
    assert MEDICINE_LINK_RE.findall(html) == [("/medicines/blinatumomab/", "Blinatumomab")]
    assert "glossary-link" not in html
    live = LivePage.objects.get(article=page)
    assert set(live.medicine_revisions.all()) == {medicine.live_revision}
    assert not live.glossary_revisions.exists()


def test_only_published_medicine_versions_are_linked(
    client, editor, reviewer, publish, publish_item
):
    draft_only = Article.objects.create(slug="dasatinib", kind=Kind.MEDICINE)
    revision = workflow.save_draft(
        draft_only, by=editor, base_revision=None, title="Dasatinib", summary="A TKI.",
        details={"drug_class": "Tyrosine kinase inhibitor", "route": "Tablets"},
    )  # fmt: skip
    workflow.submit(revision, by=editor)  # in review, not approved
    medicine = publish_item(Kind.MEDICINE, "imatinib", "Imatinib", "A targeted medicine.", IMATINIB)
    # A brand name only in an unapproved draft of a published medicine.
    workflow.save_draft(
        medicine, by=editor, base_revision=medicine.live_revision, title="Imatinib",
        summary="A targeted medicine.", details={**IMATINIB, "brand_names": ["Imkeldi"]},
    )  # fmt: skip
    page = publish(body="## Aims\n\nDasatinib or Imkeldi, then imatinib [@acs-treating-all].")
    html = body_of(client.get(page.get_absolute_url()).content.decode())
    assert MEDICINE_LINK_RE.findall(html) == [("/medicines/imatinib/", "imatinib")]
    assert set(LivePage.objects.get(article=page).medicine_revisions.all()) == {
        medicine.live_revision
    }


def test_publishing_a_medicine_re_renders_only_the_pages_that_mention_it(
    publish, publish_item, django_capture_on_commit_callbacks
):
    mentions = publish("mentions", body="## Aims\n\nSome people have Blincyto [@acs-treating-all].")
    other = publish("other", body="## Aims\n\nOther medicines [@acs-treating-all].")
    other_rendered_at = LivePage.objects.get(article=other).rendered_at
    assert "medicine-link" not in stored(mentions)
    with django_capture_on_commit_callbacks(execute=True):
        medicine = publish_item(
            Kind.MEDICINE, "blinatumomab", "Blinatumomab", "An immunotherapy.", BLINA
        )
    assert MEDICINE_LINK_RE.findall(stored(mentions)) == [("/medicines/blinatumomab/", "Blincyto")]
    assert set(LivePage.objects.get(article=mentions).medicine_revisions.all()) == {
        medicine.live_revision
    }
    assert LivePage.objects.get(article=other).rendered_at == other_rendered_at


def test_an_approved_new_brand_name_links_pages_using_it_and_withdrawal_unlinks(
    editor, reviewer, publish, publish_item, django_capture_on_commit_callbacks
):
    medicine = publish_item(Kind.MEDICINE, "imatinib", "Imatinib", "A targeted medicine.", IMATINIB)
    page = publish(body="## Aims\n\nSome take Imkeldi, a liquid [@acs-treating-all].")
    assert "medicine-link" not in stored(page)
    with django_capture_on_commit_callbacks(execute=True):
        revision = workflow.save_draft(
            medicine, by=editor, base_revision=medicine.live_revision, title="Imatinib",
            summary="A targeted medicine.",
            details={**IMATINIB, "brand_names": ["Glivec", "Imkeldi"]},
        )  # fmt: skip
        workflow.submit(revision, by=editor)
        workflow.approve(revision, by=reviewer)
    assert MEDICINE_LINK_RE.findall(stored(page)) == [("/medicines/imatinib/", "Imkeldi")]
    assert set(LivePage.objects.get(article=page).medicine_revisions.all()) == {revision}
    medicine.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.withdraw(medicine, by=reviewer, reason="Checking the brand names.")
    assert "medicine-link" not in stored(page)


def test_medicine_pages_and_glossary_terms_do_not_link_medicines(client, publish_item):
    publish_item(Kind.MEDICINE, "imatinib", "Imatinib", "A targeted medicine.", IMATINIB)
    other = publish_item(
        Kind.MEDICINE, "dasatinib", "Dasatinib", "A TKI.",
        {"drug_class": "Tyrosine kinase inhibitor", "route": "Tablets"},
        body="Dasatinib is used when imatinib has stopped working.",
    )  # fmt: skip
    assert "medicine-link" not in stored(other)


def test_glossary_links_carry_the_approved_definition_and_follow_its_new_version(
    client, editor, reviewer, publish, publish_item, django_capture_on_commit_callbacks
):
    term = publish_item(Kind.GLOSSARY, "remission", "Remission", "Tests cannot find leukaemia.", {})
    page = publish(body="## Aims\n\nThe aim is remission [@acs-treating-all].")
    other = publish("other", body="## Aims\n\nNothing to define [@acs-treating-all].")
    other_rendered_at = LivePage.objects.get(article=other).rendered_at
    assert 'data-definition="Tests cannot find leukaemia."' in stored(page)
    with django_capture_on_commit_callbacks(execute=True):
        draft = workflow.save_draft(
            term, by=editor, base_revision=term.live_revision, title="Remission",
            summary="When tests can no longer find any leukaemia & it is < 5%.", details={},
        )  # fmt: skip
    assert 'data-definition="Tests cannot find leukaemia."' in stored(page)  # draft: unseen
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(draft, by=editor)
        workflow.approve(draft, by=reviewer)
    html = client.get(page.get_absolute_url()).content.decode()
    assert (
        'data-definition="When tests can no longer find any leukaemia &amp; it is &lt; 5%."'
    ) in html
    assert LivePage.objects.get(article=other).rendered_at == other_rendered_at


def test_a_definition_typed_into_the_body_is_not_kept(publish, publish_item):
    publish_item(Kind.GLOSSARY, "remission", "Remission", "Tests cannot find leukaemia.", {})
    page = publish(
        body='## Aims\n\n<a class="glossary-link" href="/glossary/#x" '
        'data-definition="Not reviewed">x</a> and remission [@acs-treating-all].'
    )
    html = stored(page)
    assert "Not reviewed" not in html
    assert 'data-definition="Tests cannot find leukaemia."' in html


def test_the_reviewers_preview_shows_the_medicine_link(client, editor, reviewer, publish_item):
    publish_item(Kind.MEDICINE, "imatinib", "Imatinib", "A targeted medicine.", IMATINIB)
    article = Article.objects.create(slug="tki")
    revision = workflow.save_draft(
        article, by=editor, base_revision=None, title="TKIs", summary="Targeted.",
        body="## Aims\n\nImatinib tablets.", audience="both",
    )  # fmt: skip
    workflow.submit(revision, by=editor)
    client.force_login(reviewer)
    html = client.get(f"/admin/treatments/article/review/{revision.pk}/").content.decode()
    assert 'class="medicine-link" href="/medicines/imatinib/"' in html


def test_a_medicine_moved_to_a_new_address_is_linked_there(
    publish, publish_item, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from treatments import publishing

    medicine = publish_item(Kind.MEDICINE, "imatinib", "Imatinib", "A targeted medicine.", IMATINIB)
    page = publish(body="## Aims\n\nImatinib tablets [@acs-treating-all].")
    assert MEDICINE_LINK_RE.findall(stored(page)) == [("/medicines/imatinib/", "Imatinib")]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        medicine.slug = "imatinib-tablets"
        medicine.save()  # as the admin does, which then calls place_changed
        publishing.place_changed(medicine, None, "imatinib")
    assert MEDICINE_LINK_RE.findall(stored(page)) == [("/medicines/imatinib-tablets/", "Imatinib")]
