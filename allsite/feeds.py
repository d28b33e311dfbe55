from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from treatments.models import REVIEW_ACTIONS, Action, Transition
from treatments.publishing import FEED


class PageUpdatesFeed(Feed):
    """Each approval or scheduled go-live ("updated") and re-confirmation
    ("reviewed, no changes") of a page readers can see: a withdrawn page's
    entries leave the feed until it is restored."""

    feed_type = Atom1Feed
    title = f"{settings.SITE_NAME}: page updates"
    subtitle = "Medically reviewed pages that were updated or re-checked."

    def link(self):
        return reverse("home")

    @staticmethod
    def cache_tags():
        return [FEED]

    def items(self):
        return (
            Transition.objects.filter(
                action__in=REVIEW_ACTIONS,
                revision__isnull=False,
                article__live_revision__isnull=False,
            )
            .select_related("article", "revision", "actor__reviewer_profile")
            .order_by("-created_at", "-id")[:50]
        )

    def item_title(self, transition):
        what = "reviewed, no changes" if transition.action == Action.CONFIRMED else "updated"
        return f"{transition.revision.title}: {what}"

    def item_description(self, transition):
        if transition.action != Action.CONFIRMED:
            return transition.revision.note_for_readers or "Updated after medical review."
        return "A medical reviewer checked this page and confirmed it is still accurate."

    def item_link(self, transition):
        return transition.article.get_absolute_url()

    def item_guid(self, transition):
        # Atom ids must be absolute IRIs: the page's canonical address, made
        # unique per update.
        return f"{settings.SITE_URL}{transition.article.get_absolute_url()}#update-{transition.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, transition):
        return transition.created_at

    def item_updateddate(self, transition):
        return transition.created_at
