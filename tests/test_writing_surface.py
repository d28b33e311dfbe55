"""The writing surface: live preview, source picker, problems by line, who else is editing.

The endpoints are called as editor.js calls them (tests/e2e/test_writing_journey.py
drives the real script in Chromium).
"""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from references.models import Reference
from tests.conftest import make_user
from treatments import editing, workflow
from treatments.models import Article, EditingPresence, Kind, Revision

pytestmark = pytest.mark.django_db

PREVIEW = "/admin/treatments/article/writing/preview/"
REFERENCES = "/admin/treatments/article/writing/references/"


def heartbeat_url(article):
    return f"/admin/treatments/article/{article.pk}/writing/heartbeat/"


def preview(client, body, **extra):
    return client.post(PREVIEW, {"body": body, **extra})


def preview_body(answer):
    """The rendered body inside the preview's HTML."""
    match = re.search(r'<div class="live-preview__body">(.*)</div>\s*$', answer["html"], re.S)
    assert match, answer["html"]
    return match.group(1)


def article_form(article=None, **fields):
    from tests.test_article_admin import article_form as form

    return form(article, **fields)


# --- live preview ---------------------------------------------------------------------


def test_preview_shows_citations_as_numbers_and_glossary_links_exactly_as_the_public_page(
    client, editor, publish, publish_item
):
    publish_item(Kind.GLOSSARY, "remission", "Remission", "No leukaemia cells can be found.", {})
    body = "## Aims\n\nThe aim is remission, reached in most children [@acs-treating-all].\n"
    article = publish("aims", title="Aims", body=body)
    client.force_login(editor)

    response = preview(client, body, article=str(article.pk))

    assert response.status_code == 200
    answer = response.json()
    shown = preview_body(answer)
    assert '<sup class="citation"><a href="#ref-1" id="cite-1-1">1</a></sup>' in shown
    assert 'class="glossary-link"' in shown
    assert "/glossary/#remission" in shown
    assert "Treating acute lymphocytic leukemia (ALL)" in shown  # the reference list
    assert shown == article.live_page.body_html
    assert answer["problems"] == []


def test_preview_gives_readability_hints_while_typing(client, editor, reference):
    long_sentence = " ".join(["word"] * 30) + "."
    client.force_login(editor)

    answer = preview(client, f"## Plain\n\nShort words are best here.\n\n{long_sentence}\n").json()

    assert answer["readability"]["long_sentences"][0]["words"] == 30
    assert "1 long sentence (over 25 words)" in answer["html"]
    assert answer["readability"]["verdict"] in answer["html"]


def test_preview_saves_nothing_and_is_never_cached(client, editor, publish):
    article = publish()
    revisions = Revision.objects.count()
    client.force_login(editor)

    response = preview(client, "## Changed\n\nA new text [@acs-treating-all].", article=article.pk)

    assert response.status_code == 200
    assert Revision.objects.count() == revisions
    assert "no-store" in response["Cache-Control"]
    assert client.get(article.get_absolute_url()).content.decode().count("A new text") == 0


def test_preview_names_the_line_of_each_problem(client, editor, reference):
    client.force_login(editor)
    body = (
        "# A title of my own\n"  # 1
        "\n"  # 2
        "Text that is fine [@acs-treating-all].\n"  # 3
        "\n"  # 4
        "A claim [@no-such-source] and more careful writing.\n"  # 5
        "\n"  # 6
        "Broken [@ acs-treating-all] marker.\n"  # 7
        "\n"  # 8
        "<script>alert(1)</script>\n"  # 9
    )

    answer = preview(client, body).json()

    lines = {p["places"][0]["line"]: p for p in answer["problems"]}
    assert sorted(lines) == [1, 5, 7, 9]
    assert "start sections with ## instead" in lines[1]["message"]
    assert lines[5]["places"][0]["excerpt"] == "A claim [@no-such-source] and more careful writing."
    assert "[@no-such-source]" in lines[5]["message"]
    assert "not written right: [@ acs-treating-all]" in lines[7]["message"]
    assert "&lt;script&gt;" in answer["html"]
    assert "left out" in lines[9]["message"]
    assert (
        '<button type="button" class="live-preview__line" data-line="5">Line 5</button>'
        in (answer["html"])
    )
    # What can be shown still is: the rest of the text, with the unknown marker as typed.
    assert "A claim [@no-such-source] and more careful writing." in preview_body(answer)


def test_preview_of_a_body_over_the_limit_is_refused_with_the_line_where_it_goes_over(
    client, editor
):
    client.force_login(editor)
    body = "## Long\n\n" + "A line of text that repeats.\n" * 4000  # about 116,000 characters

    response = preview(client, body)

    assert response.status_code == 413
    problem = response.json()["problems"][0]
    assert "at most 100,000 characters" in problem["message"]
    assert problem["places"][0]["line"] == 3 + (100_000 - 9) // 29
    assert "live-preview__body" not in response.json()["html"]


def test_a_preview_request_too_large_to_read_is_refused_before_reading_it(client, editor):
    client.force_login(editor)

    response = preview(client, "x" * (editing.MAX_PREVIEW_BYTES + 10))

    assert response.status_code == 413
    assert "too long to preview" in response.json()["problems"][0]["message"]


# --- the form: errors by line, text kept ----------------------------------------------


def test_saving_an_unknown_citation_names_its_line_and_keeps_the_text(client, editor, reference):
    client.force_login(editor)
    body = "## Facts\n\nA first paragraph.\n\nA claim [@no-such-source] and more of my writing."

    response = client.post("/admin/treatments/article/add/", article_form(body=body))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Line 5 (“A claim [@no-such-source] and more of my writing.”): " in html
    assert "do not match any reference: [@no-such-source]" in html
    assert "more of my writing.</textarea>" in html
    assert not Article.objects.exists()


def test_saving_a_top_level_heading_names_its_line(client, editor, reference):
    client.force_login(editor)
    body = "## Fine\n\nText [@acs-treating-all].\n\n# Not fine\n\nMore."

    response = client.post("/admin/treatments/article/add/", article_form(body=body))

    assert "Line 5 (“# Not fine”): The body has a top-level heading" in response.content.decode()


def test_saving_a_body_over_the_limit_names_the_line_and_keeps_every_character(
    client, editor, reference
):
    client.force_login(editor)
    body = "## Long\n\n" + "\n".join(f"Line {n} of a long page." for n in range(3, 6003))

    response = client.post("/admin/treatments/article/add/", article_form(body=body))

    html = response.content.decode()
    limit_line = body[:100_000].count("\n") + 1
    assert f"Line {limit_line} (“" in html
    assert f"is {len(body):,} characters long" in html
    assert "Line 6002 of a long page.</textarea>" in html  # nothing cut off
    assert 'maxlength="100000"' not in html  # the browser must not cut a paste either


# --- source picker ----------------------------------------------------------------------


def test_source_picker_offers_approved_references_by_key_or_title(client, editor, reference):
    Reference.objects.create(key="acs-unapproved", type="webpage", title="Not approved yet")
    client.force_login(editor)

    by_key = client.get(REFERENCES, {"q": "acs"}).json()
    by_title = client.get(REFERENCES, {"q": "lymphocytic"}).json()
    nothing = client.get(REFERENCES, {"q": "zzz"}).json()

    expected = {"key": "acs-treating-all", "title": "Treating acute lymphocytic leukemia (ALL)"}
    assert by_key["results"] == [expected]
    assert by_title["results"] == [expected]
    assert nothing["results"] == []


# --- permissions ----------------------------------------------------------------------


def test_people_who_cannot_edit_pages_get_nothing_from_the_writing_endpoints(
    client, publish, helpline_staff
):
    article = publish()
    reader = make_user(username="reader")
    reader.is_staff = False
    reader.save()
    for who in (None, reader):
        if who:
            client.force_login(who)
        assert preview(client, "## Hi").status_code == 302  # to the sign-in page
        assert client.get(REFERENCES, {"q": "acs"}).status_code == 302
        assert client.post(heartbeat_url(article)).status_code == 302
    client.force_login(helpline_staff)
    assert preview(client, "## Hi").status_code == 403
    assert client.get(REFERENCES, {"q": "acs"}).status_code == 403
    assert client.post(heartbeat_url(article)).status_code == 403
    assert not EditingPresence.objects.exists()


def test_writing_endpoints_refuse_a_post_without_the_csrf_token(editor, publish):
    article = publish()
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)

    assert client.post(PREVIEW, {"body": "## Hi"}).status_code == 403
    assert client.post(heartbeat_url(article)).status_code == 403
    assert not EditingPresence.objects.exists()


def test_preview_and_heartbeat_only_answer_posts(client, editor, publish):
    article = publish()
    client.force_login(editor)

    assert client.get(PREVIEW).status_code == 405
    assert client.get(heartbeat_url(article)).status_code == 405


# --- who else is editing ----------------------------------------------------------------


def edit_screen(client, article):
    return client.get(f"/admin/treatments/article/{article.pk}/change/").content.decode()


def test_the_edit_screen_says_who_else_has_unsaved_changes_open_but_not_yourself(
    client, editor, second_editor, publish
):
    article = publish()
    second_editor.first_name, second_editor.last_name = "Bob", "Baker"
    second_editor.save()
    client.force_login(second_editor)
    assert client.post(heartbeat_url(article)).status_code == 200
    since = timezone.localtime(EditingPresence.objects.get().since)

    bobs_screen = edit_screen(client, article)
    client.force_login(editor)
    anns_screen = edit_screen(client, article)

    said = f"Bob Baker has this page open with unsaved changes since {since:%H:%M}."
    assert said in anns_screen
    assert "has this page open" not in bobs_screen


def test_the_heartbeat_answers_with_the_others_editing(client, editor, reviewer, publish):
    article = publish()
    reviewer.groups.add(Group.objects.get(name=workflow.EDITORS))  # a reviewer who also writes
    client.force_login(reviewer)
    client.post(heartbeat_url(article))
    client.force_login(editor)

    others = client.post(heartbeat_url(article)).json()["others"]

    assert [other["name"] for other in others] == ["Dr Rhea Viewer"]


def test_someone_whose_last_heartbeat_is_over_two_minutes_old_is_not_shown(
    client, editor, second_editor, publish
):
    article = publish()
    client.force_login(second_editor)
    client.post(heartbeat_url(article))
    EditingPresence.objects.update(
        seen_at=timezone.now() - datetime.timedelta(minutes=2, seconds=5)
    )
    client.force_login(editor)

    assert "has this page open" not in edit_screen(client, article)


def test_leaving_or_saving_takes_away_the_hint(client, editor, second_editor, publish):
    article = publish()
    client.force_login(second_editor)
    client.post(heartbeat_url(article))
    client.post(heartbeat_url(article), {"state": "closed"})
    assert not EditingPresence.objects.exists()

    client.post(heartbeat_url(article))
    saved = client.post(
        f"/admin/treatments/article/{article.pk}/change/",
        article_form(article, summary="A changed summary."),
    )
    assert saved.status_code == 302
    assert not EditingPresence.objects.exists()


def test_saving_still_uses_the_conflict_check_while_someone_else_is_editing(
    client, editor, second_editor, publish
):
    article = publish()
    client.force_login(second_editor)
    client.post(heartbeat_url(article))
    client.force_login(editor)

    saved = client.post(
        f"/admin/treatments/article/{article.pk}/change/",
        article_form(article, summary="Mine, saved while Bob types."),
    )

    assert saved.status_code == 302  # a hint, not a lock
    assert article.latest_revision.summary == "Mine, saved while Bob types."


def test_a_new_heartbeat_after_a_gap_starts_a_new_since(editor, publish):
    article = publish()
    start = timezone.now() - datetime.timedelta(minutes=10)
    editing.record_presence(article, editor, now=start)
    editing.record_presence(article, editor, now=start + datetime.timedelta(seconds=30))
    assert EditingPresence.objects.get().since == start

    later = start + datetime.timedelta(minutes=5)
    editing.record_presence(article, editor, now=later)

    assert EditingPresence.objects.get().since == later


# --- slug help text ---------------------------------------------------------------------


def test_slug_help_text_shows_an_example_address_for_each_kind(client, editor):
    client.force_login(editor)
    pages = {
        "article": "/treatment/your-page-name/",
        "glossaryterm": "/glossary/#your-term",
        "medicine": "/medicines/your-medicine-name/",
    }
    for model, address in pages.items():
        html = client.get(f"/admin/treatments/{model}/add/").content.decode()
        assert address in html, model
        assert "/treatment//" not in html


def test_opening_a_glossary_form_does_not_relabel_the_article_form(client, editor):
    client.force_login(editor)
    client.get("/admin/treatments/glossaryterm/add/")

    html = client.get("/admin/treatments/article/add/").content.decode()

    assert '<label class="required" for="id_title">Title:</label>' in html
    assert "Term:" not in html


def test_a_reviewer_who_cannot_edit_sees_who_is_editing_but_gets_no_writing_surface(
    client, reviewer, second_editor, publish
):
    article = publish()
    client.force_login(second_editor)
    client.post(heartbeat_url(article))
    client.force_login(reviewer)

    html = edit_screen(client, article)

    assert "editor_bob has this page open with unsaved changes" in html
    assert "writing-surface" not in html


def test_without_javascript_the_edit_screen_is_the_plain_form(client, editor, publish):
    article = publish()
    client.force_login(editor)

    html = edit_screen(client, article)

    # The writing surface waits in an inert <template>; the body box is the form's own.
    assert re.search(r'<textarea name="body"[^>]*id="id_body"', html)
    assert '<template id="writing-surface"' in html
    assert "js/editor.js" in html
    assert "<script>" not in html  # no inline scripts (CSP)


def test_the_writing_surface_markup_is_valid_html(client, editor, second_editor, publish, tmp_path):
    from tests.html_checks import validate

    article = publish()
    client.force_login(second_editor)
    client.post(heartbeat_url(article))
    client.force_login(editor)
    screen = edit_screen(client, article)
    surface = re.search(r'<template id="writing-surface".*?</template>', screen, re.S).group(0)
    hint = re.search(r'<div class="editing-others".*?</div>', screen, re.S).group(0)
    body = "# Top\n\nA claim [@nope] and a long " + "word " * 30 + ".\n\n<b onclick=x()>b</b>"
    fragment = preview(client, body).json()["html"]
    page = (
        '<!DOCTYPE html><html lang="en"><head><title>Edit</title></head><body><form>'
        f"{hint}{surface}"
        f'<section aria-label="Preview">{fragment}</section></form></body></html>'
    )

    assert validate({"writing-surface": page}, tmp_path) == []
