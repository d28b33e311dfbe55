"""Markdown source -> HTML -> citations and reference list -> nh3 allowlist.

Runs when a draft is saved (to validate) and when a revision is approved (to
store the HTML readers get). Public requests never call it.
"""

import re

import markdown
import nh3

from references.citations import (
    CitationExtension,
    CitationNumbering,
    UnknownCitationKeys,
    keys_in,
    reference_list_html,
)
from references.models import Reference

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "ul", "ol", "li", "a", "strong", "em", "b", "i",
    "code", "pre", "blockquote", "table", "thead", "tbody", "tr", "th", "td", "sup", "sub",
    "section", "abbr", "dl", "dt", "dd",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "id", "class", "aria-label"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "li": {"id", "tabindex"},
    "sup": {"class"},
    "section": {"class", "aria-labelledby"},
    "ol": {"start"},
    "th": {"scope"},
    "abbr": {"title"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}

TOP_HEADING_RE = re.compile(r"<h1[\s>]")
SPACE_BEFORE_CITATION_RE = re.compile(r"\s+(<sup class=\"citation\">)")


class RenderError(ValueError):
    """The body cannot be published as it is; the message says why."""


def render_body(body):
    """Render a revision body to the sanitized HTML that readers will see."""
    references = {ref.key: ref for ref in Reference.objects.filter(key__in=keys_in(body))}
    numbering = CitationNumbering(references)
    converter = markdown.Markdown(
        extensions=["sane_lists", "tables", "toc", CitationExtension(numbering)],
        extension_configs={"toc": {"permalink": False}},
        output_format="html",
    )
    html = converter.convert(body)
    if numbering.unknown:
        raise UnknownCitationKeys(numbering.unknown)
    if TOP_HEADING_RE.search(html):
        raise RenderError(
            "The body has a top-level heading (a line starting with a single #). "
            "The page title is the only top-level heading: start sections with ## instead."
        )
    html = SPACE_BEFORE_CITATION_RE.sub(r"\1", html)
    html += reference_list_html(numbering, references)
    return sanitize(html)


def sanitize(html):
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=None,
    )
