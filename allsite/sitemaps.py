"""sitemap.xml: an index of sitemap files, each listing at most LIMIT URLs.

Content file n lists the published pages and medicines whose ids are in the
n-th run of LIMIT ids from the first published one. Neither the index nor a
file counts or skips rows: the index needs only the lowest and highest
published ids (a step along the primary key each) and a file is one range of
it, so both cost the same at any size of site. A file may hold fewer than
LIMIT URLs (the ids of glossary terms and unpublished drafts are gaps).

Files are numbered in their path (/sitemap-content-2.xml), not by Django's
`?p=2`, so that a static export can hold every one of them. A file is built
from one query of plain rows (kind, slug, date) and written as text: at a
thousand URLs, Django's sitemap framework (a URL reversal and a template loop
per entry) took over 100 ms a file; this takes a few.

Every language is listed: a French page is a content row of its own (its own
id), and each URL names its versions in the other languages (xhtml:link
alternates, the same as the page's hreflang links), found in the same query.
The fixed pages (home, glossary, medicines) are listed once per language.
"""

from html import escape  # the standard library's: Django's is lazy-aware and slower

from django.conf import settings
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import translation

from allsite.locale import html_lang
from treatments.models import Article, Kind
from treatments.navigation import published_flag, with_languages

LIMIT = 250
PLACEHOLDER = "slug-placeholder"
FIXED_PAGES = ["home", "treatments:glossary", "treatments:medicine_list"]


def _url_patterns():
    """{(kind, language): (before, after)} around the slug in the kind's public URL."""
    patterns = {}
    for code, _ in settings.LANGUAGES:
        for kind, name in ((Kind.PAGE, "article_detail"), (Kind.MEDICINE, "medicine_detail")):
            with translation.override(code):
                url = reverse(f"treatments:{name}", kwargs={"slug": PLACEHOLDER})
            before, after = url.split(PLACEHOLDER)
            patterns[kind, code] = (before, after)
    return patterns


def _published_content():
    """Every published treatment page and medicine, in a stable order."""
    return Article.objects.published().exclude(kind=Kind.GLOSSARY).order_by("pk")


def _id_range():
    """(first, last) id of the published content, or None: one step each along
    the primary key."""
    ids = _published_content().values_list("pk", flat=True)
    first = ids.first()
    return None if first is None else (first, ids.order_by("-pk").first())


def content_entries(number, span):
    """[(path, day of the last approval, [(language, path)] of its published
    versions when it has more than one)] of content file `number` (from 1):
    the content with ids in the number-th run of LIMIT ids from the first."""
    patterns = _url_patterns()
    codes = [code for code, _ in settings.LANGUAGES]
    flags = [published_flag(code) for code in codes]
    start = span[0] + (number - 1) * LIMIT
    rows = (
        with_languages(_published_content().filter(pk__gte=start, pk__lt=start + LIMIT))
        .annotate(day=TruncDate("live_since"))  # a date is far cheaper to read than a time
        .values_list("kind", "slug", "language", "day", *flags)
    )
    entries = []
    for kind, slug, language, day, *published in rows:

        def path(code, kind=kind, slug=slug):
            return patterns[kind, code][0] + slug + patterns[kind, code][1]

        versions = [
            code for code, is_published in zip(codes, published, strict=True) if is_published
        ]
        alternates = [(code, path(code)) for code in versions] if len(versions) > 1 else []
        entries.append((path(language), day, alternates))
    return entries


def fixed_entries(number):
    if number != 1:
        return []
    entries = []
    for name in FIXED_PAGES:
        versions = []
        for code, _ in settings.LANGUAGES:
            with translation.override(code):
                versions.append((code, reverse(name)))
        entries += [(path, None, versions) for _, path in versions]
    return entries


def sitemap_files(span=False):
    """[(section, file number)] of every sitemap file, in order."""
    span = _id_range() if span is False else span
    content_files = 1 if span is None else (span[1] - span[0]) // LIMIT + 1
    return [("content", n) for n in range(1, content_files + 1)] + [("pages", 1)]


def sitemap_entries(section, number):
    """[(path, date or None)] of one sitemap file, or None if there is no such file."""
    span = _id_range()
    if (section, number) not in sitemap_files(span):
        return None
    if section == "pages":
        return fixed_entries(number)
    return content_entries(number, span) if span else []


NUMBER_PLACEHOLDER = 987654321


def sitemapindex(base_url, files):
    """The index's XML for [(section, number)] of files, URLs made absolute with
    base_url. Written as text from one reversed path: at 10,000 pages the index
    lists forty files, and a reversal and template loop per file cost more
    than the rest of the request."""
    path = reverse("sitemap_section", args=[PLACEHOLDER, NUMBER_PLACEHOLDER])
    before, rest = path.split(PLACEHOLDER)
    middle, after = rest.split(str(NUMBER_PLACEHOLDER))
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    ]
    for section, number in files:
        loc = escape(f"{base_url}{before}{section}{middle}{number}{after}")
        parts.append(f"<sitemap><loc>{loc}</loc></sitemap>\n")
    parts.append("</sitemapindex>\n")
    return "".join(parts)


def urlset(base_url, entries):
    """A sitemap file's XML for [(path, date or None, [(language, path)] of
    its versions)], URLs made absolute with base_url."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
    ]
    tags = {code: html_lang(code) for code, _ in settings.LANGUAGES}
    for path, lastmod, alternates in entries:
        parts.append(f"<url><loc>{escape(base_url + path)}</loc>")
        if lastmod is not None:
            parts.append(f"<lastmod>{lastmod.isoformat()}</lastmod>")
        for code, alternate in alternates:
            parts.append(
                f'<xhtml:link rel="alternate" hreflang="{tags[code]}" '
                f'href="{escape(base_url + alternate)}"/>'
            )
        if alternates and alternates[0][0] == settings.LANGUAGE_CODE:
            parts.append(
                '<xhtml:link rel="alternate" hreflang="x-default" '
                f'href="{escape(base_url + alternates[0][1])}"/>'
            )
        parts.append("</url>\n")
    parts.append("</urlset>\n")
    return "".join(parts)
