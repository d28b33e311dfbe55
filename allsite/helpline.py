"""The helpline shown on every page, read once and cached until it changes.

The cached value is plain data (no model instances), so the error pages can
show it without touching the database. It is stored under the current
version of the "chrome" cache tag, which a helpline change announces: every
process sees the new version at once, and if the shared cache is down when
it changes, the announcement is retried until it lands (allsite.page_cache).
"""

import datetime
import functools
import json
import zoneinfo
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.dates import MONTHS, WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

CACHE_PREFIX = "allsite:helpline:"


@dataclass(frozen=True)
class Phone:
    label: str
    number: str
    tel_href: str
    # "" for every language, else the one language whose pages show it (a copy
    # cached by an older release, without the field, reads "" from the class).
    language: str = ""

    def shown_in(self, language):
        return not self.language or self.language in (language, language.split("-")[0])


@dataclass(frozen=True)
class Closure:
    date: datetime.date
    label: str
    # ((language, label), ...) for pages in other languages.
    translated: tuple = ()

    def in_language(self, language):
        for code, label in self.translated:
            if label and code in (language, language.split("-")[0]):
                return replace(self, label=label)
        return self

    @property
    def day(self):
        return f"{self.date:%A} {self.date.day} {self.date:%B %Y}"


# How many of the next closure dates the hours list names; the open/closed
# status (static/js/helpline-status.js) knows them all.
LISTED_CLOSURES = 6


@dataclass(frozen=True)
class Helpline:
    name: str
    # Every number, whatever language it is for: pages show `shown_phones`.
    phones: list = field(default_factory=list)
    email: str = ""
    time_zone: str = ""
    hours: list = field(default_factory=list)
    hours_note: str = ""
    urgent_notice: str = ""
    # Closure dates from the day this was read on (a tuple: a copy cached by an
    # older release, without the field, reads it from the class).
    closures: tuple = ()
    # ((language, field, text), ...): the name and notes staff wrote for pages
    # in another language (HelplineInfo.translations); `in_language` applies them.
    translated: tuple = ()

    def in_language(self, language):
        """This helpline as pages in `language` show it: its name, notes and
        closure labels in that language where staff wrote them, else as
        written in English."""
        language = (language or settings.LANGUAGE_CODE).lower()
        texts = {
            name: text
            for code, name, text in self.translated
            if text and code in (language, language.split("-")[0])
        }
        if any(closure.translated for closure in self.closures):
            texts["closures"] = tuple(c.in_language(language) for c in self.closures)
        return replace(self, **texts) if texts else self

    def phones_in(self, language):
        """The numbers shown on pages in `language`: those for that language
        first, then those for every language (each in the staff's order)."""
        shown = [phone for phone in self.phones if phone.shown_in(language)]
        return [p for p in shown if p.language] + [p for p in shown if not p.language]

    @property
    def shown_phones(self):
        """The numbers for the language pages are being rendered in."""
        return self.phones_in(translation.get_language() or settings.LANGUAGE_CODE)

    @property
    def primary_phone(self):
        shown = self.shown_phones
        return shown[0] if shown else None

    @property
    def listed_closures(self):
        return self.closures[:LISTED_CLOSURES]

    @property
    def status_hours(self):
        """The weekly hours, Monday first, for the open/closed status script:
        JSON ["09:00-17:00", "", ...] ("" when closed all day)."""
        return json.dumps([f"{o:%H:%M}-{c:%H:%M}" if o and c else "" for _day, o, c in self.hours])

    @property
    def status_closures(self):
        """JSON [["2026-12-25", "Christmas Day"], ...] for the status script."""
        return json.dumps([[c.date.isoformat(), c.label] for c in self.closures])

    @property
    def status_texts(self):
        """The status script's words in the active language (JSON): computed
        when the page is rendered, not cached with the helpline."""
        return _status_texts(translation.get_language() or settings.LANGUAGE_CODE)


@functools.lru_cache(maxsize=16)
def _status_texts(language):
    """The words depend on the language only: made once per language and process."""
    with translation.override(language):
        return json.dumps(
            {
                "days": [str(WEEKDAYS[day]) for day in range(7)],
                "months": [str(MONTHS[month]) for month in range(1, 13)],
                "closed": _("Closed"),
                "closedToday": _("Closed today"),
                "closedTodayFor": _("Closed today ({label})"),
                "opensToday": _("Closed, opens today {time}"),
                "openUntil": _("Open now, until {time}"),
                "opensOn": _("{closed}, opens {when} {time}"),
                "dayAndDate": _("{day} {date} {month}"),
            },
            ensure_ascii=False,
        )


def _from_database():
    from .models import HelplineInfo

    info = HelplineInfo.objects.prefetch_related("phones").first()
    if info is None:
        return None
    # Closures that have not passed: pages keep this copy until the helpline
    # changes, and as days pass it only holds dates the status script skips.
    today = timezone.now().astimezone(_zone(info.time_zone)).date()
    closures = info.closures.filter(date__gte=today)
    return Helpline(
        name=info.name,
        phones=[Phone(p.label, p.number, p.tel_href, p.language) for p in info.phones.all()],
        email=info.email,
        time_zone=info.time_zone,
        hours=info.opening_hours(),
        hours_note=info.hours_note,
        urgent_notice=info.urgent_notice,
        closures=tuple(
            Closure(c.date, c.label, tuple(sorted((c.translations or {}).items())))
            for c in closures
        ),
        translated=tuple(
            (code, name, text)
            for code, texts in sorted((info.translations or {}).items())
            for name, text in sorted(texts.items())
            if name in info.TRANSLATED_FIELDS
        ),
    )


def _zone(name):
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return datetime.UTC


def helpline_cache_key(chrome_token):
    return CACHE_PREFIX + chrome_token


def _cache_key(request=None):
    from treatments.publishing import CHROME

    from .page_cache import request_tokens

    return helpline_cache_key(request_tokens(request, [CHROME])[CHROME])


def get_helpline(request=None):
    """The helpline as pages in the active language show it."""
    key = _cache_key(request)
    prefetched = getattr(request, "chrome_prefetched", None) or {}
    helpline = prefetched.get(key) or cache.get(key)
    if helpline is None:
        from .page_cache import recent_values

        helpline = _from_database() or fallback_helpline()
        cache.set(key, helpline, timeout=None)
        recent_values.put_many({key: helpline})
    return helpline.in_language(translation.get_language())


def cached_helpline_or_fallback():
    """For pages that must not touch the database (the error pages)."""
    try:
        helpline = cache.get(_cache_key()) or fallback_helpline()
    except Exception:  # the cache itself may be what failed
        helpline = fallback_helpline()
    return helpline.in_language(translation.get_language())


def fallback_helpline():
    conf = settings.HELPLINE_FALLBACK
    phones = []
    if conf["phone"]:
        digits = "".join(ch for ch in conf["phone"] if ch.isdigit() or ch == "+")
        # The label is translated where it is shown (includes/helpline.html).
        phones.append(Phone(gettext_noop("Phone"), conf["phone"], "tel:" + digits))
    return Helpline(name=conf["name"], phones=phones, email=conf["email"])


def forget_helpline(**kwargs):
    """Announce that every page's chrome changed (now, and again once the saving
    transaction commits, so a request racing the save cannot keep the old
    number): the cached helpline, pages and the static export follow."""
    from treatments.publishing import CHROME, announce

    announce({CHROME})
