import re

import markdown
import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tests.html_checks import H1_RE, INLINE_SCRIPT_RE
from treatments import workflow
from treatments.models import Article

pytestmark = pytest.mark.django_db


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def main_content(html):
    return re.search(r"<main.*?</main>", html, re.S).group(0)


def test_article_page_shows_reviewer_dates_helpline_and_disclaimer(client, publish, helpline):
    article = publish()
    html = page(client, article.get_absolute_url())

    today = timezone.localdate()
    assert "Medically reviewed by Dr Rhea Viewer, Consultant haematologist" in html
    assert f'Last reviewed <time datetime="{today:%Y-%m-%d}">' in html
    due = workflow.add_months(today, 36)
    assert f'Next review due <time datetime="{due:%Y-%m-%d}">' in html
    assert 'href="tel:08081570100"' in html
    assert 'href="mailto:support@example.org"' in html
    assert "Medical disclaimer" in html
    assert "carries no advertising" in html


def test_article_page_has_one_h1_and_no_inline_script_or_style(client, publish, helpline):
    article = publish()
    html = page(client, article.get_absolute_url())
    assert len(H1_RE.findall(html)) == 1
    assert not INLINE_SCRIPT_RE.search(html)
    assert " style=" not in html
    assert "<style" not in html


def test_article_page_sends_a_strict_content_security_policy(client, publish):
    response = client.get(publish().get_absolute_url())
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy


def test_article_page_shows_body_citations_and_reference_list(client, publish):
    html = page(client, publish().get_absolute_url())
    assert '<sup class="citation"><a href="#ref-1" id="cite-1-1">1</a></sup>' in html
    assert '<li id="ref-1" tabindex="-1">American Cancer Society. Treating acute' in html


def test_breadcrumbs_and_in_this_section_follow_the_section_tree(client, publish):
    section = publish("phases", title="Phases of treatment", tags=())
    publish("induction", parent=section, title="Induction")
    publish("maintenance", parent=section, title="Maintenance")

    section_html = page(client, section.get_absolute_url())
    assert "In this section" in section_html
    assert 'href="/treatment/induction/"' in section_html
    assert 'href="/treatment/maintenance/"' in section_html

    child_html = page(client, "/treatment/induction/")
    crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', child_html, re.S).group(0)
    assert 'href="/"' in crumbs
    assert 'href="/treatment/phases/">Phases of treatment</a>' in crumbs
    assert '<span aria-current="page">Induction</span>' in crumbs


def test_tags_link_to_a_tag_page_listing_the_published_pages(client, publish):
    publish("induction", tags=["chemotherapy", "remission"])
    publish("steroids", title="Steroids", tags=["steroids"])
    html = page(client, "/treatment/induction/")
    assert 'href="/tags/remission/"' in html

    tag_html = main_content(page(client, "/tags/remission/"))
    assert "<h1>Pages about remission</h1>" in tag_html
    assert 'href="/treatment/induction/"' in tag_html
    assert 'href="/treatment/steroids/"' not in tag_html


def test_topics_index_lists_the_topics_of_published_pages_only(client, editor, reviewer, publish):
    publish("induction", tags=["chemotherapy", "remission"])
    steroids = publish("steroids", title="Steroids", tags=["steroids"])
    draft_only = Article.objects.create(slug="draft-only")
    workflow.save_draft(
        draft_only, by=editor, base_revision=None, title="T", summary="S", body="B",
        tags=["secret-topic"],
    )  # fmt: skip
    topics = main_content(page(client, "/tags/"))
    assert "<h1>Topics</h1>" in topics
    names = re.findall(r'<a href="/tags/[^"]+/">([^<]+)</a>', topics)
    assert names == ["chemotherapy", "remission", "steroids"]
    assert 'href="/tags/"' in page(client, "/treatment/induction/")  # "All topics"

    workflow.withdraw(steroids, by=reviewer, reason="A dose is wrong.")
    topics = main_content(page(client, "/tags/"))  # the cached index follows at once
    assert re.findall(r'<a href="/tags/[^"]+/">([^<]+)</a>', topics) == [
        "chemotherapy",
        "remission",
    ]


def test_readers_never_see_an_unpublished_draft(client, editor, publish):
    article = publish(title="Induction")
    workflow.save_draft(
        article,
        by=editor,
        base_revision=article.latest_revision,
        title="Induction (secret new draft)",
        summary="Draft",
        body="Not reviewed yet.",
    )
    html = page(client, article.get_absolute_url())
    assert "secret new draft" not in html
    never_published = Article.objects.create(slug="draft-only")
    workflow.save_draft(
        never_published, by=editor, base_revision=None, title="T", summary="S", body="B"
    )
    assert client.get("/treatment/draft-only/").status_code == 404


def test_home_lists_sections_and_the_helpline(client, publish, helpline):
    section = publish("phases", title="Phases of treatment", tags=())
    publish("induction", parent=section, title="Induction")
    html = page(client, "/")
    assert "Treatment for acute lymphoblastic leukaemia (ALL)</h1>" in html
    assert 'href="/treatment/phases/">Phases of treatment</a>' in html
    assert 'href="/treatment/induction/">Induction</a>' in html
    assert 'href="tel:08081570100"' in html


def test_404_page_is_helpful_and_shows_the_helpline(client, helpline):
    response = client.get("/treatment/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We could not find that page" in html
    assert 'href="tel:08081570100"' in html


@override_settings(DEBUG=False)
def test_500_page_shows_the_helpline_without_touching_the_database(
    client, helpline, django_assert_num_queries, monkeypatch
):
    client.get("/")  # a normal page puts the helpline in the cache

    def broken(*args, **kwargs):
        raise RuntimeError("database is down")

    monkeypatch.setattr("allsite.views.SearchView.get", broken)
    client.raise_request_exception = False
    with django_assert_num_queries(0):
        response = client.get("/search/?q=induction")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, something went wrong" in html
    assert 'href="tel:08081570100"' in html


@override_settings(
    DEBUG=False,
    HELPLINE_FALLBACK={"name": "Helpline", "phone": "0808 157 0999", "email": "help@example.org"},
)
def test_500_page_falls_back_to_the_configured_helpline_when_nothing_is_cached(client, monkeypatch):
    monkeypatch.setattr("allsite.views.HomeView.get", lambda *a, **k: 1 / 0)
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500
    assert 'href="tel:08081570999"' in response.content.decode()


def test_robots_txt_keeps_crawlers_out_of_the_admin(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert "Disallow: /admin/" in response.content.decode()


@pytest.mark.parametrize("tag_count", [1, 25])
def test_an_uncached_article_page_runs_the_same_few_queries_whatever_the_site_size(
    client, publish, helpline, tag_count, django_assert_num_queries, settings
):
    settings.PAGE_CACHE_ENABLED = False
    section = publish("phases", title="Phases", tags=())
    article = publish("induction", parent=section, tags=[f"topic-{n}" for n in range(tag_count)])
    publish("maintenance", parent=section, title="Maintenance")
    url = article.get_absolute_url()
    page(client, "/")  # the helpline is cached site-wide
    # The page with its stored main region; the header's sections and whether
    # to show the demo notice (cached site-wide when the page cache is on).
    with django_assert_num_queries(3):
        html = page(client, url)
    assert html.count('href="/tags/topic-') == tag_count
    for n in range(tag_count):  # more pages in the section and elsewhere: same queries
        publish(f"extra-{n}", parent=section, title=f"Extra {n}", tags=())
        publish(f"top-{n}", title=f"Top {n}", tags=())
    page(client, "/")  # new top-level sections changed the chrome: the helpline is cached again
    with django_assert_num_queries(3):
        page(client, url)


def test_article_page_does_no_markdown_work(client, publish, monkeypatch):
    url = publish().get_absolute_url()

    def no_markdown(*args, **kwargs):
        raise AssertionError("Markdown was rendered during a public request")

    monkeypatch.setattr(markdown.Markdown, "convert", no_markdown)
    html = page(client, url)
    assert "Induction lasts about a month" in html


def test_overdue_page_stays_up_and_tells_readers_when_it_was_last_checked(client, publish):
    article = publish()
    due = timezone.localdate() - timezone.timedelta(days=3)
    Article.objects.filter(pk=article.pk).update(next_review_due=due)
    html = page(client, article.get_absolute_url())
    checked = timezone.localtime(article.last_review.created_at).date()
    notice = re.search(r'<div class="notice notice--overdue">.*?</div>', html, re.S)[0]
    assert "This page is due for a check" in notice
    assert f"last checked it on {checked:%-d %B %Y}" in notice
    assert f"checked again by {due:%-d %B %Y}" in notice
    # Near the dates: right after the review byline, before the body.
    assert html.index("review-byline") < html.index("notice--overdue") < html.index("article__body")
    # Machines still get the real dates.
    assert f'"lastReviewed": "{checked:%Y-%m-%d}"' in html


def test_demo_notice_appears_only_while_pages_reviewed_by_fictional_reviewers_are_live(
    client, publish, reviewer
):
    publish()
    assert "Demonstration site" not in page(client, "/")
    reviewer.reviewer_profile.is_fictional = True
    reviewer.reviewer_profile.save()
    for url in ["/", "/treatment/induction/", "/tags/chemotherapy/"]:
        assert "Demonstration site" in page(client, url)
    assert "Demonstration site" in client.get("/nope/").content.decode()


def test_skip_link_and_language_are_set(client, publish):
    html = page(client, reverse("home"))
    assert '<html lang="en-GB">' in html
    assert '<a class="skip-link" href="#main">' in html
    assert 'id="main"' in html


def test_every_page_names_a_favicon_the_browser_can_fetch(client, publish):
    html = page(client, publish().get_absolute_url())
    icons = re.findall(r'<link rel="icon" href="([^"]+)"', html)
    assert len(icons) == 2
    for href in icons:
        response = client.get(href)
        assert response.status_code == 200, href
        assert response["Content-Type"] in {
            "image/svg+xml",
            "image/x-icon",
            "image/vnd.microsoft.icon",
        }
