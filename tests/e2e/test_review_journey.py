"""A change goes from an editor, through a medical reviewer, to readers."""

import pytest
from django.utils import timezone

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NEW_SUMMARY = "Induction is the first phase and usually lasts about four weeks."


def test_edit_is_invisible_until_a_reviewer_approves_it_then_shows_with_name_and_date(
    live_server, new_page, login, publish, editor, reviewer
):
    article = publish(title="Induction", summary="The first phase of treatment.")
    public_url = f"{live_server.url}{article.get_absolute_url()}"

    editor_page = new_page()
    login(editor_page, editor.username)
    editor_page.goto(f"{live_server.url}/admin/treatments/article/{article.pk}/change/")
    editor_page.fill("#id_summary", NEW_SUMMARY)
    editor_page.check("#id_submit_for_review")
    editor_page.fill("#id_note_for_readers", "Said how long induction lasts.")
    editor_page.click("input[name=_save]")
    editor_page.wait_for_selector("text=Submitted for medical review.")

    reader = new_page()
    reader.goto(public_url)
    assert reader.locator(".article__summary").inner_text() == "The first phase of treatment."

    reviewer_page = new_page()
    login(reviewer_page, reviewer.username)
    reviewer_page.click("#medical-review >> text=Review queue")
    reviewer_page.click("text=Review “Induction”")
    inserted = reviewer_page.locator(".review-details ins").all_inner_texts()
    assert any("four weeks" in text for text in inserted), inserted
    reviewer_page.click("text=Approve and publish")
    reviewer_page.wait_for_selector("text=Approved and published")

    reader.reload()
    assert reader.locator(".article__summary").inner_text() == NEW_SUMMARY
    byline = reader.locator(".review-byline").inner_text()
    assert "Dr Rhea Viewer" in byline
    assert f"Last reviewed {timezone.localdate():%-d %B %Y}" in byline
    assert "Said how long induction lasts." in reader.locator(".change-log").inner_text()
