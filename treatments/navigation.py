"""The site's section tree, read in one query and shared by every page."""

from dataclasses import dataclass, field

from django.urls import reverse

from .models import Article


@dataclass(eq=False)
class NavItem:
    id: int
    parent_id: int | None
    slug: str
    title: str
    summary: str
    reviewed_by_fictional_reviewer: bool
    children: list = field(default_factory=list)

    @property
    def url(self):
        return reverse("treatments:article_detail", kwargs={"slug": self.slug})


class NavTree:
    def __init__(self, rows):
        self.items = {
            row["id"]: NavItem(
                id=row["id"],
                parent_id=row["parent_id"],
                slug=row["slug"],
                title=row["live_revision__title"],
                summary=row["live_revision__summary"],
                reviewed_by_fictional_reviewer=bool(
                    row["last_review__actor__reviewer_profile__is_fictional"]
                ),
            )
            for row in rows
        }
        self.sections = []
        for item in self.items.values():
            parent = self.items.get(item.parent_id)
            if parent is not None:
                parent.children.append(item)
            elif item.parent_id is None:
                self.sections.append(item)

    @classmethod
    def load(cls):
        return cls(Article.objects.navigation())

    def children_of(self, article_id):
        item = self.items.get(article_id)
        return item.children if item else []

    def siblings_around(self, article_id):
        """(previous, next) page within the same section, or None at either end."""
        item = self.items.get(article_id)
        if item is None:
            return None, None
        parent = self.items.get(item.parent_id)
        siblings = parent.children if parent else self.sections
        index = siblings.index(item)
        previous = siblings[index - 1] if index > 0 else None
        following = siblings[index + 1] if index + 1 < len(siblings) else None
        return previous, following

    def ancestors_of(self, article_id):
        """From the top-level section down to the article's parent."""
        chain = []
        item = self.items.get(article_id)
        seen = set()
        while item is not None and item.parent_id in self.items and item.parent_id not in seen:
            seen.add(item.parent_id)
            item = self.items[item.parent_id]
            chain.append(item)
        return list(reversed(chain))

    @property
    def shows_demo_content(self):
        return any(item.reviewed_by_fictional_reviewer for item in self.items.values())
