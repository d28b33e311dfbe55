"""The Content API's docs page works in a real browser under the site's
Content-Security-Policy: Swagger UI from our static files, started by
static/js/api-docs.js, lists every endpoint, and nothing is refused."""

import pytest

pytestmark = pytest.mark.browser


def test_swagger_ui_lists_the_endpoints_under_the_csp(live_server, new_page):
    page = new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() == 8
    assert problems == []
