"""Snapshots of the AMA reference style as readers see it (citeproc-py + CSL)."""

import datetime

import pytest

from references.citations import format_entries
from references.models import Reference

CASES = {
    "web page with organisation author and accessed date": (
        Reference(
            key="acs", type="webpage", author_organisation="American Cancer Society",
            title="Treating acute lymphocytic leukemia (ALL)", container_title="cancer.org",
            url="https://www.cancer.org/x.html", accessed=datetime.date(2026, 11, 1),
        ),
        "American Cancer Society. Treating acute lymphocytic leukemia (ALL). cancer.org. "
        "Accessed November 1, 2026. "
        '<a href="https://www.cancer.org/x.html">https://www.cancer.org/x.html</a>',
    ),
    "journal article with DOI and PMID": (
        Reference(
            key="siegel2021", type="article-journal",
            author_people="Siegel, Rebecca L\nMiller, Kimberly D\nFuchs, Hannah E\nJemal, Ahmedin",
            title="Cancer statistics, 2021", container_title="CA Cancer J Clin",
            issued_year=2021, issued_month=1, volume="71", issue="1", pages="7-33",
            doi="10.3322/caac.21654", pmid="33433946",
        ),
        "Siegel RL, Miller KD, Fuchs HE, Jemal A. Cancer statistics, 2021. "
        "<i>CA Cancer J Clin</i>. 2021;71(1):7-33. "
        '<a href="https://doi.org/10.3322/caac.21654">doi:10.3322/caac.21654</a> '
        'PMID: <a href="https://pubmed.ncbi.nlm.nih.gov/33433946/">33433946</a>',
    ),
    "book": (
        Reference(
            key="devita", type="book",
            author_people="DeVita, Vincent T\nLawrence, Theodore S\nRosenberg, Steven A",
            title="Cancer: Principles and Practice of Oncology", publisher="Wolters Kluwer",
            publisher_place="Philadelphia, PA", issued_year=2019, doi="10.1000/book.2019",
        ),
        "DeVita VT, Lawrence TS, Rosenberg SA. <i>Cancer: Principles and Practice of "
        "Oncology</i>. Wolters Kluwer; 2019. "
        '<a href="https://doi.org/10.1000/book.2019">doi:10.1000/book.2019</a>',
    ),
    "chapter": (
        Reference(
            key="kebriaei", type="chapter",
            author_people="Kebriaei, Partow\nRavandi, Farhad\nde Lima, Marcos\nChamplin, Richard",
            title="Management of acute leukemias",
            container_title="Cancer: Principles and Practice of Oncology",
            publisher="Wolters Kluwer", issued_year=2019, pages="1742-1763",
            doi="10.1000/chapter.102",
        ),
        "Kebriaei P, Ravandi F, de Lima M, Champlin R. Management of acute leukemias. In: "
        "<i>Cancer: Principles and Practice of Oncology</i>. Wolters Kluwer; 2019:1742-1763. "
        '<a href="https://doi.org/10.1000/chapter.102">doi:10.1000/chapter.102</a>',
    ),
    "guideline or report": (
        Reference(
            key="nccn", type="report", author_organisation="National Comprehensive Cancer Network",
            title="NCCN Guidelines for Patients: Acute Lymphoblastic Leukemia",
            publisher="National Comprehensive Cancer Network", issued_year=2024,
            url="https://www.nccn.org/all.pdf", accessed=datetime.date(2026, 11, 1),
        ),
        "National Comprehensive Cancer Network. <i>NCCN Guidelines for Patients: Acute "
        "Lymphoblastic Leukemia</i>. National Comprehensive Cancer Network; 2024. "
        'Accessed November 1, 2026. <a href="https://www.nccn.org/all.pdf">https://www.nccn.org/all.pdf</a>',
    ),
    "more than six authors": (
        Reference(
            key="many", type="article-journal",
            author_people="\n".join(f"Author{n}, Ann" for n in range(1, 9)),
            title="A trial with many authors", container_title="N Engl J Med", issued_year=2018,
            volume="378", issue="5", pages="439-448", doi="10.1056/NEJMoa1709866",
        ),
        "Author1 A, Author2 A, Author3 A, et al. A trial with many authors. "
        "<i>N Engl J Med</i>. 2018;378(5):439-448. "
        '<a href="https://doi.org/10.1056/NEJMoa1709866">doi:10.1056/NEJMoa1709866</a>',
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_reference_is_formatted_in_ama_style(case):
    reference, expected = CASES[case]
    assert format_entries([reference]) == [expected]


def test_entries_carry_no_number_of_their_own_so_the_list_numbers_them():
    entries = format_entries([CASES["book"][0], CASES["chapter"][0]])
    assert not entries[0].startswith("1")
    assert not entries[1].startswith("2")


def test_a_source_formatted_once_is_not_formatted_again_in_another_process(monkeypatch):
    """The task worker re-rendering pages reuses the entries their approval
    formatted (the shared cache), instead of running citeproc again."""
    from references import citations

    reference, expected = CASES["book"]
    assert format_entries([reference]) == [expected]
    citations._format_entry.cache_clear()  # a new process's memory

    def formatter_must_not_run(*args):
        raise AssertionError("formatted again")

    monkeypatch.setattr(citations, "_format_entry", formatter_must_not_run)
    assert format_entries([reference]) == [expected]


def test_an_edited_source_is_formatted_afresh_not_taken_from_the_cache():
    reference, _ = CASES["book"]
    format_entries([reference])
    edited = Reference(**{
        f.attname: getattr(reference, f.attname) for f in Reference._meta.concrete_fields
    })  # fmt: skip
    edited.title = "A different title"
    assert "<i>A Different Title</i>" in format_entries([edited])[0]
