from django import template
from django.utils import timezone

from treatments.models import Revision, RevisionStatus
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
        "my_work": my_unfinished_work(user),
        "waiting": list(queue_revisions()),
        "overdue": sum(1 for due in dates if due < today),
        "due_soon": sum(1 for due in dates if due >= today),
    }


def my_unfinished_work(user):
    """The user's drafts and versions sent back to them that are still the newest of their page."""
    mine = (
        Revision.objects.filter(
            author=user, status__in=[RevisionStatus.DRAFT, RevisionStatus.CHANGES_REQUESTED]
        )
        .select_related("article")
        .order_by("-created_at")
    )
    return [r for r in mine[:50] if r.article.latest_revision == r]
