"""sitemap.xml: an index of sitemap files, each listing at most LIMIT URLs.

Files are numbered in their path (/sitemap-content-2.xml), not by Django's
`?p=2`, so that a static export can hold every one of them. A file is built
from one query of plain rows (kind, slug, date) and written as text: at a
thousand URLs, Django's sitemap framework (a URL reversal and a template loop
per entry) took over 100 ms a file; this takes a few.
"""

from django.urls import reverse
from django.utils.html import escape

from treatments.models import Article, Kind

LIMIT = 1000
PLACEHOLDER = "slug-placeholder"


def _url_patterns():
    """{kind: (before, after)} around the slug in the kind's public URL."""
    patterns = {}
    for kind, name in ((Kind.PAGE, "article_detail"), (Kind.MEDICINE, "medicine_detail")):
        before, after = reverse(f"treatments:{name}", kwargs={"slug": PLACEHOLDER}).split(
            PLACEHOLDER
        )
        patterns[kind] = (before, after)
    return patterns


def _published_content():
    """Every published treatment page and medicine, in a stable order."""
    return Article.objects.published().exclude(kind=Kind.GLOSSARY).order_by("pk")


def content_entries(number):
    """[(path, last approval date)] of content file `number` (from 1)."""
    patterns = _url_patterns()
    rows = _published_content().values_list("kind", "slug", "live_since")
    rows = rows[(number - 1) * LIMIT : number * LIMIT]
    return [
        (patterns[kind][0] + slug + patterns[kind][1], live_since.date())
        for kind, slug, live_since in rows
    ]


def fixed_entries(number):
    names = ["home", "treatments:glossary", "treatments:medicine_list"]
    return [(reverse(name), None) for name in names] if number == 1 else []


SECTIONS = {"content": content_entries, "pages": fixed_entries}


def sitemap_files():
    """[(section, file number)] of every sitemap file, in order."""
    content_files = max(1, -(-_published_content().count() // LIMIT))
    return [("content", n) for n in range(1, content_files + 1)] + [("pages", 1)]


def urlset(base_url, entries):
    """A sitemap file's XML for [(path, date or None)], URLs made absolute with base_url."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    ]
    for path, lastmod in entries:
        parts.append(f"<url><loc>{escape(base_url + path)}</loc>")
        if lastmod is not None:
            parts.append(f"<lastmod>{lastmod.isoformat()}</lastmod>")
        parts.append("</url>\n")
    parts.append("</urlset>\n")
    return "".join(parts)
