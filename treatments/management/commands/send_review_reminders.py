from django.core.management.base import BaseCommand, CommandError
from django_tasks import TaskResultStatus

from treatments import tasks


class Command(BaseCommand):
    help = (
        "Email medical reviewers about pages overdue or due for review within 30 days. "
        "Safe to run daily from cron: each reminder is sent once per review period. "
        "The email is sent by a background task (at once with the default task backend)."
    )

    def handle(self, *args, **options):
        result = tasks.enqueue(tasks.send_review_reminders)
        if result.status == TaskResultStatus.SUCCESSFUL:
            self.stdout.write(f"{result.return_value} new reminder(s) sent.")
        elif result.status == TaskResultStatus.FAILED:
            raise CommandError(
                "The reminders could not be sent (see the log); nothing was recorded, so the "
                "next run sends them."
            )
        else:
            self.stdout.write("Queued: the task worker (manage.py db_worker) sends the reminders.")
