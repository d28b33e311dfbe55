"""WCAG 2.2 AA checks with axe-core in Chromium, and no sideways scrolling at 320px."""

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "rules": {"target-size": {"enabled": True}},
}
PAGES = [
    "/",
    "/treatment/phases-of-treatment/",
    "/treatment/induction/",
    "/treatment/immunotherapy/",
    "/tags/chemotherapy/",
    "/tags/",
    "/glossary/",
    "/medicines/",
    "/medicines/blinatumomab/",
    "/feedback/blinatumomab/",
    "/search/?q=steroids",
    "/search/?q=zzzz-nothing-matches",
    "/search/",
    "/no-such-page/",
    # French: translated pages, an untranslated one (the English page under a
    # French notice), French search and glossary.
    "/fr/",
    "/fr/treatment/phases-of-treatment/",
    "/fr/treatment/induction/",
    "/fr/treatment/immunotherapy/",
    "/fr/glossary/",
    "/fr/search/?q=induction",
    "/fr/no-such-page/",
]


@pytest.fixture
def demo_site(live_server, demo):
    return live_server.url


def describe(violations):
    return json.dumps(
        [
            {
                "rule": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n["target"] for n in v["nodes"][:5]],
            }
            for v in violations
        ],
        indent=1,
    )


def test_every_public_page_type_has_no_axe_violations(demo_site, new_page):
    assert AXE.is_file(), "make test installs axe-core (npm ci)"
    page = new_page(bypass_csp=True)
    failures = {}
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        for path in PAGES:
            page.goto(f"{demo_site}{path}")
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
            if result["violations"]:
                failures[f"{path} @ {width}px"] = describe(result["violations"])
    assert not failures, "\n".join(f"{page}: {v}" for page, v in failures.items())


def test_no_page_scrolls_sideways_at_320px(demo_site, new_page):
    page = new_page()
    page.set_viewport_size({"width": 320, "height": 640})
    too_wide = {}
    for path in PAGES:
        page.goto(f"{demo_site}{path}")
        scroll_width, viewport = page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        if scroll_width > viewport:
            too_wide[path] = scroll_width
    assert not too_wide, f"pages wider than 320px: {too_wide}"


def test_wide_screens_put_the_section_and_helpline_beside_the_page(demo_site, new_page):
    page = new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{demo_site}/treatment/phases-of-treatment/")
    article = page.locator("article.article").bounding_box()
    side = page.locator(".side-column").bounding_box()
    assert side["x"] >= article["x"] + article["width"]  # beside, not below
    assert side["y"] < 600  # in the first screen, not under the forms
    assert page.locator(".side-column").get_by_role("link", name="Induction").is_visible()
    assert page.locator(".side-column .side-helpline a[href^='tel:']").is_visible()

    # The feedback forms are collapsed until the reader opens one.
    comment = page.locator("#feedback-error-comment")
    assert not comment.is_visible()
    page.get_by_text("Report an error on this page").click()
    assert comment.is_visible()

    page.set_viewport_size({"width": 390, "height": 900})
    side = page.locator(".side-column").bounding_box()
    article = page.locator("article.article").bounding_box()
    assert side["y"] >= article["y"] + article["height"]  # narrow screens: after the page


def test_a_printed_page_says_where_and_when_it_was_printed(demo_site, new_page):
    page = new_page()
    page.goto(f"{demo_site}/treatment/induction/")
    source = page.locator(".print-source")
    assert not source.is_visible()
    page.emulate_media(media="print")
    assert source.is_visible()
    today = page.evaluate(
        "new Date().toLocaleDateString('en-GB', {day: 'numeric', month: 'long', year: 'numeric'})"
    )
    assert source.inner_text() == f"Printed from {demo_site}/treatment/induction/ on {today}"
    assert not page.locator(".side-column").is_visible()
