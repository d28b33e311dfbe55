from django.http import Http404, HttpResponse
from django.utils import translation
from django.views.generic import TemplateView

from treatments import navigation
from treatments.publishing import CHROME, HOME, SITEMAP

from . import search
from .faults import error_page
from .locale import active_language
from .sitemaps import sitemap_entries, sitemap_files, sitemapindex, urlset


class HomeView(TemplateView):
    template_name = "allsite/home.html"

    @staticmethod
    def cache_tags():
        return [CHROME, HOME]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            sections=navigation.sections_with_children(active_language()), **kwargs
        )


class RobotsView(TemplateView):
    template_name = "allsite/robots.txt"
    content_type = "text/plain; charset=utf-8"

    @staticmethod
    def cache_tags():
        return []


def sitemap_index(request):
    """/sitemap.xml: the list of sitemap files (allsite.sitemaps)."""
    base_url = request.build_absolute_uri("/")[:-1]
    return HttpResponse(sitemapindex(base_url, sitemap_files()), content_type="application/xml")


def sitemap_section(request, section, number):
    entries = sitemap_entries(section, number)
    if entries is None:
        raise Http404("No such sitemap file.")
    base_url = request.build_absolute_uri("/")[:-1]
    return HttpResponse(urlset(base_url, entries), content_type="application/xml")


def _sitemap_tags(**kwargs):
    return [SITEMAP]


sitemap_index.cache_tags = sitemap_section.cache_tags = _sitemap_tags


def bad_request(request, exception=None, *args, **kwargs):
    """The 400 page: what may have gone wrong, the helpline; never the database."""
    return error_page("400.html", 400)


def server_error(request, *args, **kwargs):
    """The 500 page: shows the helpline from the cache or settings, never the database."""
    return error_page("500.html", 500)


class SearchView(TemplateView):
    """Site search: GET /search/?q=words (/fr/search/ in French). Any input
    gives a normal page. It searches the reader's language only, and offers
    that language's words as corrections."""

    template_name = "allsite/search.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        language = translation.get_language()
        query = search.clean_query(self.request.GET.get("q", ""))
        searchable = search.has_words(query, language)
        results = (
            search.search(query, limit=search.DEFAULT_LIMIT, language=language)
            if searchable
            else []
        )
        partial_match = bool(results) and results[0].partial
        context.update(
            query=query,
            searchable=searchable,
            results=results,
            result_count=len(results),
            partial_match=partial_match,
            result_limit=search.DEFAULT_LIMIT,
            # Only when nothing, or no page with every word, was found.
            suggestion=search.suggest(query, language)
            if searchable and (partial_match or not results)
            else None,
        )
        return context
