"""Translated pages are rendered in their own language: glossary links to the
glossary of that language, medicines of that language only, the reference
list in that language's citation style, and a notice while the original has
a newer reviewed version than the one translated.

Pages are checked in their stored HTML (LivePage.page_html and body_html:
what the public view serves, request slots aside) and over HTTP.
"""

import json

import pytest
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.formats import date_format

from tests.conftest import BODY
from tests.translations import bilingual_reviewer, publish_translation
from treatments import publishing, tasks, workflow
from treatments.models import Article, Kind, LivePage

pytestmark = pytest.mark.django_db

FR_BODY = "## Ce qui se passe\n\nL'induction dure environ un mois [@acs-treating-all].\n"


@pytest.fixture
def fr_reviewer(db):
    return bilingual_reviewer()


@pytest.fixture
def translate(editor, fr_reviewer):
    def _translate(original, **fields):
        return publish_translation(original, editor=editor, reviewer=fr_reviewer, **fields)

    return _translate


def live(article):
    return LivePage.objects.get(article=article)


@pytest.fixture
def announced():
    """The cache tags announced after commit (what the page cache invalidates)."""
    tags = []

    @receiver(publishing.content_changed, weak=False, dispatch_uid="test-announced")
    def collect(sender, tags: frozenset, committed, **kwargs):
        if committed:
            announced_tags.extend(tags)

    announced_tags = tags
    yield tags
    publishing.content_changed.disconnect(dispatch_uid="test-announced")


def test_a_french_page_links_to_the_french_glossary_and_to_no_english_medicine(
    publish, publish_item, translate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        term = publish_item(Kind.GLOSSARY, "remission", "Remission", "No leukaemia found.", {})
        publish_item(
            Kind.MEDICINE, "imatinib", "Imatinib", "A targeted medicine.",
            {"drug_class": "tyrosine kinase inhibitor", "route": "tablets"},
        )  # fmt: skip
        translate(term, title="Rémission", summary="Plus de leucémie décelable.")
        page = publish(body="## Aims\n\nThe aim is remission, sometimes with imatinib.\n")
        french = translate(
            page,
            title="Induction",
            summary="La première phase du traitement.",
            body="## Buts\n\nLe but est la rémission, parfois avec l'imatinib.\n",
        )
    body = live(french).body_html
    assert 'href="/fr/glossary/#remission"' in body
    assert 'data-definition="Plus de leucémie décelable."' in body
    assert 'href="/glossary/#remission"' not in body
    assert "medicine-link" not in body  # no medicine is published in French
    english = live(page).page_html
    assert 'href="/glossary/#remission"' in english
    assert 'href="/fr/glossary/#remission"' not in english
    assert "medicine-link" in english
    json_ld = json.loads(live(french).json_ld)
    assert json_ld["inLanguage"] == "fr"
    assert json.loads(live(page).json_ld)["inLanguage"] == "en-GB"


def test_a_glossary_term_re_renders_only_pages_of_its_own_language(
    publish, publish_item, translate, django_capture_on_commit_callbacks
):
    page = publish(body="## Cells\n\nBlasts are immature cells.\n")
    french = translate(
        page, title="Induction", summary="Première phase.",
        body="## Cellules\n\nLes blastes sont des cellules immatures.\n",
    )  # fmt: skip
    french_rendered = live(french).rendered_at
    with django_capture_on_commit_callbacks(execute=True):
        term = publish_item(Kind.GLOSSARY, "blast", "Blast", "An immature blood cell.", {})
    # The English term: the English page links it, the French one is not touched.
    assert publishing.dependents_of_article(term, moved=True) == [page.pk]
    assert 'href="/glossary/#blast"' in live(page).body_html
    assert live(french).rendered_at == french_rendered
    assert "glossary-link" not in live(french).body_html
    english_rendered = live(page).rendered_at
    with django_capture_on_commit_callbacks(execute=True):
        french_term = translate(term, title="Blaste", summary="Une cellule sanguine immature.")
    assert publishing.dependents_of_article(french_term, moved=True) == [french.pk]
    assert 'href="/fr/glossary/#blast"' in live(french).body_html
    assert live(page).rendered_at == english_rendered
    # The index records each page's own language's term version only.
    assert set(live(french).glossary_revisions.all()) == {french_term.live_revision}
    assert set(live(page).glossary_revisions.all()) == {term.live_revision}


def test_a_french_reference_list_uses_french_citation_terms_and_marks_english_titles(
    publish, translate
):
    page = publish()
    french = translate(page, title="Induction", summary="Première phase.", body=FR_BODY)
    fr_body = live(french).body_html
    assert "Consulté le 1 novembre 2026" in fr_body
    assert '<span lang="en">Treating acute lymphocytic leukemia (ALL)</span>' in fr_body
    assert 'href="#ref-1"' in fr_body  # the same numbered citation
    en_body = live(page).body_html
    assert "Accessed November 1, 2026" in en_body
    assert 'lang="en"' not in en_body
    # The same approved reference version on both.
    assert set(live(french).reference_versions.all()) == set(live(page).reference_versions.all())


def test_approving_a_new_english_version_puts_a_notice_on_the_french_page_until_it_is_reviewed(
    client, publish, translate, editor, reviewer, announced, django_capture_on_commit_callbacks
):
    page = publish()
    french = translate(page, title="Induction", summary="Première phase.", body=FR_BODY)
    assert "notice--translation" not in live(french).page_html
    assert "notice--translation" not in client.get("/fr/treatment/induction/").content.decode()

    revision = workflow.save_draft(
        page, by=editor, base_revision=page.live_revision,
        title="Induction", summary="The first phase, updated.", body=BODY,
    )  # fmt: skip
    workflow.submit(revision, by=editor)
    announced.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(revision, by=reviewer)  # the re-render runs as a task after commit
    page.refresh_from_db()
    french.refresh_from_db()
    assert french.is_out_of_date
    html = live(french).page_html
    assert "notice--translation" in html
    with translation.override("fr"):
        updated = date_format(timezone.localtime(page.live_since), "j F Y")
    assert updated in html
    assert any(month in updated for month in ["janvier", "février", "mars", "avril", "mai",
                                              "juin", "juillet", "août", "septembre", "octobre",
                                              "novembre", "décembre"])  # fmt: skip
    assert '<a href="/treatment/induction/" hreflang="en" lang="en">Induction</a>' in html
    assert publishing.page_tag("induction") in announced  # the French page's cache goes too
    # English readers get no notice.
    assert "notice--translation" not in live(page).page_html
    served = client.get("/fr/treatment/induction/").content.decode()
    assert "La version anglaise de cette page" in served, served
    assert updated in served
    assert 'href="/treatment/induction/" hreflang="en" lang="en"' in served
    assert "notice--translation" not in client.get("/treatment/induction/").content.decode()

    announced.clear()
    with django_capture_on_commit_callbacks(execute=True):
        translate(page, title="Induction", summary="Première phase, mise à jour.", body=FR_BODY)
    french.refresh_from_db()
    assert not french.is_out_of_date
    assert "notice--translation" not in live(french).page_html
    assert publishing.page_tag("induction") in announced
    assert "notice--translation" not in client.get("/fr/treatment/induction/").content.decode()


def test_withdrawing_and_restoring_the_original_re_renders_its_translations(
    publish, translate, editor, reviewer, django_capture_on_commit_callbacks
):
    page = publish()
    french = translate(page, title="Induction", summary="Première phase.", body=FR_BODY)
    revision = workflow.save_draft(
        page, by=editor, base_revision=page.live_revision,
        title="Induction", summary="Updated.", body=BODY,
    )  # fmt: skip
    workflow.submit(revision, by=editor)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(revision, by=reviewer)
    assert "notice--translation" in live(french).page_html
    # No notice pointing to an English page readers cannot see.
    with django_capture_on_commit_callbacks(execute=True):
        workflow.withdraw(page, by=reviewer, reason="Being corrected.")
    assert "notice--translation" not in live(french).page_html
    with django_capture_on_commit_callbacks(execute=True):
        workflow.restore(page, by=reviewer)
    assert "notice--translation" in live(french).page_html


def test_a_translation_is_re_rendered_through_the_dependency_task_only_when_published(
    publish, translate, editor
):
    page = publish()
    assert publishing.translations_of(page.pk) == []
    french = translate(page, title="Induction", summary="Première phase.", body=FR_BODY)
    assert publishing.translations_of(page.pk) == [french.pk]
    # A translation that is only a draft is not a dependant (nothing to show).
    draft_only = Article.objects.create(
        slug="other", language="fr", translation_of=publish("other", title="Other")
    )
    assert publishing.translations_of(draft_only.translation_of_id) == []
    assert tasks.rerender_translations_of.call(page.pk) == 1


def test_a_french_medicine_page_says_when_its_english_original_was_updated(
    client, publish_item, translate, editor, reviewer, django_capture_on_commit_callbacks
):
    details = {"drug_class": "tyrosine kinase inhibitor", "route": "tablets"}
    medicine = publish_item(Kind.MEDICINE, "imatinib", "Imatinib", "A targeted medicine.", details)
    translate(
        medicine, title="Imatinib", summary="Un médicament ciblé.",
        details={"drug_class": "inhibiteur de tyrosine kinase", "route": "comprimés"},
    )  # fmt: skip
    assert "notice--translation" not in client.get("/fr/medicines/imatinib/").content.decode()

    revision = workflow.save_draft(
        medicine, by=editor, base_revision=medicine.live_revision, title="Imatinib",
        summary="A targeted medicine, taken as tablets.", body="", details=details,
    )  # fmt: skip
    workflow.submit(revision, by=editor)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(revision, by=reviewer)
    french = client.get("/fr/medicines/imatinib/").content.decode()
    assert "La version anglaise de cette page a été mise à jour le" in french
    assert '<a href="/medicines/imatinib/" hreflang="en" lang="en">Imatinib</a>' in french
    assert "notice--translation" not in client.get("/medicines/imatinib/").content.decode()


def test_a_french_glossary_definition_says_when_its_english_original_was_updated(
    client, publish_item, translate, editor, reviewer, django_capture_on_commit_callbacks
):
    term = publish_item(Kind.GLOSSARY, "remission", "Remission", "No leukaemia found.", {})
    translate(term, title="Rémission", summary="Plus de leucémie décelable.")
    assert "glossary__outdated" not in client.get("/fr/glossary/").content.decode()

    revision = workflow.save_draft(
        term, by=editor, base_revision=term.live_revision, title="Remission",
        summary="No sign of leukaemia in the blood or bone marrow.", body="", details={},
    )  # fmt: skip
    workflow.submit(revision, by=editor)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(revision, by=reviewer)
    french = client.get("/fr/glossary/").content.decode()
    assert "La définition anglaise a été mise à jour le" in french
    assert 'href="/glossary/#remission" hreflang="en">Lire la définition anglaise</a>' in french
    assert "glossary__outdated" not in client.get("/glossary/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        translate(term, title="Rémission", summary="Aucun signe de leucémie.")
    assert "glossary__outdated" not in client.get("/fr/glossary/").content.decode()
