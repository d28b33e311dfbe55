"""How easy each published treatment page is to read, hardest first."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from treatments.models import Article, LivePage
from treatments.readability import TARGET_GRADE, assess_html


def page_grades():
    """[(slug, Readability)] of every published English treatment page's rendered
    body, hardest first. The grade is the Flesch-Kincaid formula, made for
    English: pages in other languages are not graded."""
    pages = LivePage.objects.filter(
        article__in=Article.objects.pages().published(),
        article__language=settings.LANGUAGE_CODE,
    ).select_related("article")
    graded = [(page.article.slug, assess_html(page.body_html)) for page in pages]
    return sorted(graded, key=lambda pair: (-(pair[1].grade or 0), pair[0]))


class Command(BaseCommand):
    help = (
        "Print the Flesch-Kincaid grade of every published English treatment page, as readers get "
        "it (the rendered body, without citation numbers and the reference list), hardest first."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fail-above",
            type=float,
            metavar="GRADE",
            help="Exit with an error if any page reads above this grade.",
        )

    def handle(self, *args, fail_above=None, **options):
        limit = TARGET_GRADE if fail_above is None else fail_above
        graded = page_grades()
        width = max((len(slug) for slug, _ in graded), default=4)
        for slug, result in graded:
            grade = "-" if result.grade is None else f"{result.grade:.1f}"
            self.stdout.write(f"{slug:<{width}}  {grade:>5}  {result.words:>5} words")
        above = [
            slug for slug, result in graded if result.grade is not None and result.grade > limit
        ]
        self.stdout.write(f"{len(above)} of {len(graded)} pages read above grade {limit:g}.")
        if fail_above is not None and above:
            raise CommandError(f"Above grade {limit:g}: {', '.join(above)}")
