"""Readers' feedback on reviewed pages: "Was this page helpful?" and "Report an error".

Treatment and medicine pages carry both forms; a glossary definition links to
this view's own page (GET), which shows the error form for that term.

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
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from treatments.models import Article, Kind

from .cache import CacheUnavailable
from .client import client_address
from .forms import FORMS, ErrorReportForm, HelpfulForm
from .locale import active_language

RATE_LIMIT = 5  # submissions per client...
RATE_WINDOW = 10 * 60  # ...in each 10 minutes (seconds)
THANKS_QUERY = "?feedback=thanks#feedback"


class HttpResponseSeeOther(HttpResponseRedirect):
    status_code = 303


def _rate_key(request, window):
    digest = salted_hmac(
        "allsite.feedback.rate-limit",
        client_address(request),
        secret=settings.SECRET_KEY,
        algorithm="sha256",
    ).hexdigest()
    return f"feedback-rate:{digest}:{window}"


def _take_a_turn(request, now):
    """Count this submission against the client's limit; returns None if it may
    go ahead, else the seconds until it may try again.

    One counter per client and fixed window, changed only by `add` and `incr`,
    which Redis does atomically: processes on several machines counting at the
    same instant cannot both see room for one more. If the cache is down the
    submission goes ahead (the honeypot still applies): losing a reader's
    report would be worse than a burst of spam.
    """
    window = int(now // RATE_WINDOW)
    key = _rate_key(request, window)
    try:
        cache.add(key, 0, timeout=RATE_WINDOW + 60)
        count = cache.incr(key)
    except (CacheUnavailable, ValueError):  # ValueError: the key expired in between
        return None
    if count > RATE_LIMIT:
        return max(1, int((window + 1) * RATE_WINDOW - now) + 1)
    return None


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


def _after_sending(article):
    """Where the reader lands after sending: the page's own thanks note, or, for a
    glossary term (one entry of a long page), this view's thank-you page."""
    if article.kind == Kind.GLOSSARY:
        return reverse("feedback", args=[article.slug]) + "?sent=1"
    return article.get_absolute_url() + THANKS_QUERY


@csrf_exempt  # see the module docstring
@require_http_methods(["GET", "HEAD", "POST"])
def submit_feedback(request, slug):
    article = get_object_or_404(  # the page in the address's language (/fr/feedback/…)
        Article.objects.published().select_related("live_revision"),
        slug=slug,
        language=active_language(),
    )
    if request.method != "POST":
        problem = "sent" if request.GET.get("sent") else "new"
        form = HelpfulForm() if request.GET.get("kind") == "helpful" else ErrorReportForm()
        return _form_page(request, article, form, status=200, problem=problem)
    form_class = FORMS.get(request.POST.get("kind"))
    if form_class is None:
        # Not sent by one of our forms (or tampered with): ask again, keeping the text.
        form_class = ErrorReportForm if request.POST.get("comment") else HelpfulForm
        form = form_class(initial={"comment": request.POST.get("comment", "")})
        return _form_page(request, article, form, status=400, problem="unknown_form")

    form = form_class(request.POST)
    retry_after = _take_a_turn(request, time.time()) if form.is_valid() else None
    if retry_after is not None:
        # Keep what the reader typed (never the honeypot).
        kept = {name: value for name, value in request.POST.items() if name != "website"}
        response = _form_page(
            request, article, form_class(initial=kept), status=429, problem="rate_limited"
        )
        response["Retry-After"] = str(retry_after)
        return response

    if not form.is_valid():
        return _form_page(request, article, form, status=400, problem="invalid")

    if not form.is_spam:
        form.feedback(article).save()
    return HttpResponseSeeOther(_after_sending(article))
