from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from treatments.models import Article


class PublishedContentSitemap(Sitemap):
    """Every published treatment page and medicine, dated by its last approval,
    in pages of `limit` URLs (/sitemap-content.xml?p=2...)."""

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
