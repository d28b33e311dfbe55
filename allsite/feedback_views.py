"""Readers' feedback on pages. (Being built: see issue 5.)"""

from django.http import HttpResponseNotAllowed


def submit_feedback(request, slug):
    return HttpResponseNotAllowed(["POST"])
