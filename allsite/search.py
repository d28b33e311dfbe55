"""Site search over published content: treatment pages, glossary terms, medicines.

Every published article has one `SearchEntry` holding its live page's
text: title, other names (glossary aliases, medicine brand names), summary and
the body as plain text. Drafts and revisions in review are never indexed.
`index_article` runs inside the transaction that writes a live page (on
treatments.publishing's `live_page_changed` signal, see allsite.signals).

The index also answers `articles_containing(names)`: how publishing finds
the pages that may link to a newly published glossary term or name a medicine.

The full-text index is database-specific (created by migration
allsite/0004_search_backend), with the same behaviour on both:

- PostgreSQL: a `search_vector` tsvector column on the entry table (title and
  other names weight A, summary B, body C) with a GIN index, in the text search
  configuration `allsite_english`: a copy of `english` (same parser, same
  Snowball stemmer) that keeps stop words, because "ALL", the disease, is an
  English stop word.
- SQLite: the FTS5 table `allsite_searchentry_fts` (porter stemmer, no stop
  words), rowid = entry id.

The query language is ours, parsed here and turned into each database's query
with bound parameters, so no input can be a syntax error or an operator:
words, all of which must appear (stemmed: "treatments" finds "treatment"), and
"quoted phrases". Everything else (AND, OR, NOT, NEAR, -, *, ^, :, brackets) is
plain text or ignored. Common English words (the, of, what...) are dropped from
unquoted words unless nothing else is left. When no page has all the words,
pages with any of them are returned, marked `partial`.

Ranking, on both databases: first by where all the words were found (title or
other names, then with the summary, then needing the body), then by the
database's relevance score weighted the same way (ts_rank, bm25), then title.

"Did you mean ...?" (`suggest`) draws on the site's own vocabulary: the words of
every entry, counted in `SearchWord` as entries are indexed, changed or removed
(so only published words, and no scan of the pages per request). A query word
that is neither in the vocabulary nor found by search (stemmed) is replaced by
the closest vocabulary word within one or two edits, the most used first;
close words are looked up in an index (migration allsite/0007_search_vocabulary):

- PostgreSQL: pg_trgm, `word % query` on a GIN trigram index, by similarity.
- SQLite: the FTS5 trigram table `allsite_searchword_trigram`, words sharing a
  three-letter piece with the query word and of about its length, by bm25.

At most MAX_CLOSE_WORDS candidates per word are read, then scored alike on both
databases (edit distance, then how many items use the word). A suggestion is
made only when the corrected query finds pages with all its words.

Languages: every entry and vocabulary word has its article's language, and
search, suggestions and `articles_containing` look in one language only (the
reader's: `translation.get_language()`), so a French reader finds French
pages and is offered French words. On PostgreSQL each entry's vectors are made
with its language's text search configuration (PG_CONFIGS: `allsite_english`,
`french`) and the query with the same one; the language is a filter next to
the GIN look-up. On SQLite the FTS5 table is shared by every language and
its matches are filtered by the entry's language (its porter stemmer is
English: French words are matched as written, without French stemming).
"""

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from html.parser import HTMLParser

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from treatments.kinds import DETAIL_FIELDS, names_of
from treatments.models import Article, Kind

from .models import SearchEntry, SearchPassage, SearchWord

MAX_QUERY_LENGTH = 200
MAX_TERMS = 10
MAX_WORDS_PER_TERM = 8
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# On PostgreSQL, each tier's results are the best of its first this many matches.
RANKED_MATCHES = 250

# Snippet highlight sentinels: private-use characters, removed from all indexed
# text and queries, so only the database's highlighter can produce them.
MARK_START = "\ue000"
MARK_END = "\ue001"
# Punctuation PostgreSQL's parser reads specially, and the private-use
# characters (which it reads as spaces) that stand in for it there; see _pg_text.
PG_PUNCTUATION = "<-/.@:_+&"
PG_STAND_INS = "".join(chr(0xE002 + i) for i in range(len(PG_PUNCTUATION)))
_FROM_PG_STAND_INS = str.maketrans(PG_STAND_INS, PG_PUNCTUATION)
_MARKED_RE = re.compile(f"{MARK_START}(.*?){MARK_END}", re.S)

PG_CONFIG = "allsite_english"
# PostgreSQL text search configuration per language (English: PG_CONFIG). The
# same mapping is written into migration 0008_search_languages.
PG_CONFIGS = {"fr": "french"}
FTS_TABLE = "allsite_searchentry_fts"
TRIGRAM_TABLE = "allsite_searchword_trigram"

# Vocabulary words: 3 to 40 characters with a letter. Suggestions correct only
# words without digits (never CD19 into CD22), by at most MAX_EDITS(word) edits,
# trying up to SUGGESTIONS_TRIED alternatives.
MIN_WORD_LENGTH = 3
MAX_WORD_LENGTH = 40
MAX_CLOSE_WORDS = 20
SUGGESTIONS_TRIED = 3

# Detail fields that are names of the content (indexed as keywords, weight A);
# the other details (type of medicine, target, side effects...) go with the body.
NAME_FIELDS = {"aliases", "brand_names"}

# Left out of unquoted queries ("what is induction" searches for "induction").
# Not "all": ALL is the disease.
STOP_WORDS = frozenset({
    "a", "about", "am", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by",
    "can", "could", "did", "do", "does", "doing", "for", "from", "had", "has", "have", "how",
    "i", "if", "in", "into", "is", "it", "its", "me", "my", "no", "nor", "not", "of", "on",
    "or", "our", "ours", "should", "so", "than", "that", "the", "their", "them", "then",
    "there", "these", "they", "this", "those", "to", "us", "was", "we", "were", "what", "when",
    "where", "which", "who", "whom", "why", "will", "with", "would", "you", "your", "yours"
})  # fmt: skip
# French: articles, pronouns, prepositions and question words, and the
# elided forms (l', d', qu') as our parser splits them.
FRENCH_STOP_WORDS = frozenset({
    "à", "au", "aux", "avec", "c", "ce", "ces", "cette", "comment", "d", "dans", "de", "des",
    "du", "elle", "elles", "en", "est", "et", "il", "ils", "j", "je", "l", "la", "le", "les",
    "leur", "leurs", "m", "ma", "mes", "mon", "n", "ne", "nous", "on", "ou", "où", "par",
    "pas", "pour", "qu", "que", "quel", "quelle", "quelles", "quels", "qui", "quoi", "s", "sa",
    "se", "ses", "son", "sont", "sur", "t", "ta", "tes", "ton", "tu", "un", "une", "vos",
    "votre", "vous", "y"
})  # fmt: skip
STOP_WORDS_BY_LANGUAGE = {"fr": FRENCH_STOP_WORDS}


def search_language(code=None):
    """The index's language code for a language code (the reader's, say):
    one of settings.LANGUAGES, by its main part if need be (fr-ca -> fr,
    en -> en-gb); the default language otherwise."""
    codes = [language for language, _ in settings.LANGUAGES]
    code = (code or settings.LANGUAGE_CODE).lower()
    if code in codes:
        return code
    main = code.split("-")[0]
    for language in codes:
        if language.split("-")[0] == main:
            return language
    return settings.LANGUAGE_CODE


def pg_config(language):
    """The text search configuration of a language (a constant, never input)."""
    return PG_CONFIGS.get(search_language(language), PG_CONFIG)


def stop_words(language=None):
    return STOP_WORDS_BY_LANGUAGE.get(search_language(language), STOP_WORDS)


# Query parsing -------------------------------------------------------------


def clean_query(raw):
    """The query as typed, made safe to show and to search: NFKC-normalised, no
    control or private-use characters, whitespace collapsed, at most
    MAX_QUERY_LENGTH characters."""
    if not isinstance(raw, str):
        return ""
    return _clean_text(raw[: MAX_QUERY_LENGTH * 4])[:MAX_QUERY_LENGTH].strip()


def _clean_text(text):
    text = unicodedata.normalize("NFKC", text or "")
    collapsed = " ".join(text.split())
    if collapsed.isprintable():  # no control, format, private-use or unassigned character
        return collapsed
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cc":
            kept.append(" ")
        elif category not in ("Cf", "Cs", "Co", "Cn"):
            kept.append(ch)
    return " ".join("".join(kept).split())


@dataclass(frozen=True)
class Term:
    """One thing to find: a word, or words that must be next to each other.

    `excluded`: written with a leading minus, the result must not contain it.
    `or_previous`: joined to the term before it with OR.
    """

    words: tuple[str, ...]
    quoted: bool = False
    excluded: bool = False
    or_previous: bool = False


def wanted(terms):
    """The terms a result must (or may, in OR groups) contain."""
    return [t for t in terms if not t.excluded]


def unwanted(terms):
    return [t for t in terms if t.excluded]


def or_groups(terms):
    """The wanted terms as AND-ed groups of OR-ed alternatives: a or b c -> [[a, b], [c]]."""
    groups = []
    for term in wanted(terms):
        if term.or_previous and groups:
            groups[-1].append(term)
        else:
            groups.append([term])
    return groups


# Spaces, ASCII punctuation and controls: never part of a word.
_ASCII_SEPARATORS = re.compile(r"[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f\s]+")


def _word_runs(text):
    """Runs of letters, digits and combining marks, lower-cased, that contain at
    least one letter or digit. (Split at ASCII separators first: an ASCII chunk
    is a run as it is, and only the rest is read a character at a time.)"""
    runs = []
    for chunk in _ASCII_SEPARATORS.split(text):
        if chunk.isascii():
            if chunk:
                runs.append(chunk.lower())
        else:
            runs += _word_runs_of(chunk)
    return runs


def _word_runs_of(text):
    runs, current = [], []
    for ch in text:
        if unicodedata.category(ch)[0] in "LNM":
            current.append(ch)
        elif current:
            runs.append("".join(current))
            current = []
    if current:
        runs.append("".join(current))
    return [run.lower() for run in runs if any(unicodedata.category(ch)[0] in "LN" for ch in run)]


def parse_query(query, language=None):
    """The query's terms, in web-search syntax: words, "quoted phrases", a leading
    minus to exclude (-word, -"two words"), and `or` between alternatives. A word
    written with punctuation inside it (CAR-T, don't, BCR-ABL1) is a phrase of its
    parts. Anything else is plain text: no input is an error. Common words of
    the `language` are left out of unquoted words."""
    query = clean_query(query)
    common = stop_words(language)
    terms = []
    pending_or = False
    for match in re.finditer(r'(-?)"([^"]*)"?|(\S+)', query):
        minus, phrase, chunk = match.group(1), match.group(2), match.group(3)
        if chunk is not None and chunk.lower() == "or" and terms:
            pending_or = True
            continue
        if chunk is not None:
            minus = "-" if chunk.startswith("-") and len(chunk) > 1 else ""
            words = _word_runs(chunk)
        else:
            words = _word_runs(phrase)
        if not words:
            continue
        terms.append(
            Term(
                tuple(words[:MAX_WORDS_PER_TERM]),
                quoted=phrase is not None,
                excluded=bool(minus),
                or_previous=pending_or and not minus,
            )
        )
        pending_or = False

    def meaningful(t):
        return t.quoted or t.excluded or len(t.words) > 1 or t.words[0] not in common

    if any(meaningful(t) and not t.excluded for t in terms):
        terms = [t for t in terms if meaningful(t)]
    unique, seen = [], set()
    for term in terms:
        key = (term.words, term.excluded)
        if key not in seen:
            seen.add(key)
            unique.append(term)
    return unique[:MAX_TERMS]


def has_words(query, language=None):
    """Whether the query has something to find (not only words to leave out)."""
    return bool(wanted(parse_query(query, language)))


# Indexing ------------------------------------------------------------------


class _TextExtractor(HTMLParser):
    """Readable text of a rendered body, without citation numbers, the
    reference list and screen-reader-only hints, with a space wherever a block
    ends."""

    VOID = {"br", "hr", "img", "wbr", "input", "meta", "link", "source", "col", "area"}
    BLOCK = {
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt",
        "dd", "table", "thead", "tbody", "tr", "th", "td", "blockquote", "pre", "section",
        "div",
    }  # fmt: skip

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.skip_depth = 0

    @staticmethod
    def _skipped(tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        return (
            (tag == "section" and "reference-list" in classes)
            or (tag == "sup" and "citation" in classes)
            or "visually-hidden" in classes  # e.g. the " (glossary)" after a linked term
        )

    def handle_starttag(self, tag, attrs):
        if self.skip_depth:
            if tag not in self.VOID:
                self.skip_depth += 1
        elif self._skipped(tag, attrs) and tag not in self.VOID:
            self.skip_depth = 1
        elif tag in self.BLOCK:
            self.parts.append(" ")

    def handle_startendtag(self, tag, attrs):
        if not self.skip_depth and tag in self.BLOCK:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if self.skip_depth:
            if tag not in self.VOID:
                self.skip_depth -= 1
        elif tag in self.BLOCK:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self.skip_depth:
            self.parts.append(data)


def html_to_text(body_html):
    """Plain text of sanitised body HTML (tags stripped, entities decoded)."""
    if not body_html:
        return ""
    extractor = _TextExtractor()
    extractor.feed(body_html)
    extractor.close()
    return _clean_text("".join(extractor.parts))


def entry_fields(kind, title, summary, body_html, details, language=None):
    """The SearchEntry text fields for a revision of an article of this kind,
    with its detail labels in the article's `language` (default: the site's)."""
    details = details or {}
    title = _clean_text(title)
    seen = {title.casefold()}
    keywords = []
    for name in names_of(kind, title, details)[1:]:
        name = _clean_text(str(name))
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            keywords.append(name)
    detail_text = []
    for field in DETAIL_FIELDS.get(kind, []):
        value = details.get(field.name)
        if field.name in NAME_FIELDS or not value:
            continue
        value = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        with translation.override(language or settings.LANGUAGE_CODE):
            detail_text.append(f"{field.label}: {value}.")
    body_text = " ".join([html_to_text(body_html), *detail_text])
    return {
        "title": title[:200],
        "keywords": "\n".join(keywords),
        "summary": _clean_text(summary),
        "body_text": _clean_text(body_text),
    }


PASSAGE_LENGTH = 400  # characters, about 65 words: room for a snippet of two extracts
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+")


def passages(text, length=PASSAGE_LENGTH):
    """The text cut into passages of whole sentences, each at most `length`
    characters (a longer sentence is cut between words), in order."""
    pieces = []
    for sentence in _SENTENCE_END_RE.split(text.strip()):
        while len(sentence) > length:
            cut = sentence.rfind(" ", 0, length + 1)
            cut = cut if cut > 0 else length
            pieces.append(sentence[:cut])
            sentence = sentence[cut:].lstrip()
        if sentence:
            pieces.append(sentence)
    found = []
    for piece in pieces:
        if found and len(found[-1]) + 1 + len(piece) <= length:
            found[-1] += " " + piece
        else:
            found.append(piece)
    return found


def with_words(fields):
    """entry_fields plus `words`, the entry's vocabulary words as stored."""
    return {**fields, "words": " ".join(sorted(entry_words(**fields)))}


def vocabulary_word(word):
    """Whether a lower-cased word run belongs in the vocabulary."""
    return MIN_WORD_LENGTH <= len(word) <= MAX_WORD_LENGTH and any(
        unicodedata.category(ch)[0] == "L" for ch in word
    )


def entry_words(*, title, keywords, summary, body_text):
    """The distinct vocabulary words of an entry's text."""
    text = " ".join([title, keywords, summary, body_text])
    return {word for word in _word_runs(text) if vocabulary_word(word)}


def _count_words(changes, language):
    """Add each word's change (+n, -n) to the language's vocabulary; delete
    words no entry uses any more.

    First every changed word's row is locked (or created at 0) by one upsert
    in sorted order, and only then changed: two publications at once lock
    their shared words in the same order, so one waits for the other. (Adding
    and taking away in separate passes let each hold a word the other wanted
    next: a deadlock, seen when grow_demo published from two processes.)"""
    table = connection.ops.quote_name(SearchWord._meta.db_table)
    words = sorted(word for word, n in changes.items() if n)
    by_change = {}
    for word in words:
        by_change.setdefault(changes[word], []).append(word)
    with connection.cursor() as cursor:
        for batch in _batches(words):
            cursor.execute(
                f"INSERT INTO {table} (language, word, entries) VALUES "
                + ", ".join(["(%s, %s, 0)"] * len(batch))
                + f" ON CONFLICT (language, word) DO UPDATE SET entries = {table}.entries",
                [value for word in batch for value in (language, word)],
            )
        for n, changed in sorted(by_change.items()):
            for batch in _batches(changed):
                cursor.execute(
                    f"UPDATE {table} SET entries = CASE WHEN entries + %s > 0 "
                    f"THEN entries + %s ELSE 0 END WHERE language = %s "
                    f"AND word IN ({', '.join(['%s'] * len(batch))})",
                    [n, n, language, *batch],
                )
        for batch in _batches(words):
            cursor.execute(
                f"DELETE FROM {table} WHERE entries = 0 AND language = %s "
                f"AND word IN ({', '.join(['%s'] * len(batch))})",
                [language, *batch],
            )


def _batches(items, size=500):
    return [items[start : start + size] for start in range(0, len(items), size)]


def _words_of(entry_words_text):
    return set((entry_words_text or "").split())


def _backend():
    vendor = connection.vendor
    if vendor == "postgresql":
        return _PostgresBackend
    if vendor == "sqlite":
        return _SQLiteBackend
    raise ImproperlyConfigured(f"Site search supports PostgreSQL and SQLite, not {vendor}.")


def index_article(article):
    """Index the article's live revision, or remove its entry if it is not
    published (or no longer exists). Returns the entry or None.

    Reads the article again, so it indexes what the database holds (inside the
    caller's transaction, e.g. approve's)."""
    article_id = getattr(article, "pk", article)
    backend = _backend()
    with transaction.atomic():
        current = (
            Article.objects.select_related("live_revision", "live_page")
            .filter(pk=article_id, live_page__isnull=False)
            .first()
            if article_id is not None
            else None
        )
        revision = current.live_revision if current else None
        if revision is None:
            _remove(backend, SearchEntry.objects.filter(article_id=article_id))
            return None
        fields = entry_fields(
            current.kind,
            revision.title,
            revision.summary,
            current.live_page.body_html,
            revision.details,
            current.language,
        )
        language = search_language(current.language)
        stored = SearchEntry.objects.select_for_update().filter(article=current).first()
        wanted = {"revision_id": revision.pk, "language": language, **fields}
        if stored and all(getattr(stored, name) == value for name, value in wanted.items()):
            return stored  # the same text (e.g. only a glossary link added): nothing to do
        fields = with_words(fields)
        previous_language, previous = (
            (stored.language, _words_of(stored.words)) if stored else (language, set())
        )
        entry, _ = SearchEntry.objects.update_or_create(
            article=current, defaults={"revision": revision, "language": language, **fields}
        )
        with connection.cursor() as cursor:
            backend.sync(cursor, [entry.pk])
        words = _words_of(fields["words"])
        if previous_language != language:
            _count_words(dict.fromkeys(previous, -1), previous_language)
            previous = set()
        _count_words(
            dict.fromkeys(words - previous, 1) | dict.fromkeys(previous - words, -1), language
        )
        return entry


def sync_entries(ids):
    """Put entries written without index_article (a fixture load) in the
    full-text index. Their passages are cut again after commit, when any the
    fixture held (without their vectors) are in, to be replaced."""
    ids = list(ids)
    with connection.cursor() as cursor:
        _backend().sync(cursor, ids, with_passages=False)
    transaction.on_commit(lambda: cut_passages(ids))


def cut_passages(ids):
    """Cut these entries' bodies into passages again (PostgreSQL)."""
    with transaction.atomic(), connection.cursor() as cursor:
        _backend().cut_passages(cursor, list(ids))


def _remove(backend, entries):
    rows = list(entries.values_list("pk", "language", "words"))
    if rows:
        entries.delete()
        with connection.cursor() as cursor:
            backend.unsync(cursor, [pk for pk, _, _ in rows])
        removed = {}
        for _, language, words in rows:
            removed.setdefault(language, Counter()).update(_words_of(words))
        for language, counts in sorted(removed.items()):
            _count_words({word: -n for word, n in counts.items()}, language)


def rebuild_index():
    """Index every published article again from scratch. Returns how many."""
    backend = _backend()
    with transaction.atomic():
        # Lock the articles as approve() does, so no approval runs meanwhile.
        articles = list(
            Article.objects.published()
            .filter(live_page__isnull=False)
            .select_for_update(of=("self",))
            .select_related("live_revision", "live_page")
            .order_by("pk")
        )
        SearchEntry.objects.all().delete()
        entries = [
            SearchEntry(
                article=article,
                revision=article.live_revision,
                language=search_language(article.language),
                **with_words(
                    entry_fields(
                        article.kind,
                        article.live_revision.title,
                        article.live_revision.summary,
                        article.live_page.body_html,
                        article.live_revision.details,
                        article.language,
                    )
                ),
            )
            for article in articles
        ]
        SearchEntry.objects.bulk_create(entries, batch_size=200)
        with connection.cursor() as cursor:
            backend.sync(cursor, None)
        counts = Counter()
        for entry in entries:
            counts.update((entry.language, word) for word in _words_of(entry.words))
        SearchWord.objects.all().delete()
        SearchWord.objects.bulk_create(
            [
                SearchWord(language=language, word=word, entries=n)
                for (language, word), n in sorted(counts.items())
            ],
            batch_size=500,
        )
    return len(entries)


def articles_containing(names, language=None):
    """Ids of published articles in the language whose indexed text (any field)
    contains one of the names as words, stemmed as search stems them: a
    superset of the pages where the glossary linker or the medicine finder
    could match the name."""
    language = search_language(language)
    terms = [Term(tuple(words)) for words in {tuple(_word_runs(n)) for n in names} if words]
    if not terms:
        return set()
    ids = set()
    with connection.cursor() as cursor:
        for start in range(0, len(terms), MAX_TERMS):
            ids |= set(_backend().containing(cursor, terms[start : start + MAX_TERMS], language))
    return ids


# Searching -----------------------------------------------------------------


@dataclass(frozen=True)
class SearchResult:
    title: str
    url: str
    kind_label: str
    snippet: SafeString
    summary: str
    kind: str = Kind.PAGE
    partial: bool = False


def search(query, *, limit=DEFAULT_LIMIT, language=None):
    """Published content in the language (default: the site's) matching the
    query, best first."""
    language = search_language(language)
    terms = parse_query(query, language)
    if not wanted(terms):
        return []
    limit = max(1, min(int(limit), MAX_LIMIT))
    backend = _backend()
    with connection.cursor() as cursor:
        rows = backend.find(cursor, terms, match_all=True, limit=limit, language=language)
        partial = False
        if not rows and len(wanted(terms)) > 1:
            rows = backend.find(cursor, terms, match_all=False, limit=limit, language=language)
            partial = True
    entries = (
        SearchEntry.objects.select_related("article__live_revision")
        .only(
            "article__kind",
            "article__slug",
            "article__language",
            "article__live_revision__title",
            "article__live_revision__summary",
        )
        .in_bulk([row[0] for row in rows])
    )
    results = []
    for entry_id, body, summary, keywords in rows:
        entry = entries.get(entry_id)
        # Never show what is not live, even if the index were behind.
        if entry is None or entry.article.live_revision is None:
            continue
        live = entry.article.live_revision
        results.append(
            SearchResult(
                title=live.title,
                url=entry.article.get_absolute_url(),
                kind_label=entry.article.get_kind_display(),
                snippet=_snippet(body, summary, keywords, live.summary, entry.article.kind),
                summary=live.summary,
                kind=entry.article.kind,
                partial=partial,
            )
        )
    return results


def _snippet(body, summary, keywords, fallback, kind):
    """HTML for the best highlighted extract: the body's, else the summary's,
    else the other names'; without a match, the summary."""
    names = _("Brand names: ") if kind == Kind.MEDICINE else _("Also called: ")
    for text, prefix in ((body, ""), (summary, ""), (keywords, names)):
        if text and MARK_START in text:
            return escape(prefix) + highlight(text.replace("\n", ", "))
    return escape(fallback)


def highlight(text):
    """Escape text, then turn the database's sentinel-marked matches into <mark>."""
    escaped = str(escape((text or "").translate(_FROM_PG_STAND_INS)))
    marked = _MARKED_RE.sub(r"<mark>\1</mark>", escaped)
    return mark_safe(marked.replace(MARK_START, "").replace(MARK_END, ""))


# Did you mean ... ? --------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """A corrected query: `query` to search for, and its `parts` as
    (text, corrected) pairs, to show which words changed."""

    query: str
    parts: tuple[tuple[str, bool], ...]


def max_edits(word):
    return 1 if len(word) <= 6 else 2


def edit_distance(a, b):
    """Insertions, deletions, substitutions and swaps of two neighbouring
    letters that turn a into b (optimal string alignment)."""
    previous2, previous = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                best = min(best, previous2[j - 2] + 1)
            current.append(best)
        previous2, previous = previous, current
    return previous[-1]


def closest_words(word, candidates):
    """Vocabulary words close enough to be what was meant, best first: fewest
    edits, then the most used. `candidates`: (word, how many items use it)."""
    limit = max_edits(word)
    scored = []
    for candidate, entries in candidates:
        distance = edit_distance(word, candidate)
        if 0 < distance <= limit:
            scored.append((distance, -entries, candidate))
    return [candidate for _, _, candidate in sorted(scored)]


def _correctable(word, language=None):
    return (
        vocabulary_word(word)
        and word not in stop_words(language)
        and not any(ch.isdigit() for ch in word)
    )


def suggest(query, language=None):
    """A Suggestion for a query in the language that found nothing (or only
    pages with some of its words), or None, from that language's words. Words search finds, as typed or stemmed, are kept;
    each other word becomes its closest vocabulary word. Offered only when
    the corrected query finds pages with all its words. The work depends on
    the query's words only (the first MAX_TERMS words, MAX_CLOSE_WORDS
    candidates each: at most 2 queries a word and SUGGESTIONS_TRIED more),
    not on the size of the site."""
    language = search_language(language)
    terms = parse_query(query, language)
    words = [word for term in wanted(terms) for word in term.words if _correctable(word, language)]
    words = list(dict.fromkeys(words))[:MAX_TERMS]
    if not words:
        return None
    backend = _backend()
    known = set(
        SearchWord.objects.filter(language=language, word__in=words).values_list("word", flat=True)
    )
    choices = {}
    with connection.cursor() as cursor:
        for word in words:
            if word in known or backend.exists(cursor, [Term((word,))], language):
                continue
            found = closest_words(
                word, backend.close_words(cursor, word, MAX_CLOSE_WORDS, language)
            )
            if found:
                choices[word] = found[:SUGGESTIONS_TRIED]
        if not choices:
            return None
        for attempt in range(SUGGESTIONS_TRIED):
            if attempt and all(len(found) <= attempt for found in choices.values()):
                break
            corrections = {w: found[min(attempt, len(found) - 1)] for w, found in choices.items()}
            corrected = [
                replace(term, words=tuple(corrections.get(w, w) for w in term.words))
                for term in terms
            ]
            if backend.exists(cursor, corrected, language):
                return _corrected_query(clean_query(query), corrections)
    return None


def _corrected_query(query, corrections):
    """The query as typed, with the corrected words replaced (in the same case)."""
    parts, run = [], []

    def end_run():
        if run:
            text = "".join(run)
            correction = corrections.get(text.lower())
            if correction is None:
                parts.append((text, False))
            else:
                if text.isupper() and len(text) > 1:
                    correction = correction.upper()
                elif text[0].isupper():
                    correction = correction[0].upper() + correction[1:]
                parts.append((correction, True))
            run.clear()

    for ch in query:
        if unicodedata.category(ch)[0] in "LNM":
            run.append(ch)
        else:
            end_run()
            parts.append((ch, False))
    end_run()
    merged = []
    for text, changed in parts:
        if merged and not changed and not merged[-1][1]:
            merged[-1] = (merged[-1][0] + text, False)
        else:
            merged.append((text, changed))
    return Suggestion("".join(text for text, _ in merged), tuple(merged))


# Backends ------------------------------------------------------------------
#
# find() returns [(entry id, body extract, summary extract, names extract)],
# best first; extracts carry MARK_START/MARK_END around matched words.


def _pg_text(sql):
    """SQL for text PostgreSQL's parser reads, so that it splits words as
    SQLite's unicode61 does: at every punctuation mark. Left alone, it reads
    "<" as the start of an HTML tag and drops what follows ("a<b", "<script>"),
    and makes single tokens of hyphenated words, paths, numbers with points,
    e-mail addresses ("CAR-T" would then not match "CAR T-cell"). Each such
    mark becomes a stand-in it reads as a space; highlight() turns them back."""
    return f"translate({sql}, '{PG_PUNCTUATION}', '{PG_STAND_INS}')"


def _entry_config_sql():
    """SQL for an entry row's text search configuration, from its language."""
    cases = " ".join(
        f"WHEN '{language}' THEN '{config}'::regconfig" for language, config in PG_CONFIGS.items()
    )
    return f"CASE language {cases} ELSE '{PG_CONFIG}'::regconfig END"


class _PostgresBackend:
    @staticmethod
    def _vector(text, weight):
        return f"setweight(to_tsvector({_entry_config_sql()}, {_pg_text(text)}), '{weight}')"

    NAMES = "coalesce(title, '') || ' ' || coalesce(keywords, '')"
    SUMMARY = "coalesce(summary, '')"
    BODY = "coalesce(body_text, '')"
    # (column, SQL) of the vectors: the whole entry; names; names and summary.
    VECTORS = [
        ("search_vector", " || ".join([
            _vector(NAMES, "A"), _vector(SUMMARY, "B"), _vector(BODY, "C")
        ])),
        ("names_vector", _vector(NAMES, "A")),
        ("head_vector", _vector(NAMES, "A") + " || " + _vector(SUMMARY, "B")),
    ]  # fmt: skip
    VECTOR_SQL = VECTORS[0][1]
    # Where all the words must be, best first: (tier, condition). Each is asked
    # in turn, and only while results are missing.
    TIERS = [
        (3, "e.names_vector @@ {q}"),
        (2, "e.head_vector @@ {q} AND NOT e.names_vector @@ {q}"),
        (1, "e.search_vector @@ {q} AND NOT e.head_vector @@ {q}"),
    ]
    BODY_HEADLINE = (
        f"StartSel={MARK_START}, StopSel={MARK_END}, MaxFragments=2, MaxWords=30, "
        'MinWords=12, ShortWord=2, FragmentDelimiter=" … "'
    )
    WHOLE_HEADLINE = f"StartSel={MARK_START}, StopSel={MARK_END}, HighlightAll=true"

    @classmethod
    def sync(cls, cursor, ids, *, with_passages=True):
        table = connection.ops.quote_name(SearchEntry._meta.db_table)
        assignments = ", ".join(f"{column} = {sql}" for column, sql in cls.VECTORS)
        if ids is None:
            cursor.execute(f"UPDATE {table} SET {assignments}")
            ids = SearchEntry.objects.order_by("pk").values_list("pk", flat=True)
        else:
            cursor.execute(f"UPDATE {table} SET {assignments} WHERE id = ANY(%s)", [list(ids)])
        if with_passages:
            cls.cut_passages(cursor, list(ids))

    @classmethod
    def cut_passages(cls, cursor, ids):
        for batch in _batches(ids, 200):
            cls._cut_passages(cursor, batch)

    @classmethod
    def _cut_passages(cls, cursor, ids):
        """Cut these entries' bodies into passages again, with their vectors."""
        SearchPassage.objects.filter(entry_id__in=ids).delete()
        SearchPassage.objects.bulk_create(
            [
                SearchPassage(entry_id=pk, number=number, text=text)
                for pk, body in SearchEntry.objects.filter(pk__in=ids).values_list(
                    "pk", "body_text"
                )
                for number, text in enumerate(passages(body or ""))
            ],
            batch_size=500,
        )
        entries = connection.ops.quote_name(SearchEntry._meta.db_table)
        table = connection.ops.quote_name(SearchPassage._meta.db_table)
        cursor.execute(
            f"UPDATE {table} p SET vector = to_tsvector({_entry_config_sql()}, "
            f"{_pg_text('p.text')}) FROM {entries} e "
            "WHERE e.id = p.entry_id AND p.entry_id = ANY(%s)",
            [list(ids)],
        )

    @classmethod
    def unsync(cls, cursor, ids):
        """Nothing to do: the vectors are columns of the deleted rows (and of
        their passages, deleted with them)."""

    @classmethod
    def _tsquery(cls, groups, excluded, language=None):
        """SQL and parameters of the tsquery: AND of OR-groups, minus exclusions,
        in the language's configuration. Written out in full where it is used
        (not in a CTE), so that PostgreSQL sees a constant it can look up in
        the GIN index."""
        phrase = f"phraseto_tsquery('{pg_config(language)}', %s)"
        sql = " && ".join("(" + " || ".join([phrase] * len(g)) + ")" for g in groups)
        sql += "".join(f" && !!{phrase}" for _ in excluded)
        params = [" ".join(t.words) for group in groups for t in group]
        params += [" ".join(t.words) for t in excluded]
        return f"({sql})", params

    @classmethod
    def find(cls, cursor, terms, *, match_all, limit, language=None):
        """Best first: the entries in the language with all the words in their
        names, then in their names and summary, then anywhere; by ts_rank
        within each."""
        ids = []
        for tier in range(len(cls.TIERS)):
            if len(ids) >= limit:
                break
            cursor.execute(
                *cls.find_sql(
                    terms,
                    match_all=match_all,
                    limit=limit - len(ids),
                    tier=tier,
                    language=language,
                )
            )
            ids += [row[0] for row in cursor.fetchall()]
        if not ids:
            return []
        cursor.execute(*cls.extracts_sql(terms, ids, match_all=match_all, language=language))
        extracts = {row[0]: row for row in cursor.fetchall()}
        return [extracts[entry_id] for entry_id in ids if entry_id in extracts]

    @classmethod
    def _query(cls, terms, match_all, language=None):
        groups = or_groups(terms) if match_all else [wanted(terms)]
        return cls._tsquery(groups, unwanted(terms), language)

    @classmethod
    def find_sql(cls, terms, *, match_all, limit, tier=0, language=None):
        """SQL for the ids of one tier's best entries in the language, best
        first: the best by ts_rank of its first RANKED_MATCHES matches (in
        the index's order). Ranking reads each match's whole vector, so
        ranking every match of a common word would cost more the larger the
        site; more words narrow a search that finds more."""
        table = connection.ops.quote_name(SearchEntry._meta.db_table)
        q, q_params = cls._query(terms, match_all, language)
        _, condition = cls.TIERS[tier]
        where = condition.format(q=q)
        if tier < len(cls.TIERS) - 1:
            where += f" AND e.search_vector @@ {q}"  # the exclusions, in names and summary
        sql = f"""
            SELECT e.id FROM (
                SELECT e.id, e.title, e.search_vector FROM {table} e
                WHERE {where} AND e.language = %s
                LIMIT %s
            ) e
            ORDER BY ts_rank('{{0.05, 0.2, 0.4, 1.0}}', e.search_vector, {q}, 1) DESC,
                e.title, e.id
            LIMIT %s
        """
        conditions = condition.count("{q}") + (1 if tier < len(cls.TIERS) - 1 else 0)
        return sql, [
            *q_params * conditions,
            search_language(language),
            RANKED_MATCHES,
            *q_params,
            limit,
        ]

    @classmethod
    def extracts_sql(cls, terms, ids, *, match_all, language=None):
        """SQL for (id, body extract, summary extract, names extract) of these
        entries. The body's is cut from its passage with the most of the
        query's words (the first of the best): a passage has a bounded length,
        so the cost is the same for a long page as for a short one."""
        table = connection.ops.quote_name(SearchEntry._meta.db_table)
        passages_table = connection.ops.quote_name(SearchPassage._meta.db_table)
        q, q_params = cls._query(terms, match_all, language)
        # Any of the wanted words: a passage may hold some of the page's matches.
        any_q, any_params = cls._tsquery([wanted(terms)], [], language)
        config = pg_config(language)
        sql = f"""
            SELECT e.id,
                (SELECT ts_headline('{config}', {_pg_text("p.text")}, {any_q}, %s)
                    FROM {passages_table} p
                    WHERE p.entry_id = e.id AND p.vector @@ {any_q}
                    ORDER BY ts_rank(p.vector, {any_q}) DESC, p.number LIMIT 1),
                ts_headline('{config}', {_pg_text("e.summary")}, {q}, %s),
                ts_headline('{config}', {_pg_text("e.keywords")}, {q}, %s)
            FROM {table} e WHERE e.id = ANY(%s)
        """
        params = [
            *any_params, cls.BODY_HEADLINE, *any_params, *any_params,
            *q_params, cls.WHOLE_HEADLINE,
            *q_params, cls.WHOLE_HEADLINE,
            list(ids),
        ]  # fmt: skip
        return sql, params

    @classmethod
    def containing(cls, cursor, terms, language=None):
        cursor.execute(*cls.containing_sql(terms, language))
        return [row[0] for row in cursor.fetchall()]

    @classmethod
    def containing_sql(cls, terms, language=None):
        table = connection.ops.quote_name(SearchEntry._meta.db_table)
        q, params = cls._tsquery([terms], [], language)
        sql = f"SELECT article_id FROM {table} WHERE search_vector @@ {q} AND language = %s"
        return sql, [*params, search_language(language)]

    @classmethod
    def exists(cls, cursor, terms, language=None):
        """Whether any entry in the language has all the (wanted) terms."""
        cursor.execute(*cls.exists_sql(terms, language))
        return cursor.fetchone() is not None

    @classmethod
    def exists_sql(cls, terms, language=None):
        table = connection.ops.quote_name(SearchEntry._meta.db_table)
        q, params = cls._query(terms, True, language)
        sql = f"SELECT 1 FROM {table} e WHERE e.search_vector @@ {q} AND e.language = %s LIMIT 1"
        return sql, [*params, search_language(language)]

    @classmethod
    def close_words(cls, cursor, word, limit, language=None):
        cursor.execute(*cls.close_words_sql(word, limit, language))
        return cursor.fetchall()

    @classmethod
    def close_words_sql(cls, word, limit, language=None):
        """(word, entries) of the language's vocabulary words similar to `word`
        (pg_trgm's `%`, answered from the GIN trigram index), the most similar
        first. The similar words are found first (MATERIALIZED, so the planner
        cannot start from the language's index instead and read every word of
        the language), then kept if they are the language's."""
        table = connection.ops.quote_name(SearchWord._meta.db_table)
        sql = f"""
            WITH close AS MATERIALIZED (
                SELECT word, entries, language FROM {table} WHERE word %% %s
            )
            SELECT word, entries FROM close
            WHERE language = %s
            ORDER BY similarity(word, %s) DESC, entries DESC, word
            LIMIT %s
        """
        return sql, [word, search_language(language), word, limit]


class _SQLiteBackend:
    # bm25 column weights: title, keywords (other names), summary, body.
    WEIGHTS = "10.0, 10.0, 4.0, 1.0"

    @classmethod
    def sync(cls, cursor, ids, *, with_passages=True):
        """(FTS5 cuts its own snippets: SQLite needs no passages.)"""
        table = connection.ops.quote_name(SearchEntry._meta.db_table)
        select = f"SELECT id, title, keywords, summary, body_text FROM {table}"
        insert = f"INSERT INTO {FTS_TABLE} (rowid, title, keywords, summary, body) "
        if ids is None:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")
            cursor.execute(insert + select)
            return
        for entry_id in ids:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [entry_id])
            cursor.execute(insert + select + " WHERE id = %s", [entry_id])

    @classmethod
    def unsync(cls, cursor, ids):
        for entry_id in ids:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [entry_id])

    @classmethod
    def cut_passages(cls, cursor, ids):
        """Only drop any passages a fixture brought: SQLite needs none."""
        SearchPassage.objects.filter(entry_id__in=ids).delete()

    @staticmethod
    def match_expression(terms, *, match_all, columns=None, with_exclusions=True):
        """An FTS5 MATCH expression in which every term is a quoted string, so
        nothing the reader typed is FTS5 syntax."""

        def quoted(term):
            return '"' + " ".join(term.words).replace('"', '""') + '"'

        groups = or_groups(terms) if match_all else [wanted(terms)]
        expression = " AND ".join(
            "(" + " OR ".join(quoted(t) for t in group) + ")" for group in groups
        )
        if columns:
            expression = f"{{{' '.join(columns)}}} : ({expression})"
        excluded = unwanted(terms)
        if with_exclusions and excluded:
            expression = f"({expression}) NOT ({' OR '.join(quoted(t) for t in excluded)})"
        return expression

    @classmethod
    def find(cls, cursor, terms, *, match_all, limit, language=None):
        table = connection.ops.quote_name(SearchEntry._meta.db_table)
        everywhere = cls.match_expression(terms, match_all=match_all)
        names = cls.match_expression(
            terms, match_all=match_all, columns=["title", "keywords"], with_exclusions=False
        )
        with_summary = cls.match_expression(
            terms,
            match_all=match_all,
            columns=["title", "keywords", "summary"],
            with_exclusions=False,
        )
        sql = f"""
            SELECT {FTS_TABLE}.rowid,
                snippet({FTS_TABLE}, 3, %s, %s, '…', 32),
                snippet({FTS_TABLE}, 2, %s, %s, '…', 64),
                snippet({FTS_TABLE}, 1, %s, %s, '…', 64)
            FROM {FTS_TABLE} JOIN {table} e ON e.id = {FTS_TABLE}.rowid
            WHERE {FTS_TABLE} MATCH %s AND e.language = %s
            ORDER BY
                CASE
                    WHEN {FTS_TABLE}.rowid IN
                        (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s) THEN 3
                    WHEN {FTS_TABLE}.rowid IN
                        (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s) THEN 2
                    ELSE 1
                END DESC,
                bm25({FTS_TABLE}, {cls.WEIGHTS}),
                e.title,
                e.id
            LIMIT %s
        """
        params = [MARK_START, MARK_END] * 3 + [
            everywhere,
            search_language(language),
            names,
            with_summary,
            limit,
        ]
        cursor.execute(sql, params)
        return cursor.fetchall()

    @classmethod
    def containing(cls, cursor, terms, language=None):
        table = connection.ops.quote_name(SearchEntry._meta.db_table)
        expression = cls.match_expression(terms, match_all=False)
        cursor.execute(
            f"SELECT e.article_id FROM {FTS_TABLE} JOIN {table} e ON e.id = {FTS_TABLE}.rowid "
            f"WHERE {FTS_TABLE} MATCH %s AND e.language = %s",
            [expression, search_language(language)],
        )
        return [row[0] for row in cursor.fetchall()]

    @classmethod
    def exists(cls, cursor, terms, language=None):
        """Whether any entry in the language has all the (wanted) terms."""
        table = connection.ops.quote_name(SearchEntry._meta.db_table)
        cursor.execute(
            f"SELECT 1 FROM {FTS_TABLE} JOIN {table} e ON e.id = {FTS_TABLE}.rowid "
            f"WHERE {FTS_TABLE} MATCH %s AND e.language = %s LIMIT 1",
            [cls.match_expression(terms, match_all=True), search_language(language)],
        )
        return cursor.fetchone() is not None

    @classmethod
    def close_words(cls, cursor, word, limit, language=None):
        """(word, entries) of the language's vocabulary words of about the
        word's length that share a three-letter piece with it (FTS5 trigram
        index), the best bm25 score (most shared, rarest pieces) first."""
        table = connection.ops.quote_name(SearchWord._meta.db_table)
        pieces = sorted({word[i : i + 3] for i in range(len(word) - 2)})
        if not pieces:
            return []
        expression = " OR ".join('"' + piece.replace('"', '""') + '"' for piece in pieces)
        spread = max_edits(word)
        cursor.execute(
            f"SELECT w.word, w.entries FROM {TRIGRAM_TABLE} "
            f"JOIN {table} w ON w.id = {TRIGRAM_TABLE}.rowid "
            f"WHERE {TRIGRAM_TABLE} MATCH %s AND w.language = %s "
            f"AND length(w.word) BETWEEN %s AND %s "
            f"ORDER BY {TRIGRAM_TABLE}.rank LIMIT %s",
            [expression, search_language(language), len(word) - spread, len(word) + spread, limit],
        )
        return cursor.fetchall()
