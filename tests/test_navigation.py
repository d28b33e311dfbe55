"""Finding your way: contents from the h2s, previous/next, breadcrumbs everywhere."""

import re

import pytest

from treatments.models import Kind

pytestmark = pytest.mark.django_db

BODY = "## First part\n\nText [@acs-treating-all].\n\n## Second part\n\nMore text.\n"


def test_on_this_page_lists_the_h2s_and_links_to_them(client, publish):
    html = client.get(publish(body=BODY).get_absolute_url()).content.decode()
    contents = re.search(r'<nav class="on-this-page".*?</nav>', html, re.S).group(0)
    assert re.findall(r'href="#([^"]+)">([^<]+)<', contents) == [
        ("first-part", "First part"),
        ("second-part", "Second part"),
        ("reference-list", "References"),
    ]
    assert 'id="first-part"' in html
    assert 'id="second-part"' in html


def test_previous_and_next_stay_within_the_section(
    client, publish, django_capture_on_commit_callbacks
):
    phases = publish("phases", title="Phases", tags=())
    # Each publish refreshes its neighbours' links in a task after commit.
    with django_capture_on_commit_callbacks(execute=True):
        for order, slug in enumerate(["induction", "consolidation", "maintenance"], start=1):
            publish(slug, parent=phases, title=slug.title(), order=order)
        publish("steroids", title="Steroids")
    html = client.get("/treatment/consolidation/").content.decode()
    pager = re.search(r'<nav class="pager".*?</nav>', html, re.S).group(0)
    assert 'href="/treatment/induction/" rel="prev"' in pager
    assert 'href="/treatment/maintenance/" rel="next"' in pager
    first = client.get("/treatment/induction/").content.decode()
    assert 'rel="prev"' not in first
    assert "steroids" not in re.search(r'<nav class="pager".*?</nav>', first, re.S).group(0)


@pytest.mark.parametrize(
    "url", ["/treatment/induction/", "/tags/chemotherapy/", "/glossary/", "/medicines/",
            "/medicines/blinatumomab/", "/search/?q=induction"],
)  # fmt: skip
def test_every_page_below_home_has_breadcrumbs_starting_at_home(client, publish, publish_item, url):
    publish()
    publish_item(Kind.MEDICINE, "blinatumomab", "Blinatumomab", "An immunotherapy.",
                 {"brand_names": ["Blincyto"], "drug_class": "BiTE", "route": "Drip"})  # fmt: skip
    html = client.get(url).content.decode()
    crumbs = re.search(r'<nav class="breadcrumbs" aria-label="Breadcrumb">.*?</nav>', html, re.S)
    assert crumbs, url
    assert '<a href="/">Home</a>' in crumbs.group(0)
    assert 'aria-current="page"' in crumbs.group(0)


def test_long_lists_continue_on_numbered_pages_that_list_every_page_once(
    client, publish, monkeypatch, django_capture_on_commit_callbacks
):
    from treatments import navigation, views

    monkeypatch.setattr(views, "LIST_PAGE_SIZE", 2)
    monkeypatch.setattr(views.TagDetailView, "paginate_by", 2)
    monkeypatch.setattr(views.SectionPagesView, "paginate_by", 2)
    monkeypatch.setattr(navigation, "CHILDREN_SHOWN", 2)
    with django_capture_on_commit_callbacks(execute=True):
        section = publish("phases", title="Phases", tags=())
        for n in range(5):
            publish(f"part-{n}", parent=section, title=f"Part {n}", tags=("chemo",))
    for first in ["/treatment/phases/pages/", "/tags/chemo/"]:
        seen, url = [], first
        while url:
            html = client.get(url).content.decode()
            seen += re.findall(r'href="/treatment/(part-\d)/"', html)
            found = re.search(r'<a href="([^"]+)" rel="next">Next page</a>', html)
            url = found.group(1) if found else None
        assert sorted(seen) == [f"part-{n}" for n in range(5)], first
    assert "All pages in" in client.get("/treatment/phases/").content.decode()
    assert client.get("/tags/chemo/page/9/").status_code == 404
