"""The helpline's admin history, with the old and the new value of each change.

Django's own change message names the fields that changed; helpline staff and
whoever checks their work also need to see what a number or an opening time
was before. `change_message` adds, to each "changed" entry of Django's JSON
message (the helpline itself, and each phone or closure date changed in the
inlines), "values": [[field label, old, new], ...] as text. Added and deleted
phones and closure dates are named in full by Django already. `history_lines`
turns a log entry back into sentences for the History page; entries written
before this (without values) read as Django wrote them.
"""

import datetime
import json

from django.contrib.admin.utils import construct_change_message

BLANK = "(blank)"


def _text(value):
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.time):
        return f"{value:%H:%M}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _values(form, names):
    values = []
    for name in names:
        field = form.fields.get(name)
        if field is None:
            continue
        old = form.get_initial_for_field(field, name)
        new = form.cleaned_data.get(name)
        values.append([str(field.label or name), _text(old), _text(new)])
    return values


def change_message(form, formsets, add):
    """Django's change message, with old and new values on each change."""
    message = construct_change_message(form, formsets, add)
    if add:
        return message
    values = [_values(form, form.changed_data)] if form.changed_data else []
    for formset in formsets or []:
        forms_by_pk = {f.instance.pk: f for f in formset.initial_forms}
        for changed_object, changed_fields in formset.changed_objects:
            values.append(_values(forms_by_pk[changed_object.pk], changed_fields))
    # Django lists the same changes in the same order.
    changed = [entry["changed"] for entry in message if "changed" in entry]
    for entry, entry_values in zip(changed, values, strict=True):
        entry["values"] = entry_values
    return message


def _change(label, old, new):
    return f"{label}: {old or BLANK} → {new or BLANK}"


def history_lines(entry):
    """A log entry's change as sentences, with old → new values where known."""
    try:
        message = json.loads(entry.change_message or "[]")
    except json.JSONDecodeError:
        message = None
    if not isinstance(message, list) or not all(
        isinstance(part, dict) and "values" in part.get("changed", {"values": 1})
        for part in message
    ):
        return [entry.get_change_message()]
    lines = []
    for part in message:
        if "added" in part:
            added = part["added"]
            lines.append(f"Added {added['name']} “{added['object']}”." if added else "Added.")
        elif "changed" in part:
            changed = part["changed"]
            prefix = (
                f"{changed['name'].capitalize()} “{changed['object']}”: "
                if "name" in changed
                else ""
            )
            lines.extend(prefix + _change(*value) for value in changed["values"])
        elif "deleted" in part:
            deleted = part["deleted"]
            lines.append(f"Deleted {deleted['name']} “{deleted['object']}”.")
    return lines or [entry.get_change_message()]
