import os
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from allsite.demo.grow import grow_demo
from treatments.models import Article


class Command(BaseCommand):
    help = (
        "After load_demo: grow the demo site to N published treatment pages (copies of the "
        "demo pages in new sections, each citing its own approved references), all published "
        "through the review workflow. Run it again with a larger N to add the missing pages."
    )

    def add_arguments(self, parser):
        parser.add_argument("pages", type=int, help="total published treatment pages wanted")
        parser.add_argument(
            "--jobs",
            type=int,
            default=os.cpu_count() or 1,
            help="processes publishing at once on PostgreSQL (default: one per CPU); "
            "SQLite always uses one",
        )

    def handle(self, *args, pages, jobs, **options):
        if pages < 1:
            raise CommandError("N must be a positive number of pages.")
        started = time.monotonic()

        def progress(done, total, seconds):
            self.stdout.write(
                f"  {done}/{total} pages published ({seconds:.0f} s, "
                f"{seconds / done * 1000:.0f} ms a page)"
            )
            self.stdout.flush()

        # Publishing goes through the real workflow, which emails reviewers and
        # authors about every step; nobody needs tens of thousands of messages.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            try:
                added = grow_demo(pages, jobs=jobs, progress=progress)
            except ValueError as error:
                raise CommandError(str(error)) from error
        total = Article.objects.pages().published().filter(language=settings.LANGUAGE_CODE).count()
        self.stdout.write(
            f"Added {added} pages in {time.monotonic() - started:.1f} s: the site has "
            f"{total} published treatment pages in English."
        )
