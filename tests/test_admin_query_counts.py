"""Admin screens run the same number of queries however many rows they list.

Each screen is measured on a small site, then again after the site has grown:
a query per row (a lazy relation in a column, `__str__`, a filter's choices)
would show up as a difference.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from allsite.models import Feedback
from tests.conftest import approved_reference, make_user
from treatments import workflow
from treatments.models import Article, Kind

pytestmark = pytest.mark.django_db

SCREENS = [
    "/admin/",
    "/admin/treatments/article/",
    "/admin/treatments/article/?section=top",
    "/admin/treatments/glossaryterm/",
    "/admin/treatments/medicine/",
    "/admin/treatments/revision/",
    "/admin/treatments/transition/",
    "/admin/references/reference/",
    "/admin/allsite/feedback/",
    "/admin/treatments/article/review-queue/",
    "/admin/treatments/article/due-for-review/",
]


def grow(n, *, start, publish, publish_item, editor, reviewer):
    """n more of everything the screens list: pages in a section, terms,
    medicines, references, drafts in review, pages due for review, feedback."""
    section = Article.objects.filter(slug="section").first() or publish("section", tags=())
    for i in range(start, start + n):
        page = publish(f"page-{i}", parent=section, title=f"Page {i}")
        publish_item(Kind.GLOSSARY, f"term-{i}", f"Term {i}", "A word.", {})
        publish_item(
            Kind.MEDICINE, f"medicine-{i}", f"Medicine {i}", "A medicine.",
            {"drug_class": "Class", "route": "Tablets"},
        )  # fmt: skip
        approved_reference(
            editor, reviewer, key=f"ref-{i}", type="webpage", title=f"Source {i}",
            url=f"https://example.org/{i}", accessed=datetime.date(2026, 11, 1),
        )  # fmt: skip
        draft = workflow.save_draft(
            page, by=editor, base_revision=page.latest_revision,
            title=f"Page {i} v2", summary="Changed.", body=page.live_revision.body,
        )  # fmt: skip
        workflow.submit(draft, by=editor)
        Article.objects.filter(pk=page.pk).update(
            next_review_due=timezone.localdate() + datetime.timedelta(days=i % 90 - 30)
        )
        Feedback.objects.create(article=page, kind="error", comment=f"Typo {i}")


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("role", ["editor", "reviewer", "superuser"])
def test_admin_screens_run_a_constant_number_of_queries(
    client, publish, publish_item, editor, reviewer, role
):
    user = {"editor": editor, "reviewer": reviewer}.get(role) or make_user(superuser=True)
    kwargs = {
        "publish": publish,
        "publish_item": publish_item,
        "editor": editor,
        "reviewer": reviewer,
    }
    grow(2, start=0, **kwargs)
    client.force_login(user)
    small = {url: count_queries(client, url) for url in SCREENS}
    grow(6, start=2, **kwargs)
    large = {url: count_queries(client, url) for url in SCREENS}
    assert large == small
    assert max(large.values()) <= 20, large


def test_the_parent_picker_offers_only_treatment_pages(client, publish, publish_item, editor):
    publish("phases", title="Phases", tags=())
    publish_item(Kind.GLOSSARY, "remission", "Remission", "No leukaemia found.", {})
    client.force_login(editor)
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "treatments", "model_name": "article", "field_name": "parent", "term": ""},
    )
    titles = [result["text"] for result in response.json()["results"]]
    assert "Phases" in titles
    assert "Remission" not in titles


@pytest.mark.parametrize("model", ["article", "glossaryterm", "medicine"])
def test_the_edit_screen_runs_a_constant_number_of_queries(
    client, publish, publish_item, editor, reviewer, model
):
    """However many pages, sources and terms the site has, and however many
    colleagues have unsaved changes open on the page."""
    from treatments.editing import record_presence

    kwargs = {
        "publish": publish,
        "publish_item": publish_item,
        "editor": editor,
        "reviewer": reviewer,
    }
    grow(1, start=0, **kwargs)
    slug = {"article": "page-0", "glossaryterm": "term-0", "medicine": "medicine-0"}[model]
    article = Article.objects.get(slug=slug, language="en-gb")
    url = f"/admin/treatments/{model}/{article.pk}/change/"
    record_presence(article, make_user(workflow.EDITORS))
    client.force_login(editor)
    client.get(url)  # warms per-process caches (content types)
    small = count_queries(client, url)
    grow(4, start=1, **kwargs)
    for _ in range(5):
        record_presence(article, make_user(workflow.EDITORS, first_name="Colleague"))
    large = count_queries(client, url)
    assert "Colleague has this page open" in client.get(url).content.decode()
    assert large == small
    assert large <= 25, large
