"""Published glossary terms and medicines, as the renderer and workflow need them."""

import re

from .kinds import names_of
from .models import Article, Kind


def _published(kind, exclude=None):
    items = Article.objects.filter(kind=kind).published().select_related("live_revision")
    return items.exclude(pk=exclude.pk) if exclude is not None and exclude.pk else items


def glossary_terms(exclude=None):
    """[(name, slug, url)] for every name of every published glossary term."""
    terms = []
    for term in _published(Kind.GLOSSARY, exclude):
        revision = term.live_revision
        url = term.get_absolute_url()
        terms.extend(
            (name, term.slug, url) for name in names_of(term.kind, revision.title, revision.details)
        )
    return terms


def medicines_mentioned(text):
    """Published medicines whose generic or brand name appears in the text."""
    found = []
    for medicine in _published(Kind.MEDICINE):
        revision = medicine.live_revision
        names = names_of(medicine.kind, revision.title, revision.details)
        if any(re.search(rf"\b{re.escape(name)}\b", text, re.IGNORECASE) for name in names):
            found.append(medicine)
    return found
