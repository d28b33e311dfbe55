from django.core.management.base import BaseCommand, CommandError

from allsite.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the whole site database (pg_dump on PostgreSQL, a consistent copy on "
        "SQLite) to PATH, by default backups/allsite-<time>.dump|sqlite3. Prints the path."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="file to write (default: in backups/)")

    def handle(self, *args, path, **options):
        try:
            written = backup(path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(str(written))
