"""The Markdown side of citations: `[@key]` markers become numbered superscript
links (numbering in references.citations). Imported only where Markdown is
rendered, so serving pages never loads Markdown."""

import xml.etree.ElementTree as etree

from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

from .citations import CITATION_PATTERN


class CitationProcessor(InlineProcessor):
    def __init__(self, pattern, md, numbering):
        super().__init__(pattern, md)
        self.numbering = numbering

    def handleMatch(self, m, data):
        keys = [part.strip().lstrip("@") for part in m.group(1).split(";")]
        sup = etree.Element("sup", {"class": "citation"})
        previous = None
        for key in keys:
            number, anchor_id = self.numbering.cite(key)
            if number is None:
                continue
            if previous is not None:
                previous.tail = ","
            link = etree.SubElement(sup, "a", {"href": f"#ref-{number}", "id": anchor_id})
            link.text = str(number)
            previous = link
        if previous is None:
            return None, None, None
        return sup, m.start(0), m.end(0)


class CitationExtension(Extension):
    def __init__(self, numbering, **kwargs):
        self.numbering = numbering
        super().__init__(**kwargs)

    def extendMarkdown(self, md):
        # Above links (160) and references (170), below code spans (190).
        md.inlinePatterns.register(
            CitationProcessor(CITATION_PATTERN, md, self.numbering), "citation", 175
        )
