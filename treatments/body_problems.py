"""What stops a body being saved, and on which line of the typed text.

The rules themselves live where they always did (references.citations for
markers, treatments.rendering for headings and markup, the field's length);
this module runs them the same way saving does and then finds the lines that
caused each problem, so the form and the live preview can say "Line 12
(“...”)" instead of leaving the editor to hunt through a long page.

Locating is best effort and never hides a problem: one whose line cannot be
found is still reported, without a line.
"""

import re
from dataclasses import dataclass

from references.citations import (
    CITATION_RE,
    MARKER_LIKE_RE,
    UnknownCitationKeys,
    malformed_citations,
)

from .rendering import DroppedMarkup, ImageProblem, TopLevelHeading, UnknownImageKeys, render

MAX_BODY_CHARACTERS = 100_000  # Revision.body's max_length
EXCERPT_CHARACTERS = 60
MAX_PLACES = 5  # lines named per problem; the rest are counted

FENCED_OR_INLINE_CODE_RE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
ATX_H1_RE = re.compile(r"^ {0,3}#(?:[ \t]|$)", re.M)
SETEXT_H1_RE = re.compile(r"^(?P<text> {0,3}\S.*)\n {0,3}=+[ \t]*$", re.M)
HTML_H1_RE = re.compile(r"<h1[\s>]", re.I)
DEEP_HEADING_RE = {"<h5>": re.compile(r"^ {0,3}#{5}(?:[ \t]|$)", re.M),
                   "<h6>": re.compile(r"^ {0,3}#{6}(?:[ \t]|$)", re.M)}  # fmt: skip
IMAGE_RE = re.compile(r"<img\b", re.I)  # raw HTML; Markdown images are checked by render()
EVENT_ATTRIBUTE_RE = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
SCRIPT_URL_RE = re.compile(
    r"""(?:\]\(\s*<?|href\s*=\s*["']?)\s*(?:javascript|vbscript|data):""", re.I
)


@dataclass(frozen=True)
class Place:
    line: int  # 1-based, as editors count
    excerpt: str


@dataclass(frozen=True)
class Problem:
    message: str
    places: tuple = ()
    more_places: int = 0  # further lines with the same problem, not listed

    @property
    def first_line(self):
        return self.places[0].line if self.places else None

    def __str__(self):
        if not self.places:
            return self.message
        shown = [f"{p.line} (“{p.excerpt}”)" for p in self.places]
        if self.more_places:
            shown.append(f"{self.more_places} more")
        where = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"
        return f"{'Line' if len(shown) == 1 else 'Lines'} {where}: {self.message}"

    def as_dict(self):
        return {
            "message": self.message,
            "places": [{"line": p.line, "excerpt": p.excerpt} for p in self.places],
            "more_places": self.more_places,
            "text": str(self),
        }


def normalise(text):
    """The text as the editor sees it in the text box (browsers send CR LF)."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def oversized(text):
    """A Problem if the body is longer than a page may be, pointing at the line
    where the limit falls; else None."""
    text = normalise(text)
    if len(text) <= MAX_BODY_CHARACTERS:
        return None
    return Problem(
        f"The body is {len(text):,} characters long and a page can have at most "
        f"{MAX_BODY_CHARACTERS:,} characters: the limit falls on this line. Shorten the text or split "
        "it into two pages (your text is kept in the form).",
        (_place(text, MAX_BODY_CHARACTERS),),
    )


def find_problems(body, *, references, glossary_terms=(), medicines=()):
    """(problems, rendered): every problem that would stop this body being
    saved, in line order, and its rendering as far as it goes (None when the
    body is too long to render)."""
    text = normalise(body)
    if too_long := oversized(text):
        return [too_long], None
    masked = mask_code(text)
    problems = []
    malformed = malformed_citations(text)
    if malformed:
        # The same words as treatments.workflow.validate_content, plus the lines.
        problems.append(
            _problem(
                f"These citation markers are not written right: "
                f"{', '.join(_shown(m) for m in malformed)}. A citation is [@key] or "
                "[@key1; @key2], with a reference's key right after each @.",
                text,
                [offset for marker in malformed for offset in _marker_offsets(masked, marker)],
            )
        )
    rendered = render(
        text,
        references=references,
        glossary_terms=glossary_terms,
        medicines=medicines,
        strict=True,
        keep_going=True,
    )
    for error in rendered.errors:
        if isinstance(error, UnknownCitationKeys):
            problems += [
                _problem(str(UnknownCitationKeys([key])), text, _key_offsets(masked, key))
                for key in error.keys
            ]
        elif isinstance(error, UnknownImageKeys):
            problems += [
                _problem(str(UnknownImageKeys([key])), text, _image_offsets(masked, f"image:{key}"))
                for key in error.keys
            ]
        elif isinstance(error, ImageProblem):
            problems.append(_problem(str(error), text, _image_offsets(masked, error.src)))
        elif isinstance(error, TopLevelHeading):
            problems.append(_problem(str(error), text, _top_heading_offsets(masked)))
        elif isinstance(error, DroppedMarkup):
            problems.append(_problem(str(error), text, _dropped_offsets(masked, error.dropped)))
        else:  # pragma: no cover - a rule added to render() without a locator
            problems.append(Problem(str(error)))
    problems.sort(key=lambda p: (p.first_line is None, p.first_line or 0))
    return problems, rendered


def _shown(marker, limit=40):
    return marker if len(marker) <= limit else f"{marker[:limit]}…"


def mask_code(text):
    """The text with code spans and fenced blocks blanked out (same length, same
    line breaks): markers and markup inside code are shown as typed, not problems."""
    return FENCED_OR_INLINE_CODE_RE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def _problem(message, text, offsets):
    lines = []
    for offset in sorted(offsets):
        place = _place(text, offset)
        if all(p.line != place.line for p in lines):
            lines.append(place)
    return Problem(message, tuple(lines[:MAX_PLACES]), max(0, len(lines) - MAX_PLACES))


def _place(text, offset):
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    end = len(text) if end == -1 else end
    return Place(text.count("\n", 0, offset) + 1, _excerpt(text[start:end], offset - start))


def _excerpt(line, column):
    """About EXCERPT_CHARACTERS of the line around `column`, cut at spaces."""
    stripped = line.strip()
    if len(stripped) <= EXCERPT_CHARACTERS:
        return stripped
    lead = len(line) - len(line.lstrip())
    column = max(0, column - lead)
    start = max(0, min(column - EXCERPT_CHARACTERS // 3, len(stripped) - EXCERPT_CHARACTERS))
    end = start + EXCERPT_CHARACTERS
    if start > 0 and (space := stripped.find(" ", start, column)) != -1:
        start = space + 1
    if end < len(stripped) and (space := stripped.rfind(" ", column, end)) > column:
        end = space
    return f"{'…' if start > 0 else ''}{stripped[start:end]}{'…' if end < len(stripped) else ''}"


def _marker_offsets(masked, marker):
    return [m.start() for m in MARKER_LIKE_RE.finditer(masked) if m.group(0) == marker]


def _key_offsets(masked, key):
    return [
        m.start()
        for m in CITATION_RE.finditer(masked)
        if key in (part.strip().lstrip("@") for part in m.group(1).split(";"))
    ]


def _image_offsets(masked, src):
    """Where an image written with this address starts (`![`), on any line."""
    pattern = re.compile(rf"!\[[^\]\n]*\]\(\s*<?{re.escape(src)}(?=[\s>)])")
    return [m.start() for m in pattern.finditer(masked)]


def _top_heading_offsets(masked):
    found = [m.start() for m in ATX_H1_RE.finditer(masked)]
    found += [m.start() for m in SETEXT_H1_RE.finditer(masked)]
    found += [m.start() for m in HTML_H1_RE.finditer(masked)]
    return found


def _dropped_offsets(masked, dropped):
    found = []
    for item in dropped:
        if item == "<img>":
            pattern = IMAGE_RE
        elif item in DEEP_HEADING_RE:
            pattern = DEEP_HEADING_RE[item]
        elif item.startswith("event attributes"):
            pattern = EVENT_ATTRIBUTE_RE
        elif item == "javascript: links":
            pattern = SCRIPT_URL_RE
        else:
            pattern = re.compile(rf"<{re.escape(item.strip('<>'))}\b", re.I)
        found += [m.start() for m in pattern.finditer(masked)]
    return found
