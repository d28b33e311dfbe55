"""Tags in any alphabet work; a tag that could have no page is refused at save."""

import io

import pytest
from django.core.management import call_command

from tests.test_article_admin import article_form
from treatments import workflow
from treatments.models import Article

pytestmark = pytest.mark.django_db


def test_a_page_tagged_in_chinese_serves_and_links_its_tag_page(client, publish, helpline):
    article = publish(tags=["化疗", "stem cell"])
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'href="/tags/%E5%8C%96%E7%96%97/"' in html
    tag_page = client.get("/tags/%E5%8C%96%E7%96%97/")
    assert tag_page.status_code == 200
    assert "Induction" in tag_page.content.decode()


@pytest.mark.parametrize("tag", ["***", "!!", "—", "x" * 101])
def test_a_tag_with_no_letter_or_too_long_is_refused_at_save_with_the_text_kept(
    client, editor, reference, tag
):
    client.force_login(editor)
    body = "## What happens\n\nInduction lasts about a month [@acs-treating-all].\n"
    response = client.post(
        "/admin/treatments/article/add/", article_form(tags=f'"{tag}", chemotherapy', body=body)
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "has no letter or digit" in html or "tags can have at most 100" in html
    assert "Induction lasts about a month" in html
    assert not Article.objects.filter(slug="induction").exists()


def test_the_workflow_refuses_such_a_tag_whoever_calls_it(editor):
    article = Article.objects.create(slug="x")
    with pytest.raises(workflow.WorkflowError, match="has no letter or digit"):
        workflow.save_draft(
            article, by=editor, base_revision=None, tags=["***"], title="T", summary="S",
            body="## A\n\nText.\n",
        )  # fmt: skip


def test_a_unicode_tag_page_is_exported_where_nginx_looks_for_it(
    publish, helpline, tmp_path, settings
):
    settings.ALLOWED_HOSTS = ["all.example.org"]
    publish(tags=["化疗"])
    call_command(
        "export_static", str(tmp_path / "site"), "--base-url", "https://all.example.org",
        stdout=io.StringIO(),
    )  # fmt: skip
    assert (tmp_path / "site" / "tags" / "化疗" / "index.html").is_file()
