from django.core.management.base import BaseCommand, CommandError

from references.linkcheck import check_links
from references.models import Reference


def _plural(count, word):
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _detail(result):
    """The status and/or error, e.g. '404', 'connection refused', '301 redirect not followed'."""
    parts = [] if result.status is None else [str(result.status)]
    return " ".join([*parts, result.error]).strip()


class Command(BaseCommand):
    help = (
        "Check that references' URLs still answer and record the result on each reference. "
        "Prints one line per broken link and a summary; exits 0 even when links are broken, "
        "so cron can email the report."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--timeout", type=float, default=10.0, help="Seconds to wait for each request."
        )
        parser.add_argument(
            "--workers", type=int, default=8, help="How many links to check at once."
        )
        parser.add_argument(
            "--only-broken",
            action="store_true",
            help="Check again only the links that were broken at the last check.",
        )

    def handle(self, *args, timeout, workers, only_broken, **options):
        if timeout <= 0 or workers < 1:
            raise CommandError("--timeout must be above 0 and --workers at least 1.")
        references = list(Reference.objects.exclude(url=""))
        if only_broken:
            references = [reference for reference in references if reference.link_is_broken]
        checked = check_links(references, timeout=timeout, workers=workers)
        broken = [(reference, result) for reference, result in checked if reference.link_is_broken]
        for reference, result in broken:
            self.stdout.write(f"BROKEN {reference.key} {_detail(result)} {reference.url}")
        fine = len(checked) - len(broken)
        self.stdout.write(
            f"{_plural(len(checked), 'link')} checked: {fine} fine, {len(broken)} broken."
        )
