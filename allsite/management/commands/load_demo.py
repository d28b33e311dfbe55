from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from allsite.demo.loader import DEMO_ACCOUNTS, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo articles, references, helpline and demo accounts. "
        "Safe to run again: anything already there is left as it is."
    )

    def handle(self, *args, **options):
        # Publishing the demo goes through the real workflow, which emails
        # reviewers and authors; nobody needs those ~170 messages.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            created = load_demo()
        self.stdout.write(
            f"Demo content: {len(created['articles'])} articles, "
            f"{len(created['medicines'])} medicines, {len(created['glossary'])} glossary terms, "
            f"{len(created['references'])} references, {len(created['images'])} "
            f"image{'' if len(created['images']) == 1 else 's'} and "
            f"{len(created['accounts'])} accounts created"
            f"{', helpline created' if created['helpline'] else ''} "
            "(anything already present was left unchanged)."
        )
        for language, made in created.get("translations", {}).items():
            self.stdout.write(
                f"Translations ({language}): {len(made['articles'])} articles and "
                f"{len(made['glossary'])} glossary terms created."
            )
        self.stdout.write("\nDemo logins for http://127.0.0.1:8000/admin/ (demo only, not secret):")
        for account in DEMO_ACCOUNTS:
            role = "superuser" if account.superuser else account.group
            self.stdout.write(f"  {account.username:<10} {account.password:<20} {role}")
