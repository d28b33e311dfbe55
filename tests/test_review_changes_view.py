"""The review screen's default view: what changed, rendered as readers will see it."""

import datetime
import re

import pytest
from django.test import Client

from tests.conftest import approved_reference
from treatments import workflow

pytestmark = pytest.mark.django_db

LONG_BODY = "\n\n".join(
    [
        "An opening paragraph about induction [@acs-treating-all].",
        "## What happens",
        *[f"Paragraph {n} of what happens, unchanged in this edit." for n in range(1, 30)],
        "Induction usually lasts about a month for most people.",
        "## Medicines",
        "- **Vincristine**, given into a vein\n- **Dexamethasone**, a steroid taken as tablets",
        *[f"Medicine paragraph {n}, also unchanged." for n in range(1, 30)],
    ]
)


def review_url(revision):
    return f"/admin/treatments/article/review/{revision.pk}/"


@pytest.fixture
def long_page(publish):
    return publish(title="Induction", summary="The first phase.", body=LONG_BODY)


def submit_edit(article, editor, body, **fields):
    revision = workflow.save_draft(
        article,
        by=editor,
        base_revision=article.latest_revision,
        title=fields.get("title", "Induction"),
        summary=fields.get("summary", "The first phase."),
        body=body,
    )
    return workflow.submit(revision, by=editor)


def test_a_one_sentence_edit_is_shown_rendered_under_its_section_heading_with_a_count(
    client, reviewer, editor, long_page
):
    body = LONG_BODY.replace("about a month for most people", "about four weeks for most people")
    revision = submit_edit(long_page, editor, body)
    client.force_login(reviewer)
    html = client.get(review_url(revision)).content.decode()
    assert "1 change in 1 section" in html
    section = re.search(r'<section class="diff-section".*?</section>', html, re.S).group(0)
    assert '<h3 class="diff-section__heading">What happens</h3>' in section
    assert "<del>a</del>" in section
    assert "<del>month</del>" in section
    assert "<ins>four</ins>" in section
    assert "<ins>weeks</ins>" in section
    assert "Paragraph 7 of what happens" not in html  # only the change, not the whole page
    assert "## What happens" not in html  # rendered, not Markdown
    assert html.index("1 change in 1 section") < html.index("Approve and publish")


def test_adding_a_citation_early_is_one_change_not_a_renumbering_of_every_later_one(
    client, reviewer, editor, long_page, reference
):
    approved_reference(
        editor,
        reviewer,
        key="nhs-all-treatment",
        type="webpage",
        title="Acute lymphoblastic leukaemia: treatment",
        author_organisation="NHS",
        url="https://www.nhs.uk/conditions/acute-lymphoblastic-leukaemia/treatment/",
        accessed=datetime.date(2026, 11, 1),
    )
    body = LONG_BODY.replace(
        "Paragraph 1 of what happens, unchanged in this edit.",
        "Paragraph 1 of what happens, unchanged in this edit [@nhs-all-treatment].",
    ).replace("for most people.", "for most people [@acs-treating-all].")
    revision = submit_edit(long_page, editor, body)
    client.force_login(reviewer)
    html = client.get(review_url(revision)).content.decode()
    assert "2 changes in 1 section" in html
    changes = re.findall(r'<div class="rendered-diff article-body">.*?</div>', html, re.S)
    assert any(
        '<ins><sup class="citation"><a href="#ref-2">2</a></sup></ins>' in c for c in changes
    )
    details = re.search(r"Details that changed.*?</dl>", html, re.S).group(0)
    assert "<dt>References cited</dt>" in details
    assert "<ins>nhs-all-treatment</ins>" in details


def test_a_new_list_item_is_marked_inside_the_rendered_list(client, reviewer, editor, long_page):
    body = LONG_BODY.replace(
        "a steroid taken as tablets",
        "a steroid taken as tablets\n- **Asparaginase**, given as an injection",
    )
    revision = submit_edit(long_page, editor, body)
    client.force_login(reviewer)
    html = client.get(review_url(revision)).content.decode()
    section = re.search(r'<section class="diff-section".*?</section>', html, re.S).group(0)
    assert '<h3 class="diff-section__heading">Medicines</h3>' in section
    assert re.search(r"<li><strong><ins>Asparaginase</ins></strong><ins>, given as", section)


def test_whole_page_and_source_views_are_one_click_away(client, reviewer, editor, long_page):
    body = LONG_BODY.replace("about a month", "about four weeks")
    revision = submit_edit(long_page, editor, body)
    client.force_login(reviewer)
    page = client.get(review_url(revision) + "?view=page").content.decode()
    assert "Paragraph 7 of what happens" in page
    assert "<ins>four</ins>" in page
    assert 'href="?view=page" aria-current="page"' in page
    source = client.get(review_url(revision) + "?view=source").content.decode()
    assert "## What happens" in source  # the Markdown, as today


def test_changed_title_summary_and_tags_are_listed_above_the_text(
    client, reviewer, editor, long_page
):
    revision = workflow.save_draft(
        long_page,
        by=editor,
        base_revision=long_page.latest_revision,
        title="Induction treatment",
        summary="The first phase.",
        body=LONG_BODY,
        tags=["remission"],
    )
    workflow.submit(revision, by=editor)
    client.force_login(reviewer)
    html = client.get(review_url(revision)).content.decode()
    details = re.search(r"Details that changed.*?</dl>", html, re.S).group(0)
    assert "<dt>Title</dt><dd>Induction<ins> treatment</ins></dd>" in details
    assert "<dt>Tags</dt>" in details
    assert "<ins>remission</ins>" in details
    assert "The text readers see is unchanged: only the details above changed" in html


def without_preview_banner(html):
    return re.sub(
        r'<div class="notice notice--preview preview-banner".*?</div>',
        "",
        html,
        count=1,
        flags=re.S,
    )


@pytest.mark.parametrize("kind", ["page", "medicine"])
def test_preview_is_the_public_page_readers_get_after_approval_apart_from_its_banner(
    client, reviewer, editor, publish, publish_item, kind
):
    if kind == "page":
        article = publish(title="Induction", summary="The first phase.", body=LONG_BODY)
        revision = submit_edit(article, editor, LONG_BODY.replace("a month", "four weeks"))
    else:
        details = {"drug_class": "Chemotherapy", "route": "Drip into a vein"}
        article = publish_item(
            "medicine", "vincristine", "Vincristine", "A chemotherapy medicine.", details
        )
        revision = workflow.save_draft(
            article,
            by=editor,
            base_revision=article.latest_revision,
            title="Vincristine",
            summary="A chemotherapy medicine given into a vein.",
            body="Vincristine is given into a vein, usually once a week.",
            details=article.latest_revision.details,
        )
        workflow.submit(revision, by=editor)
    client.force_login(reviewer)
    response = client.get(f"/admin/treatments/article/versions/{revision.pk}/preview/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    preview = response.content.decode()
    assert "Preview: readers do not see this version yet." in preview
    public_before = Client().get(article.get_absolute_url()).content.decode()
    assert without_preview_banner(preview) != public_before  # readers still get the old page

    workflow.approve(revision, by=reviewer)
    public_after = Client().get(article.get_absolute_url()).content.decode()
    assert without_preview_banner(preview) == public_after
