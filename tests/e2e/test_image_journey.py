"""An editor adds a diagram to a page: uploaded with alt text, pasted into the
page, invisible to readers until a medical reviewer approves it."""

import importlib
import io

import pytest
from PIL import Image as PILImage

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ALT = "Timeline of treatment: induction, consolidation, then maintenance"


@pytest.fixture
def served_media(settings, tmp_path):
    """Uploads in a temporary directory, served by Django as in `make run`."""
    from django.urls import clear_url_caches

    import allsite.urls

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DEBUG = True
    importlib.reload(allsite.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(allsite.urls)
    clear_url_caches()


def diagram_png(tmp_path):
    path = tmp_path / "phases.png"
    image = PILImage.new("RGB", (1200, 400), "white")
    for x, colour in ((0, "navy"), (300, "green"), (700, "purple")):
        image.paste(colour, (x + 20, 150, x + 280, 250))
    out = io.BytesIO()
    image.save(out, format="PNG")
    path.write_bytes(out.getvalue())
    return path


def test_a_diagram_added_by_an_editor_reaches_readers_only_after_approval(
    live_server, new_page, login, publish, editor, reviewer, served_media, tmp_path
):
    article = publish(title="Induction", summary="The first phase of treatment.")
    public_url = f"{live_server.url}{article.get_absolute_url()}"

    editor_page = new_page()
    login(editor_page, editor.username)
    editor_page.goto(f"{live_server.url}/admin/treatments/image/add/")
    editor_page.set_input_files("#id_upload", str(diagram_png(tmp_path)))
    editor_page.fill("#id_key", "phases-diagram")
    editor_page.fill("#id_alt_text", ALT)
    editor_page.fill("#id_caption", "The three phases of treatment")
    editor_page.click("input[name=_save]")
    editor_page.wait_for_selector("text=Paste this into a page")
    snippet = editor_page.locator(".field-paste code").first.inner_text()
    assert snippet == f"![{ALT}](image:phases-diagram)"

    change_url = f"{live_server.url}/admin/treatments/article/{article.pk}/change/"
    editor_page.goto(change_url)
    body = editor_page.input_value("#id_body")
    editor_page.fill("#id_body", f"{body}\n\n![](image:phases-diagram)\n")
    editor_page.click("input[name=_save]")
    editor_page.wait_for_selector("text=has no description (alt text)")
    assert "![](image:phases-diagram)" in editor_page.input_value("#id_body")  # text kept

    editor_page.fill("#id_body", f"{body}\n\n{snippet}\n")
    editor_page.check("#id_submit_for_review")
    editor_page.fill("#id_note_for_readers", "Added a diagram of the phases.")
    editor_page.click("input[name=_save]")
    editor_page.wait_for_selector("text=Submitted for medical review.")

    reader = new_page()
    reader.goto(public_url)
    assert reader.locator("figure").count() == 0

    reviewer_page = new_page()
    login(reviewer_page, reviewer.username)
    reviewer_page.click("#medical-review >> text=Review queue")
    reviewer_page.click("text=Review “Induction”")
    inserted = reviewer_page.locator(".review-details ins").all_inner_texts()
    assert "phases-diagram" in inserted, inserted  # under "Details that changed"
    # And in the changes, as readers will see it: the figure itself, marked as added.
    added = reviewer_page.locator("ins.diff-block figure img")
    assert added.get_attribute("alt") == ALT
    reviewer_page.click("text=Approve and publish")
    reviewer_page.wait_for_selector("text=Approved and published")

    reader.reload()
    image = reader.locator("figure img")
    assert image.get_attribute("alt") == ALT
    assert image.get_attribute("loading") == "lazy"
    image.scroll_into_view_if_needed()
    reader.wait_for_function("document.querySelector('figure img').complete")
    assert reader.evaluate("document.querySelector('figure img').naturalWidth") > 0
    assert reader.locator("figcaption").inner_text() == "The three phases of treatment"
