"""Security headers Django does not set itself."""

from django.conf import settings


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
