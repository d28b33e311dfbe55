from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from treatments.publishing import live_page_changed

from . import search
from .helpline import forget_helpline
from .models import HelplineInfo, HelplinePhone, SearchEntry

for model in (HelplineInfo, HelplinePhone):
    post_save.connect(
        forget_helpline, sender=model, dispatch_uid=f"forget-helpline-save-{model.__name__}"
    )
    post_delete.connect(
        forget_helpline, sender=model, dispatch_uid=f"forget-helpline-del-{model.__name__}"
    )


@receiver(live_page_changed, dispatch_uid="search-index-live-page")
def index_live_page(sender, article_id, **kwargs):
    """Search shows what the live page shows, updated in the same transaction."""
    search.index_article(article_id)


@receiver(post_save, sender=SearchEntry, dispatch_uid="search-entry-loaded-raw")
def index_loaded_entry(sender, instance, raw, **kwargs):
    """`loaddata` writes search entries as rows only: index their text too, so a
    site restored from a fixture finds its pages without a rebuild by hand."""
    if raw:
        search.sync_entries([instance.pk])
