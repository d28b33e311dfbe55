"""{% chrome_fragment name vary... %}: header, notices and footer rendered once
per version of the site's chrome (the "chrome" cache tag: the helpline, the
sections menu, the demo notice) and reused by every page until it changes."""

from django import template
from django.conf import settings
from django.core.cache import cache
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from treatments.publishing import CHROME

from ..helpline import helpline_cache_key
from ..locale import html_lang
from ..page_cache import recent_values, release, request_tokens

register = template.Library()

# Pages whose chrome is their own: previews (the site as it would be after an
# approval) and the 500 page (which must not depend on the cache working).
UNSHARED = ("preview", "preview_banner", "error_page")
# Fragments that are a page's own when it has one of these: the header on
# search results (its search box shows the query).
UNSHARED_FRAGMENT = {"header": ("query",)}


def fragment_key(token, name, vary=""):
    """One fragment per chrome version and language (its menus and words)."""
    return f"allsite:fragment:{release()}:{token}:{get_language()}:{name}:{vary}"


def prefetch_chrome(request, token, first_key):
    """What a page's chrome needs from the cache (this fragment, the footer, the
    helpline), read in one round trip at the first fragment; {key: value}."""
    prefetched = getattr(request, "chrome_prefetched", None)
    if prefetched is None:
        keys = [first_key, fragment_key(token, "footer"), helpline_cache_key(token)]
        prefetched = recent_values.get_many(keys)
        missing = [key for key in keys if key not in prefetched]
        if missing:
            fetched = cache.get_many(missing)
            recent_values.put_many(fetched)
            prefetched.update(fetched)
        if request is not None:
            request.chrome_prefetched = prefetched
    return prefetched


class ChromeFragmentNode(template.Node):
    def __init__(self, name, vary, nodelist):
        self.name, self.vary, self.nodelist = name, vary, nodelist

    def render(self, context):
        own = UNSHARED + UNSHARED_FRAGMENT.get(self.name, ())
        if not settings.PAGE_CACHE_ENABLED or any(context.get(name) for name in own):
            return self.nodelist.render(context)
        vary = ":".join(str(value.resolve(context)) for value in self.vary)
        request = context.get("request")
        token = request_tokens(request, [CHROME])[CHROME]
        key = fragment_key(token, self.name, vary)
        prefetched = prefetch_chrome(request, token, key)
        html = prefetched.get(key)
        if html is None:
            html = recent_values.get_many([key]).get(key)
        if html is None:
            html = cache.get(key)
            if html is None:
                html = self.nodelist.render(context)
                cache.set(key, html, settings.PAGE_CACHE_SECONDS)
            recent_values.put_many({key: html})
        return mark_safe(html)  # noqa: S308 - rendered by our own templates


@register.simple_tag
def page_lang():
    """The active language as <html lang> writes it (en-GB, fr): the page's
    language, also on error pages, which have no request context."""
    return html_lang(get_language() or settings.LANGUAGE_CODE)


@register.tag
def chrome_fragment(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("chrome_fragment needs a name")
    nodelist = parser.parse(("end_chrome_fragment",))
    parser.delete_first_token()
    name = bits[1].strip("'\"")  # "footer" names the fragment footer (see prefetch_chrome)
    return ChromeFragmentNode(name, [parser.compile_filter(b) for b in bits[2:]], nodelist)
