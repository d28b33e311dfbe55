"""Glossary terms and medicines: reviewed like pages, shown to readers, linked from pages."""

import re

import pytest

from treatments import workflow
from treatments.models import Article, Kind, RevisionStatus

pytestmark = pytest.mark.django_db

BLINA = {
    "brand_names": ["Blincyto"],
    "drug_class": "Bispecific T-cell engager",
    "target": "CD19",
    "route": "A continuous drip into a vein",
    "phases": ["Relapsed ALL"],
    "side_effects": ["Fever", "Cytokine release syndrome"],
}


def test_glossary_terms_go_through_the_same_review_workflow(editor, reviewer):
    term = Article.objects.create(slug="remission", kind=Kind.GLOSSARY)
    revision = workflow.save_draft(
        term, by=editor, base_revision=None, title="Remission",
        summary="When tests can no longer find leukaemia.", details={"aliases": ["in remission"]},
    )  # fmt: skip
    workflow.submit(revision, by=editor)
    with pytest.raises(workflow.WorkflowError, match="Only medical reviewers"):
        workflow.approve(revision, by=editor)
    workflow.approve(revision, by=reviewer)
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.APPROVED


def test_a_medicine_needs_its_type_and_how_it_is_given(editor):
    medicine = Article.objects.create(slug="x", kind=Kind.MEDICINE)
    with pytest.raises(workflow.WorkflowError, match="Type of medicine"):
        workflow.save_draft(
            medicine, by=editor, base_revision=None, title="X", summary="S",
            details={"brand_names": ["Y"], "route": "Tablets"},
        )  # fmt: skip


def test_first_use_of_each_term_links_to_its_definition(client, publish, publish_item):
    publish_item(Kind.GLOSSARY, "minimal-residual-disease", "Minimal residual disease",
                 "Tiny numbers of leukaemia cells only sensitive tests find.", {"aliases": ["MRD"]})  # fmt: skip
    publish_item(Kind.GLOSSARY, "remission", "Remission", "Tests cannot find leukaemia.", {})
    article = publish(
        body="## Aims\n\nThe aim is remission. Remission again. Doctors test for MRD "
        "(minimal residual disease) [@acs-treating-all].\n\n## Remission\n\n`remission` in code.",
    )
    html = client.get(article.get_absolute_url()).content.decode()
    body = html[html.index('class="article__body"') :]
    links = re.findall(
        r'<a class="glossary-link" href="([^"]+)" data-definition="[^"]+">([^<]+)<span', body
    )
    assert links == [
        ("/glossary/#remission", "remission"),
        ("/glossary/#minimal-residual-disease", "MRD"),
    ]
    assert '<span class="visually-hidden"> (glossary)</span>' in body
    assert '<h2 id="remission">Remission</h2>' in body
    assert "<code>remission</code>" in body


def test_glossary_page_lists_terms_a_to_z_with_anchors_and_aliases(client, publish_item):
    publish_item(Kind.GLOSSARY, "relapse", "Relapse", "When leukaemia comes back.", {})
    publish_item(Kind.GLOSSARY, "blast-cells", "Blast cells", "Immature blood cells.", {"aliases": ["blasts"]})  # fmt: skip
    html = client.get("/glossary/").content.decode()
    assert html.index('id="letter-B"') < html.index('id="letter-R"')
    assert 'id="blast-cells"' in html
    assert "(also called blasts)" in html
    assert "Reviewed by Dr Rhea Viewer" in html


def test_medicine_page_shows_facts_and_the_pages_that_mention_it(client, publish, publish_item):
    medicine = publish_item(Kind.MEDICINE, "blinatumomab", "Blinatumomab",
                            "An immunotherapy given as a drip.", BLINA, body="## How it works\n\nIt links cells.")  # fmt: skip
    publish("immunotherapy", title="Immunotherapy", body="## Options\n\nBlincyto is one option.")
    publish("induction", title="Induction", body="## Medicines\n\nVincristine and steroids.")
    html = client.get(medicine.get_absolute_url()).content.decode()
    assert 'Blinatumomab <span class="article__brands">(Blincyto)</span></h1>' in html
    assert "<dt>What it targets</dt><dd>CD19</dd>" in html
    assert "<dt>Common side effects</dt><dd>Fever, cytokine release syndrome</dd>" in html
    mentions = html[html.index("Pages that mention") :]
    assert 'href="/treatment/immunotherapy/"' in mentions
    assert 'href="/treatment/induction/"' not in mentions
    assert "Medically reviewed by Dr Rhea Viewer" in html


def test_medicine_index_lists_generic_and_brand_names(client, publish_item):
    publish_item(Kind.MEDICINE, "blinatumomab", "Blinatumomab", "An immunotherapy.", BLINA)
    html = client.get("/medicines/").content.decode()
    assert 'href="/medicines/blinatumomab/">Blinatumomab</a>' in html
    assert "(Blincyto)" in html


def test_medicine_page_query_count_stays_small(
    client, publish_item, helpline, django_assert_max_num_queries
):
    medicine = publish_item(
        Kind.MEDICINE, "blinatumomab", "Blinatumomab", "An immunotherapy.", BLINA
    )
    with django_assert_max_num_queries(7):
        assert client.get(medicine.get_absolute_url()).status_code == 200


def test_editor_adds_a_medicine_in_the_admin_and_it_waits_for_review(client, editor):
    client.force_login(editor)
    response = client.post(
        "/admin/treatments/medicine/add/",
        {
            "title": "Imatinib", "summary": "A targeted drug taken as tablets.",
            "brand_names": "Glivec\nGleevec", "drug_class": "Tyrosine kinase inhibitor",
            "target": "BCR-ABL1", "route": "Tablets", "phases": "", "side_effects": "Sickness",
            "body": "", "tags": "", "slug": "imatinib", "review_interval_months": "36",
            "note_for_readers": "", "submit_for_review": "on",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    revision = Article.objects.get(slug="imatinib", language="en-gb").latest_revision
    assert revision.details["brand_names"] == ["Glivec", "Gleevec"]
    assert revision.status == RevisionStatus.IN_REVIEW
    assert client.get("/medicines/imatinib/").status_code == 404


def test_review_diff_shows_changed_medicine_facts(client, editor, reviewer, publish_item):
    medicine = publish_item(
        Kind.MEDICINE, "blinatumomab", "Blinatumomab", "An immunotherapy.", BLINA
    )
    revision = workflow.save_draft(
        medicine, by=editor, base_revision=medicine.latest_revision, title="Blinatumomab",
        summary="An immunotherapy.", details=BLINA | {"side_effects": ["Fever", "Headache"]},
    )  # fmt: skip
    workflow.submit(revision, by=editor)
    client.force_login(reviewer)
    html = client.get(f"/admin/treatments/article/review/{revision.pk}/").content.decode()
    assert "Common side effects" in html
    assert "<ins>headache</ins>" in html  # shown as readers will read it


def test_a_plural_use_links_to_the_singular_term(client, publish, publish_item):
    publish_item(Kind.GLOSSARY, "t-cell", "T-cell", "A white blood cell that fights infection.", {})
    html = client.get(
        publish(body="## How\n\nYour T-cells are changed in a lab.").get_absolute_url()
    ).content.decode()
    assert (
        '<a class="glossary-link" href="/glossary/#t-cell" '
        'data-definition="A white blood cell that fights infection.">T-cells<span'
    ) in html


def test_a_term_or_medicine_published_later_is_linked_from_existing_pages(
    client, publish, publish_item, django_capture_on_commit_callbacks
):
    page = publish(body="## Aims\n\nThe aim is remission, sometimes with Blincyto.")
    approved_body = page.live_revision.body
    assert "glossary-link" not in client.get(page.get_absolute_url()).content.decode()
    # Dependent pages are re-rendered by background tasks once the approval commits.
    with django_capture_on_commit_callbacks(execute=True):
        publish_item(Kind.GLOSSARY, "remission", "Remission", "Tests cannot find leukaemia.", {})
        medicine = publish_item(
            Kind.MEDICINE, "blinatumomab", "Blinatumomab", "An immunotherapy.", BLINA
        )
    html = client.get(page.get_absolute_url()).content.decode()
    assert (
        '<a class="glossary-link" href="/glossary/#remission" '
        'data-definition="Tests cannot find leukaemia.">remission<span'
    ) in html
    assert '<a class="medicine-link" href="/medicines/blinatumomab/">Blincyto<span' in html
    assert page.get_absolute_url() in client.get(medicine.get_absolute_url()).content.decode()
    page.refresh_from_db()
    assert page.live_revision.body == approved_body


def test_side_effect_lists_read_as_a_sentence_but_keep_abbreviations_and_brand_names():
    from treatments.kinds import detail_lines

    lines = dict(
        detail_lines(
            Kind.MEDICINE,
            {
                "brand_names": ["Blincyto", "Besponsa"],
                "side_effects": ["Feeling sick", "Tiredness", "CNS problems", "Infections"],
            },
        )
    )
    assert lines["Common side effects"] == "Feeling sick, tiredness, CNS problems, infections"
    assert lines["Brand names"] == "Blincyto, Besponsa"
