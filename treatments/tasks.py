"""Background work: re-rendering the pages that depend on a change, and email.

Django's Tasks API (the django-tasks backport of Django 6's `django.tasks`).
`make run` and the tests use the immediate backend: a task runs in the
process that enqueues it, right after the transaction commits. Production
uses the database backend (DJANGO_TASKS=database) and `manage.py db_worker`.

Tasks are always enqueued after commit (see publishing and workflow) and take
only ids, so they read the state as it is when they run. A failing task is
logged and enqueued again, up to MAX_ATTEMPTS times, with a growing delay
where the backend supports one: a mail server that is down delays an email,
it never turns a recorded approval into an error page.
"""

import logging
from contextlib import contextmanager
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
FIRST_RETRY_AFTER = timedelta(seconds=30)


def enqueue(task_, *args, attempt=1, **kwargs):
    """Enqueue a task; a retry waits 30 s, 60 s, 120 s... when the backend can defer."""
    if attempt > 1 and task_.get_backend().supports_defer:
        task_ = task_.using(run_after=timezone.now() + FIRST_RETRY_AFTER * 2 ** (attempt - 2))
    return task_.enqueue(*args, attempt=attempt, **kwargs)


@contextmanager
def retried(task_, attempt, *args, **kwargs):
    """Run the body; if it fails, log it, enqueue the task again, and re-raise
    (so this attempt is recorded as failed)."""
    try:
        yield
    except Exception:
        if attempt < MAX_ATTEMPTS:
            logger.exception("%s failed (attempt %d); retrying", task_.name, attempt)
            enqueue(task_, *args, attempt=attempt + 1, **kwargs)
        else:
            logger.exception("%s failed %d times; giving up", task_.name, attempt)
        raise


def batches(ids, size):
    return [ids[i : i + size] for i in range(0, len(ids), size)]


@task()
def rerender_pages(article_ids, attempt=1):
    from .publishing import rerender

    with retried(rerender_pages, attempt, article_ids):
        return rerender(article_ids)


@task()
def rerender_dependents_of_article(article_id, attempt=1, moved=False):
    """A glossary term or medicine was published (or `moved` to a new address):
    re-render the pages using it."""
    from .models import Article
    from .publishing import RERENDER_BATCH, dependents_of_article

    with retried(rerender_dependents_of_article, attempt, article_id, moved=moved):
        article = Article.objects.select_related("live_revision").filter(pk=article_id).first()
        ids = dependents_of_article(article, moved=moved) if article else []
        for chunk in batches(ids, RERENDER_BATCH):
            enqueue(rerender_pages, chunk)
        return len(ids)


@task()
def rerender_dependents_of_reference(reference_id, attempt=1):
    """A reference's new version was approved: re-render the pages citing it."""
    from .publishing import RERENDER_BATCH, dependents_of_reference

    with retried(rerender_dependents_of_reference, attempt, reference_id):
        ids = dependents_of_reference(reference_id)
        for chunk in batches(ids, RERENDER_BATCH):
            enqueue(rerender_pages, chunk)
        return len(ids)


@task()
def rerender_translations_of(article_id, attempt=1):
    """An original's live version changed (or it went): re-render its
    published translations, so their out-of-date notice shows or goes."""
    from .publishing import RERENDER_BATCH, translations_of

    with retried(rerender_translations_of, attempt, article_id):
        ids = translations_of(article_id)
        for chunk in batches(ids, RERENDER_BATCH):
            enqueue(rerender_pages, chunk)
        return len(ids)


@task()
def announce_neighbours(article_id, placements, breadcrumbs_changed=True, attempt=1):
    """A page's title, summary or place changed: refresh the previous/next links
    of the siblings next to it (before and after) and its descendants' breadcrumbs.
    `placements`: [[parent id, order, title]] before and after the change."""
    from .publishing import neighbours, refresh_page_mains

    with retried(
        announce_neighbours,
        attempt,
        article_id,
        placements,
        breadcrumbs_changed=breadcrumbs_changed,
    ):
        ids = neighbours(article_id, placements, breadcrumbs_changed=breadcrumbs_changed)
        refresh_page_mains(ids)
        return len(ids)


@task()
def refresh_pages_reviewed_by(user_id, attempt=1):
    """A reviewer's name or role changed: refresh the bylines of the pages they reviewed."""
    from .publishing import pages_reviewed_by, refresh_page_mains

    with retried(refresh_pages_reviewed_by, attempt, user_id):
        ids = pages_reviewed_by(user_id)
        refresh_page_mains(ids)
        return len(ids)


@task()
def notify_submitted(revision_id, submitted_by_id, attempt=1):
    from . import notifications

    with retried(notify_submitted, attempt, revision_id, submitted_by_id):
        notifications.revision_submitted(revision_id, submitted_by_id)


@task()
def notify_decided(transition_id, attempt=1):
    from . import notifications

    with retried(notify_decided, attempt, transition_id):
        notifications.review_decided(transition_id)


@task()
def send_review_reminders(attempt=1):
    from .reminders import send_review_reminders as send

    with retried(send_review_reminders, attempt):
        return len(send())


@task()
def publish_scheduled_pages(attempt=1):
    """Make live the versions whose scheduled time has come (workflow.publish_scheduled)."""
    from .workflow import publish_scheduled

    with retried(publish_scheduled_pages, attempt):
        return len(publish_scheduled())


def enqueue_scheduled_publishing(go_live_at):
    """Where the backend can wait (the database backend: `manage.py db_worker`),
    a task runs at the go-live time. Stale ones (the schedule was cancelled)
    find nothing to do. The immediate backend cannot wait: `make run`'s server
    (`manage.py serve`) checks every 30 s in its own process, and cron can run
    `manage.py publish_scheduled` every minute anywhere."""
    if publish_scheduled_pages.get_backend().supports_defer:
        publish_scheduled_pages.using(run_after=go_live_at).enqueue()
