"""{% language_switcher %} and {% hreflang_links %}: a page's versions in each
language (its `language_links`, allsite.locale.LanguageLink), as the switcher
at the top of the page and as <link rel="alternate"> in its head.

Written in Python rather than as included templates: every page shows both,
and as templates they were a tenth of an uncached page's time."""

from django import template
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, override

register = template.Library()


@register.simple_tag(takes_context=True)
def language_switcher(context):
    links = list(context.get("language_links") or ())
    if not links:
        return ""
    items = "".join(f"\n    <li>{_switcher_link(link)}</li>" for link in links)
    label = escape(gettext("Languages"))
    return mark_safe(  # noqa: S308 - every value escaped above
        f'<nav class="language-switcher" aria-label="{label}">\n  <ul>{items}\n  </ul>\n</nav>'
    )


def _switcher_link(link):
    attributes = format_html('href="{}" lang="{}" hreflang="{}"', link.url, link.lang, link.lang)
    if link.current:
        return format_html('<a {} aria-current="true">{}</a>', attributes, link.name)
    if link.exists:
        return format_html("<a {}>{}</a>", attributes, link.name)
    with override(link.code):
        sentence = gettext("%(language)s: home page (this page is not translated yet)")
    text = mark_safe(sentence % {"language": escape(link.name)})  # noqa: S308 - our catalogue
    return format_html("<a {}>{}</a>", attributes, text)


@register.simple_tag(takes_context=True)
def hreflang_links(context):
    """One alternate per existing version; the first language's (English) is
    also x-default."""
    links = list(context.get("language_links") or ())
    pairs = [(link.lang, link.absolute_url) for link in links if link.exists]
    if links and links[0].exists:
        pairs.insert(1, ("x-default", links[0].absolute_url))
    return format_html_join("\n  ", '<link rel="alternate" hreflang="{}" href="{}">', pairs)
