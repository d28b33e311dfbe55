"""The section tree, read in bounded pieces: no request reads every page.

A page shows its breadcrumbs (ancestors), its first children ("In this
section", with a link to the full paginated list), and its previous and next
sibling; every page shows the top-level sections. Each piece is one small
indexed query on `Article` (parent, order, title), whatever the site's size.
"""

from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse

from .models import Article

CHILDREN_SHOWN = 30  # "In this section" on a page
HOME_CHILDREN_SHOWN = 8  # under each section on the home page
SECTION_LIST_PAGE_SIZE = 50  # the paginated list of a section's pages
MAX_DEPTH = 20  # breadcrumbs never loop, even if the tree were broken

FIELDS = ("id", "parent_id", "slug", "display_title", "live_revision__summary")


@dataclass(eq=False)
class NavItem:
    id: int
    parent_id: int | None
    slug: str
    title: str
    summary: str
    children: list = field(default_factory=list)

    @property
    def url(self):
        return reverse("treatments:article_detail", kwargs={"slug": self.slug})


def _items(queryset):
    return [
        NavItem(
            row["id"],
            row["parent_id"],
            row["slug"],
            row["display_title"],
            row["live_revision__summary"],
        )
        for row in queryset.values(*FIELDS)
    ]


def _pages():
    return Article.objects.published().pages()


def _in_order(queryset):
    return queryset.order_by("order", "display_title", "id")


def sections():
    """The top-level sections, in order."""
    return _items(_in_order(_pages().filter(parent__isnull=True)))


def children(article_id, *, offset=0, limit=None):
    """(up to `limit` (default CHILDREN_SHOWN) published child pages, whether there are more)."""
    limit = limit or CHILDREN_SHOWN
    items = _items(_in_order(_pages().filter(parent_id=article_id))[offset : offset + limit + 1])
    return items[:limit], len(items) > limit


def sections_with_children(limit=HOME_CHILDREN_SHOWN):
    """Top-level sections, each with its first children (for the home page)."""
    tops = sections()
    for section in tops:
        section.children, section.has_more = children(section.id, limit=limit)
    return tops


def ancestors(article):
    """From the top-level section down to the article's parent."""
    chain, parent_id, seen = [], article.parent_id, {article.pk}
    while parent_id is not None and parent_id not in seen and len(chain) < MAX_DEPTH:
        seen.add(parent_id)
        found = _items(_pages().filter(pk=parent_id))
        if not found:
            break
        chain.append(found[0])
        parent_id = found[0].parent_id
    return list(reversed(chain))


def siblings_around(article):
    """(previous, next) published page in the same section, or None at either end."""
    return around(article.parent_id, article.order, article.display_title, article.pk)


def around(parent_id, order, title, pk):
    """(previous, next) published page, among the pages of section `parent_id`
    other than `pk`, of a page placed at (order, title, pk)."""
    siblings = _pages().filter(parent_id=parent_id).exclude(pk=pk)
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
        shown, more = children(article.pk)
        previous, following = siblings_around(article)
        return cls(ancestors(article), shown, more, previous, following)

    @property
    def section_id(self):
        return self.ancestors[0].id if self.ancestors else None
