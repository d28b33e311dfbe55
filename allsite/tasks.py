"""Background work of the allsite app: the static export, cache invalidations that failed."""

from django.conf import settings
from django_tasks import task

from treatments.tasks import retried

from .cache import CacheUnavailable


@task()
def export_changed_task(tags, attempt=1):
    """Re-export the parts of the static copy these cache tags cover
    (allsite.static_export), reading the site as it is when the task runs."""
    from . import static_export

    if not settings.STATIC_EXPORT_DIR:
        return 0
    with retried(export_changed_task, attempt, tags):
        result = static_export.export_changed(settings.STATIC_EXPORT_DIR, tags)
        return result.written + result.removed


@task()
def bump_tags_task(tags, attempt=1):
    """Invalidate cache tags whose invalidation failed (the cache was down)."""
    from .page_cache import bump

    with retried(bump_tags_task, attempt, tags):
        failed = bump(tags)
        if failed:
            raise CacheUnavailable(f"Still cannot invalidate {failed}")
        return len(tags)
