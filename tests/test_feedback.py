"""Readers' feedback on treatment pages: the forms, the rate limit, the admin triage."""

import re

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from allsite.feedback_views import RATE_LIMIT
from allsite.models import Feedback
from tests.conftest import make_user
from tests.html_checks import validate
from treatments.models import Article

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
THANKS = "Thank you — your feedback goes to the editorial team."


def send(client, article_or_slug, *, _addr="127.0.0.1", **data):
    """Post as a reader at address `_addr` (REMOTE_ADDR is only a header here)."""
    slug = getattr(article_or_slug, "slug", article_or_slug)
    return client.post(f"/feedback/{slug}/", data, REMOTE_ADDR=_addr)


def helpful(client, article, answer="yes", comment="", **extra):
    return send(client, article, kind="helpful", helpful=answer, comment=comment, **extra)


def report(client, article, comment, **extra):
    return send(client, article, kind="error", comment=comment, **extra)


def text(response):
    return response.content.decode()


def assert_thanks_redirect(response, article):
    assert response.status_code == 303
    assert response["Location"] == article.get_absolute_url() + "?feedback=thanks#feedback"


def test_a_yes_answer_with_a_comment_is_stored_as_new_and_the_reader_is_thanked(client, publish):
    article = publish()
    response = helpful(client, article, "yes", "Clear, thank you.")
    assert_thanks_redirect(response, article)
    feedback = Feedback.objects.get()
    assert (feedback.article, feedback.kind, feedback.helpful, feedback.comment) == (
        article,
        Feedback.Kind.HELPFUL,
        True,
        "Clear, thank you.",
    )
    assert feedback.status == Feedback.Status.NEW


def test_a_no_answer_without_a_comment_is_stored(client, publish):
    article = publish()
    assert_thanks_redirect(helpful(client, article, "no"), article)
    feedback = Feedback.objects.get()
    assert (feedback.helpful, feedback.comment) == (False, "")


def test_an_error_report_is_stored_as_new(client, publish):
    article = publish()
    response = report(client, article, "The second paragraph says weeks, not months.")
    assert_thanks_redirect(response, article)
    feedback = Feedback.objects.get()
    assert feedback.kind == Feedback.Kind.ERROR
    assert feedback.helpful is None
    assert feedback.comment == "The second paragraph says weeks, not months."
    assert feedback.status == Feedback.Status.NEW


def test_an_empty_error_report_gets_400_with_a_clear_message_and_stores_nothing(client, publish):
    article = publish()
    response = report(client, article, "   ")
    assert response.status_code == 400
    html = text(response)
    assert "Describe the error, so that the editorial team can check and fix it." in html
    assert 'href="#feedback-error-comment"' in html  # the summary links to the field
    assert 'aria-invalid="true"' in html
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    assert Feedback.objects.count() == 0


def test_a_comment_over_2000_characters_gets_400_and_keeps_the_typed_text(client, publish):
    article = publish()
    typed = "Too long. " * 200 + "x"  # 2001 characters
    response = report(client, article, typed)
    assert response.status_code == 400
    html = text(response)
    assert "Keep your message to 2,000 characters or fewer (it has 2001)" in html
    assert typed in html
    assert Feedback.objects.count() == 0


def test_a_missing_yes_or_no_gets_400_and_keeps_the_comment(client, publish):
    article = publish()
    response = send(client, article, kind="helpful", comment="I could not find the dosage.")
    assert response.status_code == 400
    html = text(response)
    assert "Choose yes or no." in html
    assert "I could not find the dosage." in html
    assert Feedback.objects.count() == 0


def test_a_post_from_no_known_form_gets_400_and_stores_nothing(client, publish):
    article = publish()
    response = send(client, article, kind="rating", comment="Five stars")
    assert response.status_code == 400
    assert "Five stars" in text(response)
    assert Feedback.objects.count() == 0


def test_a_filled_honeypot_stores_nothing_but_looks_like_success(client, publish):
    article = publish()
    response = report(client, article, "Buy cheap pills", website="http://spam.example")
    assert_thanks_redirect(response, article)
    assert Feedback.objects.count() == 0


def test_the_sixth_submission_in_ten_minutes_gets_429_and_keeps_the_text(client, publish):
    article = publish()
    for number in range(RATE_LIMIT):
        assert_thanks_redirect(helpful(client, article, comment=f"Comment {number}"), article)

    response = report(client, article, "One more thing: the table is wrong.")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    html = text(response)
    assert "Please try again later" in html
    assert "One more thing: the table is wrong." in html
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    assert Feedback.objects.count() == RATE_LIMIT

    # Another reader (another address) is not held back.
    other = report(client, article, "Another reader's report.", _addr="10.0.0.9")
    assert_thanks_redirect(other, article)
    assert Feedback.objects.count() == RATE_LIMIT + 1


def test_the_rate_limit_keeps_no_address_only_a_hash_in_the_cache(client, publish):
    article = publish()
    helpful(client, article, _addr="10.0.0.9")
    keys = list(cache._cache)  # LocMemCache in the test settings
    assert keys
    assert not any("10.0.0.9" in key for key in keys)


def test_unpublished_and_unknown_articles_get_404(client, publish):
    draft = Article.objects.create(slug="draft-page")
    for slug in ["draft-page", "no-such-page"]:
        assert report(client, slug, "Typo").status_code == 404, slug
        assert client.get(f"/feedback/{slug}/").status_code == 404, slug
    assert draft.feedback.count() == 0
    assert Feedback.objects.count() == 0


def test_a_medicine_page_has_both_forms_collapsed_and_takes_feedback(client, publish_item):
    medicine = publish_item(
        "medicine",
        "imatinib",
        "Imatinib",
        "A targeted therapy.",
        {"drug_class": "Tyrosine kinase inhibitor", "route": "Tablets", "brand_names": ["Glivec"]},
    )
    html = text(client.get("/medicines/imatinib/"))
    assert '<section id="feedback"' in html
    assert '<details class="feedback__item">' in html  # collapsed until opened
    assert "<summary>Report an error on this page</summary>" in html
    assert 'action="/feedback/imatinib/"' in html
    assert_thanks_redirect(report(client, medicine, "The brand name is misspelt."), medicine)
    assert medicine.feedback.get().comment == "The brand name is misspelt."
    assert THANKS in text(client.get("/medicines/imatinib/?feedback=thanks"))


def test_a_glossary_definition_links_to_an_error_form_that_thanks_the_reader(client, publish_item):
    term = publish_item("glossary", "remission", "Remission", "No sign of leukaemia.", {})
    publish_item("glossary", "relapse", "Relapse", "The leukaemia has come back.", {})
    glossary = text(client.get("/glossary/"))
    assert glossary.count("<summary>Report an error in this definition</summary>") == 2
    assert 'action="/feedback/remission/"' in glossary
    assert 'id="report-remission"' in glossary
    assert 'id="report-relapse"' in glossary

    form_page = client.get("/feedback/remission/")
    assert form_page.status_code == 200
    html = text(form_page)
    assert "Feedback about “Remission”" in html
    assert 'action="/feedback/remission/"' in html
    assert "There is a problem" not in html
    assert '<meta name="robots" content="noindex">' in html

    response = report(client, term, "The definition should mention MRD.")
    assert response.status_code == 303
    assert response["Location"] == "/feedback/remission/?sent=1"
    assert term.feedback.get().comment == "The definition should mention MRD."
    thanks = text(client.get(response["Location"]))
    assert "Thank you for your feedback" in thanks
    assert 'href="/glossary/#remission"' in thanks
    assert "<textarea" not in thanks


def test_a_script_in_a_comment_is_shown_as_text_to_editors(client, publish, editor):
    article = publish()
    report(client, article, SCRIPT)
    feedback = Feedback.objects.get()

    client.force_login(editor)
    for url in [
        "/admin/allsite/feedback/",
        f"/admin/allsite/feedback/{feedback.pk}/change/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        html = text(response)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
        assert SCRIPT not in html, url


def test_helpline_staff_get_403_on_the_feedback_admin(client, publish, helpline_staff):
    article = publish()
    helpful(client, article)
    feedback = Feedback.objects.get()
    client.force_login(helpline_staff)
    for url in [
        "/admin/allsite/feedback/",
        f"/admin/allsite/feedback/{feedback.pk}/change/",
    ]:
        assert client.get(url).status_code == 403, url


def test_nobody_adds_feedback_in_the_admin(client, editor):
    superuser = make_user(superuser=True)
    for user in [editor, superuser]:
        client.force_login(user)
        assert client.get("/admin/allsite/feedback/add/").status_code == 403


def test_reviewers_triage_with_the_admin_actions_new_then_actioned_then_resolved(
    client, publish, reviewer
):
    article = publish()
    report(client, article, "Typo in the heading")
    helpful(client, article, "no")
    feedback = Feedback.objects.get(kind="error")
    other = Feedback.objects.get(kind="helpful")
    assert feedback.status == Feedback.Status.NEW

    client.force_login(reviewer)
    changelist = "/admin/allsite/feedback/"
    for action, status in [
        ("mark_actioned", Feedback.Status.ACTIONED),
        ("mark_resolved", Feedback.Status.RESOLVED),
    ]:
        response = client.post(
            changelist, {"action": action, "_selected_action": [feedback.pk]}, follow=True
        )
        assert response.status_code == 200
        assert f"1 feedback item marked as {status.label.lower()}." in text(response)
        feedback.refresh_from_db()
        assert feedback.status == status
    other.refresh_from_db()
    assert other.status == Feedback.Status.NEW


def test_editors_change_status_and_note_but_not_what_the_reader_sent(client, publish, editor):
    article = publish()
    report(client, article, "Typo in the heading")
    feedback = Feedback.objects.get()
    client.force_login(editor)
    response = client.post(
        f"/admin/allsite/feedback/{feedback.pk}/change/",
        {
            "status": "actioned",
            "staff_note": "Fixed in the next draft.",
            "comment": "Edited by staff",
            "kind": "helpful",
            "helpful": "true",
        },
    )
    assert response.status_code == 302, text(response)[:2000]
    feedback.refresh_from_db()
    assert (feedback.status, feedback.staff_note) == ("actioned", "Fixed in the next draft.")
    assert (feedback.kind, feedback.helpful, feedback.comment) == (
        "error",
        None,
        "Typo in the heading",
    )


def test_feedback_holds_no_personal_data():
    names = {field.name.lower() for field in Feedback._meta.get_fields()}
    personal = re.compile(r"ip|addr|email|mail|name|user|phone|agent|session|cookie")
    assert not [name for name in names if personal.search(name)], names
    assert names == {
        "id",
        "article",
        "kind",
        "helpful",
        "comment",
        "status",
        "staff_note",
        "created_at",
    }


def test_the_article_page_shows_the_forms_and_thanks_the_reader_after_sending(publish, helpline):
    article = publish()
    reader = Client(enforce_csrf_checks=True)
    html = text(reader.get(article.get_absolute_url()))
    assert '<section id="feedback"' in html
    assert "Was this page helpful?" in html
    assert "Report an error" in html
    assert f'action="/feedback/{article.slug}/"' in html
    assert "You do not need to give any personal details" in html
    assert "This is not for medical questions." in html
    assert 'href="tel:08081570100"' in html  # the helpline, for medical questions
    assert 'tabindex="-1" autocomplete="off"' in html  # the honeypot
    assert THANKS not in html

    # No CSRF token or cookie: the page stays cacheable, and the post still works.
    assert "csrfmiddlewaretoken" not in html
    assert not reader.cookies
    response = reader.post(
        f"/feedback/{article.slug}/",
        {"kind": "helpful", "helpful": "yes", "website": ""},
        follow=True,
    )
    assert response.redirect_chain == [
        (article.get_absolute_url() + "?feedback=thanks#feedback", 303)
    ]
    assert THANKS in text(response)
    assert Feedback.objects.get().helpful is True


@override_settings(DEBUG=False)
def test_feedback_pages_validate_as_html5_without_inline_styles_or_scripts(
    client, publish, helpline, tmp_path
):

    article = publish()
    pages = {
        "article-with-thanks": client.get(article.get_absolute_url() + "?feedback=thanks"),
        "form": client.get(f"/feedback/{article.slug}/"),
        "sent": client.get(f"/feedback/{article.slug}/?sent=1"),
        "invalid": helpful(client, article, "", "x" * 2001),
        "invalid-report": report(client, article, ""),
    }
    for number in range(RATE_LIMIT):
        helpful(client, article, comment=f"Comment {number}")
    pages["rate-limited"] = report(client, article, "Later")
    assert pages["rate-limited"].status_code == 429

    html = {name: text(response) for name, response in pages.items()}
    for name, page in html.items():
        assert len(re.findall(r"<h1[\s>]", page)) == 1, name
        # No inline script (strict CSP); JSON-LD data blocks are not scripts.
        assert not re.search(r'<script(?![^>]*\b(src=|type="application/ld\+json"))', page), name
        assert " style=" not in page, name
    assert validate(html, tmp_path) == []


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_each_reader_has_their_own_limit_and_cannot_forge_another(client, publish):
    article = publish()

    def from_reader(address, forged=""):
        chain = f"{forged}, {address}" if forged else address
        return client.post(
            f"/feedback/{article.slug}/",
            {"kind": "helpful", "helpful": "yes"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=chain,
        )

    for _ in range(RATE_LIMIT):
        assert from_reader("203.0.113.5").status_code == 303
    assert from_reader("203.0.113.5", forged="198.51.100.7").status_code == 429
    assert from_reader("203.0.113.6").status_code == 303
