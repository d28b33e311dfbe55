"""Make live every version approved to go live by now.

Safe to run often, and on several machines at once (each page is published
under its row lock, once). Production: the database task backend already
runs it at each scheduled time (`manage.py db_worker`); cron every minute
makes sure of it. `make run`'s server does the same in its own process
(manage.py serve).
"""

import logging
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from treatments import workflow

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Make live every version approved to go live by now (run it every minute)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=int,
            metavar="SECONDS",
            help="Keep running, checking every SECONDS seconds (for a development server).",
        )

    def handle(self, *args, every=None, **options):
        while True:
            try:
                for article in workflow.publish_scheduled():
                    self.stdout.write(f"Live now: {article} ({article.get_absolute_url()})")
            except DatabaseError:
                if not every:
                    raise
                logger.exception("Scheduled publishing failed; trying again in %d s", every)
            if not every:
                return
            time.sleep(every)
            close_old_connections()  # a long-running loop must not keep a broken connection
