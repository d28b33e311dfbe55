"""Which language a public request is in, and the same page in the other languages.

The language is the address's: /fr/… is French, every other address is
English (settings.LANGUAGE_CODE). Never the reader's Accept-Language header
or a cookie: a page's bytes depend on its path alone, so the page cache
(allsite.page_cache, keyed on the path) and a CDN can keep it without a
`Vary` header, and a link always opens the language it names.

`language_links` describes a page in every language, for the language
switcher and the hreflang alternates in <head> (allsite/templatetags/languages.py).
"""

from dataclasses import dataclass

from django.conf import settings
from django.urls import Resolver404, resolve, reverse
from django.utils import translation


def html_lang(code):
    """A language code as HTML and hreflang write it: en-gb -> en-GB, fr -> fr."""
    language, _, region = code.partition("-")
    return f"{language}-{region.upper()}" if region else language


def active_language():
    """The active language, as one of settings.LANGUAGES."""
    try:
        return translation.get_supported_language_variant(
            translation.get_language() or settings.LANGUAGE_CODE
        )
    except LookupError:
        return settings.LANGUAGE_CODE


class LanguageFromPathMiddleware:
    """Activates the language of the address: its prefix (/fr/…), else English.

    Django's LocaleMiddleware would do the same with
    `prefix_default_language=False`, but it also adds `Vary: Accept-Language`
    to every unprefixed response, which would keep those pages out of the page
    cache and split a CDN's copy per browser language for nothing.

    Runs before the page cache: resolving /fr/… needs French active.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # The language of this response only: the thread's language is put back
        # afterwards, so code running after the request is not left in French.
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", html_lang(language))
        return response


@dataclass
class LanguageLink:
    """The page in one language: its address, or that language's home page
    when the page does not exist in it (`exists` False)."""

    code: str
    name: str
    url: str
    absolute_url: str
    exists: bool
    current: bool

    @property
    def lang(self):
        return html_lang(self.code)


def language_links(request, urls, current_url=None):
    """[LanguageLink] for every language, from {language code: address of
    this page in that language} (languages the page is not in are left out).
    `current_url`: the address of the page being shown, when it stands in for
    a page the active language does not have (the English page at /fr/…)."""
    current = active_language()
    links = []
    for code, name in settings.LANGUAGES:
        url = urls.get(code)
        exists = url is not None
        if code == current and current_url is not None:
            url = current_url
        elif not exists:
            with translation.override(code):
                url = reverse("home")
        links.append(
            LanguageLink(
                code=code,
                name=name,
                url=url,
                absolute_url=request.build_absolute_uri(url),
                exists=exists,
                current=code == current,
            )
        )
    return links


def same_page_urls(path):
    """{code: address} of a page that exists in every language (the home page,
    the glossary, the lists): the same path with the other prefix. A page
    named by a slug (an article, a medicine, a topic) is not assumed to exist
    in another language: its view says which languages it has."""
    try:
        match = resolve(path)
    except Resolver404:
        return {}
    if match.kwargs or match.args or not match.url_name:
        return {active_language(): path}
    name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
    urls = {}
    for code, _ in settings.LANGUAGES:
        with translation.override(code):
            urls[code] = reverse(name)
    return urls


def urls_in_languages(url_name, languages, **kwargs):
    """{code: address of url_name with kwargs} for each of the languages."""
    urls = {}
    for code in languages:
        with translation.override(code):
            urls[code] = reverse(url_name, kwargs=kwargs)
    return urls
