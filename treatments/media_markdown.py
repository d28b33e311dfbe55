"""The Markdown side of library images: `![alt](image:key)` on a line of its
own becomes a <figure> (treatments.media.figure_html). Imported only where
Markdown is rendered, so serving pages never loads Markdown.

A tree processor runs after inline Markdown: each <img> it finds is checked
(library key known, alt text written, alone in its paragraph; never an
address elsewhere) and its paragraph replaced by a placeholder; an image
that fails is left out and the problem noted. The caller
(treatments.rendering) sanitises the HTML, then puts the figures in place of
the placeholders, so no <img> an editor wrote as raw HTML can reach a page.
"""

import secrets

from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from .media import figure_html


class FigureProcessor(Treeprocessor):
    def __init__(self, md, images):
        super().__init__(md)
        self.images = images  # {key: Image}
        self.nonce = secrets.token_hex(8)
        self.figures = {}  # placeholder paragraph HTML -> figure HTML
        self.unknown = []  # keys not in the library
        self.problems = []  # (the src as typed, what is wrong in plain words)
        self.shown = []  # keys shown, in order

    def run(self, root):
        parents = {child: parent for parent in root.iter() for child in parent}
        for img in list(root.iter("img")):
            self._figure(img, parents.get(img))

    def _figure(self, img, parent):
        """Check one image; replace its paragraph with a placeholder when it may
        be shown. Every image is taken out of the tree: new text with a problem
        is refused (treatments.rendering, strict); text approved before images
        existed, re-rendered, loses only the image, as it always did."""
        src = (img.get("src") or "").strip()
        alt = " ".join((img.get("alt") or "").split())
        alone = parent is not None and self._alone(img, parent)
        if parent is not None:
            self._remove(img, parent)
        if not src.startswith("image:"):
            self.problems.append(
                (
                    src,
                    f"![{alt}]({src}) is not an image from the media library. Pages show only "
                    "library images, which a medical reviewer sees with the page: upload it under "
                    "Images, then write ![what it shows](image:its-key).",
                )
            )
            return
        key = src.removeprefix("image:")
        if key not in self.images:
            if key not in self.unknown:
                self.unknown.append(key)
            return
        if not alt:
            self.problems.append(
                (
                    src,
                    f"The image image:{key} has no description (alt text). Write what it shows "
                    f"between the square brackets, e.g. ![{self.images[key].alt_text}](image:{key}): "
                    "readers who cannot see images hear it instead.",
                )
            )
            return
        if not alone:
            self.problems.append(
                (
                    src,
                    f"The image image:{key} is inside other text, a list or a table. Put each "
                    "image on a line of its own, with an empty line before and after it.",
                )
            )
            return
        placeholder = f"allsitefigure{self.nonce}n{len(self.figures)}"
        title = img.get("title")
        caption = " ".join(title.split()) if title else None
        self.figures[f"<p>{placeholder}</p>"] = figure_html(
            self.images[key], alt=alt, caption=caption
        )
        self.shown.append(key)
        parent.text = placeholder

    @staticmethod
    def _remove(img, parent):
        """Take the image out, keeping the text after it."""
        tail = img.tail or ""
        children = list(parent)
        index = children.index(img)
        if index:
            previous = children[index - 1]
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
        parent.remove(img)

    @staticmethod
    def _alone(img, parent):
        """Whether the image is all its paragraph holds (whitespace aside)."""
        return (
            parent.tag == "p"
            and len(parent) == 1
            and not (parent.text or "").strip()
            and not (img.tail or "").strip()
        )


class FigureExtension(Extension):
    def __init__(self, images, **kwargs):
        self.images = images
        self.processor = None
        super().__init__(**kwargs)

    def extendMarkdown(self, md):
        self.processor = FigureProcessor(md, self.images)
        # After inline Markdown (20) and glossary links (5): figures get no links.
        md.treeprocessors.register(self.processor, "library_figures", 4)
