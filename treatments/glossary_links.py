"""Link the first use of each glossary term in a body to its definition.

A Markdown tree processor: it runs after inline Markdown, so it never touches
code, links, headings or citation numbers. Plain links work without
JavaScript; screen readers hear "(glossary)" after the term.
"""

import re
import xml.etree.ElementTree as etree

from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

SKIPPED_TAGS = {"a", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "sup", "abbr"}


class GlossaryLinker(Treeprocessor):
    def __init__(self, md, terms):
        """`terms`: [(name, slug, url)]; several names may share a slug (aliases)."""
        super().__init__(md)
        self.by_name = {name.lower(): (slug, url) for name, slug, url in terms}
        names = sorted(self.by_name, key=len, reverse=True)
        self.pattern = (
            re.compile(
                r"\b(" + "|".join(re.escape(n) for n in names) + r")(?:s|es)?\b", re.IGNORECASE
            )
            if names
            else None
        )
        self.linked = set()

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
            slug, url = self.by_name[match.group(1).lower()]
            if slug in self.linked:
                continue
            self.linked.add(slug)
            link = etree.Element("a", {"href": url, "class": "glossary-link"})
            link.text = match.group(0)
            hint = etree.SubElement(link, "span", {"class": "visually-hidden"})
            hint.text = " (glossary)"
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
    def __init__(self, terms, **kwargs):
        self.terms = terms
        super().__init__(**kwargs)

    def extendMarkdown(self, md):
        # After inline patterns (20), so links, code and citations already exist.
        self.linker = GlossaryLinker(md, self.terms)
        md.treeprocessors.register(self.linker, "glossary", 5)
