"""The fields each kind of reviewed content keeps in `Revision.details`.

Treatment pages use only the common fields (title, summary, body...). A
glossary term's title is the term and its summary the plain definition; a
medicine's title is its generic name and its summary says what it is.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import Kind


@dataclass(frozen=True)
class DetailField:
    name: str
    label: str
    is_list: bool
    help_text: str
    required: bool = False
    # Shown as one sentence-case run ("Feeling sick, tiredness"), not a list of names.
    in_a_sentence: bool = False


DETAIL_FIELDS = {
    Kind.PAGE: [],
    Kind.GLOSSARY: [
        DetailField("aliases", _("Other names"), True, _("Other words readers may meet, one per line.")),
    ],
    Kind.MEDICINE: [
        DetailField("brand_names", _("Brand names"), True, _("One per line, e.g. Blincyto.")),
        DetailField(
            "drug_class", _("Type of medicine"), False,
            _("e.g. tyrosine kinase inhibitor, bispecific T-cell engager."), True,
        ),
        DetailField("target", _("What it targets"), False, _("e.g. BCR-ABL1, CD19, CD22.")),
        DetailField("route", _("How it is given"), False, _("e.g. tablets; drip into a vein."), True),
        DetailField(
            "phases", _("Used in"), True, _("Phases or situations, one per line."), in_a_sentence=True,
        ),
        DetailField(
            "side_effects", _("Common side effects"), True, _("One per line."), in_a_sentence=True,
        ),
    ],
}  # fmt: skip


def clean_details(kind, details):
    """Normalised details for a kind, or ValueError with a message naming the field."""
    cleaned = {}
    for field in DETAIL_FIELDS[kind]:
        value = details.get(field.name, [] if field.is_list else "")
        if field.is_list:
            if isinstance(value, str):
                value = value.splitlines()
            value = [item.strip() for item in value if item and item.strip()]
        else:
            value = str(value).strip()
        if field.required and not value:
            raise ValueError(
                _("%(field)s: this is needed for a %(kind)s.")
                % {"field": field.label, "kind": kind.label.lower()}
            )
        if value:
            cleaned[field.name] = value
    unknown = set(details) - {field.name for field in DETAIL_FIELDS[kind]}
    if unknown:
        raise ValueError(
            _("Unexpected details for a %(kind)s: %(names)s")
            % {"kind": kind.label.lower(), "names": ", ".join(sorted(unknown))}
        )
    return cleaned


def detail_lines(kind, details):
    """[(label, text)] for showing details to people (review diffs, public pages)."""
    lines = []
    for field in DETAIL_FIELDS[kind]:
        value = details.get(field.name)
        if value:
            if field.is_list:
                value = ", ".join(sentence_case(value) if field.in_a_sentence else value)
            lines.append((field.label, value))
    return lines


def sentence_case(items):
    """["Feeling sick", "Tiredness", "CNS problems"] -> ["Feeling sick", "tiredness",
    "CNS problems"]: later items lose a capital that only started the line
    (an abbreviation or a name in capitals keeps it)."""
    return [
        item if index == 0 or not item[1:2].islower() else item[0].lower() + item[1:]
        for index, item in enumerate(items)
    ]


def names_of(kind, title, details):
    """Every name a piece of content is known by: its title, aliases and brand names."""
    extra = details.get("aliases", []) + details.get("brand_names", []) if kind != Kind.PAGE else []
    return [title, *extra]
