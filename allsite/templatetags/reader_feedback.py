"""{% reader_feedback article %}: what readers said about a page, on the staff
screens where it is edited and reviewed (treatments' templates load this tag;
treatments code never imports allsite)."""

from django import template
from django.urls import reverse

from ..models import Feedback

register = template.Library()

SHOWN = 5


@register.inclusion_tag("admin/includes/reader_feedback.html")
def reader_feedback(article):
    """The page's open feedback (not yet resolved), newest first, and how much."""
    if article is None or getattr(article, "pk", None) is None:
        return {"article": None}
    open_items = Feedback.objects.filter(article=article).exclude(status=Feedback.Status.RESOLVED)
    count = open_items.count()
    return {
        "article": article,
        "items": list(open_items[:SHOWN]) if count else [],
        "count": count,
        "list_url": reverse("admin:allsite_feedback_changelist")
        + f"?article__id__exact={article.pk}",
    }
