"""Stored lists of published articles: the pages on a topic (tag) and the
pages that name a medicine.

A topic can hold thousands of pages on a large site. Asking the database for
"the articles whose live revision has this tag, by title, 50 at a time" joins
and sorts all of them on every request (42 ms at 10,000 pages against 12 at
demo size). Instead each list is a run of ListEntry rows, one per article,
holding the article's live title to sort by and its list item as readers see
it (link, title, summary), so a page of a list is 50 rows read in index order,
joined as they are, and its length is counted from the index alone.

`sync` keeps an article's entries in step with its live page and address;
publishing calls it whenever it writes a live page or moves one
(treatments.publishing), inside the same transaction, so a list never shows
an article that is not live, or an old title or address.

Languages are kept apart: a topic has one list per language ("topic:<tag
id>" for English, as before translations, "topic:<tag id>:fr" for French),
and a medicine's list only holds pages in the medicine's language, so a
French list shows French pages only.
"""

from functools import cached_property

from django.conf import settings
from django.core.paginator import Paginator
from django.utils.html import format_html

from .models import Kind, ListEntry, Revision

TOPIC, MEDICINE = "topic", "medicine"


def _suffix(language):
    return "" if language == settings.LANGUAGE_CODE else f":{language}"


def topic_key(tag_id, language=settings.LANGUAGE_CODE):
    """The list of the pages in `language` on a topic."""
    return f"{TOPIC}:{tag_id}{_suffix(language)}"


def medicine_key(medicine_id):
    """The list of the pages naming a medicine (in the medicine's language)."""
    return f"{MEDICINE}:{medicine_id}"


def parse_key(list_key):
    """(TOPIC or MEDICINE, id) of a list key."""
    kind, _, rest = list_key.partition(":")
    return kind, int(rest.partition(":")[0])


def keys_for(article, medicine_revision_ids=()):
    """The lists a published article belongs in: one per topic of its live
    revision (in its language), and (treatment pages) one per medicine of its
    language the page names."""
    revision = article.live_revision
    if revision is None:
        return set()
    keys = {
        topic_key(tag_id, article.language) for tag_id in revision.tags.values_list("pk", flat=True)
    }
    if article.kind == Kind.PAGE and medicine_revision_ids:
        medicine_ids = Revision.objects.filter(
            pk__in=medicine_revision_ids, article__language=article.language
        ).values_list("article_id", flat=True)
        keys |= {medicine_key(medicine_id) for medicine_id in medicine_ids}
    return keys


def item_html(article):
    """The article's list item as readers see it."""
    revision = article.live_revision
    return str(
        format_html(
            '<li><a href="{}">{}</a><p>{}</p></li>',
            article.get_absolute_url(),
            revision.title,
            revision.summary,
        )
    )


def sync(article, medicine_revision_ids=None):
    """Put the article in exactly the lists its live page belongs in, with its
    live title and list item (in none if it is not published). Without
    `medicine_revision_ids` the medicine lists it is in are kept as they are
    (its address or text changed, not what it names). Returns the keys of the
    lists that changed."""
    entries = ListEntry.objects.filter(article=article)
    present = dict(entries.values_list("list_key", "item_html"))
    if medicine_revision_ids is None:
        kept = {key for key in present if parse_key(key)[0] == MEDICINE}
        wanted = keys_for(article) | (kept if article.live_revision_id else set())
    else:
        wanted = keys_for(article, medicine_revision_ids)
    removed = set(present) - wanted
    entries.filter(list_key__in=removed).delete()
    if not wanted:
        return removed
    title, html = article.live_revision.title, item_html(article)
    stale = {key for key in wanted & set(present) if present[key] != html}
    entries.filter(list_key__in=stale).update(sort_title=title, item_html=html)
    added = wanted - set(present)
    ListEntry.objects.bulk_create(
        [
            ListEntry(list_key=key, article=article, sort_title=title, item_html=html)
            for key in added
        ]
    )
    return removed | stale | added


def topics_with_pages(language=settings.LANGUAGE_CODE):
    """The tags (topics) that have at least one published page in `language`, by name."""
    from django.db.models import CharField, Exists, OuterRef, Value
    from django.db.models.functions import Cast, Concat
    from taggit.models import Tag

    key = Concat(Value(f"{TOPIC}:"), Cast(OuterRef("pk"), CharField()), Value(_suffix(language)))
    return Tag.objects.filter(Exists(ListEntry.objects.filter(list_key=key))).order_by("name")


def entries_in(list_key):
    """The list's items, by title."""
    return (
        ListEntry.objects.filter(list_key=list_key)
        .order_by("sort_title", "article_id")
        .only("item_html")
    )


class ListPaginator(Paginator):
    """Pages of a stored list; its length counted from the list's index only."""

    def __init__(self, list_key, per_page):
        super().__init__(entries_in(list_key), per_page, allow_empty_first_page=True)
        self.list_key = list_key

    @cached_property
    def count(self):
        return ListEntry.objects.filter(list_key=self.list_key).count()
