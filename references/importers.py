"""Read BibTeX, RIS and CSL-JSON files into unsaved Reference objects."""

import datetime
import json
import math
import re
import unicodedata
from pathlib import PurePath

import bibtexparser
import rispy
from bibtexparser import middlewares
from bibtexparser.exceptions import BlockAbortedException
from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from .models import DOI_PREFIX_RE, Reference, ReferenceType


class ImportFormatError(ValueError):
    """The file cannot be read; str(error) names the line or entry at fault, in plain words."""


# Bounds that keep every import quick (well under two seconds) whatever the file holds.
MAX_ENTRIES = 300
MAX_LINE_LENGTH = 5_000  # characters; a field of BibTeX or RIS is on one line or a few
MAX_FIELD_LENGTH = 5_000  # characters in any one CSL-JSON value


def parse_references(text: str, filename: str = "") -> list[Reference]:
    """Detect the format of an uploaded file and return its references, unsaved.

    The references are not full_clean'ed: the caller validates them, and flags keys that
    are already taken or appear twice in the file (uniqueness needs the DB). Files with
    more than MAX_ENTRIES references, or a line or value longer than real references
    have, are refused with a message before any slow parsing.
    """
    where = filename or "the file"
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ImportFormatError(f"No references found in {where}: it is empty.")
    reader = _reader_for(text, filename)
    if reader is not _read_csl_json:
        _check_lines(text, where)
    references = reader(text)
    if not references:
        raise ImportFormatError(f"No references found in {where}.")
    return references


def _check_lines(text, where):
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > MAX_LINE_LENGTH:
            raise ImportFormatError(
                f"Line {number} of {where} is {len(line):,} characters long: no reference "
                f"field is longer than {MAX_LINE_LENGTH:,}. Is it the right file?"
            )
    entries = len(re.findall(r"^(?:TY  -|\s*@\s*[A-Za-z]+\s*[{(])", text, re.MULTILINE))
    _check_count(entries, where)


def _check_count(entries, where):
    if entries > MAX_ENTRIES:
        raise ImportFormatError(
            f"{where} holds {entries:,} references: import at most {MAX_ENTRIES} at a time "
            "(split the file), so that each can be checked in the preview."
        )


def _reader_for(text, filename):
    extension = PurePath(filename).suffix.lower()
    if extension in _READERS:
        return _READERS[extension]
    if text.lstrip()[:1] in ("[", "{"):
        return _read_csl_json
    if re.search(r"^TY  -", text, re.MULTILINE):
        return _read_ris
    if re.search(r"^\s*@\s*[A-Za-z]+\s*[{(]", text, re.MULTILINE):
        return _read_bibtex
    raise ImportFormatError(
        f"{filename or 'This file'} is not a file type that can be imported: "
        "use BibTeX (.bib), RIS (.ris) or CSL-JSON (.json)."
    )


# --- Values shared by all formats ---------------------------------------------------------

_MONTH_NAMES = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_DATE = re.compile(r"(\d{4})(?:[-/](\d{1,2}))?(?:[-/](\d{1,2}))?")

_PMID_NOTE = re.compile(r"\bPMID:?\s*(\d{1,9})\b", re.IGNORECASE)
_TITLE_WORDS_TO_SKIP = {"a", "an", "the"}


def _slug(value):
    """A lower-case Django slug: 'Siegel2021:stats' -> 'siegel2021-stats', 'Möricke' -> 'moricke'."""
    ascii_text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9_-]+", "-", ascii_text.lower()).strip("-")[:80].strip("-")


def _generated_key(reference):
    """First author + year + first title word, e.g. 'siegel-2021-cancer'."""
    author = reference.author_organisation or reference.author_people.partition(",")[0]
    title_words = [w for w in _slug(reference.title).split("-") if w not in _TITLE_WORDS_TO_SKIP]
    parts = [_slug(author), str(reference.issued_year or ""), title_words[0] if title_words else ""]
    return _slug("-".join(part for part in parts if part)) or "reference"


def _first(mapping, *names):
    """The first of the named values that is a non-blank string, stripped."""
    for name in names:
        value = mapping.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _date_parts(value):
    """(year, month, day) from '2021', '2021-01-15' or RIS '2021/01/15/'; unknown parts None."""
    match = _DATE.search(value or "")
    if not match:
        return None, None, None
    year, month, day = (int(part) if part else None for part in match.groups())
    if month is not None and not 1 <= month <= 12:
        return year, None, None
    try:
        datetime.date(year, month or 1, day or 1)
    except ValueError:
        return year, month, None
    return year, month, day


def _full_date(value):
    year, month, day = _date_parts(value)
    return datetime.date(year, month, day) if day else None


def _month_number(value):
    """1-12 from 'jan', 'Jan.', 'January' or '1'; None when it is none of these."""
    value = str(value).strip().lower().rstrip(".")
    if value.isdigit():
        return int(value) if 1 <= int(value) <= 12 else None
    for number, name in enumerate(_MONTH_NAMES, start=1):
        if len(value) >= 3 and name.startswith(value):
            return number
    return None


def _pages(start, end=""):
    pages = f"{start}-{end}" if start and end else start
    return re.sub(r"\s*(?:-+|–|—)\s*", "-", pages)


def _doi(value):
    return DOI_PREFIX_RE.sub("", value.strip()).strip()


def _pmid_in_notes(notes):
    match = _PMID_NOTE.search(" ".join(notes))
    return match.group(1) if match else ""


def _person(family, given):
    """One line of Reference.author_people."""
    return f"{family}, {given}" if given else family


def _require_title(reference, label):
    if not reference.title:
        raise ImportFormatError(f"{label} has no title.")


# --- BibTeX ---------------------------------------------------------------------------------

_BIBTEX_TYPES = {
    "article": ReferenceType.JOURNAL_ARTICLE,
    "book": ReferenceType.BOOK,
    "incollection": ReferenceType.CHAPTER,
    "inbook": ReferenceType.CHAPTER,
    "techreport": ReferenceType.REPORT,
    "report": ReferenceType.REPORT,
    "manual": ReferenceType.REPORT,
    "misc": ReferenceType.WEBPAGE,
    "online": ReferenceType.WEBPAGE,
    "electronic": ReferenceType.WEBPAGE,
    "webpage": ReferenceType.WEBPAGE,
}
_BIBTEX_KEY = re.compile(r"@\s*\w+\s*[{(]\s*([^,\s{}()]+)")
_URL_MACRO = re.compile(r"\\url\{([^}]*)\}")


def _latex_decoder():
    """The decoder bibtexparser's LatexDecodingMiddleware uses, with \\url{x} read as x.

    It is applied field by field because URLs and DOIs must not be decoded: to LaTeX,
    '%' starts a comment and '~' is a space.
    """
    context = get_default_latex_context_db()
    context.add_context_category(
        "urls-as-text", prepend=True, macros=[MacroTextSpec("url", simplify_repl="%s")]
    )
    return LatexNodes2Text(latex_context=context, math_mode="verbatim")


_LATEX = _latex_decoder()


def _text(latex):
    """Plain text from LaTeX: '{\\"o}' -> 'ö', '\\&' -> '&', braces dropped, spaces collapsed."""
    return " ".join(_LATEX.latex_to_text(latex).split())


def _read_bibtex(text):
    library = bibtexparser.parse_string(
        text,
        append_middleware=[
            middlewares.NormalizeFieldKeys(),
            middlewares.SeparateCoAuthors(),
            middlewares.SplitNameParts(),
        ],
    )
    if library.failed_blocks:
        raise ImportFormatError(_bibtex_failure(library.failed_blocks))
    return [_reference_from_bibtex(entry) for entry in library.entries]


def _bibtex_failure(failed_blocks):
    block = failed_blocks[0]
    inner = block.ignore_error_block
    key = inner.key if isinstance(inner, Entry) else _bibtex_key_in(block.raw or "")
    where = f"BibTeX entry '{key}'" if key else "BibTeX entry"
    where += f" starting on line {block.start_line + 1}"
    if isinstance(block, DuplicateBlockKeyBlock):
        message = f"{where} uses the key '{block.key}' again; each entry needs its own key."
    elif isinstance(block, DuplicateFieldKeyBlock):
        message = f"{where} has the field {', '.join(sorted(block.duplicate_keys))} twice."
    else:
        message = f"{where} could not be read: {_plain_reason(block.error)}"
    if len(failed_blocks) > 1:
        message += f" ({len(failed_blocks) - 1} more entries after it have problems too.)"
    return message


def _bibtex_key_in(raw):
    match = _BIBTEX_KEY.match(raw.lstrip())
    return match.group(1) if match else ""


def _plain_reason(error):
    if not isinstance(error, BlockAbortedException):
        return str(error)
    reason = error.abort_reason.strip()
    if reason.startswith("Unexpected block start"):
        return 'a "{" or a quote mark is not closed, so the entry runs into the next one.'
    if "end of file" in reason:
        return 'a "{" or a quote mark is not closed, so the entry runs to the end of the file.'
    return reason


def _reference_from_bibtex(entry):
    fields = {field.key: field.value for field in entry.fields}
    organisation, people = _bibtex_authors(fields.get("author", []))
    year, month, day = _date_parts(_first(fields, "date", "year"))
    reference = Reference(
        type=_BIBTEX_TYPES.get(entry.entry_type.lower(), ReferenceType.WEBPAGE),
        author_organisation=organisation,
        author_people=people,
        title=_text(_first(fields, "title")),
        container_title=_text(_first(fields, "journal", "journaltitle", "booktitle")),
        publisher=_text(_first(fields, "publisher", "institution", "organization")),
        publisher_place=_text(_first(fields, "address", "location")),
        issued_year=year,
        issued_month=_month_number(_first(fields, "month")) or month,
        issued_day=day,
        volume=_text(_first(fields, "volume")),
        issue=_text(_first(fields, "number", "issue")),
        pages=_pages(_text(_first(fields, "pages"))),
        doi=_doi(_first(fields, "doi")),
        pmid=_bibtex_pmid(fields),
        url=_bibtex_url(fields),
        accessed=_full_date(_first(fields, "urldate")),
    )
    label = f"BibTeX entry '{entry.key}' starting on line {entry.start_line + 1}"
    _require_title(reference, label)
    reference.key = _slug(entry.key) or _generated_key(reference)
    return reference


def _bibtex_authors(names):
    """(author_organisation, author_people) from the names SplitNameParts made.

    A sole author written in braces, like {American Cancer Society}, is an organisation;
    'and others' is dropped.
    """
    names = [name for name in names if name.merge_first_name_first != "others"]
    if len(names) == 1 and _is_braced_name(names[0]):
        return _text(names[0].last[0]), ""
    people = [
        _person(_text(" ".join(name.von + name.last)), _text(" ".join(name.first + name.jr)))
        for name in names
    ]
    return "", "\n".join(people)


def _is_braced_name(name):
    only_one_part = not (name.first or name.von or name.jr) and len(name.last) == 1
    return only_one_part and name.last[0].startswith("{") and name.last[0].endswith("}")


def _bibtex_pmid(fields):
    if _first(fields, "pmid"):
        return _first(fields, "pmid")
    if _first(fields, "eprinttype").lower() == "pubmed":
        return _first(fields, "eprint")
    return _pmid_in_notes([_first(fields, "note")])


def _bibtex_url(fields):
    """The url field (or a \\url{} in howpublished), with LaTeX escapes like '\\%' undone."""
    url = _first(fields, "url")
    if not url:
        match = _URL_MACRO.search(_first(fields, "howpublished"))
        url = match.group(1) if match else ""
    url = _URL_MACRO.sub(r"\1", url)
    return re.sub(r"\\([_%&#~$])", r"\1", url).strip()


# --- RIS ------------------------------------------------------------------------------------

_RIS_TYPES = {
    "JOUR": ReferenceType.JOURNAL_ARTICLE,
    "EJOUR": ReferenceType.JOURNAL_ARTICLE,
    "BOOK": ReferenceType.BOOK,
    "EBOOK": ReferenceType.BOOK,
    "EDBOOK": ReferenceType.BOOK,
    "CHAP": ReferenceType.CHAPTER,
    "ECHAP": ReferenceType.CHAPTER,
    "RPRT": ReferenceType.REPORT,
    "GOVDOC": ReferenceType.REPORT,
    "STAND": ReferenceType.REPORT,
    "ELEC": ReferenceType.WEBPAGE,
    "WEB": ReferenceType.WEBPAGE,
    "ICOMM": ReferenceType.WEBPAGE,
}


def _read_ris(text):
    starts = _ris_record_lines(text)
    records = rispy.loads(text)
    if len(records) != len(starts):
        raise ImportFormatError(
            f"The RIS file has {len(starts)} records (TY lines) but only {len(records)} "
            "could be read; check for lines starting with 'TY' that are not record starts."
        )
    taken = set()
    references = []
    for number, (line, record) in enumerate(zip(starts, records, strict=True), start=1):
        references.append(_reference_from_ris(record, f"RIS record {number} (line {line})", taken))
    return references


def _ris_record_lines(text):
    """The line number where each RIS record starts.

    rispy silently skips tags outside a TY ... ER record and drops a last record that has
    no ER, so the record boundaries are checked here, using rispy's own line reader.
    """
    parser = rispy.RisParser()
    starts = []
    open_since = None
    for number, line in enumerate(text.split("\n"), start=1):
        tag, _ = parser.parse_line(line)
        if tag == "TY" and open_since is not None:
            raise ImportFormatError(
                f"RIS record {len(starts)} (line {open_since}) has no ER (end of record) line "
                f"before the next record starts on line {number}."
            )
        if tag == "TY":
            starts.append(number)
            open_since = number
        elif tag == "ER" and open_since is not None:
            open_since = None
        elif tag is not None and open_since is None:
            raise ImportFormatError(
                f"RIS record {len(starts) + 1} (line {number}) has no TY (type) line."
            )
    if open_since is not None:
        raise ImportFormatError(
            f"RIS record {len(starts)} (line {open_since}) has no ER (end of record) line; "
            "the file ends before the record is closed."
        )
    return starts


def _reference_from_ris(record, label, taken_keys):
    organisation, people = _ris_authors(record.get("authors", []) + record.get("first_authors", []))
    date = next(
        (d for d in map(_date_parts, _ris_dates(record)) if d[0] is not None),
        (None, None, None),
    )
    reference = Reference(
        type=_RIS_TYPES.get(_first(record, "type_of_reference").upper(), ReferenceType.WEBPAGE),
        author_organisation=organisation,
        author_people=people,
        title=_first(record, "title", "primary_title"),
        container_title=_first(
            record,
            "alternate_title3",  # JF
            "secondary_title",  # T2
            "journal_name",  # JO
            "alternate_title2",  # JA
            "alternate_title1",  # J2
        ),
        publisher=_first(record, "publisher"),
        publisher_place=_first(record, "place_published"),
        issued_year=date[0],
        issued_month=date[1],
        issued_day=date[2],
        volume=_first(record, "volume"),
        issue=_first(record, "number"),
        pages=_pages(_first(record, "start_page"), _first(record, "end_page")),
        doi=_doi(_first(record, "doi")),
        pmid=_ris_pmid(record),
        url=(record.get("urls") or [""])[0],
        accessed=_full_date(_first(record, "access_date")),
    )
    _require_title(reference, label)
    reference.key = _ris_key(record, reference, taken_keys)
    return reference


def _ris_dates(record):
    """DA (full date) first, then Y1 and PY, which often hold the year only."""
    return [_first(record, name) for name in ("date", "publication_year", "year")]


def _ris_authors(authors):
    """(author_organisation, author_people) from AU/A1 lines written as 'Family, Given'.

    A sole author without a given name ('American Cancer Society', or EndNote's
    'American Cancer Society,') is an organisation.
    """
    authors = [author.strip() for author in authors if author.strip()]
    people = []
    for author in authors:
        family, _, given = author.partition(",")
        people.append(_person(family.strip(), given.strip()))
    if len(people) == 1 and "," not in people[0]:
        return people[0], ""
    return "", "\n".join(people)


def _ris_pmid(record):
    accession = _first(record, "accession_number")
    if accession.isdigit():
        return accession
    return _pmid_in_notes([accession, _first(record, "note"), *record.get("notes", [])])


def _ris_key(record, reference, taken_keys):
    """The ID line as a slug, unless it is only a record number (EndNote writes 'ID  - 12').

    Generated keys get -2, -3 ... so two records by the same author in the same year
    with the same first title word still import.
    """
    given_id = _first(record, "id")
    if given_id and not given_id.isdigit() and _slug(given_id):
        return _slug(given_id)
    key = base = _generated_key(reference)
    suffix = 2
    while key in taken_keys:
        key = f"{base}-{suffix}"
        suffix += 1
    taken_keys.add(key)
    return key


# --- CSL-JSON -------------------------------------------------------------------------------


CSL_MAX_DEPTH = 8  # an item, its fields, a list of names or date parts: never deeper


def _read_csl_json(text):
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFormatError(
            f"CSL-JSON is not valid JSON: line {error.lineno}, column {error.colno}: {error.msg}."
        ) from None
    except RecursionError:
        raise ImportFormatError(
            "CSL-JSON nests lists or objects thousands of levels deep: no reference file does. "
            "Is it the right file?"
        ) from None
    items = [data] if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ImportFormatError("CSL-JSON must be a list of items, or a single item.")
    _check_count(len(items), "The file")
    for number, item in enumerate(items, start=1):
        _check_csl_value(item, f"CSL-JSON item {number}", depth=1)
    return [_reference_from_csl(item, number) for number, item in enumerate(items, start=1)]


def _check_csl_value(value, label, depth):
    if depth > CSL_MAX_DEPTH:
        raise ImportFormatError(f"{label} nests lists or objects too deeply to be a reference.")
    if isinstance(value, str) and len(value) > MAX_FIELD_LENGTH:
        raise ImportFormatError(
            f"{label} has a value {len(value):,} characters long: no reference field is longer "
            f"than {MAX_FIELD_LENGTH:,}."
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise ImportFormatError(f"{label} has a number too large to be a year or a page.")
    children = (
        value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    )
    for child in children:
        _check_csl_value(child, label, depth + 1)


def _reference_from_csl(item, number):
    label = f"CSL-JSON item {number}"
    if not isinstance(item, dict):
        raise ImportFormatError(f"{label} is not an object with fields like id and title.")
    for field in ("id", "title"):
        if not str(item.get(field, "")).strip():
            raise ImportFormatError(f"{label} has no {field}.")
    try:
        reference = Reference.from_csl(item)
    except (AttributeError, IndexError, KeyError, TypeError, ValueError, OverflowError) as error:
        raise ImportFormatError(f"{label} ('{item['id']}') could not be read: {error}") from None
    reference.key = _slug(item["id"]) or _generated_key(reference)
    if reference.type not in ReferenceType.values:
        reference.type = ReferenceType.WEBPAGE
    reference.doi = _doi(str(reference.doi))
    reference.pmid = str(reference.pmid).strip()
    reference.pages = _pages(str(reference.pages))
    return reference


_READERS = {
    ".bib": _read_bibtex,
    ".bibtex": _read_bibtex,
    ".ris": _read_ris,
    ".json": _read_csl_json,
}
