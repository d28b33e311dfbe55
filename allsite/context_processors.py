from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.functional import SimpleLazyObject, lazy
from django.utils.translation import gettext, gettext_noop

from treatments import navigation
from treatments.publishing import CHROME

from .helpline import get_helpline
from .locale import active_language, language_links, same_page_urls
from .page_cache import request_tokens

# The default site name and publisher (allsite.settings), in the catalogue so that
# pages in another language name them in it; a deployment's own names, which the
# catalogue does not know, are shown as configured.
gettext_noop("ALL treatment information")
gettext_noop("the allsite open-source project (demonstration deployment)")
site_name = lazy(lambda: gettext(settings.SITE_NAME), str)
site_publisher = lazy(lambda: gettext(settings.SITE_PUBLISHER), str)


@dataclass
class SiteNavigation:
    """What the header and notices of every page show: the top-level sections
    (of the page's language) and whether the demo notice is needed. Kept in
    the cache, one entry per language, until the "chrome" tag changes, so a
    page render does not query it."""

    sections: list
    shows_demo_content: bool


def site_navigation(request=None):
    language = active_language()
    if not settings.PAGE_CACHE_ENABLED or getattr(request, "preview_banner", None):
        # A per-process cache would go stale; a preview shows the site as it would be.
        return SiteNavigation(navigation.sections(language), navigation.shows_demo_content())
    key = f"allsite:chrome-nav:{language}:{request_tokens(request, [CHROME])[CHROME]}"
    found = cache.get(key)
    if found is None:
        found = SiteNavigation(navigation.sections(language), navigation.shows_demo_content())
        cache.set(key, found, None)
    return found


def site_chrome(request):
    """What every public page shows around its content. Lazy: the admin,
    which never uses these, runs no queries for them."""
    return {
        "helpline": SimpleLazyObject(lambda: get_helpline(request)),
        "navigation": SimpleLazyObject(lambda: site_navigation(request)),
        "preview_banner": getattr(request, "preview_banner", None),
        # Printed under a page (print.css), so a paper copy says where it came from.
        "page_address": SimpleLazyObject(lambda: request.build_absolute_uri(request.path)),
        # Strings (in the language of the request), not lazy ones: a page
        # shows the name several times.
        "site_name": str(site_name()),
        "site_publisher": str(site_publisher()),
        # This page in each language (switcher, hreflang); a view showing one
        # article gives its own `language_links`.
        "language_links": SimpleLazyObject(
            lambda: language_links(request, same_page_urls(request.path_info))
        ),
    }
