import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def validate_time_zone(value):
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(
            _("“%(value)s” is not a time zone name. Use a name such as Europe/London.")
            % {"value": value}
        ) from error


phone_number_validator = RegexValidator(
    r"^\+?[0-9][0-9 ()-]{4,24}$",
    "Enter the number as it should be dialled: digits and spaces, an optional + at the "
    "start (for example 0808 157 0192 or +44 808 157 0192).",
)


def _opens(day):
    return models.TimeField(
        f"{day} opens", null=True, blank=True, help_text=_("Leave blank if closed.")
    )


def _closes(day):
    return models.TimeField(f"{day} closes", null=True, blank=True)


class HelplineInfo(models.Model):
    """The one helpline record shown on every page (header, footer, error pages).

    Opening hours are a pair of columns per weekday rather than rows, so that
    every page reads the whole helpline in one query.
    """

    name = models.CharField(max_length=100, default="Helpline")
    email = models.EmailField(blank=True)
    time_zone = models.CharField(
        max_length=64,
        validators=[validate_time_zone],
        default="Europe/London",
        help_text=_("The opening hours are in this time zone."),
    )
    hours_note = models.CharField(
        max_length=200,
        blank=True,
        help_text=_('Shown under the hours, e.g. "Closed on bank holidays".'),
    )
    urgent_notice = models.TextField(
        blank=True,
        max_length=500,
        help_text=_(
            "Optional. Shown at the top of every page while filled in "
            "(e.g. a phone line fault). Clear it to remove the notice."
        ),
    )
    monday_opens = _opens("Monday")
    monday_closes = _closes("Monday")
    tuesday_opens = _opens("Tuesday")
    tuesday_closes = _closes("Tuesday")
    wednesday_opens = _opens("Wednesday")
    wednesday_closes = _closes("Wednesday")
    thursday_opens = _opens("Thursday")
    thursday_closes = _closes("Thursday")
    friday_opens = _opens("Friday")
    friday_closes = _closes("Friday")
    saturday_opens = _opens("Saturday")
    saturday_closes = _closes("Saturday")
    sunday_opens = _opens("Sunday")
    sunday_closes = _closes("Sunday")
    translations = models.JSONField(
        default=dict,
        blank=True,
        help_text=_(
            "The name and notes for pages in other languages, by language code; "
            "edited as fields of the helpline form. Blank: the English text is shown."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    # What staff may write per language (the rest is numbers, times and dates).
    TRANSLATED_FIELDS = ("name", "hours_note", "urgent_notice")

    class Meta:
        verbose_name = _("helpline information")
        verbose_name_plural = _("helpline information")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.pk and HelplineInfo.objects.exists():
            raise ValidationError(_("There is only one helpline record: edit the existing one."))
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        for day in WEEKDAYS:
            for edge in ("opens", "closes"):
                # Whole minutes (the admin's "Now" shortcut types seconds too).
                value = getattr(self, f"{day}_{edge}")
                if value is not None:
                    setattr(self, f"{day}_{edge}", value.replace(second=0, microsecond=0))
            opens = getattr(self, f"{day}_opens")
            closes = getattr(self, f"{day}_closes")
            if (opens is None) != (closes is None):
                errors[f"{day}_closes"] = (
                    f"Give both an opening and a closing time for {day.title()}, "
                    "or leave both blank if the helpline is closed that day."
                )
            elif opens is not None and closes <= opens:
                errors[f"{day}_closes"] = (
                    f"{day.title()} closes before it opens. Use 24-hour times, e.g. 09:00 and 17:00."
                )
        if errors:
            raise ValidationError(errors)

    def opening_hours(self):
        """[(weekday name, opens, closes or None)] in weekday order."""
        rows = []
        for day in WEEKDAYS:
            opens: datetime.time | None = getattr(self, f"{day}_opens")
            closes: datetime.time | None = getattr(self, f"{day}_closes")
            rows.append((day.title(), opens, closes))
        return rows


class HelplinePhone(models.Model):
    helpline = models.ForeignKey(HelplineInfo, on_delete=models.CASCADE, related_name="phones")
    label = models.CharField(max_length=80, help_text=_('e.g. "Freephone (UK)" or "From abroad".'))
    number = models.CharField(max_length=30, validators=[phone_number_validator])
    language = models.CharField(
        "shown on pages in",
        max_length=8,
        blank=True,
        choices=[("", "every language"), *settings.LANGUAGES],
        help_text='Leave it on "every language" to show this number on every page. Choose a '
        "language to show it only on pages in that language (for example a line where "
        "someone speaks French); there it comes before the other numbers.",
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("phone number")

    def __str__(self):
        shown = f" ({self.get_language_display()} pages only)" if self.language else ""
        return f"{self.label}: {self.number}{shown}"

    @property
    def tel_href(self):
        """The number as a tel: URI (digits and a leading + only)."""
        digits = "".join(ch for ch in self.number if ch.isdigit())
        return "tel:" + ("+" if self.number.strip().startswith("+") else "") + digits


class HelplineClosure(models.Model):
    """A day the helpline is closed although its weekly hours say it is open
    (a bank holiday, a training day). Readers see the next ones listed under
    the hours, and "Closed today" on the day itself."""

    helpline = models.ForeignKey(HelplineInfo, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField(help_text=_("The whole day, in the helpline's time zone."))
    label = models.CharField(
        max_length=80,
        blank=True,
        help_text=_('Optional, shown to readers: e.g. "Christmas Day" or "Bank holiday".'),
    )
    translations = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("The label for pages in other languages, by language code."),
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("closure date")
        constraints = [
            models.UniqueConstraint(
                fields=["helpline", "date"], name="one_closure_per_helpline_and_date"
            )
        ]

    def __str__(self):
        day = f"{self.date:%A} {self.date.day} {self.date:%B %Y}"
        return f"{day} ({self.label})" if self.label else day


class Feedback(models.Model):
    """What a reader sent from a treatment page, for the editorial team to triage.

    Anonymous by design: no name, email, IP address or other personal data is
    stored (the rate limit keeps only a salted hash of the address, in the cache).
    """

    class Kind(models.TextChoices):
        HELPFUL = "helpful", _("Was this page helpful?")
        ERROR = "error", _("Report an error")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        ACTIONED = "actioned", _("Actioned")
        RESOLVED = "resolved", _("Resolved")

    article = models.ForeignKey(
        "treatments.Article", on_delete=models.CASCADE, related_name="feedback"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    helpful = models.BooleanField(
        null=True, blank=True, help_text=_("The reader's answer; empty for error reports.")
    )
    comment = models.TextField(max_length=2000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    staff_note = models.TextField(
        blank=True, help_text=_("For the editorial team only: what was done, or why not.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reader feedback")
        verbose_name_plural = _("reader feedback")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="helpful", helpful__isnull=False)
                    | (models.Q(kind="error", helpful__isnull=True) & ~models.Q(comment=""))
                ),
                name="feedback_kind_matches_content",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.article} ({self.get_status_display()})"


class SearchEntry(models.Model):
    """One published article as site search sees it: its live revision's text.

    Written only by `allsite.search` (`index_article`, `rebuild_index`). The
    full-text index itself is database-specific and lives outside the model,
    created by migration 0004_search_backend: on PostgreSQL a weighted
    `search_vector` tsvector column on this table with a GIN index, on SQLite
    the FTS5 table `allsite_searchentry_fts` (rowid = this entry's id).
    Search looks in one language at a time (its article's; on PostgreSQL the
    vectors use that language's text search configuration).
    """

    article = models.OneToOneField(
        "treatments.Article", on_delete=models.CASCADE, related_name="search_entry"
    )
    language = models.CharField(
        max_length=8, default=settings.LANGUAGE_CODE, help_text="The article's language."
    )
    revision = models.ForeignKey(
        "treatments.Revision",
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("The live revision this entry was made from."),
    )
    title = models.CharField(max_length=200)
    keywords = models.TextField(
        blank=True, help_text=_("Other names, one per line: glossary aliases, brand names.")
    )
    summary = models.TextField(blank=True)
    body_text = models.TextField(blank=True, help_text=_("The body as plain text."))
    words = models.TextField(
        blank=True,
        editable=False,
        help_text=_(
            "Its distinct words, space-separated, as counted in the search vocabulary "
            "(SearchWord): what to take away when the entry changes or goes."
        ),
    )
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("search index entry")
        verbose_name_plural = _("search index entries")

    def __str__(self):
        return self.title


class SearchPassage(models.Model):
    """A passage of a search entry's body, on PostgreSQL: what a result's
    snippet is cut from.

    A highlighter reads all the text it is given, so a snippet made from the
    whole body costs as much as the page is long; made from the entry's best
    passage, it costs the same for every page. Written by `allsite.search`
    with its entry; the passage's `vector` (its tsvector) is a PostgreSQL
    column outside the model, added by migration 0011_search_passages.
    SQLite's FTS5 cuts its snippets itself and leaves this table empty.
    """

    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="passages")
    number = models.PositiveIntegerField(help_text="Its place in the body, from 0.")
    text = models.TextField()

    class Meta:
        verbose_name = _("search passage")
        verbose_name_plural = _("search passages")

    def __str__(self):
        return self.text[:60]


class SearchWord(models.Model):
    """A word of the published site, for search's "Did you mean ...?".

    The vocabulary holds the words of every search entry (titles, other names,
    summaries, bodies of live pages, glossary terms and medicines), never a
    draft's: `allsite.search` adds an entry's words when it is indexed and takes
    them away when it changes or leaves the index, so `entries` is how many
    published items use the word and a word no item uses is deleted.

    Close words are found with a database-specific index created by migration
    0007_search_vocabulary: on PostgreSQL a pg_trgm GIN index on `word`, on
    SQLite the FTS5 table `allsite_searchword_trigram` (trigram tokenizer,
    kept in step with this table by triggers).
    """

    word = models.CharField(max_length=40)
    language = models.CharField(
        max_length=8,
        default=settings.LANGUAGE_CODE,
        help_text="Suggestions for a search in one language come from its words only.",
    )
    entries = models.PositiveIntegerField(
        default=0, help_text=_("How many published items in this language use the word.")
    )

    class Meta:
        verbose_name = _("search vocabulary word")
        verbose_name_plural = _("search vocabulary")
        constraints = [
            models.UniqueConstraint(fields=["language", "word"], name="search_word_per_language")
        ]

    def __str__(self):
        return self.word
