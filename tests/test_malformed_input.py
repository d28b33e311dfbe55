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


def test_an_image_in_markdown_is_refused_with_its_alt_text_kept(client, editor, reference):
    client.force_login(editor)
    body = "## Picture\n\n![Diagram of a port under the skin](https://example.org/port.png)\n"
    response = client.post("/admin/treatments/article/add/", article_form(body=body))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Images cannot be added to pages yet: describe what it shows in words." in html
    assert "Diagram of a port under the skin" in html
