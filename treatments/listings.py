"""Stored lists of published articles: the pages on a topic (tag) and the
pages that name a medicine.

A topic can hold thousands of pages on a large site. Asking the database for
"the articles whose live revision has this tag, by title, 50 at a time" joins
and sorts all of them on every request (42 ms at 10,000 pages against 12 at
demo size). Instead each list is a run of ListEntry rows, one per article, with
the article's live title copied in, so a page of the list is read in index
order and its length counted from the index alone.

`sync` keeps an article's entries in step with its live page; publishing
calls it whenever it writes one (treatments.publishing.write_live_page), inside
the same transaction, so a list never shows an article that is not live.
"""

from functools import cached_property

from django.core.paginator import Paginator

from .models import Article, Kind, ListEntry, Revision


def topic_key(tag_id):
    return f"topic:{tag_id}"


def medicine_key(medicine_id):
    return f"medicine:{medicine_id}"


def keys_for(article, medicine_revision_ids=()):
    """The lists a published article belongs in: one per topic of its live
    revision, and (treatment pages) one per medicine the page names."""
    revision = article.live_revision
    if revision is None:
        return set()
    keys = {topic_key(tag_id) for tag_id in revision.tags.values_list("pk", flat=True)}
    if article.kind == Kind.PAGE and medicine_revision_ids:
        medicine_ids = Revision.objects.filter(pk__in=medicine_revision_ids).values_list(
            "article_id", flat=True
        )
        keys |= {medicine_key(medicine_id) for medicine_id in medicine_ids}
    return keys


def sync(article, medicine_revision_ids=()):
    """Put the article in exactly the lists its live page belongs in, under its
    live title (none if it is not published)."""
    wanted = keys_for(article, medicine_revision_ids)
    title = article.live_revision.title if article.live_revision_id else ""
    entries = ListEntry.objects.filter(article=article)
    entries.exclude(list_key__in=wanted).delete()
    entries.filter(list_key__in=wanted).exclude(sort_title=title).update(sort_title=title)
    present = set(entries.values_list("list_key", flat=True))
    ListEntry.objects.bulk_create(
        [ListEntry(list_key=key, article=article, sort_title=title) for key in wanted - present]
    )


def articles_in(list_key):
    """The list's articles, by title, with what a list shows of each."""
    return (
        Article.objects.filter(list_entries__list_key=list_key, live_revision__isnull=False)
        .select_related("live_revision")
        .order_by("list_entries__sort_title", "list_entries__article_id")
    )


class ListPaginator(Paginator):
    """Pages of a stored list; its length counted from the list's index only."""

    def __init__(self, list_key, per_page):
        super().__init__(articles_in(list_key), per_page, allow_empty_first_page=True)
        self.list_key = list_key

    @cached_property
    def count(self):
        return ListEntry.objects.filter(list_key=self.list_key).count()


def rebuild():
    """Every published article's entries again from its live page (a data
    migration's and a repair's job). Returns how many entries there are."""
    ListEntry.objects.all().delete()
    articles = Article.objects.published().select_related("live_revision", "live_page")
    for article in articles.iterator(chunk_size=500):
        page = getattr(article, "live_page", None)
        named = page.medicine_revisions.values_list("pk", flat=True) if page else ()
        sync(article, set(named))
    return ListEntry.objects.count()
