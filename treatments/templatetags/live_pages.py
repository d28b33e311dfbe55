"""Filling a stored page region's request-time slots."""

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

# What a stored main region leaves out, because it depends on the request:
# `<!--slot:name-->` markers, each filled with its snippet rendered now, when
# it has something to show.
SLOTS = {
    "overdue": (  # today's date
        "includes/overdue_notice.html",
        lambda context: context["article"].is_overdue,
    ),
    "feedback-thanks": (  # ?feedback=thanks after sending feedback
        "includes/feedback_thanks.html",
        lambda context: context["request"].GET.get("feedback") == "thanks",
    ),
    "helpline-call": ("includes/helpline_call.html", lambda context: True),  # site-wide
    "helpline-side": ("includes/helpline_side.html", lambda context: True),  # site-wide
}


@register.simple_tag(takes_context=True)
def with_slots(context, html):
    """The stored HTML (produced by our own templates, escaped there) with its slots filled."""
    engine = context.template.engine
    for name, (template_name, needed) in SLOTS.items():
        marker = f"<!--slot:{name}-->"
        if marker in html:
            filled = engine.get_template(template_name).render(context) if needed(context) else ""
            html = html.replace(marker, filled)
    return mark_safe(html)  # noqa: S308 - our own rendered templates, see docstring
