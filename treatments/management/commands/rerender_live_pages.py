from django.core.management.base import BaseCommand

from treatments.publishing import rerender_all


class Command(BaseCommand):
    help = (
        "Render every live page again from approved versions, recording what each was made "
        "from. Run once after upgrading from a version without dependency tracking; safe to "
        "run at any time (pages whose render is unchanged are left alone)."
    )

    def handle(self, *args, **options):
        changed = rerender_all()
        self.stdout.write(f"{changed} live page(s) changed.")
