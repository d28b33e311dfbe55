from django.conf import settings
from django.http import HttpResponseServerError
from django.template import loader
from django.views.generic import TemplateView

from .helpline import cached_helpline_or_fallback


class HomeView(TemplateView):
    template_name = "allsite/home.html"


class RobotsView(TemplateView):
    template_name = "allsite/robots.txt"
    content_type = "text/plain; charset=utf-8"


def server_error(request, *args, **kwargs):
    """The 500 page: shows the helpline from the cache or settings, never the database."""
    template = loader.get_template("500.html")
    return HttpResponseServerError(
        template.render(
            {
                "helpline": cached_helpline_or_fallback(),
                "site_name": settings.SITE_NAME,
                "site_publisher": settings.SITE_PUBLISHER,
                "error_page": True,
            }
        )
    )


class SearchView(TemplateView):
    """Being built: see issue 5."""

    template_name = "allsite/search.html"
