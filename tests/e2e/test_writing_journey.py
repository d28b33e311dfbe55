"""An editor writes with the live preview, the readability hints and the source picker."""

import pytest

from tests.e2e.test_accessibility import AXE, describe
from treatments.models import Kind

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LONG_SENTENCE = (
    "Most children and adults who start induction reach remission within about four weeks "
    "although some need a second course of treatment before the doctors can find no more "
    "leukaemia cells in the bone marrow samples."
)


def edit_screen(live_server, article):
    return f"{live_server.url}/admin/treatments/article/{article.pk}/change/"


def test_editor_sees_the_preview_and_hints_update_while_typing_and_picks_a_source_after_typing(
    live_server, new_page, login, publish, publish_item, editor
):
    publish_item(Kind.GLOSSARY, "remission", "Remission", "No leukaemia cells can be found.", {})
    article = publish()
    page = new_page()
    login(page, editor.username)
    page.goto(edit_screen(live_server, article))
    page.wait_for_selector(".live-preview__body sup.citation")

    body = page.locator("#id_body")
    body.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(f"\n\n{LONG_SENTENCE} Remission is the aim ")
    page.keyboard.type("[@acs")
    option = page.locator("#citation-picker [role=option]", has_text="[@acs-treating-all]")
    option.wait_for()
    assert "Treating acute lymphocytic leukemia (ALL)" in option.inner_text()
    assert body.get_attribute("aria-activedescendant") == option.get_attribute("id")
    page.keyboard.press("Enter")

    assert body.input_value().endswith("Remission is the aim [@acs-treating-all]")
    assert page.locator("#citation-picker").is_hidden()
    preview = page.locator(".live-preview__body")
    preview.locator("p", has_text="Remission is the aim").wait_for()
    # The new citation is the same source as the first: it gets the same number.
    assert (
        preview.locator("p", has_text="Remission is the aim").locator("sup.citation").inner_text()
        == "1"
    )
    hints = page.locator(".live-preview__readability")
    assert "1 long sentence (over 25 words)" in hints.inner_text()
    status = page.locator(".live-preview__status")
    assert status.get_attribute("aria-live") == "polite"
    assert "Preview updated" in status.inner_text()
    region = page.locator("section.live-preview")
    assert page.locator(f"#{region.get_attribute('aria-labelledby')}").inner_text() == (
        "Preview of the body"
    )

    page.keyboard.type("\n\n# A heading of my own")
    line_button = page.locator(".live-preview__problems .live-preview__line")
    line_button.wait_for()
    line = int(line_button.get_attribute("data-line"))
    assert line == body.input_value().count("\n") + 1
    line_button.click()
    selected = page.evaluate(
        "(() => { const t = document.getElementById('id_body');"
        " return t.value.slice(t.selectionStart, t.selectionEnd); })()"
    )
    assert selected == "# A heading of my own"

    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    page.keyboard.type(f"## Aims\n\n{LONG_SENTENCE} [@acs-treating-all]")
    page.locator(".live-preview__problems").wait_for(state="detached")
    page.click("input[name=_save]")
    page.wait_for_selector("text=was changed successfully")
    assert article.latest_revision.body.startswith("## Aims")


def test_the_writing_surface_is_accessible_and_fits_a_phone(
    live_server, new_page, login, publish, editor
):
    article = publish()
    page = new_page(bypass_csp=True)  # only to inject axe-core
    login(page, editor.username)
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(edit_screen(live_server, article))
    page.wait_for_selector(".live-preview__body")
    page.locator("#id_body").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" [@")
    page.locator("#citation-picker [role=option]").first.wait_for()

    assert page.evaluate("document.documentElement.scrollWidth") <= 320  # no sideways scrolling
    surface = page.locator(".writing-surface").bounding_box()
    preview = page.locator(".live-preview").bounding_box()
    editor_box = page.locator("#id_body").bounding_box()
    assert surface["x"] + surface["width"] <= 320
    assert preview["y"] > editor_box["y"] + editor_box["height"] - 1  # stacked
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "axe.run({include: [['.writing-surface']]},"
        " {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',"
        " 'wcag22aa']}, rules: {'target-size': {enabled: true}}})"
    )
    assert result["violations"] == [], describe(result["violations"])

    page.set_viewport_size({"width": 390, "height": 800})
    page.keyboard.press("Escape")
    page.keyboard.press("Control+Home")
    page.keyboard.type("New text about chemo [@")
    page.locator("#citation-picker [role=option]").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.evaluate("window.scrollX") == 0
    picker = page.locator("#citation-picker").bounding_box()
    assert picker["x"] >= 0
    assert picker["x"] + picker["width"] <= 390

    page.set_viewport_size({"width": 1280, "height": 900})
    editor_box = page.locator("#id_body").bounding_box()
    preview = page.locator(".live-preview").bounding_box()
    assert preview["x"] >= editor_box["x"] + editor_box["width"]  # side by side


def test_an_editor_sees_who_else_has_unsaved_changes_open(
    live_server, new_page, login, publish, editor, second_editor
):
    article = publish()
    bob = new_page()
    login(bob, second_editor.username)
    bob.goto(edit_screen(live_server, article))
    bob.wait_for_selector(".live-preview__body")
    with bob.expect_response(lambda r: "heartbeat" in r.url):
        bob.fill("#id_summary", "Bob is changing the summary.")

    ann = new_page()
    login(ann, editor.username)
    ann.goto(edit_screen(live_server, article))

    hint = ann.locator("#editing-others")
    assert "editor_bob has this page open with unsaved changes since" in hint.inner_text()
    assert bob.locator("#editing-others").is_hidden()  # never your own name
