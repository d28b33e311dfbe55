"""Public pages are cacheable by anyone and served from a full-page cache that
every change readers should see invalidates at once, and nothing else does."""

import pytest
from django.test import Client

from allsite.models import HelplinePhone
from treatments import workflow
from treatments.models import Kind

pytestmark = pytest.mark.django_db


def edit_and_approve(article, editor, reviewer, **changes):
    fields = {
        "title": article.live_revision.title,
        "summary": article.live_revision.summary,
        "body": article.live_revision.body,
    } | changes
    revision = workflow.save_draft(
        article,
        by=editor,
        base_revision=article.latest_revision,
        tags=list(article.live_revision.tags.names()),
        **fields,
    )
    workflow.submit(revision, by=editor)
    workflow.approve(revision, by=reviewer)
    article.refresh_from_db()
    return revision


@pytest.fixture
def site(publish, helpline):
    """Two sections with a page each, so a change in one leaves the other alone."""
    phases = publish("phases", title="Phases", tags=())
    care = publish("care", title="Care", tags=())
    induction = publish("induction", parent=phases, title="Induction")
    team = publish("care-team", parent=care, title="Care team", tags=("team",))
    return {"phases": phases, "care": care, "induction": induction, "team": team}


def test_an_article_response_sets_no_cookie_and_can_be_kept_by_any_cache(client, site):
    response = client.get("/treatment/induction/")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert not response.cookies
    assert "Cookie" not in response.headers.get("Vary", "")
    assert response.headers["Cache-Control"].startswith("public")
    assert response.headers["ETag"].startswith('"')
    assert response.headers["Last-Modified"].endswith("GMT")


def test_a_second_request_for_a_page_runs_no_database_query(
    client, site, django_assert_num_queries
):
    for url in ["/", "/treatment/induction/", "/tags/team/", "/glossary/", "/medicines/"]:
        first = client.get(url)
        with django_assert_num_queries(0):
            second = client.get(url)
        assert second.status_code == 200
        assert second.content == first.content
        assert second.headers["ETag"] == first.headers["ETag"]
        assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]


def test_a_conditional_get_for_an_unchanged_page_is_answered_304_without_queries(
    client, site, django_assert_num_queries
):
    first = client.get("/treatment/induction/")
    with django_assert_num_queries(0):
        again = client.get("/treatment/induction/", HTTP_IF_NONE_MATCH=first.headers["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    stale = client.get("/treatment/induction/", HTTP_IF_NONE_MATCH='"something-else"')
    assert stale.status_code == 200


def test_publishing_an_edit_shows_the_new_text_on_the_next_request(client, site, editor, reviewer):
    before = client.get("/treatment/induction/")
    edit_and_approve(site["induction"], editor, reviewer, summary="A clearer summary.")
    after = client.get("/treatment/induction/")
    assert "A clearer summary." in after.content.decode()
    assert after.headers["ETag"] != before.headers["ETag"]
    revalidated = client.get("/treatment/induction/", HTTP_IF_NONE_MATCH=before.headers["ETag"])
    assert revalidated.status_code == 200


def test_a_publish_leaves_pages_that_do_not_show_it_in_the_cache(
    client, site, editor, reviewer, django_assert_num_queries
):
    client.get("/treatment/care-team/")
    client.get("/treatment/induction/")
    edit_and_approve(site["induction"], editor, reviewer, body="## New\n\nNew words.\n")
    with django_assert_num_queries(0):
        client.get("/treatment/care-team/")
    assert "New words." in client.get("/treatment/induction/").content.decode()


def test_a_new_title_reaches_the_lists_and_menus_that_show_it(client, site, editor, reviewer):
    urls = ["/treatment/phases/", "/", "/tags/chemotherapy/"]
    for url in urls:
        client.get(url)
    edit_and_approve(site["induction"], editor, reviewer, title="Induction, explained")
    for url in urls:
        assert "Induction, explained" in client.get(url).content.decode(), url
    client.get("/treatment/induction/")
    edit_and_approve(site["phases"], editor, reviewer, title="Treatment phases")
    html = client.get("/treatment/care-team/").content.decode()
    assert "Treatment phases" in html  # the header menu on every page


def test_a_helpline_change_shows_on_every_page_at_once(client, site):
    for url in ["/", "/treatment/induction/", "/glossary/"]:
        assert "0808 157 0100" in client.get(url).content.decode()
    HelplinePhone.objects.update(number="0800 000 1111")
    HelplinePhone.objects.get().save()
    for url in ["/", "/treatment/induction/", "/glossary/"]:
        assert "0800 000 1111" in client.get(url).content.decode(), url


def test_a_confirmation_shows_in_the_change_log_on_the_next_request(client, site, second_reviewer):
    assert "reviewed, no changes" not in client.get("/treatment/induction/").content.decode()
    workflow.confirm_still_accurate(site["induction"], by=second_reviewer)
    assert "reviewed, no changes" in client.get("/treatment/induction/").content.decode()


def test_a_dependency_published_later_reaches_the_cached_page(
    client, site, publish, publish_item, django_capture_on_commit_callbacks
):
    publish("lumbar", parent=site["phases"], title="Tests", body="## How\n\nA lumbar puncture.\n")
    assert "glossary-link" not in client.get("/treatment/lumbar/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        publish_item(Kind.GLOSSARY, "lp", "Lumbar puncture", "A needle in the back.", {})
    assert 'href="/glossary/#lp"' in client.get("/treatment/lumbar/").content.decode()


def test_requests_with_a_query_string_are_answered_fresh(client, site):
    client.get("/treatment/induction/")
    thanks = client.get("/treatment/induction/?feedback=thanks").content.decode()
    assert "Thank you" in thanks
    assert "Thank you" not in client.get("/treatment/induction/").content.decode()


def test_a_head_request_gets_the_cached_page_headers(client, site):
    client.get("/treatment/induction/")
    response = client.head("/treatment/induction/")
    assert response.status_code == 200
    assert response.headers["ETag"]


def test_a_signed_in_editor_gets_the_same_page_as_readers(client, site, editor):
    reader = Client().get("/treatment/induction/")
    client.force_login(editor)
    staff = client.get("/treatment/induction/")
    assert staff.content == reader.content
    assert "Set-Cookie" not in staff.headers


def test_a_cached_page_says_it_is_overdue_from_the_day_its_review_expires(
    client, site, monkeypatch
):
    import datetime

    from django.utils import timezone

    due = site["induction"].next_review_due
    assert (
        "This page is due for a check" not in client.get("/treatment/induction/").content.decode()
    )
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: due + datetime.timedelta(days=1))
    html = client.get("/treatment/induction/").content.decode()
    assert "This page is due for a check" in html


def test_each_search_shows_its_own_query_while_sharing_the_footer(client, site):
    """Search pages are never stored, but their footer and helpline are the
    shared chrome; the header, whose search box holds the query, is their own."""
    first = client.get("/search/?q=induction").content.decode()
    second = client.get("/search/?q=care+team").content.decode()
    assert 'value="induction"' in first
    assert 'value="care team"' in second
    assert 'value="induction"' not in second
    home = client.get("/").content.decode()
    assert second[second.index("<footer") :] == home[home.index("<footer") :]
