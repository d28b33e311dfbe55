import datetime
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from references.importers import ImportFormatError, parse_references
from references.models import Reference

DATA = Path(__file__).parent / "data" / "import"

WELL_FORMED_FILES = [
    "library.bib",
    "zotero_export.ris",
    "endnote_export.ris",
    "references.json",
]


def read(name):
    """The file as an upload gives it: bytes decoded, Windows line endings kept."""
    return (DATA / name).read_bytes().decode("utf-8")


def parse_file(name):
    return {reference.key: reference for reference in parse_references(read(name), name)}


def error_for(text, filename=""):
    with pytest.raises(ImportFormatError) as caught:
        parse_references(text, filename)
    return str(caught.value)


# --- BibTeX ---------------------------------------------------------------------------------


def test_bibtex_journal_article_keeps_doi_pmid_and_all_authors():
    siegel = parse_file("library.bib")["siegel2021-stats"]

    assert siegel.type == "article-journal"
    assert siegel.author_people.splitlines() == [
        "Siegel, Rebecca L.",
        "Miller, Kimberly D.",
        "Fuchs, Hannah E.",
        "Jemal, Ahmedin",
    ]
    assert siegel.author_organisation == ""
    assert siegel.title == "Cancer statistics, 2021"
    assert siegel.container_title == "CA: A Cancer Journal for Clinicians"
    assert (siegel.issued_year, siegel.issued_month, siegel.issued_day) == (2021, 1, None)
    assert (siegel.volume, siegel.issue, siegel.pages) == ("71", "1", "7-33")
    assert siegel.doi == "10.3322/caac.21654"
    assert siegel.pmid == "33433946"


def test_bibtex_latex_accents_become_characters_and_pmid_is_read_from_the_note():
    moricke = parse_file("library.bib")["moricke2008"]

    authors = moricke.author_people.splitlines()
    assert authors[0] == "Möricke, Anja"
    assert "Dördelmann, Michael" in authors
    assert len(authors) == 6, "'and others' is not an author"
    assert moricke.title.startswith("Risk-adjusted therapy of acute lymphoblastic leukemia can")
    assert moricke.title.endswith("enrolled in the trial ALL-BFM 95")
    assert moricke.issued_month == 5
    assert moricke.pages == "4477-4489"
    assert moricke.doi == "10.1182/blood-2007-09-112920"
    assert moricke.pmid == "18285545"


def test_bibtex_book_decodes_the_publisher_and_unescapes_the_url():
    book = parse_file("library.bib")["hoffbrand2019"]

    assert book.type == "book"
    assert book.title == "Hoffbrand's Essential Haematology"
    assert book.author_people == "Hoffbrand, A. Victor\nSteensma, David P."
    assert book.publisher == "John Wiley & Sons"
    assert book.publisher_place == "Hoboken, NJ"
    assert book.issued_year == 2019
    assert book.url == (
        "https://www.wiley.com/en-gb/"
        "Hoffbrand%27s+Essential+Haematology%2C+8th+Edition-p-9781119495901"
    )
    assert book.accessed == datetime.date(2024, 11, 1)


def test_bibtex_online_page_by_a_braced_organisation_has_urldate_as_accessed():
    page = parse_file("library.bib")["acs-treating-all"]

    assert page.type == "webpage"
    assert page.author_organisation == "American Cancer Society"
    assert page.author_people == ""
    assert page.title == "Treating Acute Lymphocytic Leukemia (ALL)"
    assert page.url == (
        "https://www.cancer.org/cancer/types/acute-lymphocytic-leukemia/treating.html"
    )
    assert page.accessed == datetime.date(2024, 11, 1)


@pytest.mark.parametrize("month", ["jan", "{jan}", "{January}", "{1}", '"Jan."'])
def test_bibtex_month_is_read_as_abbreviation_name_or_number(month):
    text = f"@misc{{a, title = {{T}}, year = 2021, month = {month}}}"

    [reference] = parse_references(text, "a.bib")

    assert (reference.issued_year, reference.issued_month) == (2021, 1)


@pytest.mark.parametrize(
    ("entry_type", "expected"),
    [
        ("article", "article-journal"),
        ("book", "book"),
        ("incollection", "chapter"),
        ("inbook", "chapter"),
        ("techreport", "report"),
        ("manual", "report"),
        ("online", "webpage"),
        ("misc", "webpage"),
        ("phdthesis", "webpage"),
    ],
)
def test_bibtex_entry_types_map_to_reference_types(entry_type, expected):
    [reference] = parse_references(f"@{entry_type}{{a, title = {{T}}}}", "a.bib")

    assert reference.type == expected


def test_bibtex_keys_become_lower_case_slugs():
    text = "@misc{Müller_2020:Überblick, title = {T}}"

    [reference] = parse_references(text, "a.bib")

    assert reference.key == "muller_2020-uberblick"


def test_bibtex_several_authors_with_one_group_keep_the_group_as_a_person_line():
    text = "@misc{a, title = {T}, author = {R.~L. Siegel and {Children's Oncology Group}}}"

    [reference] = parse_references(text, "a.bib")

    assert reference.author_organisation == ""
    assert reference.author_people == "Siegel, R. L.\nChildren's Oncology Group"


# --- RIS ------------------------------------------------------------------------------------


def test_ris_zotero_export_maps_jour_elec_and_rprt_records():
    references = parse_references(read("zotero_export.ris"), "zotero_export.ris")

    assert [(r.key, r.type) for r in references] == [
        ("siegel-2021-cancer", "article-journal"),
        ("american-cancer-society-2024-treating", "webpage"),
        ("nice-ng47", "report"),
    ]


def test_ris_journal_article_keeps_doi_pmid_pages_and_full_date():
    siegel = parse_file("zotero_export.ris")["siegel-2021-cancer"]

    assert siegel.author_people.splitlines() == [
        "Siegel, Rebecca L.",
        "Miller, Kimberly D.",
        "Fuchs, Hannah E.",
        "Jemal, Ahmedin",
    ]
    assert siegel.title == "Cancer statistics, 2021"
    assert siegel.container_title == "CA: A Cancer Journal for Clinicians"
    assert (siegel.issued_year, siegel.issued_month, siegel.issued_day) == (2021, 1, 12)
    assert (siegel.volume, siegel.issue, siegel.pages) == ("71", "1", "7-33")
    assert siegel.doi == "10.3322/caac.21654"
    assert siegel.pmid == "33433946", "PMID from the all-digit AN line"
    assert siegel.url == "https://doi.org/10.3322/caac.21654"
    assert siegel.accessed == datetime.date(2024, 11, 1)


def test_ris_web_page_by_an_organisation_has_y2_as_accessed():
    page = parse_file("zotero_export.ris")["american-cancer-society-2024-treating"]

    assert page.author_organisation == "American Cancer Society"
    assert page.author_people == ""
    assert page.container_title == "cancer.org"
    assert page.issued_year == 2024
    assert page.accessed == datetime.date(2024, 11, 1)


def test_ris_report_uses_the_id_line_as_key_and_reads_the_endnote_corporate_author():
    report = parse_file("zotero_export.ris")["nice-ng47"]

    assert report.author_organisation == "National Institute for Health and Care Excellence"
    assert (report.publisher, report.publisher_place) == ("NICE", "London")
    assert (report.issued_year, report.issued_month, report.issued_day) == (2016, 5, 15)
    assert report.url == "https://www.nice.org.uk/guidance/ng47"


def test_ris_endnote_export_with_windows_line_endings_reads_pmid_from_the_note():
    assert "\r\n" in read("endnote_export.ris")

    [moricke] = parse_file("endnote_export.ris").values()

    assert moricke.key == "moricke-2008-risk", "a record-number ID is not a useful key"
    assert moricke.author_people.splitlines()[0] == "Möricke, Anja"
    assert moricke.container_title == "Blood"
    assert (moricke.issued_year, moricke.issued_month, moricke.issued_day) == (2008, 5, 1)
    assert moricke.pages == "4477-4489"
    assert moricke.doi == "10.1182/blood-2007-09-112920"
    assert moricke.pmid == "18285545"


def test_ris_records_that_would_get_the_same_generated_key_are_numbered():
    record = "TY  - JOUR\nTI  - {}\nAU  - Smith, Jane\nPY  - 2020\nER  - \n"
    text = record.format("Induction outcomes") + record.format("Induction toxicity")

    references = parse_references(text, "two.ris")

    assert [r.key for r in references] == ["smith-2020-induction", "smith-2020-induction-2"]


@pytest.mark.parametrize(
    ("ris_type", "expected"),
    [
        ("JOUR", "article-journal"),
        ("BOOK", "book"),
        ("CHAP", "chapter"),
        ("RPRT", "report"),
        ("GOVDOC", "report"),
        ("STAND", "report"),
        ("ELEC", "webpage"),
        ("WEB", "webpage"),
        ("ICOMM", "webpage"),
        ("THES", "webpage"),
    ],
)
def test_ris_types_map_to_reference_types(ris_type, expected):
    [reference] = parse_references(f"TY  - {ris_type}\nTI  - T\nER  - \n", "a.ris")

    assert reference.type == expected


# --- CSL-JSON -------------------------------------------------------------------------------


def test_csl_json_items_are_read_with_from_csl_and_their_doi_is_tidied():
    references = parse_file("references.json")

    inaba = references["inaba2020"]
    assert inaba.author_people == "Inaba, Hiroto\nMullighan, Charles G."
    assert (inaba.issued_year, inaba.issued_month, inaba.issued_day) == (2020, 10, 1)
    assert inaba.pages == "2524-2539"
    assert inaba.doi == "10.3324/haematol.2020.247031"
    assert inaba.pmid == "33054110"
    nhs = references["nhs-all"]
    assert nhs.author_organisation == "NHS"
    assert nhs.accessed == datetime.date(2024, 11, 1)


def test_csl_json_single_object_is_one_reference():
    [reference] = parse_references('{"id": "nhs-all", "title": "ALL"}', "one.json")

    assert (reference.key, reference.title) == ("nhs-all", "ALL")


# --- Format detection -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "first_key"),
    [
        ("library.bib", "siegel2021-stats"),
        ("zotero_export.ris", "siegel-2021-cancer"),
        ("references.json", "inaba2020"),
    ],
)
@pytest.mark.parametrize("upload_name", ["", "export.txt"])
def test_format_is_recognised_from_the_content_when_the_name_does_not_say(
    name, first_key, upload_name
):
    references = parse_references(read(name), upload_name)

    assert references[0].key == first_key


def test_a_file_in_no_known_format_is_refused():
    message = error_for("Siegel RL, Miller KD. Cancer statistics, 2021.", "notes.txt")

    assert "notes.txt" in message
    assert "BibTeX (.bib), RIS (.ris) or CSL-JSON (.json)" in message


# --- Malformed files ------------------------------------------------------------------------


def test_malformed_bibtex_names_the_line_of_the_broken_entry():
    message = error_for(read("broken_brace.bib"), "broken_brace.bib")

    assert message.startswith("BibTeX entry 'acs-treating-all' starting on line 9")
    assert "not closed" in message


def test_bibtex_entry_whose_brace_never_closes_says_it_runs_to_the_end():
    message = error_for("@misc{a, title = {T}}\n\n@misc{b,\n  title = {Never closed,\n", "a.bib")

    assert message.startswith("BibTeX entry 'b' starting on line 3")
    assert "end of the file" in message


def test_bibtex_duplicate_key_names_the_key_and_the_line_of_the_second_entry():
    message = error_for(read("duplicate_key.bib"), "duplicate_key.bib")

    assert "line 9" in message
    assert "'siegel2021' again" in message


def test_bibtex_entry_without_title_is_refused():
    message = error_for("@misc{nhs-all,\n  url = {https://www.nhs.uk/}\n}", "a.bib")

    assert message == "BibTeX entry 'nhs-all' starting on line 1 has no title."


def test_ris_record_without_ty_line_is_refused_naming_the_record_and_line():
    message = error_for(read("missing_ty.ris"), "missing_ty.ris")

    assert message == "RIS record 2 (line 8) has no TY (type) line."


def test_ris_file_whose_last_record_has_no_er_is_refused_naming_the_record():
    message = error_for(read("missing_er.ris"), "missing_er.ris")

    assert message.startswith("RIS record 2 (line 8) has no ER (end of record) line")


def test_ris_record_running_into_the_next_without_er_is_refused():
    message = error_for("TY  - JOUR\nTI  - A\nTY  - ELEC\nTI  - B\nER  - \n", "a.ris")

    assert message.startswith("RIS record 1 (line 1) has no ER (end of record) line")
    assert "line 3" in message


def test_invalid_json_names_the_line_and_column():
    message = error_for(read("invalid.json"), "invalid.json")

    assert message.startswith("CSL-JSON is not valid JSON: line 6, column 5:")


def test_csl_json_item_without_title_is_refused_naming_the_item():
    message = error_for(read("missing_title.json"), "missing_title.json")

    assert message == "CSL-JSON item 2 has no title."


def test_csl_json_item_with_an_impossible_date_is_refused_naming_the_item():
    text = '[{"id": "a", "title": "T", "accessed": {"date-parts": [[2024, 13, 1]]}}]'

    assert error_for(text, "a.json").startswith("CSL-JSON item 1 ('a') could not be read")


@pytest.mark.parametrize(
    ("text", "filename"),
    [
        (read("empty.bib"), "empty.bib"),
        ("", "empty.ris"),
        ("  \n\n", "empty.json"),
        ("", ""),
    ],
)
def test_empty_file_is_refused(text, filename):
    assert error_for(text, filename).startswith("No references found in")


@pytest.mark.parametrize(
    ("text", "filename"),
    [("% Just a comment\n", "a.bib"), ("[]", "a.json"), ("Provider: Nobody\n", "a.ris")],
)
def test_file_without_any_reference_is_refused(text, filename):
    assert error_for(text, filename) == f"No references found in {filename}."


def test_keys_that_become_the_same_slug_are_returned_for_the_caller_to_flag():
    text = '[{"id": "Smith:2020", "title": "A"}, {"id": "smith-2020", "title": "B"}]'

    references = parse_references(text, "a.json")

    assert [r.key for r in references] == ["smith-2020", "smith-2020"]


# --- Ready to save --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", WELL_FORMED_FILES)
def test_references_from_well_formed_files_pass_full_clean_and_save(name):
    references = parse_references(read(name), name)

    assert all(reference.pk is None for reference in references)
    for reference in references:
        reference.full_clean()
        reference.save()
    assert Reference.objects.count() == len(references)


@pytest.mark.django_db
def test_full_clean_refuses_an_imported_key_that_is_already_in_the_database(reference):
    imported = parse_file("library.bib")[reference.key]

    with pytest.raises(ValidationError) as caught:
        imported.full_clean()

    assert "key" in caught.value.message_dict
