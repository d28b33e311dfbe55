"""What a new version changes, shown as readers will see it.

The reviewer's default view: both versions rendered through the public
pipeline (headings, lists, glossary links, citations as numbers), cut into
their top-level blocks (paragraphs, lists, headings, tables), the blocks
matched, and each changed block shown with its added and removed words marked,
under the section heading it sits in.

Two renders of the same page number their citations by first use, so adding
one source early renumbers every later citation. Blocks and words are
therefore compared with each citation standing for the sources it cites (its
keys), not its numbers: a renumbering alone is not a change.

Markup stays valid: inside a changed block, the new version's tags are kept
exactly as they are and only runs of text are wrapped in <ins> or <del>
(removed text is shown where it was, without its old tags). Where removed
text cannot stand (between the items of a list, the rows of a table), the
whole block is shown removed and re-added instead. `id` attributes are
dropped from everything shown, so two versions of a block never clash.
"""

import difflib
import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser

from django.utils.html import strip_tags
from django.utils.safestring import mark_safe

CONTEXT_CHARACTERS = 160
SIMILAR_ENOUGH = 0.35  # below this, a changed block is shown removed and re-added

_CITATION_RE = re.compile(r'<sup class="citation">.*?</sup>', re.S)
_HIDDEN_RE = re.compile(r'<span class="visually-hidden">.*?</span>', re.S)
_CITATION_NUMBER_RE = re.compile(r'href="#ref-(\d+)"')
_ID_RE = re.compile(r'\s+id="[^"]*"')
_TOKEN_RE = re.compile(
    r'<sup class="citation">.*?</sup>'  # a citation: one token
    r"|<[^>]+>"  # a tag
    r"|&#?\w+;"  # an entity
    r"|\s+|\w+|[^\w\s<&]+|[<&]",
    re.S,
)
_NO_TEXT_INSIDE = {"ul", "ol", "table", "thead", "tbody", "tfoot", "tr", "dl"}
_VOID = {"br", "hr", "img", "wbr", "source", "col"}
_HEADINGS = {"h2", "h3"}


class _Blocks(HTMLParser):
    """Top-level elements of rendered body HTML as (tag, html) pairs."""

    def __init__(self, html):
        super().__init__(convert_charrefs=False)
        self.html, self.blocks, self.depth, self.start, self.tag = html, [], 0, None, None
        self._line_starts = [0]
        for line in html.splitlines(keepends=True):
            self._line_starts.append(self._line_starts[-1] + len(line))
        self.feed(html)
        self.close()

    def _offset(self):
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if self.depth == 0:
            self.start, self.tag = self._offset(), tag
        if tag not in _VOID:
            self.depth += 1
        elif self.depth == 0:
            self._close_block(self._offset() + len(self.get_starttag_text()))

    def handle_startendtag(self, tag, attrs):
        if self.depth == 0:
            self.start, self.tag = self._offset(), tag
            self._close_block(self._offset() + len(self.get_starttag_text()))

    def handle_endtag(self, tag):
        if tag in _VOID:
            return
        self.depth -= 1
        if self.depth == 0:
            end = self.html.index(">", self._offset()) + 1
            self._close_block(end)

    def _close_block(self, end):
        self.blocks.append((self.tag, self.html[self.start : end]))
        self.start = self.tag = None


def _citation_keys(html, keys_by_number):
    numbers = _CITATION_NUMBER_RE.findall(html)
    return "[cite " + " ".join(keys_by_number.get(int(n), n) for n in numbers) + "]"


def _comparable(html, keys_by_number):
    """Block or token HTML as it is compared: citations by their keys, no ids."""
    html = _CITATION_RE.sub(lambda m: _citation_keys(m.group(0), keys_by_number), html)
    return _ID_RE.sub("", html)


def _shown(html):
    return _ID_RE.sub("", html)


@dataclass
class Side:
    """One version's rendered body: its blocks (the reference list left out,
    shown separately) and its citation numbers' keys."""

    blocks: list
    keys_by_number: dict

    @classmethod
    def of(cls, rendered):
        if rendered is None:
            return cls([], {})
        keys = {n: c["key"] for n, c in enumerate(rendered.citations, start=1)}
        blocks = [
            (tag, html)
            for tag, html in _Blocks(rendered.html).blocks
            if not (tag == "section" and 'class="reference-list"' in html[:80])
        ]
        return cls(blocks, keys)

    def comparable(self, index):
        return _comparable(self.blocks[index][1], self.keys_by_number)


@dataclass
class Block:
    """One block as the reviewer sees it: `state` is same, changed, added or removed."""

    state: str
    html: str
    tag: str

    @property
    def is_change(self):
        return self.state != "same"


@dataclass
class Change:
    """Consecutive changed blocks, with the end of the block before as context."""

    blocks: list
    context_before: str = ""


@dataclass
class Section:
    heading: str
    changes: list = field(default_factory=list)


@dataclass
class RenderedDiff:
    blocks: list  # the whole page, in order, changes marked
    sections: list  # sections with changes, in order

    @property
    def change_count(self):
        return sum(len(s.changes) for s in self.sections)

    @property
    def summary(self):
        changes, sections = self.change_count, len(self.sections)
        if not changes:
            return "No changes to the text readers see."
        return (
            f"{changes} change{'s' if changes != 1 else ''} in {sections} "
            f"section{'s' if sections != 1 else ''}"
        )


def _tokens(html, keys_by_number):
    """[(comparable, shown)] tokens of a block's HTML."""
    return [
        (_comparable(token, keys_by_number), _shown(token)) for token in _TOKEN_RE.findall(html)
    ]


def _is_tag(token):
    return token.startswith("<") and token.endswith(">") and not token.startswith('<sup class="c')


def _removed_text(tokens):
    """The plain text of removed tokens (their tags dropped)."""
    text = "".join(t for t in tokens if not _is_tag(t))
    return text if text.strip() else ""


def inline_diff(old_html, new_html, old_keys, new_keys):
    """The new block's HTML with added text in <ins> and removed text in <del>,
    or None where the removed text could not stand in valid HTML."""
    old, new = _tokens(old_html, old_keys), _tokens(new_html, new_keys)
    matcher = difflib.SequenceMatcher(a=[c for c, _ in old], b=[c for c, _ in new], autojunk=False)
    out, open_tags = [], []

    def emit_new(shown_tokens, inserted):
        run = []

        def flush():
            text = "".join(run)
            if text.strip() and inserted:
                out.append(f"<ins>{text}</ins>")
            else:
                out.append(text)
            run.clear()

        for token in shown_tokens:
            if _is_tag(token):
                flush()
                out.append(token)
                _track(open_tags, token)
            else:
                run.append(token)
        flush()

    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op in ("delete", "replace"):
            removed = _removed_text([shown for _, shown in old[a1:a2]])
            if removed:
                if open_tags and open_tags[-1] in _NO_TEXT_INSIDE:
                    return None
                out.append(f"<del>{removed}</del>")
        if op in ("insert", "replace"):
            emit_new([shown for _, shown in new[b1:b2]], inserted=True)
        if op == "equal":
            emit_new([shown for _, shown in new[b1:b2]], inserted=False)
    return "".join(out)


def _track(open_tags, tag_token):
    name = re.match(r"</?\s*([a-zA-Z0-9]+)", tag_token)
    if not name:
        return
    name = name.group(1).lower()
    if tag_token.startswith("</"):
        if name in open_tags:
            while open_tags and open_tags.pop() != name:
                pass
    elif name not in _VOID and not tag_token.endswith("/>"):
        open_tags.append(name)


def _similarity(a, b):
    return difflib.SequenceMatcher(a=strip_tags(a), b=strip_tags(b), autojunk=False).ratio()


def _added(tag, html):
    return Block("added", f'<ins class="diff-block">{_shown(html)}</ins>', tag)


def _removed(tag, html):
    return Block("removed", f'<del class="diff-block">{_shown(html)}</del>', tag)


def compare_blocks(old, new):
    """[Block] of the whole new page, changes marked, removed blocks where they were."""
    matcher = difflib.SequenceMatcher(
        a=[old.comparable(i) for i in range(len(old.blocks))],
        b=[new.comparable(i) for i in range(len(new.blocks))],
        autojunk=False,
    )
    blocks = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            blocks += [Block("same", _shown(html), tag) for tag, html in new.blocks[b1:b2]]
            continue
        olds, news = old.blocks[a1:a2], new.blocks[b1:b2]
        for (old_tag, old_html), (new_tag, new_html) in zip(olds, news, strict=False):
            marked = None
            if old_tag == new_tag and _similarity(old_html, new_html) >= SIMILAR_ENOUGH:
                marked = inline_diff(old_html, new_html, old.keys_by_number, new.keys_by_number)
            if marked is None:
                blocks += [_removed(old_tag, old_html), _added(new_tag, new_html)]
            else:
                blocks.append(Block("changed", marked, new_tag))
        blocks += [_removed(tag, html) for tag, html in olds[len(news) :]]
        blocks += [_added(tag, html) for tag, html in news[len(olds) :]]
    return blocks


def _heading_text(html):
    return " ".join(unescape(strip_tags(html)).split())


def group(blocks):
    """Sections (by the h2/h3 above them) holding runs of changed blocks."""
    sections, current, change, previous = [], Section("Opening paragraphs"), None, None
    for block in blocks:
        if block.tag in _HEADINGS and block.state != "removed":
            if current.changes:
                sections.append(current)
            current, change = Section(_heading_text(block.html)), None
            if not block.is_change:
                previous = block
                continue
        if block.is_change:
            if change is None:
                change = Change([], _context(previous))
                current.changes.append(change)
            change.blocks.append(block)
        else:
            change = None
        previous = block
    if current.changes:
        sections.append(current)
    return sections


def _context(block):
    """The end of the unchanged block before a change, as plain text."""
    if block is None or block.tag in _HEADINGS:
        return ""
    html = _HIDDEN_RE.sub("", _CITATION_RE.sub("", block.html))
    text = " ".join(unescape(strip_tags(html)).split())
    return text if len(text) <= CONTEXT_CHARACTERS else "…" + text[-CONTEXT_CHARACTERS:]


def compare(old_rendered, new_rendered):
    """RenderedDiff from the old version's render (None: a new page) to the new one's."""
    blocks = compare_blocks(Side.of(old_rendered), Side.of(new_rendered))
    for block in blocks:
        block.html = mark_safe(block.html)  # noqa: S308 - sanitised renders, ids dropped
    return RenderedDiff(blocks, group(blocks))
