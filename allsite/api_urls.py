"""The Content API's URLconf, loaded on the first API request (allsite.api_http):
the API's own URLs first, then the site's, so reverse() inside the API finds
both (an article's page address, the API's next page)."""

from django.urls import path

from . import urls as site_urls
from .api import api

urlpatterns = [path("api/v1/", api.urls), *site_urls.urlpatterns]
