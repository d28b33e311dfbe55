import sys

from django.core.management.base import BaseCommand, CommandError

from allsite.backup import BackupError, check_restorable, restore


class Command(BaseCommand):
    help = (
        "Replace the site database with a backup made by `manage.py backup`, then rebuild "
        "the search index and make every cached page stale. Everything changed since the "
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
                        "Restoring replaces everything in the database, so it asks first, "
                        "and there is no terminal to ask in. Run it from a terminal, or add "
                        "--yes. Nothing was changed."
                    )
                answer = input(
                    f"Replace the whole database with {path}? Everything changed since that "
                    "backup is lost. Type yes: "
                )
                if answer.strip().lower() != "yes":
                    raise CommandError("Nothing was changed.")
            done = restore(path, checked=True)
        except BackupError as error:
            raise CommandError(str(error)) from error
        count = done["indexed"]
        self.stdout.write(f"Restored {path}.")
        self.stdout.write(
            f"Search index rebuilt: {count} published item{'s' if count != 1 else ''}."
        )
        if not done["cache_cleared"]:
            self.stdout.write(
                "The cache could not be reached to clear it: every cached page was marked "
                "stale, retried until the cache answers."
            )
        elif done["shared_cache"]:
            self.stdout.write(
                "Cache cleared (pages, the helpline, tag versions) and every page marked "
                "stale: each page is rendered afresh from the restored data."
            )
        else:
            self.stdout.write(
                "This process's cache cleared. The cache is per process (no CACHE_URL): "
                "restart the site's server so it forgets the pages it keeps in memory."
            )
