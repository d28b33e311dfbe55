from django.core.management.base import BaseCommand

from allsite.search import rebuild_index


class Command(BaseCommand):
    help = (
        "Index every published page, glossary term and medicine for site search again, "
        "from their live versions. Safe to run at any time."
    )

    def handle(self, *args, **options):
        count = rebuild_index()
        self.stdout.write(
            f"Search index rebuilt: {count} published item{'s' if count != 1 else ''}."
        )
