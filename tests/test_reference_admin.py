"""Editors keep each source once: validation, cited-by, duplicates, import, link status."""

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from references.models import Reference

pytestmark = pytest.mark.django_db

ADD = "/admin/references/reference/add/"
LIST = "/admin/references/reference/"
IMPORT = "/admin/references/reference/import/"


def reference_form(**fields):
    data = {
        "key": "nhs-all-treatment",
        "type": "webpage",
        "author_organisation": "NHS",
        "author_people": "",
        "title": "Acute lymphoblastic leukaemia: treatment",
        "container_title": "nhs.uk",
        "publisher": "",
        "publisher_place": "",
        "issued_year": "",
        "issued_month": "",
        "issued_day": "",
        "volume": "",
        "issue": "",
        "pages": "",
        "doi": "",
        "pmid": "",
        "url": "https://www.nhs.uk/conditions/acute-lymphoblastic-leukaemia/treatment/",
        "accessed": "2026-11-01",
    }
    data.update(fields)
    return data


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"url": "", "accessed": ""}, "Give at least one of DOI, PMID or URL"),
        ({"accessed": ""}, "A URL needs the date it was accessed."),
        ({"doi": "10.33/x y"}, "A DOI looks like 10.3322/caac.21654."),
        ({"pmid": "PM12a"}, "A PubMed ID is digits only"),
    ],
)
def test_invalid_reference_is_explained_and_the_typed_title_kept(client, editor, fields, message):
    client.force_login(editor)
    response = client.post(ADD, reference_form(**fields))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'value="Acute lymphoblastic leukaemia: treatment"' in html
    assert not Reference.objects.exists()


def test_doi_and_pmid_pasted_as_links_are_stored_bare(client, editor):
    client.force_login(editor)
    response = client.post(
        ADD,
        reference_form(doi="https://doi.org/10.3322/caac.21654", pmid="PMID: 33433946"),
    )
    assert response.status_code == 302
    reference = Reference.objects.get()
    assert (reference.doi, reference.pmid) == ("10.3322/caac.21654", "33433946")


def test_saving_a_duplicate_warns_and_names_the_existing_key(client, editor, reference):
    client.force_login(editor)
    response = client.post(ADD, reference_form(key="acs-again", url=reference.url), follow=True)
    assert "may duplicate [@acs-treating-all]" in response.content.decode()


def test_reference_page_lists_the_articles_citing_it(client, editor, publish, reference):
    article = publish()
    client.force_login(editor)
    html = client.get(f"/admin/references/reference/{reference.pk}/change/").content.decode()
    assert f'href="/admin/treatments/article/{article.pk}/change/"' in html


def test_cited_filter_separates_cited_from_uncited_sources(client, editor, publish, reference):
    publish()
    Reference.objects.create(
        key="unused", type="webpage", title="Unused", url="https://example.org/u",
        accessed=datetime.date(2026, 1, 1),
    )  # fmt: skip
    client.force_login(editor)
    cited = client.get(LIST, {"cited": "yes"}).content.decode()
    uncited = client.get(LIST, {"cited": "no"}).content.decode()
    assert "acs-treating-all" in cited
    assert "unused" not in cited
    assert "unused" in uncited
    assert "acs-treating-all" not in uncited


def test_broken_links_show_in_the_link_status_filter(client, editor, reference):
    Reference.objects.filter(pk=reference.pk).update(
        link_status=404, link_checked_at=timezone.now()
    )
    Reference.objects.create(
        key="fine", type="webpage", title="Fine", url="https://example.org/f",
        accessed=datetime.date(2026, 1, 1), link_status=200, link_checked_at=timezone.now(),
    )  # fmt: skip
    client.force_login(editor)
    broken = client.get(LIST, {"link": "broken"}).content.decode()
    assert "acs-treating-all" in broken
    assert ">fine<" not in broken
    assert "broken (404)" in broken


CSL = [
    {
        "id": "siegel2021",
        "type": "article-journal",
        "title": "Cancer statistics, 2021",
        "author": [{"family": "Siegel", "given": "Rebecca L"}],
        "container-title": "CA Cancer J Clin",
        "DOI": "10.3322/caac.21654",
        "PMID": "33433946",
        "issued": {"date-parts": [[2021]]},
    },
    {
        "id": "acs-copy",
        "type": "webpage",
        "title": "Treating ALL",
        "URL": "https://www.cancer.org/cancer/types/acute-lymphocytic-leukemia/treating.html",
        "accessed": {"date-parts": [[2026, 11, 1]]},
    },
]


def upload(data, name="refs.json"):
    return SimpleUploadedFile(name, data.encode(), content_type="application/octet-stream")


def test_import_shows_what_will_be_created_flags_duplicates_then_creates(client, editor, reference):
    client.force_login(editor)
    preview = client.post(IMPORT, {"file": upload(json.dumps(CSL))})
    html = preview.content.decode()
    assert "2 references found" in html
    assert "Possible duplicate of [@acs-treating-all]" in html
    assert Reference.objects.count() == 1

    content = json.dumps(CSL)
    response = client.post(
        IMPORT,
        {"content": content, "filename": "refs.json", "confirm": "1",
         "import": ["siegel2021", "acs-copy"]},
    )  # fmt: skip
    assert response.status_code == 302
    assert set(Reference.objects.values_list("key", flat=True)) == {
        "acs-treating-all",
        "siegel2021",
        "acs-copy",
    }


def test_a_flagged_duplicate_can_be_left_out_and_the_rest_imported(client, editor, reference):
    client.force_login(editor)
    preview = client.post(IMPORT, {"file": upload(json.dumps(CSL))}).content.decode()
    assert 'value="siegel2021" id="import-1" aria-label="Import [@siegel2021]" checked' in preview
    assert 'value="acs-copy" id="import-2" aria-label="Import [@acs-copy]">' in preview
    response = client.post(
        IMPORT,
        {"content": json.dumps(CSL), "filename": "refs.json", "confirm": "1",
         "import": ["siegel2021"]},
        follow=True,
    )  # fmt: skip
    assert "Imported 1 reference(s); skipped 1." in response.content.decode()
    assert set(Reference.objects.values_list("key", flat=True)) == {
        "acs-treating-all",
        "siegel2021",
    }


def test_a_link_without_an_accessed_date_can_be_given_one_in_the_preview(client, editor):
    undated = [{"id": "nhs-page", "type": "webpage", "title": "NHS page",
                "URL": "https://www.nhs.uk/conditions/acute-lymphoblastic-leukaemia/"}]  # fmt: skip
    client.force_login(editor)
    preview = client.post(IMPORT, {"file": upload(json.dumps(undated))}).content.decode()
    assert "A URL needs the date it was accessed" in preview
    assert 'name="accessed_default"' in preview
    response = client.post(
        IMPORT,
        {"content": json.dumps(undated), "filename": "refs.json", "confirm": "1",
         "import": ["nhs-page"], "accessed_default": "2026-11-20"},
    )  # fmt: skip
    assert response.status_code == 302
    assert str(Reference.objects.get(key="nhs-page").accessed) == "2026-11-20"


def test_malformed_import_names_the_problem_and_imports_nothing(client, editor):
    client.force_login(editor)
    response = client.post(IMPORT, {"file": upload('[{"id": "a", "title": "A",}', "bad.json")})
    html = response.content.decode()
    assert "line 1" in html
    assert not Reference.objects.exists()


def test_a_ticked_invalid_entry_is_named_and_nothing_is_imported(client, editor):
    bad = [*CSL[:1], {"id": "no-link", "type": "webpage", "title": "No link at all"}]
    client.force_login(editor)
    html = client.post(IMPORT, {"file": upload(json.dumps(bad))}).content.decode()
    assert "Some references cannot be imported as they are" in html
    assert "Give at least one of DOI, PMID or URL" in html
    response = client.post(
        IMPORT,
        {"content": json.dumps(bad), "filename": "x.json", "confirm": "1",
         "import": ["siegel2021", "no-link"]},
    )  # fmt: skip
    assert "These ticked references cannot be imported as they are: [@no-link]" in (
        response.content.decode()
    )
    assert not Reference.objects.exists()


def test_helpline_staff_cannot_import(client, helpline_staff):
    client.force_login(helpline_staff)
    assert client.get(IMPORT).status_code == 403


def test_a_source_copied_many_times_lists_five_duplicates_and_a_count(client, editor):
    for n in range(8):
        Reference.objects.create(
            key=f"nhs-copy-{n}", type="webpage", title="NHS page",
            url="https://www.nhs.uk/conditions/acute-lymphoblastic-leukaemia/",
            accessed="2026-11-01",
        )  # fmt: skip
    client.force_login(editor)
    data = [{"id": "nhs-new", "type": "webpage", "title": "NHS page",
             "URL": "https://www.nhs.uk/conditions/acute-lymphoblastic-leukaemia/",
             "accessed": {"date-parts": [[2026, 11, 1]]}}]  # fmt: skip
    html = client.post(IMPORT, {"file": upload(json.dumps(data))}).content.decode()
    assert "[@nhs-copy-4], and 3 more with the same DOI, PMID or URL" in html
    assert "[@nhs-copy-5]" not in html
    change = client.get(f"{LIST}{Reference.objects.get(key='nhs-copy-0').pk}/change/")
    assert "and 2 more with the same DOI, PMID or URL" in change.content.decode()


def test_an_imported_entry_whose_key_is_taken_is_named_and_left_unticked(client, editor, reference):
    client.force_login(editor)
    data = [{"id": reference.key, "type": "webpage", "title": "Another page",
             "URL": "https://example.org/another", "accessed": {"date-parts": [[2026, 11, 1]]}}]  # fmt: skip
    html = client.post(IMPORT, {"file": upload(json.dumps(data))}).content.decode()
    assert "key: Reference with this Key already exists." in html
    assert Reference.objects.count() == 1
