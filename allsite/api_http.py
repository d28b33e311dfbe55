"""HTTP behaviour of the Content API's responses (/api/), and its entry point.

Loading Django Ninja and pydantic costs a web worker about 12 MiB, so a
worker that only serves pages never loads them: the root URLconf sends
/api/v1/ to `api_view`, which imports the API (allsite.api, allsite.api_urls)
on the first API request and resolves the path against its own URLconf.
"""

import hashlib

from django.http import HttpResponse, HttpResponseNotModified
from django.urls import get_urlconf, resolve, set_urlconf
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe

from .page_cache import cache_control

API_PREFIX = "/api/"
API_URLCONF = "allsite.api_urls"


def api_view(request, rest=""):
    """Every /api/v1/ URL: resolved in the API's own URLconf, loaded now."""
    previous = get_urlconf()
    set_urlconf(API_URLCONF)  # reverse() inside the API finds its names
    try:
        match = resolve(request.path_info, urlconf=API_URLCONF)  # Resolver404 is a 404
        request.resolver_match = match
        return match.func(request, *match.args, **match.kwargs)
    finally:
        set_urlconf(previous)


CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "If-None-Match, If-Modified-Since",
    "Access-Control-Expose-Headers": "ETag, Last-Modified",
    "Access-Control-Max-Age": "86400",
}


class ApiMiddleware:
    """For /api/ only: answers CORS preflights, gives GET and HEAD responses
    CORS (any origin, no credentials), Cache-Control and an ETag made from
    the body, answers a conditional GET whose validator matches with 304,
    and never lets a cookie or a Vary: Cookie through."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Allow"] = "GET, HEAD, OPTIONS"
            return self._headers(response)
        head = request.method == "HEAD"
        if head:
            request.method = "GET"  # the same answer without its body
        response = self.get_response(request)
        if request.method != "GET":
            return response
        response.cookies.clear()
        if response.has_header("Vary"):
            kept = [v for v in response["Vary"].split(",") if v.strip().lower() != "cookie"]
            if kept:
                response["Vary"] = ",".join(kept)
            else:
                del response["Vary"]
        self._headers(response)
        if response.status_code == 200 and not response.streaming:
            response["Cache-Control"] = cache_control()
            if not response.has_header("ETag"):
                digest = hashlib.sha256(response.content).hexdigest()[:32]
                response["ETag"] = f'"{digest}"'
            conditional = get_conditional_response(
                request,
                etag=response["ETag"],
                last_modified=_last_modified(response),
                response=response,
            )
            if isinstance(conditional, HttpResponseNotModified):
                response = self._headers(conditional)
        elif response.status_code >= 400:
            response["Cache-Control"] = "no-cache"
        if head:
            response.content = b""
        return response

    @staticmethod
    def _headers(response):
        for name, value in CORS_HEADERS.items():
            response[name] = value
        return response


def _last_modified(response):
    value = response.get("Last-Modified")
    return parse_http_date_safe(value) if value else None
