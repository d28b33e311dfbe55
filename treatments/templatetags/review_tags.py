from django import template
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from treatments.models import Revision, RevisionStatus
from treatments.review_admin import due_articles, queue_items

register = template.Library()


@register.simple_tag
def review_summary(user):
    """What the admin home shows about medical review, for staff who may see articles."""
    if not user.has_perm("treatments.view_article"):
        return None
    today = timezone.localdate()
    due = due_articles()
    return {
        "my_work": my_unfinished_work(user),
        "waiting": queue_items(),
        "overdue": due.filter(next_review_due__lt=today).count(),
        "due_soon": due.filter(next_review_due__gte=today).count(),
    }


def my_unfinished_work(user):
    """The user's drafts and versions sent back to them that are still the newest of their page."""
    newer = Revision.objects.filter(article=OuterRef("article")).filter(
        Q(created_at__gt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk"))
    )
    return list(
        Revision.objects.filter(
            author=user, status__in=[RevisionStatus.DRAFT, RevisionStatus.CHANGES_REQUESTED]
        )
        .exclude(Exists(newer))
        .select_related("article")
        .order_by("-created_at")[:50]
    )
