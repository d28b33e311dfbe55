from django.conf import settings
from django.utils.functional import SimpleLazyObject

from treatments.navigation import NavTree

from .helpline import get_helpline


def site_chrome(request):
    """What every public page shows around its content. Lazy: the admin,
    which never uses these, runs no queries for them."""
    navigation = SimpleLazyObject(NavTree.load)
    return {
        "helpline": SimpleLazyObject(get_helpline),
        "navigation": navigation,
        "site_name": settings.SITE_NAME,
        "site_publisher": settings.SITE_PUBLISHER,
    }
