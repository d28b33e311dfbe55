"""Security headers Django does not set itself."""

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from django.conf import settings
from django.http import HttpResponse

CSP_HEADERS = (HEADER, HEADER_REPORT_ONLY)


def permissions_policy(policy):
    """The Permissions-Policy header value for {feature: [allowed origins]}."""
    return ", ".join(f"{feature}=({' '.join(origins)})" for feature, origins in policy.items())


class PermissionsPolicyMiddleware:
    """Refuses browser features (camera, location...) that no page of ours uses, so an
    injected script or a framed page could not ask the reader for them either."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.value = permissions_policy(settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        if self.value:
            response.setdefault("Permissions-Policy", self.value)
        return response


# What django-csp's decorators set on a response to change its policy.
_CSP_PER_RESPONSE = (
    "_csp_exempt", "_csp_exempt_ro", "_csp_config", "_csp_update", "_csp_replace",
    "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro",
)  # fmt: skip


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the headers worked out once per process.

    Our policy is the same for every response (settings.CONTENT_SECURITY_POLICY:
    no nonces, no per-view changes), and building it twice per response was a
    twentieth of an uncached page's time. A response that a django-csp
    decorator changed, or a request that used a nonce, gets the full treatment."""

    def __init__(self, get_response):
        super().__init__(get_response)
        self._headers = None

    def process_response(self, request, response):
        changed = any(hasattr(response, name) for name in _CSP_PER_RESPONSE)
        if settings.DEBUG or changed or getattr(request, "_csp_nonce", None) is not None:
            return super().process_response(request, response)
        if self._headers is None:
            blank = super().process_response(request, HttpResponse())
            self._headers = {name: blank[name] for name in CSP_HEADERS if name in blank}
        else:
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        for name, value in self._headers.items():
            response.setdefault(name, value)
        return response
