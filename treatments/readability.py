"""Readability hints for editors: how hard a revision's text is to read.

Advice only. Nothing here raises or blocks saving or submitting.

`assess_html(html)` is the grade of a rendered page: the body HTML that
treatments.rendering.render makes (a live page's `body_html`, the live
preview), read as readers get it. The editor's hints (live preview, review
and version screens), `manage.py readability_report` and the demo content
test all use it, so they show the same figure. `assess_body(body)` renders a
Markdown body with the editors' working sources first (staff screens).

`assess(markdown_text)` reads Markdown source directly (quick checks of a
short text, e.g. a summary).

Both split the text into units (headings, paragraphs, list items, table
cells) and sentences, and return a `Readability` with the Flesch-Kincaid
grade (textstat), the word count and the sentences and paragraphs worth
shortening.

Rendered HTML to units (`html_units`)
    Each heading, paragraph, list item, table cell and figure caption is a
    unit: a list item is read as its own line, never run into the next one.
    Left out, as they are not prose: the reference list
    (<section class="reference-list">), citation numbers
    (<sup class="citation">), screen-reader hints (<span class="visually-hidden">,
    the " (glossary)" after a linked term), code and preformatted text, images.

Markdown to plain text (`_units`, `_plain`)
    Dropped: citation markers ([@key]), link targets (the link text stays),
    images, code (inline, fenced and indented blocks), HTML tags, comments
    and <script>/<style> elements, reference definitions, heading, list,
    quote and emphasis markers. Entities (&amp;) are decoded.
    A line starting with a list marker is a list item even without a blank
    line before it (Python-Markdown needs one; we follow the editor's intent).

Units
    A heading is a label, not a sentence: it counts towards `words` but not
    the grade and is never flagged. A list item or table cell is split into
    sentences like a paragraph, but it is never a long paragraph.

Sentence splitting (`split_sentences`), deliberately simple:
    A sentence ends at ".", "!" or "?" (possibly with closing quotes or
    brackets) followed by a space or the end of the unit. So decimals ("2.5"),
    web addresses and "e.g.," never split. A "." does not end a sentence:
      - after a known abbreviation ("e.g.", "i.e.", "Dr.", "Mr.", "vs.",
        "approx."... see ABBREVIATIONS), whatever follows;
      - when the next word starts with a lower-case letter ("etc. and",
        "5 mg. twice"), as a new sentence would start with a capital.
    Anything else ends a sentence, including capitals: "...called ALL. It..."
    is two sentences. A unit without final punctuation (a heading, a list
    item) still ends a sentence. Known misses: a sentence that starts with a
    lower-case word ("mTOR inhibitors...") joins the one before it, and an
    unlisted abbreviation before a capital ("U.K. Biobank") splits.
    Flagged sentences over MAX_SHOWN_WORDS words are shown cut short.

The grade
    textstat splits sentences at every "." and counts the words of one- and
    two-word sentences but not the sentences themselves. So textstat gets a
    normalised text: one line per sentence of three or more words, each
    ending with a single ".", without the other dots ("e.g." becomes "eg",
    as textstat's own word counting does). Short fragments ("Yes.", a list
    item "Hair loss") are left out of the grade rather than inflating it.
"""

import html
import logging
import math
import re
from dataclasses import dataclass, field
from typing import ClassVar

from references.citations import CITATION_RE

logger = logging.getLogger(__name__)

LONG_SENTENCE_WORDS = 25  # a sentence over this many words is flagged
LONG_PARAGRAPH_SENTENCES = 4  # a paragraph over this many sentences is flagged
TARGET_GRADE = 8  # patient information usually aims at school grade 6-8
PREVIEW_WORDS = 12  # words shown to identify a long paragraph
MAX_SHOWN_WORDS = 60  # longer flagged sentences are shown cut short (the count is exact)
MIN_GRADED_SENTENCE_WORDS = 3  # shorter fragments are left out of the grade
SHORT_TEXT_WORDS = 100  # below this, the grade is a rough guide (a summary, say)

# Lower-case, without the final dot: a "." after these never ends a sentence.
ABBREVIATIONS = frozenset(
    {"e.g", "eg", "i.e", "ie", "dr", "mr", "mrs", "ms", "mx", "prof", "vs", "cf", "approx", "incl"}
)

HEADING, PARAGRAPH, ITEM, CELL = "heading", "paragraph", "item", "cell"


@dataclass(frozen=True)
class Readability:
    grade: float | None = None
    reading_ease: float | None = None
    words: int = 0
    long_sentences: list[tuple[str, int]] = field(default_factory=list)
    long_paragraphs: list[tuple[str, int]] = field(default_factory=list)
    failed: bool = False  # True only if something unexpected went wrong

    long_sentence_words: ClassVar[int] = LONG_SENTENCE_WORDS
    long_paragraph_sentences: ClassVar[int] = LONG_PARAGRAPH_SENTENCES
    target_grade: ClassVar[int] = TARGET_GRADE

    @property
    def is_short(self):
        """Whether the text is too short for the grade to be more than a rough guide."""
        return self.words < SHORT_TEXT_WORDS

    @property
    def verdict(self):
        if self.failed:
            return "Could not check how easy this is to read"
        if self.grade is None:
            if self.words:
                return "Not enough full sentences to judge how easy this is to read"
            return "No text to check yet"
        level = math.floor(self.grade + 0.5)
        if level < 1:
            return "Easy to read (below school grade 1)"
        if level <= 6:
            return f"Easy to read (school grade {level})"
        if level <= TARGET_GRADE:
            return f"Fairly easy to read (school grade {level})"
        if level <= TARGET_GRADE + 2:
            return f"Fairly hard (school grade {level}): aim for grade {TARGET_GRADE} or below"
        if level <= 12:
            return f"Hard to read (school grade {level}): aim for grade {TARGET_GRADE} or below"
        return f"Very hard to read (university level): aim for grade {TARGET_GRADE} or below"


def assess(markdown_text):
    """The readability of a Markdown text. Never raises."""
    try:
        text = "" if markdown_text is None else str(markdown_text)
        return _assess((kind, _plain(unit)) for kind, unit in _units(text))
    except Exception:  # advice must never break the admin
        logger.exception("Could not assess readability")
        return Readability(failed=True)


def assess_html(html):
    """The readability of a rendered page body, as readers read it. Never raises.

    The one grade of "this rendered page": editors' hints, the readability
    report and the demo content test all call this."""
    try:
        return _assess(html_units("" if html is None else str(html)))
    except Exception:  # advice must never break the admin
        logger.exception("Could not assess readability")
        return Readability(failed=True)


def assess_body(body):
    """The readability of a Markdown body once rendered with the editors'
    working sources, as the live preview shows it. Never raises."""
    try:
        from .rendering import render, working_references

        body = "" if body is None else str(body)
        html = render(body, references=working_references(body), keep_going=True).html
    except Exception:  # advice must never break the admin
        logger.exception("Could not render the body to assess its readability")
        return Readability(failed=True)
    return assess_html(html)


def _assess(units):
    """`units`: [(kind, plain text)]."""
    words = 0
    long_sentences = []
    long_paragraphs = []
    graded = []
    for kind, plain in units:
        if not plain:
            continue
        words += count_words(plain)
        if kind == HEADING:
            continue
        sentences = [(s, n) for s in split_sentences(plain) if (n := count_words(s))]
        for sentence, n in sentences:
            if n > LONG_SENTENCE_WORDS:
                long_sentences.append((_shortened(sentence, MAX_SHOWN_WORDS), n))
            if n >= MIN_GRADED_SENTENCE_WORDS:
                graded.append(INNER_STOPS_RE.sub("", sentence) + ".")
        if kind == PARAGRAPH and len(sentences) > LONG_PARAGRAPH_SENTENCES:
            long_paragraphs.append((_shortened(plain, PREVIEW_WORDS), len(sentences)))

    grade = reading_ease = None
    if graded:
        grade_text = "\n".join(graded)
        import textstat  # loaded by staff screens only, not by page-serving processes

        grade = round(textstat.flesch_kincaid_grade(grade_text), 1)
        reading_ease = round(textstat.flesch_reading_ease(grade_text), 1)
    return Readability(grade, reading_ease, words, long_sentences, long_paragraphs)


def count_words(text):
    """Whitespace-separated tokens with at least one letter or digit."""
    return sum(1 for token in text.split() if any(c.isalnum() for c in token))


def _shortened(text, words):
    tokens = text.split()
    if len(tokens) <= words:
        return text
    return " ".join(tokens[:words]) + "…"


# --- Sentences ---------------------------------------------------------------

# A run of . ! ? (not in the middle of one), closing quotes/brackets, then a
# space or the end. Possessive quantifiers and the lookbehind keep it linear.
SENTENCE_END_RE = re.compile(r"(?<![.!?])[.!?]++[\"'”’)\]]*+(?=\s|$)")
INNER_STOPS_RE = re.compile(r"[.!?]")
OPENERS = "\"'“‘(["


def split_sentences(text):
    """Sentences of one unit of plain text (see the module docstring)."""
    sentences = []
    start = 0
    for match in SENTENCE_END_RE.finditer(text):
        if _ends_sentence(text, match):
            sentences.append(text[start : match.end()].strip())
            start = match.end()
    sentences.append(text[start:].strip())
    return [s for s in sentences if s]


def _ends_sentence(text, match):
    if "!" in match.group() or "?" in match.group():
        return True
    before = text[max(0, match.start() - 40) : match.start()].split()
    word = before[-1].lstrip(OPENERS).lower() if before else ""
    if word in ABBREVIATIONS:
        return False
    following = text[match.end() : match.end() + 40].split()
    next_word = following[0].lstrip(OPENERS) if following else ""
    return not (next_word and next_word[0].islower())


# --- Markdown to units -------------------------------------------------------

ATX_HEADING_RE = re.compile(r"^ {0,3}#{1,6}(.*)$")
LIST_ITEM_RE = re.compile(r"^ *(?:[-*+]|\d{1,9}[.)])(?: +(.*)|$)")
FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
QUOTE_RE = re.compile(r"^ {0,3}(?:> ?)+")
DEFINITION_RE = re.compile(r"^ {0,3}\[[^\]]+\]:")
BLOCK_TAG_RE = re.compile(
    r"</?(?:p|div|ul|ol|table|thead|tbody|tr|td|th|blockquote|section|article|aside|"
    r"header|footer|figure|hr|dl|dt|dd|pre)\b[^<>]*>",
    re.IGNORECASE,
)
HEADING_TAG_RE = re.compile(r"<h[1-6]\b[^<>]*>", re.IGNORECASE)
HEADING_END_TAG_RE = re.compile(r"</h[1-6]\s*>", re.IGNORECASE)
ITEM_TAG_RE = re.compile(r"<li\b[^<>]*>", re.IGNORECASE)
BREAK_TAG_RE = re.compile(r"<br\b[^<>]*>", re.IGNORECASE)
TAG_RE = re.compile(r"<[A-Za-z/!?][^<>]*>")


def _indent(line):
    return len(line) - len(line.lstrip(" "))


def _only(line, chars):
    """Whether the line, without spaces, is a run of one character in `chars`."""
    squeezed = line.replace(" ", "")
    return bool(squeezed) and len(set(squeezed)) == 1 and squeezed[0] in chars


def _is_table_separator(line):
    stripped = line.strip()
    return "|" in stripped and "-" in stripped and not set(stripped) - set("|:- ")


def _drop_between(text, opener, closer):
    """Remove every `opener`...`closer` span (case-insensitive), linearly."""
    lower = text.lower()
    parts = []
    position = 0
    while True:
        start = lower.find(opener, position)
        if start < 0:
            break
        end = lower.find(closer, start + len(opener))
        if end < 0:
            break
        parts.append(text[position:start])
        position = end + len(closer)
    parts.append(text[position:])
    return " ".join(parts)


def _strip_html(text):
    text = _drop_between(text, "<!--", "-->")
    text = _drop_between(text, "<script", "</script>")
    text = _drop_between(text, "<style", "</style>")
    text = HEADING_TAG_RE.sub("\n\n# ", text)
    text = HEADING_END_TAG_RE.sub("\n\n", text)
    text = ITEM_TAG_RE.sub("\n- ", text)
    text = BLOCK_TAG_RE.sub("\n\n", text)
    text = BREAK_TAG_RE.sub(" ", text)
    return TAG_RE.sub("", text)


def _units(text):
    """[(kind, markdown text)] for the headings, paragraphs, list items and table cells."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").expandtabs(4)
    text = _strip_html(text)
    units = []
    paragraph = []  # lines of the paragraph being read
    item = None  # lines of the list item being read
    fence = None  # the opening fence while inside a fenced code block
    in_table = in_code = False
    after_blank = True

    def flush():
        nonlocal item
        if paragraph:
            units.append((PARAGRAPH, " ".join(paragraph)))
            paragraph.clear()
        if item is not None:
            units.append((ITEM, " ".join(item)))
            item = None

    for raw in text.split("\n"):
        if fence:
            if raw.strip().startswith(fence):
                fence = None
            continue
        if in_code:
            if not raw.strip() or _indent(raw) >= 4:
                continue
            in_code = False
        line = QUOTE_RE.sub("", raw)
        if not line.strip():
            flush()
            in_table = False
            after_blank = True
            continue
        was_after_blank, after_blank = after_blank, False
        last_kind = units[-1][0] if units else None

        if fence_match := FENCE_RE.match(line):
            flush()
            fence = fence_match.group(1)
        elif (
            was_after_blank
            and _indent(line) >= 4
            and last_kind != ITEM
            and item is None
            and not in_table
        ):
            in_code = True  # an indented code block
        elif DEFINITION_RE.match(line):
            continue
        elif heading := ATX_HEADING_RE.match(line):
            flush()
            units.append((HEADING, _strip_closing_hashes(heading.group(1))))
        elif paragraph and (_only(line, "=") or _only(line, "-")):
            units.append((HEADING, " ".join(paragraph)))  # setext heading
            paragraph.clear()
        elif _only(line, "-*_") and len(line.replace(" ", "")) >= 3:
            flush()  # thematic break
        elif _is_table_separator(line):
            header = paragraph.pop() if paragraph else ""
            flush()
            units.extend((CELL, cell) for cell in _cells(header))
            in_table = True
        elif in_table:
            units.extend((CELL, cell) for cell in _cells(line))
        elif list_item := LIST_ITEM_RE.match(line):
            flush()
            item = [list_item.group(1) or ""]
        elif item is not None and not was_after_blank:
            item.append(line.strip())  # lazy continuation of a list item
        elif item is None and not paragraph and last_kind == ITEM and _indent(line) >= 2:
            item = [line.strip()]  # another paragraph inside a list item
        else:
            if item is not None:
                flush()
            paragraph.append(line.strip())
    flush()
    return units


def _strip_closing_hashes(heading):
    heading = heading.strip()
    without = heading.rstrip("#")
    if without != heading and (not without or without[-1] == " "):
        return without.strip()
    return heading


def _cells(row):
    return [cell.strip() for cell in row.strip().strip("|").split("|") if cell.strip()]


# --- Markdown inline to plain text ----------------------------------------------

ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~<>])")
ESCAPED_BASE = 0xF0000  # escaped characters wait in a private-use plane
ESCAPED_RE = re.compile("[\U000f0000-\U000f00ff]")
CODE_RE = re.compile(r"`[^`]*`")
LINK_TARGET = (
    r"\((?:[^()\s]|\([^()\s]*\))*+"
    r"(?: +(?:\"[^\"]*\"|'[^']*'|\([^()]*\)))? *\)"
)
IMAGE_RE = re.compile(r"!\[[^\[\]]*\]" + LINK_TARGET)
LINK_RE = re.compile(r"\[([^\[\]]*)\]" + LINK_TARGET)
REFERENCE_LINK_RE = re.compile(r"\[([^\[\]]*)\] ?\[[^\[\]]*\]")
FOOTNOTE_RE = re.compile(r"\[\^[^\[\]\s]*\]")
SPACE_BEFORE_PUNCTUATION_RE = re.compile(r" ([.,;:!?])")


def _plain(markdown_text):
    """One unit's inline Markdown as the plain text readers read."""
    text = " ".join(markdown_text.split())
    text = ESCAPE_RE.sub(lambda m: chr(ESCAPED_BASE + ord(m.group(1))), text)
    text = CODE_RE.sub("", text).replace("`", "")
    text = CITATION_RE.sub("", text)
    text = FOOTNOTE_RE.sub("", text)
    text = IMAGE_RE.sub("", text)
    text = LINK_RE.sub(r"\1", text)
    text = REFERENCE_LINK_RE.sub(r"\1", text)
    text = text.replace("*", "").replace("~~", "")
    text = re.sub(r"_+", _drop_emphasis_underscores, text)
    text = html.unescape(text)
    text = ESCAPED_RE.sub(lambda m: chr(ord(m.group()) - ESCAPED_BASE), text)
    text = " ".join(text.split())
    return SPACE_BEFORE_PUNCTUATION_RE.sub(r"\1", text)


def _drop_emphasis_underscores(match):
    """Keep underscores inside a word (snake_case); drop emphasis ones (_word_)."""
    text = match.string
    before = text[match.start() - 1] if match.start() else " "
    after = text[match.end()] if match.end() < len(text) else " "
    return match.group() if before.isalnum() and after.isalnum() else ""


# --- Rendered HTML to units ------------------------------------------------------

BLOCK_KINDS = {
    "h1": HEADING, "h2": HEADING, "h3": HEADING, "h4": HEADING, "h5": HEADING,
    "h6": HEADING, "dt": HEADING, "li": ITEM, "td": CELL, "th": CELL,
    "p": PARAGRAPH, "dd": PARAGRAPH, "blockquote": PARAGRAPH, "figcaption": PARAGRAPH,
    "div": PARAGRAPH, "section": PARAGRAPH, "figure": PARAGRAPH, "ul": PARAGRAPH,
    "ol": PARAGRAPH, "dl": PARAGRAPH, "table": PARAGRAPH, "tr": PARAGRAPH, "br": None,
    "hr": PARAGRAPH,
}  # fmt: skip
SKIPPED_TAGS = {"pre", "code", "script", "style", "template", "svg", "math"}
VOID_TAGS = {"br", "hr", "img", "wbr", "input", "source", "meta", "link"}
LONE_LT_RE = re.compile(r"<(?![A-Za-z/!?][^<>]*>)")


def _is_skipped(tag, attrs):
    classes = (dict(attrs).get("class") or "").split()
    return (
        tag in SKIPPED_TAGS
        or (tag == "sup" and "citation" in classes)
        or (tag == "section" and "reference-list" in classes)
        or (tag == "span" and "visually-hidden" in classes)
    )


def html_units(html):
    """[(kind, plain text)] of rendered HTML: see the module docstring."""
    from html.parser import HTMLParser

    units = []

    class Reader(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.stack = [PARAGRAPH]  # the kind of unit being read, innermost last
            self.text = []
            self.skipping = []  # tags whose content is left out, innermost last

        def flush(self):
            plain = " ".join("".join(self.text).split())
            if plain:
                units.append((self.stack[-1], SPACE_BEFORE_PUNCTUATION_RE.sub(r"\1", plain)))
            self.text = []

        def handle_starttag(self, tag, attrs):
            if self.skipping:
                if tag not in VOID_TAGS:
                    self.skipping.append(tag)
                return
            if _is_skipped(tag, attrs):
                if tag not in VOID_TAGS:
                    self.skipping.append(tag)
                return
            if tag == "br":
                self.text.append(" ")
            elif tag in BLOCK_KINDS:
                self.flush()
                if tag not in VOID_TAGS:
                    self.stack.append(BLOCK_KINDS[tag])

        def handle_endtag(self, tag):
            if self.skipping:
                if tag in self.skipping:
                    while self.skipping.pop() != tag:
                        pass
                return
            if tag in BLOCK_KINDS and tag not in VOID_TAGS:
                self.flush()
                if len(self.stack) > 1:
                    self.stack.pop()

        def handle_data(self, data):
            if not self.skipping:
                self.text.append(data)

    reader = Reader()
    # A "<" that does not open a complete tag is text: escaping it keeps
    # HTMLParser linear on broken input ("<a<a<a...", "<!--<!--...").
    reader.feed(LONE_LT_RE.sub("&lt;", html))
    reader.close()
    reader.flush()
    return units
