"""Link the first use of each glossary term and each medicine in a body.

A Markdown tree processor: it runs after inline Markdown, so it never touches
code, links, headings or citation numbers. Plain links work without
JavaScript; screen readers hear "(glossary)" after a term and "(medicine)"
after a medicine.

One pass links both, so a word is linked once at most. When a name is both a
glossary term and a medicine (or a brand name), the medicine wins: its page
is the reviewed, fuller account of that very medicine. The glossary term may
still be linked by one of its other names.

A term's short definition (its approved summary) is added to its link after
sanitising (`add_definitions`), as `data-definition`: static/js/glossary.js
shows it where the reader is. The sanitizer's allowlist has no
`data-definition`, so a definition can only come from an approved term.
"""

import re
import xml.etree.ElementTree as etree

from django.utils.html import escape
from django.utils.translation import gettext
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

SKIPPED_TAGS = {"a", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "sup", "abbr"}
GLOSSARY, MEDICINE = "glossary", "medicine"
LINK_CLASS = {GLOSSARY: "glossary-link", MEDICINE: "medicine-link"}


class GlossaryLinker(Treeprocessor):
    def __init__(self, md, terms, medicines=()):
        """`terms`, `medicines`: [(name, slug, url)]; several names may share a
        slug (aliases, brand names)."""
        super().__init__(md)
        self.by_name = {name.lower(): (GLOSSARY, slug, url) for name, slug, url in terms}
        # Medicines last: a name that is also a glossary term links to the medicine.
        self.by_name.update({name.lower(): (MEDICINE, slug, url) for name, slug, url in medicines})
        names = sorted(self.by_name, key=len, reverse=True)
        self.pattern = (
            re.compile(
                r"\b(" + "|".join(re.escape(n) for n in names) + r")(?:s|es)?\b", re.IGNORECASE
            )
            if names
            else None
        )
        self.linked = set()  # glossary slugs
        self.linked_medicines = set()  # medicine slugs
        # In the language being rendered (publishing overrides it per page).
        glossary, medicine = gettext("glossary"), gettext("medicine")
        self.hints = {GLOSSARY: f" ({glossary})", MEDICINE: f" ({medicine})"}

    def run(self, root):
        if self.pattern is not None:
            self._walk(root)

    def _walk(self, element):
        if element.tag in SKIPPED_TAGS:
            return
        added = []
        if element.text:
            element.text, added = self._link(element.text)
            for index, link in enumerate(added):
                element.insert(index, link)
        for child in list(element):
            if child in added:
                continue
            self._walk(child)
            if child.tail:
                child.tail, links = self._link(child.tail)
                position = list(element).index(child) + 1
                for offset, link in enumerate(links):
                    element.insert(position + offset, link)

    def _link(self, text):
        """(text before the first new link, [links whose tails carry the rest])."""
        links, lead, position = [], text, 0
        for match in self.pattern.finditer(text):
            kind, slug, url = self.by_name[match.group(1).lower()]
            linked = self.linked if kind == GLOSSARY else self.linked_medicines
            if slug in linked:
                continue
            linked.add(slug)
            link = etree.Element("a", {"href": url, "class": LINK_CLASS[kind]})
            link.text = match.group(0)
            hint = etree.SubElement(link, "span", {"class": "visually-hidden"})
            hint.text = self.hints[kind]
            if links:
                links[-1].tail = text[position : match.start()]
            else:
                lead = text[: match.start()]
            links.append(link)
            position = match.end()
        if links:
            links[-1].tail = text[position:]
        return lead, links


class GlossaryExtension(Extension):
    def __init__(self, terms, medicines=(), **kwargs):
        self.terms = terms
        self.medicines = medicines
        super().__init__(**kwargs)

    def extendMarkdown(self, md):
        # After inline patterns (20), so links, code and citations already exist.
        self.linker = GlossaryLinker(md, self.terms, self.medicines)
        md.treeprocessors.register(self.linker, "glossary", 5)


GLOSSARY_LINK_RE = re.compile(r'<a ([^>]*\bclass="glossary-link"[^>]*)>')
HREF_RE = re.compile(r'\bhref="([^"]*)"')


def add_definitions(html, definitions):
    """Sanitised HTML with each glossary link carrying its term's short
    definition. `definitions`: {link url: plain-text definition}."""
    if not definitions:
        return html

    def with_definition(match):
        href = HREF_RE.search(match.group(1))
        definition = definitions.get(href.group(1).replace("&amp;", "&")) if href else None
        if not definition:
            return match.group(0)
        return f'<a {match.group(1)} data-definition="{escape(definition)}">'

    return GLOSSARY_LINK_RE.sub(with_definition, html)
