"""[@key] markers: numbering, links both ways, unknown keys, code spans."""

import datetime
import re

import pytest

from references.citations import UnknownCitationKeys
from references.models import Reference
from treatments import rendering

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sources(db):
    for key, org in [("acs", "American Cancer Society"), ("nhs", "NHS"), ("lls", "LLS")]:
        Reference.objects.create(
            key=key, type="webpage", author_organisation=org, title=f"{org} page",
            url=f"https://example.org/{key}", accessed=datetime.date(2026, 11, 1),
        )  # fmt: skip


def render_body(body):
    return rendering.render_body(body, references=rendering.working_references(body))


def superscripts(html):
    return re.findall(r'<a href="#ref-(\d+)" id="cite-(\d+)-(\d+)">(\d+)</a>', html)


def reference_list(html):
    return re.findall(r'<li id="ref-(\d+)" tabindex="-1">(\w+)', html)


def test_sources_are_numbered_in_order_of_first_citation():
    html = render_body("First [@nhs]. Second [@acs]. Third [@lls].")
    assert [number for number, *_ in superscripts(html)] == ["1", "2", "3"]
    assert reference_list(html) == [("1", "NHS"), ("2", "American"), ("3", "LLS")]


def test_a_repeated_citation_reuses_its_number_and_gets_its_own_back_link():
    html = render_body("One [@acs]. Two [@nhs]. Again [@acs].")
    assert [(n, use) for n, _, use, _ in superscripts(html)] == [("1", "1"), ("2", "1"), ("1", "2")]
    assert len(reference_list(html)) == 2
    assert 'href="#cite-1-1"' in html
    assert 'href="#cite-1-2"' in html
    assert "use 2 of 2" in html


def test_a_multi_citation_links_each_source():
    html = render_body("Both say so [@acs; @nhs].")
    assert re.search(
        r'<sup class="citation"><a href="#ref-1" id="cite-1-1">1</a>,'
        r'<a href="#ref-2" id="cite-2-1">2</a></sup>',
        html,
    )


def test_unknown_keys_are_named_in_the_error():
    with pytest.raises(UnknownCitationKeys) as error:
        render_body("Fine [@acs]. Typo [@acss] and [@nope; @nhs].")
    assert error.value.keys == ["acss", "nope"]
    assert "[@acss], [@nope]" in str(error.value)


def test_a_marker_inside_a_code_span_is_left_alone():
    html = render_body("Write `[@acs]` to cite. Real one [@nhs].")
    assert "<code>[@acs]</code>" in html
    assert reference_list(html) == [("1", "NHS")]


def test_a_body_without_citations_has_no_reference_list():
    assert "References" not in render_body("## Plain\n\nNo sources here.")


def test_the_space_before_a_citation_is_removed():
    assert "month<sup" in render_body("It lasts a month [@acs].")
