"""Staff screens in Chromium: axe-core (WCAG 2.2 AA) finds nothing in our markup."""

import pytest
from django.contrib.auth import get_user_model

from allsite.models import Feedback
from tests.e2e.test_accessibility import AXE, AXE_OPTIONS, describe
from treatments import workflow
from treatments.models import Article

pytestmark = pytest.mark.browser


@pytest.fixture
def staff_site(live_server, demo):
    article = Article.objects.get(slug="induction", language="en-gb")
    latest = article.latest_revision
    editor = get_user_model().objects.get(username="editor")
    revision = workflow.save_draft(
        article,
        by=editor,
        base_revision=latest,
        title=latest.title,
        summary=latest.summary,
        body=latest.body.replace("usually", "often", 1),
        tags=list(latest.tags.names()),
    )
    workflow.submit(revision, by=editor)
    Feedback.objects.create(article=article, kind="error", comment="The dose is wrong.")
    review = f"/admin/treatments/article/review/{revision.pk}/"
    return live_server.url, [
        "/admin/",
        "/admin/treatments/article/review-queue/",
        review,
        review + "?view=page",
        review + "?view=source",
        "/admin/treatments/article/due-for-review/",
        "/admin/treatments/article/",
        f"/admin/treatments/article/{article.pk}/change/",
        f"/admin/treatments/article/{article.pk}/history/",
        "/admin/references/reference/",
        "/admin/allsite/feedback/",
    ]


def test_staff_screens_have_no_axe_violations(staff_site, new_page):
    base, paths = staff_site
    page = new_page(bypass_csp=True)
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "admin-demo-pass")
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")
    failures = {}
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            page.goto(f"{base}{path}")
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
            if result["violations"]:
                failures[f"{path} @ {width}px"] = describe(result["violations"])
    assert not failures, "\n".join(f"{page}: {v}" for page, v in failures.items())
