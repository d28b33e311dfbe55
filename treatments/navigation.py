"""The section tree, read in bounded pieces: no request reads every page.

A page shows its breadcrumbs (ancestors), its first children ("In this
section", with a link to the full paginated list), and its previous and next
sibling; every page shows the top-level sections. Each piece is one small
indexed query on `Article` (parent, order, title), whatever the site's size.

Each language has its own tree: a translation's parent is the translation of
its original's parent (treatments.models), so a French page's ancestors,
children and neighbours are French pages, and the top-level sections are
asked for in one language. Every item links to its page in its own language.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import BooleanField, Q, Subquery
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import translation

from .models import Article

CHILDREN_SHOWN = 30  # "In this section" on a page
HOME_CHILDREN_SHOWN = 8  # under each section on the home page
SECTION_LIST_PAGE_SIZE = 50  # the paginated list of a section's pages
MAX_DEPTH = 20  # breadcrumbs never loop, even if the tree were broken

FIELDS = ("id", "parent_id", "slug", "display_title", "live_revision__summary", "language")


@dataclass(eq=False)
class NavItem:
    id: int
    parent_id: int | None
    slug: str
    title: str
    summary: str
    language: str = settings.LANGUAGE_CODE
    children: list = field(default_factory=list)

    @property
    def url(self):
        with translation.override(self.language):
            return reverse("treatments:article_detail", kwargs={"slug": self.slug})


def _items(queryset):
    return [
        NavItem(
            row["id"],
            row["parent_id"],
            row["slug"],
            row["display_title"],
            row["live_revision__summary"],
            row["language"],
        )
        for row in queryset.values(*FIELDS)
    ]


def _pages(language=None):
    pages = Article.objects.published().pages()
    return pages if language is None else pages.filter(language=language)


def _in_order(queryset):
    return queryset.order_by("order", "display_title", "id")


def sections(language=settings.LANGUAGE_CODE):
    """The top-level sections in a language, in order."""
    return _items(_in_order(_pages(language).filter(parent__isnull=True)))


def children(article_id, *, language=None, offset=0, limit=None):
    """(up to `limit` (default CHILDREN_SHOWN) published child pages, whether
    there are more). A page's children are in its language; `language`, when
    given, also leaves out any page in another one."""
    limit = limit or CHILDREN_SHOWN
    pages = _in_order(_pages(language).filter(parent_id=article_id))
    items = _items(pages[offset : offset + limit + 1])
    return items[:limit], len(items) > limit


def sections_with_children(language=settings.LANGUAGE_CODE, limit=HOME_CHILDREN_SHOWN):
    """Top-level sections of a language, each with its first children (for its home page)."""
    tops = sections(language)
    for section in tops:
        section.children, section.has_more = children(section.id, language=language, limit=limit)
    return tops


def ancestors(article):
    """From the top-level section down to the article's parent."""
    chain, parent_id, seen = [], article.parent_id, {article.pk}
    while parent_id is not None and parent_id not in seen and len(chain) < MAX_DEPTH:
        seen.add(parent_id)
        found = _items(_pages(article.language).filter(pk=parent_id))
        if not found:
            break
        chain.append(found[0])
        parent_id = found[0].parent_id
    return list(reversed(chain))


def siblings_around(article):
    """(previous, next) published page in the same section, or None at either end."""
    return around(
        article.parent_id, article.order, article.display_title, article.pk, article.language
    )


def around(parent_id, order, title, pk, language=None):
    """(previous, next) published page, among the pages of section `parent_id`
    other than `pk` in the language of `pk` (or `language`), of a page placed
    at (order, title, pk). Top-level sections of each language are siblings
    only of each other."""
    if language is None:  # asked within the same query
        language = Subquery(Article.objects.filter(pk=pk).values("language")[:1])
    siblings = _pages().filter(parent_id=parent_id, language=language).exclude(pk=pk)
    before = siblings.filter(
        Q(order__lt=order)
        | Q(order=order, display_title__lt=title)
        | Q(order=order, display_title=title, pk__lt=pk)
    )
    after = siblings.filter(
        Q(order__gt=order)
        | Q(order=order, display_title__gt=title)
        | Q(order=order, display_title=title, pk__gt=pk)
    )
    previous = _items(before.order_by("-order", "-display_title", "-id")[:1])
    following = _items(_in_order(after)[:1])
    return (previous[0] if previous else None), (following[0] if following else None)


def published_flag(code):
    return f"published_{code.replace('-', '_')}"


def with_languages(queryset):
    """Annotates each article with, per language, whether the page is published
    in it (itself, its original or a translation of its original): one EXISTS
    per language in the same query, for the language switcher and hreflang.

    Written as SQL (RawSQL) rather than Exists(OuterRef...): every uncached
    article request runs it, and building the ORM subqueries cost more than
    the rest of the request's query."""
    return queryset.annotate(
        **{
            published_flag(code): RawSQL(_PUBLISHED_IN_SQL, (code,), output_field=BooleanField())
            for code, _ in settings.LANGUAGES
        }
    )


def _published_in_sql():
    meta = Article._meta
    table, pk = meta.db_table, meta.pk.column
    live, language = meta.get_field("live_revision").column, meta.get_field("language").column
    original = meta.get_field("translation_of").column
    source = f'COALESCE("{table}"."{original}", "{table}"."{pk}")'
    return (
        f'EXISTS (SELECT 1 FROM "{table}" other WHERE other."{live}" IS NOT NULL '
        f'AND other."{language}" = %s '
        f'AND (other."{pk}" = {source} OR other."{original}" = {source}))'
    )


_PUBLISHED_IN_SQL = _published_in_sql()


def published_languages(article):
    """The language codes the article's page is published in (with_languages)."""
    return [code for code, _ in settings.LANGUAGES if getattr(article, published_flag(code), False)]


def shows_demo_content():
    """Whether any live page's last review is by a fictional (demo) reviewer."""
    return (
        Article.objects.published()
        .filter(last_review__actor__reviewer_profile__is_fictional=True)
        .exists()
    )


@dataclass
class PageNavigation:
    """Everything a treatment page shows of the tree around it."""

    ancestors: list
    children: list
    more_children: bool
    previous: NavItem | None
    next: NavItem | None

    @classmethod
    def of(cls, article):
        shown, more = children(article.pk, language=article.language)
        previous, following = siblings_around(article)
        return cls(ancestors(article), shown, more, previous, following)

    @property
    def section_id(self):
        return self.ancestors[0].id if self.ancestors else None
