from django import template

from .. import helpline_history

register = template.Library()


@register.filter
def history_lines(entry):
    """{% for line in action|history_lines %}: see allsite.helpline_history."""
    return helpline_history.history_lines(entry)
