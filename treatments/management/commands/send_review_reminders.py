from django.core.management.base import BaseCommand

from treatments.reminders import send_review_reminders


class Command(BaseCommand):
    help = (
        "Email medical reviewers about pages overdue or due for review within 30 days. "
        "Safe to run daily from cron: each reminder is sent once per review period."
    )

    def handle(self, *args, **options):
        sent = send_review_reminders()
        self.stdout.write(f"{len(sent)} new reminder(s) sent.")
