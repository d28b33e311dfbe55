"""Input the site would otherwise show wrongly or drop is refused, with a message."""

import pytest

from tests.test_article_admin import article_form
from treatments.models import Article

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("marker", ["[@]", "[@@x]", "[@acs-treating-all;]", "[@ acs-treating-all]"])
def test_a_malformed_citation_marker_is_refused_naming_it(client, editor, reference, marker):
    client.force_login(editor)
    body = f"## What happens\n\nInduction lasts about a month {marker}.\n"
    response = client.post("/admin/treatments/article/add/", article_form(body=body))
    assert response.status_code == 200
    html = response.content.decode()
    assert "These citation markers are not written right: " + marker in html
    assert "Induction lasts about a month " + marker in html
    assert not Article.objects.exists()


def test_citation_like_text_in_code_is_left_alone(client, editor, reference):
    client.force_login(editor)
    body = "## Writing\n\nCite with `[@key]` [@acs-treating-all].\n"
    response = client.post("/admin/treatments/article/add/", article_form(body=body))
    assert response.status_code == 302


def test_an_image_from_another_address_is_refused_with_its_alt_text_kept(client, editor, reference):
    client.force_login(editor)
    body = "## Picture\n\n![Diagram of a port under the skin](https://example.org/port.png)\n"
    response = client.post("/admin/treatments/article/add/", article_form(body=body))
    assert response.status_code == 200
    html = response.content.decode()
    assert "is not an image from the media library" in html
    assert "upload it under Images" in html
    assert "Diagram of a port under the skin" in html


@pytest.mark.parametrize(
    ("date", "message"),
    [
        (("2024", "13", ""), "There is no month 13: give 1 to 12."),
        (("2024", "1", "40"), "2024-01 has no day 40."),
        (("2023", "2", "30"), "2023-02 has no day 30."),
        (("", "5", ""), "Give the year too, or leave the date empty."),
        (("2024", "", "5"), "Give the month of that day too."),
    ],
)
def test_a_reference_date_that_does_not_exist_is_refused_with_the_form_kept(
    admin_client, date, message
):
    from tests.test_reference_admin import reference_form

    year, month, day = date
    response = admin_client.post(
        "/admin/references/reference/add/",
        reference_form(issued_year=year, issued_month=month, issued_day=day),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "Acute lymphoblastic leukaemia: treatment" in html


def test_a_real_reference_date_is_accepted(admin_client):
    from references.models import Reference
    from tests.test_reference_admin import reference_form

    response = admin_client.post(
        "/admin/references/reference/add/",
        reference_form(issued_year="2024", issued_month="2", issued_day="29"),
    )
    assert response.status_code == 302
    assert Reference.objects.get().issued_day == 29


def test_helpline_staff_cannot_remove_every_way_to_reach_the_helpline(
    client, helpline, helpline_staff
):
    from tests.test_helpline import helpline_form_data

    client.force_login(helpline_staff)
    data = helpline_form_data(helpline, email="", **{"phones-0-DELETE": "on"})
    response = client.post(f"/admin/allsite/helplineinfo/{helpline.pk}/change/", data)
    assert response.status_code == 200
    assert "keep at least one phone number, or give an email address" in response.content.decode()
    assert helpline.phones.count() == 1
    helpline.refresh_from_db()
    assert helpline.email == "support@example.org"

    with_email = helpline_form_data(helpline, **{"phones-0-DELETE": "on"})
    response = client.post(f"/admin/allsite/helplineinfo/{helpline.pk}/change/", with_email)
    assert response.status_code == 302  # an email alone is a way to reach it
    assert helpline.phones.count() == 0


def test_the_due_list_answers_a_tampered_form_with_a_message(client, reviewer):
    client.force_login(reviewer)
    response = client.post(
        "/admin/treatments/article/due-for-review/", {"article": "abc"}, follow=True
    )
    assert response.status_code == 200
    assert "did not say which page to confirm" in response.content.decode()


def test_changing_only_the_review_interval_makes_no_new_draft(client, editor, publish):
    article = publish(tags=["chemotherapy"])
    before = article.revisions.count()
    client.force_login(editor)
    live = article.live_revision
    response = client.post(
        f"/admin/treatments/article/{article.pk}/change/",
        article_form(
            article, title=live.title, summary=live.summary, body=live.body,
            review_interval_months="12",
        ),
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    article.refresh_from_db()
    assert article.review_interval_months == 12
    assert article.revisions.count() == before


def test_a_5_mb_body_gets_the_fields_limit_named_and_the_text_kept(client, editor, reference):
    client.force_login(editor)
    body = "## Long\n\n" + "All the words. " * 350_000
    response = client.post("/admin/treatments/article/add/", article_form(body=body))
    assert response.status_code == 200
    html = response.content.decode()
    assert "at most 100000 characters" in html or "at most 100,000 characters" in html
    assert html.count("All the words.") >= 350_000


def test_a_3_mb_review_comment_is_refused_naming_the_limit_with_the_comment_kept(
    client, publish, editor, reviewer
):
    from treatments import workflow

    article = publish()
    live = article.live_revision
    revision = workflow.save_draft(
        article, by=editor, base_revision=live, title=live.title, summary=live.summary,
        body="## What happens\n\nInduction takes four weeks.\n",
    )  # fmt: skip
    workflow.submit(revision, by=editor)
    client.force_login(reviewer)
    comment = "Please check. " * 220_000
    response = client.post(
        f"/admin/treatments/article/review/{revision.pk}/",
        {"action": "request_changes", "comment": comment},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "a comment can have at most 10,000" in html
    assert html.count("Please check.") >= 220_000
    revision.refresh_from_db()
    assert revision.status == "in_review"


def test_a_post_over_12_mb_gets_a_page_that_says_why_and_shows_the_helpline(
    client, editor, helpline
):
    client.get("/")  # readers' pages have cached the helpline
    client.force_login(editor)
    client.raise_request_exception = False
    response = client.post(
        "/admin/treatments/article/add/", article_form(body="x" * (13 * 1024 * 1024))
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "a form can send at most 12 MB" in html
    assert "0808 157 0100" in html or "support@example.org" in html


def test_a_form_post_that_is_not_utf8_is_refused_naming_the_field(client, editor, helpline):
    client.get("/")
    client.force_login(editor)
    client.raise_request_exception = False
    body = "title=Induction&body=Caf%E9+au+lait&slug=induction"  # Latin-1 "é", not UTF-8
    response = client.post(
        "/admin/treatments/article/add/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "not readable text (not valid UTF-8), so nothing was saved: body" in html
    assert not Article.objects.exists()

    fine = "title=Induction&body=Caf%C3%A9"
    response = client.post(
        "/admin/treatments/article/add/", fine, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200  # the form itself answers (other fields are missing)
