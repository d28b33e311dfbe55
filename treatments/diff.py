"""Word-level differences between two revisions, for reviewers."""

import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import mark_safe

from references.citations import keys_in
from references.models import CONTENT_FIELDS, Reference

from .kinds import detail_lines
from .media import image_keys_in

TOKEN_RE = re.compile(r"\s+|\w+|[^\w\s]")


def word_diff(old, new):
    """HTML of `new` with removed words in <del> and added words in <ins>."""
    old_tokens, new_tokens = TOKEN_RE.findall(old or ""), TOKEN_RE.findall(new or "")
    parts = []
    matcher = difflib.SequenceMatcher(a=old_tokens, b=new_tokens, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(old_tokens[a1:a2])))
            continue
        if op in ("delete", "replace"):
            parts.append(f"<del>{escape(''.join(old_tokens[a1:a2]))}</del>")
        if op in ("insert", "replace"):
            parts.append(f"<ins>{escape(''.join(new_tokens[b1:b2]))}</ins>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text is escaped above


@dataclass
class FieldChange:
    label: str
    changed: bool
    html: str


@dataclass
class SetChange:
    label: str
    added: list
    removed: list

    @property
    def changed(self):
        return bool(self.added or self.removed)


@dataclass
class RevisionDiff:
    fields: list
    sets: list

    @property
    def changed(self):
        return any(f.changed for f in self.fields) or any(s.changed for s in self.sets)


def _tags(revision):
    return set(revision.tags.names()) if revision else set()


def compare(old, new):
    """What changed from `old` (None for a new page) to `new`."""
    fields = []
    for name, label in [("title", "Title"), ("summary", "Summary"), ("body", "Body")]:
        before = getattr(old, name) if old else ""
        after = getattr(new, name)
        fields.append(FieldChange(label, before != after, word_diff(before, after)))
    if old is None or old.audience != new.audience:
        before = old.get_audience_display() if old else ""
        fields.append(
            FieldChange("Audience", old is not None, word_diff(before, new.get_audience_display()))
        )
    kind = new.article.kind
    old_details = dict(detail_lines(kind, old.details)) if old else {}
    new_details = dict(detail_lines(kind, new.details))
    for label in dict.fromkeys([*new_details, *old_details]):
        before, after = old_details.get(label, ""), new_details.get(label, "")
        fields.append(FieldChange(label, before != after, word_diff(before, after)))
    old_keys = keys_in(old.body) if old else set()
    new_keys = keys_in(new.body)
    old_tags, new_tags = _tags(old), _tags(new)
    sets = [
        SetChange("References cited", sorted(new_keys - old_keys), sorted(old_keys - new_keys)),
        SetChange("Tags", sorted(new_tags - old_tags), sorted(old_tags - new_tags)),
    ]
    # Library images never change, so a changed image is a changed key (its
    # description, caption and placement are in the body's diff above).
    old_images = image_keys_in(old.body) if old else set()
    new_images = image_keys_in(new.body)
    if old_images or new_images:
        sets.append(
            SetChange("Images", sorted(new_images - old_images), sorted(old_images - new_images))
        )
    return RevisionDiff(fields, sets)


def compare_reference(old, new):
    """Field-by-field changes between two reference versions' data (old None: new source)."""
    changes = []
    for name in CONTENT_FIELDS:
        before = "" if old is None or old.get(name) is None else str(old.get(name))
        after = "" if new.get(name) is None else str(new.get(name))
        if before != after:
            label = str(Reference._meta.get_field(name).verbose_name).capitalize()
            changes.append(FieldChange(label, True, word_diff(before, after)))
    return changes
