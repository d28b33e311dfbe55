"""Markdown source -> HTML -> citations and reference list -> nh3 allowlist.

Library images (`![alt](image:key)`, treatments.media) become <figure>s after
the body is sanitised: the body's allowlist has no <img>, so an image can
only come from the library, with the markup treatments.media writes (checked
against FIGURE_TAGS on its own).

Runs when a draft is saved (to validate), for staff previews, and in
treatments.publishing when a live page is (re-)rendered. Public requests
never call it. The caller chooses the sources: publishing passes approved
versions only; validation and previews pass the editors' working copies.
"""

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from references.citations import (
    CitationNumbering,
    UnknownCitationKeys,
    keys_in,
    reference_list_html,
)
from references.models import Reference

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "ul", "ol", "li", "a", "strong", "em", "b", "i",
    "code", "pre", "blockquote", "table", "thead", "tbody", "tr", "th", "td", "sup", "sub",
    "section", "abbr", "dl", "dt", "dd", "span",
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
    # lang: a part in another language than the page's (WCAG 3.1.2), e.g. an
    # English reference title in a French page's reference list.
    "span": {"class", "lang"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}
# Only in the figures treatments.media writes for library images.
FIGURE_TAGS = {"figure", "figcaption", "img", "span"}
FIGURE_ATTRIBUTES = {
    "figure": {"class"},
    "img": {"src", "srcset", "sizes", "width", "height", "alt", "loading", "decoding"},
    "span": {"class"},
}

TOP_HEADING_RE = re.compile(r"<h1[\s>]")
SPACE_BEFORE_CITATION_RE = re.compile(r"\s+(<sup class=\"citation\">)")


TAG_RE = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)")
EVENT_ATTRIBUTE_RE = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
SCRIPT_URL_RE = re.compile(r"""href=["']?\s*(?:javascript|vbscript|data):""", re.I)


def dropped_markup(html):
    """What the sanitizer would silently remove from this HTML, in words."""
    found = []
    for tag in TAG_RE.findall(html):
        tag = tag.lower()
        if tag not in ALLOWED_TAGS and f"<{tag}>" not in found:
            found.append(f"<{tag}>")
    if EVENT_ATTRIBUTE_RE.search(html):
        found.append("event attributes such as onclick=")
    if SCRIPT_URL_RE.search(html):
        found.append("javascript: links")
    return found


class RenderError(ValueError):
    """The body cannot be published as it is; the message says why."""


class TopLevelHeading(RenderError):
    def __init__(self):
        super().__init__(
            "The body has a top-level heading (a line starting with a single #). "
            "The page title is the only top-level heading: start sections with ## instead."
        )


class DroppedMarkup(RenderError):
    """`dropped`: what the sanitizer would leave out, as dropped_markup() names it."""

    def __init__(self, dropped):
        self.dropped = list(dropped)
        images = (
            " Show an image from the media library with ![what it shows](image:its-key) "
            "on a line of its own."
            if {"<img>", "<figure>", "<picture>"} & set(self.dropped)
            else ""
        )
        super().__init__(
            f"The body has things pages cannot show, which would be left out: "
            f"{', '.join(self.dropped)}.{images} Write the text in Markdown (## headings, "
            "**bold**, lists, [links](https://...)) instead."
        )


class UnknownImageKeys(RenderError):
    def __init__(self, keys):
        self.keys = list(keys)
        listed = ", ".join(f"image:{key}" for key in self.keys)
        super().__init__(
            f"These images are not in the media library: {listed}. Check the key (each "
            "image's page under Images shows what to paste), or upload the image there first."
        )


class ImageProblem(RenderError):
    """An image that cannot be shown as written (`src`: its address as typed)."""

    def __init__(self, message, src):
        self.src = src
        super().__init__(message)


@dataclass
class Rendered:
    html: str
    toc: list = field(default_factory=list)
    citations: list = field(default_factory=list)
    cited_keys: list = field(default_factory=list)
    glossary_slugs: set = field(default_factory=set)
    medicine_slugs: set = field(default_factory=set)
    errors: list = field(default_factory=list)  # only with keep_going: why it cannot be saved
    image_keys: list = field(default_factory=list)


def working_references(body):
    """{key: Reference} of the editors' working copies cited in a body: for
    validating drafts and staff previews, never for live pages."""
    return {ref.key: ref for ref in Reference.objects.filter(key__in=keys_in(body))}


def render(
    body,
    *,
    references,
    glossary_terms=(),
    medicines=(),
    strict=False,
    keep_going=False,
    images=None,
    language=None,
):
    """Render a revision body to sanitized HTML, plus the data derived from it:
    the h2 contents list, the cited sources, and what it drew in.

    `references`: {key: Reference-like} the citations may use (a key missing
    from it is an unknown citation). `glossary_terms`: [(name, slug, url) or
    (name, slug, url, short definition)] whose first use gets linked (with its
    definition, for showing in place). `medicines`: [(name, slug, url)] whose
    first use links to the medicine's page (treatments.glossary_links says
    which wins when a name is both). `strict`: refuse (RenderError) anything the
    sanitizer would drop, instead of dropping it (for new text being saved;
    re-rendering approved text never refuses). `keep_going`: for editors'
    live previews: instead of raising, render what can be rendered (an unknown
    citation stays as typed) and list the errors in `Rendered.errors`.
    `images`: {key: Image} the
    body may show; None: looked up in the library (images never change, so
    drafts and live pages see the same ones). An image that cannot be shown
    (unknown key, no alt text, not from the library, inside other text) is
    refused when strict, else left out. `language`: the page's (default
    English): its reference list is formatted in that language's citation
    locale. Interface words ("References", "(glossary)") are the active
    language's: publishing renders inside `translation.override`.
    """
    # Imported here: processes that only serve stored pages never load Markdown.
    import markdown

    from references.citation_markdown import CitationExtension

    from .glossary_links import GlossaryExtension, add_definitions
    from .media import library_images
    from .media_markdown import FigureExtension

    figures = FigureExtension(library_images(body) if images is None else images)
    glossary_terms = list(glossary_terms)

    numbering = CitationNumbering(references)
    converter = markdown.Markdown(
        extensions=[
            "sane_lists",
            "tables",
            "toc",
            CitationExtension(numbering),
            glossary := GlossaryExtension([term[:3] for term in glossary_terms], list(medicines)),
            figures,
        ],
        extension_configs={"toc": {"permalink": False}},
        output_format="html",
    )
    html = converter.convert(body)
    errors = []
    if numbering.unknown:
        errors.append(UnknownCitationKeys(numbering.unknown))
    if strict and figures.processor.unknown:
        errors.append(UnknownImageKeys(figures.processor.unknown))
    if strict:
        errors += [ImageProblem(message, src) for src, message in figures.processor.problems]
    if TOP_HEADING_RE.search(html):
        errors.append(TopLevelHeading())
    if strict and (dropped := [d for d in dropped_markup(html) if d != "<h1>"]):
        errors.append(DroppedMarkup(dropped))
    if errors and not keep_going:
        raise errors[0]
    html = SPACE_BEFORE_CITATION_RE.sub(r"\1", html)
    reference_list = reference_list_html(
        numbering, references, language=language or settings.LANGUAGE_CODE
    )
    toc = [[t["id"], strip_tags(t["name"])] for t in converter.toc_tokens if t["level"] == 2]
    if reference_list:
        toc.append(["reference-list", _("References")])
    cited = sorted(numbering.numbers, key=numbering.numbers.get)
    citations = [
        {"name": references[key].title, "url": references[key].link_url, "key": key}
        for key in cited
    ]
    html = sanitize(html + reference_list)
    html = add_definitions(html, {term[2]: term[3] for term in glossary_terms if len(term) > 3})
    for placeholder, figure in figures.processor.figures.items():
        html = html.replace(placeholder, sanitize_figure(figure), 1)
    return Rendered(
        html,
        toc,
        citations,
        cited,
        glossary.linker.linked,
        glossary.linker.linked_medicines,
        errors=errors,
        image_keys=figures.processor.shown,
    )


def render_body(body, **kwargs):
    return render(body, **kwargs).html


def sanitize(html):
    import nh3

    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=None,
    )


def sanitize_figure(html):
    """A library image's <figure>, through its own allowlist (treatments.media writes it)."""
    import nh3

    return nh3.clean(
        html,
        tags=FIGURE_TAGS,
        attributes=FIGURE_ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel=None,
    )
