from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from treatments.models import LivePage
from treatments.publishing import live_page_changed

from . import search
from .helpline import forget_helpline
from .models import HelplineClosure, HelplineInfo, HelplinePhone, SearchEntry

for model in (HelplineInfo, HelplinePhone, HelplineClosure):
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


@receiver(post_save, sender=LivePage, dispatch_uid="search-live-page-loaded-raw")
def index_loaded_live_page(sender, instance, raw, using, **kwargs):
    """`loaddata` writes live pages as rows (`raw`), without the workflow that
    indexes them: index each loaded page once the whole fixture is in (loaddata
    runs in one transaction), when its article, live revision and any search
    entry the fixture holds are loaded too, whatever their order in the file.
    So a fixture without search entries is found by search as well."""
    if raw:
        transaction.on_commit(partial(search.index_article, instance.article_id), using=using)
