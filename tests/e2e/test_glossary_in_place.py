"""A reader opens a glossary term's definition where they are reading, and
closes it again, without leaving the page (static/js/glossary.js)."""

from pathlib import Path

import pytest

from tests.e2e.test_accessibility import AXE, AXE_OPTIONS, describe

pytestmark = pytest.mark.browser

TERM = "a.glossary-link[href='/glossary/#philadelphia-chromosome']"


@pytest.fixture
def demo_site(live_server, demo):
    return live_server.url


def test_a_glossary_link_shows_the_definition_in_place_and_escape_closes_it(demo_site, new_page):
    page = new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{demo_site}/treatment/targeted-therapy/")
    address = page.url
    term = page.locator(TERM).first
    assert term.get_attribute("aria-expanded") == "false"

    term.click()
    definition = page.locator(".glossary-popup:not([hidden])")
    assert definition.is_visible()
    assert "A shortened chromosome 22" in definition.inner_text()
    assert page.url == address  # the reader did not leave the page
    assert term.get_attribute("aria-expanded") == "true"
    full = definition.get_by_role("link", name="Full glossary entry")
    assert full.get_attribute("href") == "/glossary/#philadelphia-chromosome"

    page.keyboard.press("Tab")  # into the definition: its full-entry link
    assert page.evaluate("document.activeElement.textContent") == "Full glossary entry"
    page.keyboard.press("Escape")
    assert not definition.is_visible()
    assert term.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.getAttribute('href')") == (
        "/glossary/#philadelphia-chromosome"
    )

    page.keyboard.press("Enter")  # the keyboard opens it too, and Close closes it
    assert page.locator(".glossary-popup:not([hidden])").is_visible()
    page.get_by_role("button", name="Close definition").click()
    assert page.locator(".glossary-popup:not([hidden])").count() == 0
    assert page.url == address
    assert errors == []


def test_an_open_definition_has_no_axe_violations(demo_site, new_page):
    assert Path(AXE).is_file(), "make test installs axe-core (npm ci)"
    page = new_page(bypass_csp=True)
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{demo_site}/treatment/targeted-therapy/")
    page.locator(TERM).first.click()
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    assert not result["violations"], describe(result["violations"])


def test_without_script_a_glossary_link_goes_to_the_glossary(demo_site, browser):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{demo_site}/treatment/targeted-therapy/")
        page.locator(TERM).first.click()
        page.wait_for_url("**/glossary/#philadelphia-chromosome")
    finally:
        context.close()
