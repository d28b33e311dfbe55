"""Readers' feedback on treatment pages: "Was this page helpful?" and "Report an error".

Plain form posts, no JavaScript. Nothing about the reader is stored: the rate
limit keys the cache by a salted hash of the client address, which expires
with the window and never reaches the database.

The forms carry no CSRF token, so the pages that show them set no cookie and
can be cached for everyone (allsite.page_cache). CSRF protection exists to
stop another site from acting as a signed-in user; these posts act as nobody:
they change no account or session state and need no login, so a forged post
is no different from one the forger sends directly, and the honeypot and the
per-address rate limit apply to both.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.crypto import salted_hmac
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from treatments.models import Article

from .forms import FORMS, ErrorReportForm, HelpfulForm

RATE_LIMIT = 5  # submissions per client...
RATE_WINDOW = 10 * 60  # ...in any 10 minutes (seconds)
THANKS_QUERY = "?feedback=thanks#feedback"


class HttpResponseSeeOther(HttpResponseRedirect):
    status_code = 303


def client_address(request):
    """The reader's address. Behind N trusted proxies (DJANGO_TRUSTED_PROXY_COUNT), it is
    the Nth address from the right of X-Forwarded-For: the ones a reader could forge sit
    further left and are ignored."""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [
        a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
    ]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def _rate_key(request):
    digest = salted_hmac(
        "allsite.feedback.rate-limit",
        client_address(request),
        secret=settings.SECRET_KEY,
        algorithm="sha256",
    ).hexdigest()
    return f"feedback-rate:{digest}"


def _recent_submissions(key, now):
    """Times of this client's submissions within the window (a sliding window).

    A list of times rather than a counter: cache backends differ in whether
    `incr` keeps the key's expiry, a list with an explicit timeout does not.
    """
    return [t for t in cache.get(key, []) if now - t < RATE_WINDOW]


def _record_submission(key, recent, now):
    cache.set(key, [*recent, now], timeout=RATE_WINDOW)


def _form_page(request, article, form, *, status, problem=None):
    """The form again, with what the reader typed, on a normal site page."""
    return render(
        request,
        "allsite/feedback_form.html",
        {
            "article": article,
            "title": article.live_revision.title,
            "form": form,
            "problem": problem,
            "rate_limit": RATE_LIMIT,
            "rate_window_minutes": RATE_WINDOW // 60,
        },
        status=status,
    )


@csrf_exempt  # see the module docstring
@require_POST
def submit_feedback(request, slug):
    article = get_object_or_404(
        Article.objects.pages().published().select_related("live_revision"), slug=slug
    )
    form_class = FORMS.get(request.POST.get("kind"))
    if form_class is None:
        # Not sent by one of our forms (or tampered with): ask again, keeping the text.
        form_class = ErrorReportForm if request.POST.get("comment") else HelpfulForm
        form = form_class(initial={"comment": request.POST.get("comment", "")})
        return _form_page(request, article, form, status=400, problem="unknown_form")

    key = _rate_key(request)
    now = time.time()
    recent = _recent_submissions(key, now)
    if len(recent) >= RATE_LIMIT:
        # Keep what the reader typed (never the honeypot), without judging it yet.
        kept = {name: value for name, value in request.POST.items() if name != "website"}
        response = _form_page(
            request, article, form_class(initial=kept), status=429, problem="rate_limited"
        )
        response["Retry-After"] = str(max(1, int(min(recent) + RATE_WINDOW - now) + 1))
        return response

    form = form_class(request.POST)
    if not form.is_valid():
        return _form_page(request, article, form, status=400, problem="invalid")

    _record_submission(key, recent, now)
    if not form.is_spam:
        form.feedback(article).save()
    return HttpResponseSeeOther(article.get_absolute_url() + THANKS_QUERY)
