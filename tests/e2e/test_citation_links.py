"""Readers jump from a citation to its source and back, by mouse or keyboard."""

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BODY = "## Facts\n\nInduction lasts about a month [@acs-treating-all].\n\n" + "\n\n".join(
    f"Filler paragraph {n} to make the page scroll." for n in range(40)
)


def test_clicking_a_citation_focuses_its_reference_and_the_back_link_returns(
    live_server, new_page, publish
):
    article = publish(body=BODY)
    page = new_page()
    page.set_viewport_size({"width": 390, "height": 700})
    page.goto(f"{live_server.url}{article.get_absolute_url()}")

    page.click("sup.citation a")
    assert page.evaluate("document.activeElement.id") == "ref-1"
    assert page.locator("#ref-1").is_visible()
    assert page.url.endswith("#ref-1")

    page.click("#ref-1 a.backlink")
    assert page.evaluate("document.activeElement.id") == "cite-1-1"
    assert page.url.endswith("#cite-1-1")
    box = page.evaluate(
        "(() => { const r = document.getElementById('cite-1-1').getBoundingClientRect();"
        " return [r.top, r.bottom, window.innerHeight]; })()"
    )
    top, bottom, viewport_height = box
    assert top >= 0, "citation is above the viewport after going back"
    assert bottom <= viewport_height, "citation is below the viewport after going back"
