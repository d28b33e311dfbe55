"""Every public page type validates as HTML5 with the Nu HTML Checker (vnu.jar)."""

import pytest
from django.test import override_settings

from tests.html_checks import H1_RE, INLINE_SCRIPT_RE, validate

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=False)
def test_public_pages_validate_as_html5_with_one_h1_and_no_inline_script(
    client, publish, helpline, tmp_path, monkeypatch
):
    section = publish("phases", title="Phases of treatment", tags=())
    article = publish("induction", parent=section, tags=["chemotherapy", "remission"])
    pages = {
        "home": client.get("/"),
        "article": client.get(article.get_absolute_url()),
        "section": client.get(section.get_absolute_url()),
        "tag": client.get("/tags/chemotherapy/"),
        "topics": client.get("/tags/"),
        "not-found": client.get("/no-such-page/"),
    }
    monkeypatch.setattr("allsite.views.HomeView.get", lambda *a, **k: 1 / 0)
    client.raise_request_exception = False
    pages["server-error"] = client.get("/")

    html = {name: response.content.decode() for name, response in pages.items()}
    for name, text in html.items():
        assert len(H1_RE.findall(text)) == 1, name
        assert not INLINE_SCRIPT_RE.search(text), name
        assert " style=" not in text, name
    assert validate(html, tmp_path) == []
