"""The development server of `make run`, publishing scheduled versions itself.

`make run` keeps the cache in the server's own memory (no Redis). A separate
`publish_scheduled --every 30` process would make a page live in the
database while the server kept serving its cached old page, navigation and
lists: that process's "this changed" announcement reaches only its own
memory. Here the loop runs as a thread of the server process, so the
announcement (and the re-rendering tasks, run in-process by the immediate
task backend) reach the cache the server reads. Production runs several
processes with a shared cache and `manage.py db_worker` instead.
"""

import logging
import threading
import time

from django.core.management.commands.runserver import Command as RunserverCommand
from django.db import DatabaseError, close_old_connections

from treatments import workflow

logger = logging.getLogger(__name__)

EVERY_SECONDS = 30


def publish_scheduled_forever(every=EVERY_SECONDS):
    while True:
        time.sleep(every)
        close_old_connections()
        try:
            for article in workflow.publish_scheduled():
                logger.warning(
                    "Scheduled version live now: %s (%s)", article, article.get_absolute_url()
                )
        except DatabaseError:
            logger.exception("Scheduled publishing failed; trying again in %d s", every)
        finally:
            close_old_connections()


class Command(RunserverCommand):
    help = (
        "Django's development server, also making live every version approved to go live "
        f"by now, every {EVERY_SECONDS} s, in the server's own process (make run)."
    )

    def inner_run(self, *args, **options):
        # inner_run runs in the process that serves (the autoreloader's child).
        threading.Thread(
            target=publish_scheduled_forever, name="publish-scheduled", daemon=True
        ).start()
        super().inner_run(*args, **options)
