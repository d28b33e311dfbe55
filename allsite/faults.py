"""What readers get when a part the site depends on has failed.

The error pages never touch the database: they show the helpline from the
cache, or from settings (ALLSITE_HELPLINE_*) if the cache cannot give it, so
a reader always sees a phone number or an email address.

- Database unreachable: a page in the full-page cache is still served (the
  cache middleware runs before anything reads the database); any other
  request gets a 503 "not available just now" page with Retry-After.
- Any other unexpected error: the 500 page (allsite.urls handler500).
"""

import logging

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.translation import gettext

from .helpline import cached_helpline_or_fallback

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 60


def error_page(template_name, status, **context):
    """An error page rendered without the database (and without request context)."""
    html = loader.get_template(template_name).render(
        {
            "helpline": cached_helpline_or_fallback(),
            "site_name": gettext(settings.SITE_NAME),  # see allsite.context_processors
            "site_publisher": gettext(settings.SITE_PUBLISHER),
            "error_page": True,
            **context,
        }
    )
    return HttpResponse(html, status=status)


def database_unavailable():
    response = error_page("503.html", 503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def is_database_outage(exception):
    """A connection that failed or broke, as opposed to a bad query (a bug: 500)."""
    if isinstance(exception, (OperationalError, InterfaceError)):
        return True
    cause = exception.__cause__ or exception.__context__
    return isinstance(exception, DatabaseError) and isinstance(
        cause, (OperationalError, InterfaceError)
    )


class DatabaseUnavailableMiddleware:
    """Turns "the database cannot be reached" into the 503 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_outage(exception):
            return None
        logger.error("Database unavailable: %s", exception, exc_info=exception)
        return database_unavailable()
