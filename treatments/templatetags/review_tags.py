from django import template
from django.utils import timezone

from treatments.review_admin import due_articles, queue_revisions

register = template.Library()


@register.simple_tag
def review_summary(user):
    """What the admin home shows about medical review, for staff who may see articles."""
    if not user.has_perm("treatments.view_article"):
        return None
    today = timezone.localdate()
    dates = list(due_articles().values_list("next_review_due", flat=True))
    return {
        "waiting": list(queue_revisions()),
        "overdue": sum(1 for due in dates if due < today),
        "due_soon": sum(1 for due in dates if due >= today),
    }
