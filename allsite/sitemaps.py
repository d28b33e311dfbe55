"""sitemap.xml: an index of sitemap files, each listing at most `limit` URLs.

Files are numbered in their path (/sitemap-content-2.xml), not by Django's
`?p=2`, so that a static export can hold every one of them.
"""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from treatments.models import Article


class PublishedContentSitemap(Sitemap):
    """Every published treatment page and medicine, dated by its last approval."""

    limit = 1000

    def items(self):
        return (
            Article.objects.published()
            .exclude(kind="glossary")
            .only("kind", "slug", "live_since")
            .order_by("pk")
        )

    def lastmod(self, article):
        return article.live_since


class FixedPagesSitemap(Sitemap):
    def items(self):
        return ["home", "treatments:glossary", "treatments:medicine_list"]

    def location(self, name):
        return reverse(name)


SITEMAPS = {"content": PublishedContentSitemap, "pages": FixedPagesSitemap}


def sitemap_files():
    """[(section, page number)] of every sitemap file, in order."""
    files = []
    for section, sitemap in SITEMAPS.items():
        pages = sitemap().paginator.num_pages
        files += [(section, number) for number in range(1, pages + 1)]
    return files
