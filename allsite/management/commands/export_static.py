from django.core.management.base import BaseCommand, CommandError

from allsite.static_export import ExportError, export_all


class Command(BaseCommand):
    help = (
        "Write a static copy of the public site to DIR (pages, feed, sitemaps, 404.html, "
        "static files) for nginx or a CDN to serve. Files of pages that no longer exist "
        "are deleted; unchanged files are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR")
        parser.add_argument(
            "--base-url",
            help="The public site's address, e.g. https://all.example.org (used for absolute "
            "links). Default: ALLSITE_STATIC_EXPORT_BASE_URL, else https://ALLOWED_HOSTS[0].",
        )

    def handle(self, *args, directory, base_url, **options):
        try:
            result = export_all(directory, base_url)
        except ExportError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Exported {result.urls} URLs to {directory}: {result.written} files written, "
            f"{result.unchanged} unchanged, {result.removed} removed."
        )
