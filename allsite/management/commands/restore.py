import sys

from django.core.management.base import BaseCommand, CommandError

from allsite.backup import BackupError, check_restorable, restore


class Command(BaseCommand):
    help = (
        "Replace the site database with a backup made by `manage.py backup`, then rebuild "
        "the search index and clear every cached page. Everything changed since the "
        "backup is lost."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup file")
        parser.add_argument(
            "--yes", action="store_true", help="do not ask for confirmation (for scripts)"
        )

    def handle(self, *args, path, yes, **options):
        try:
            check_restorable(path)
            if not yes:
                if not sys.stdin.isatty():
                    raise CommandError(
                        "Restoring replaces everything in the database. Run it from a "
                        "terminal to confirm, or add --yes."
                    )
                answer = input(f"Replace the whole database with {path}? Type yes: ")
                if answer.strip().lower() != "yes":
                    raise CommandError("Nothing was changed.")
            done = restore(path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored {path}. Search index rebuilt ({done['indexed']} pages).")
        if done["cache_cleared"]:
            self.stdout.write("Cache cleared: every page will be rendered from the restored data.")
        else:
            self.stdout.write(
                "The cache could not be reached to clear it; its entries were marked stale "
                "and will be invalidated as soon as it answers."
            )
