"""Background work of the allsite app: keeping the static export current."""

from django.conf import settings
from django_tasks import task

from treatments.tasks import retried


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
