"""Who is asking: the reader's address, the same for every rate limit and lock-out."""

from django.conf import settings


def client_address(request):
    """The client's address. Behind N trusted proxies (DJANGO_TRUSTED_PROXY_COUNT), it is
    the Nth address from the right of X-Forwarded-For: the ones a client could forge sit
    further left and are ignored. Used by the feedback rate limit and by django-axes
    (AXES_CLIENT_IP_CALLABLE) for sign-in lock-outs."""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [
        a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
    ]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
