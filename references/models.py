import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DOI_PREFIX_RE = re.compile(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
PMID_PREFIX_RE = re.compile(r"^(PMID:?\s*)", re.IGNORECASE)


class ReferenceType(models.TextChoices):
    WEBPAGE = "webpage", _("Web page")
    JOURNAL_ARTICLE = "article-journal", _("Journal article")
    BOOK = "book", _("Book")
    CHAPTER = "chapter", _("Book chapter")
    REPORT = "report", _("Report or guideline")


# The fields a medical reviewer approves: everything a reader sees of a source.
CONTENT_FIELDS = (
    "type", "author_organisation", "author_people", "title", "container_title", "publisher",
    "publisher_place", "issued_year", "issued_month", "issued_day", "volume", "issue", "pages",
    "doi", "pmid", "url", "accessed",
)  # fmt: skip


class ReferenceQuerySet(models.QuerySet):
    def approved(self):
        """References readers may see: those with an approved version."""
        return self.filter(live_version__isnull=False)


class Reference(models.Model):
    """A source, stored in CSL-JSON-compatible fields and cited as [@key].

    These fields are the editors' working copy. Readers never see them directly:
    pages cite `live_version`, the snapshot a medical reviewer approved
    (treatments.workflow.submit_reference / approve_reference).
    """

    key = models.SlugField(
        max_length=80,
        unique=True,
        help_text=_(
            "Short, stable and lower case, e.g. acs-treating-all. "
            "Articles cite it as [@acs-treating-all]."
        ),
    )
    type = models.CharField(
        max_length=20, choices=ReferenceType.choices, default=ReferenceType.WEBPAGE
    )
    author_organisation = models.CharField(
        max_length=200, blank=True, help_text=_("For a source written by an organisation.")
    )
    author_people = models.TextField(
        blank=True,
        help_text=_('One person a line, as "Family, Given" (e.g. "Siegel, Rebecca L").'),
    )
    title = models.CharField(max_length=500)
    container_title = models.CharField("journal, book or website", max_length=300, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    publisher_place = models.CharField(max_length=100, blank=True)
    issued_year = models.PositiveSmallIntegerField(null=True, blank=True)
    issued_month = models.PositiveSmallIntegerField(null=True, blank=True)
    issued_day = models.PositiveSmallIntegerField(null=True, blank=True)
    volume = models.CharField(max_length=20, blank=True)
    issue = models.CharField(max_length=20, blank=True)
    pages = models.CharField(max_length=30, blank=True)
    doi = models.CharField(
        "DOI",
        max_length=200,
        blank=True,
        validators=[RegexValidator(r"^10\.\d{4,9}/\S+$", "A DOI looks like 10.3322/caac.21654.")],
    )
    pmid = models.CharField(
        "PMID",
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^\d{1,9}$", "A PubMed ID is digits only, e.g. 33433946.")],
    )
    url = models.URLField("URL", max_length=500, blank=True)
    accessed = models.DateField(null=True, blank=True, help_text=_("When the URL was last read."))
    link_status = models.PositiveSmallIntegerField(
        null=True, blank=True, editable=False, help_text=_("HTTP status at the last link check.")
    )
    link_error = models.CharField(max_length=200, blank=True, editable=False)
    link_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    live_version = models.ForeignKey(
        "ReferenceVersion",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The version a medical reviewer approved: what readers see."),
    )

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["key"]

    def __str__(self):
        return f"[@{self.key}] {self.title}"

    def save(self, *args, **kwargs):
        """Saving the working copy never changes which version readers see:
        only the workflow sets `live_version` (with update_fields)."""
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "live_version"
            ]
        super().save(*args, **kwargs)

    def clean_fields(self, exclude=None):
        """Accept DOIs and PMIDs pasted as links or with a prefix; store the bare identifier."""
        self.doi = DOI_PREFIX_RE.sub("", self.doi.strip())
        self.pmid = PMID_PREFIX_RE.sub("", self.pmid.strip())
        super().clean_fields(exclude)

    def clean(self):
        if not (self.doi or self.pmid or self.url):
            raise ValidationError(
                _("Give at least one of DOI, PMID or URL so readers can find the source.")
            )
        if self.url and not self.accessed:
            raise ValidationError({"accessed": _("A URL needs the date it was accessed.")})
        self._check_issued_date()

    def _check_issued_date(self):
        """The publication date must be a real one: month 1-12, a day that month
        has (no 30 February), and no day or month without what is above it."""
        year, month, day = self.issued_year, self.issued_month, self.issued_day
        if month is not None and not 1 <= month <= 12:
            raise ValidationError(
                {"issued_month": _("There is no month %(month)s: give 1 to 12.") % {"month": month}}
            )
        if (month or day) and not year:
            raise ValidationError({"issued_year": _("Give the year too, or leave the date empty.")})
        if day and not month:
            raise ValidationError({"issued_month": _("Give the month of that day too.")})
        if year and month and day:
            try:
                datetime.date(year, month, day)
            except ValueError:
                raise ValidationError(
                    {
                        "issued_day": _("%(year)s-%(month)02d has no day %(day)s.")
                        % {"year": year, "month": month, "day": day}
                    }
                ) from None

    def content(self):
        """The reviewed fields as JSON-ready data (what a ReferenceVersion stores)."""
        data = {name: getattr(self, name) for name in CONTENT_FIELDS}
        data["accessed"] = self.accessed.isoformat() if self.accessed else None
        return data

    @property
    def link_url(self):
        """The best link for a reader: the DOI, else PubMed, else the URL."""
        if self.doi:
            return f"https://doi.org/{self.doi}"
        if self.pmid:
            return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/"
        return self.url

    @property
    def link_is_broken(self):
        """True when the last link check failed (no answer, or an HTTP error status)."""
        if self.link_checked_at is None:
            return False
        return bool(self.link_error) or not (self.link_status and self.link_status < 400)

    def authors_csl(self):
        if self.author_organisation:
            return [{"literal": self.author_organisation}]
        people = []
        for line in self.author_people.splitlines():
            family, _, given = line.partition(",")
            if family.strip():
                people.append({"family": family.strip(), "given": given.strip()})
        return people

    def to_csl(self):
        """This reference as a CSL-JSON item."""
        item = {"id": self.key, "type": self.type, "title": self.title}
        authors = self.authors_csl()
        if authors:
            item["author"] = authors
        for field, csl_name in [
            ("container_title", "container-title"),
            ("publisher", "publisher"),
            ("publisher_place", "publisher-place"),
            ("volume", "volume"),
            ("issue", "issue"),
            ("pages", "page"),
            ("doi", "DOI"),
            ("pmid", "PMID"),
            ("url", "URL"),
        ]:
            value = getattr(self, field)
            if value:
                item[csl_name] = value
        if self.issued_year:
            parts = [self.issued_year, self.issued_month, self.issued_day]
            item["issued"] = {"date-parts": [[p for p in parts if p]]}
        if self.accessed:
            item["accessed"] = {
                "date-parts": [[self.accessed.year, self.accessed.month, self.accessed.day]]
            }
        return item

    @classmethod
    def from_csl(cls, item):
        """An unsaved Reference from a CSL-JSON item (used by the demo loader)."""
        authors = item.get("author", [])
        organisation = authors[0]["literal"] if authors and "literal" in authors[0] else ""
        people = "\n".join(
            f"{a.get('family', '')}, {a.get('given', '')}" for a in authors if "literal" not in a
        )
        issued = (item.get("issued", {}).get("date-parts") or [[]])[0]
        accessed = (item.get("accessed", {}).get("date-parts") or [[]])[0]
        return cls(
            key=item["id"],
            type=item.get("type", ReferenceType.WEBPAGE),
            author_organisation=organisation,
            author_people=people,
            title=item["title"],
            container_title=item.get("container-title", ""),
            publisher=item.get("publisher", ""),
            publisher_place=item.get("publisher-place", ""),
            issued_year=issued[0] if len(issued) > 0 else None,
            issued_month=issued[1] if len(issued) > 1 else None,
            issued_day=issued[2] if len(issued) > 2 else None,
            volume=item.get("volume", ""),
            issue=item.get("issue", ""),
            pages=item.get("page", ""),
            doi=item.get("DOI", ""),
            pmid=item.get("PMID", ""),
            url=item.get("URL", ""),
            accessed=datetime.date(*accessed) if len(accessed) == 3 else None,
        )


class VersionStatus(models.TextChoices):
    IN_REVIEW = "in_review", _("In medical review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")


class ImmutableVersionError(Exception):
    pass


class ReferenceVersion(models.Model):
    """A snapshot of a reference's fields sent for medical review. Never changed.

    Only treatments.workflow creates versions and changes their status.
    """

    reference = models.ForeignKey(Reference, on_delete=models.PROTECT, related_name="versions")
    data = models.JSONField(help_text=_("The reviewed fields at submission (see CONTENT_FIELDS)."))
    status = models.CharField(
        max_length=20, choices=VersionStatus.choices, default=VersionStatus.IN_REVIEW
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "Who submitted it; empty for sources approved before references were reviewed."
        ),
    )
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"[@{self.key}] {self.data.get('title', '')} ({self.get_status_display()})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableVersionError("Reference versions never change once saved.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableVersionError("Reference versions are part of the history and are kept.")

    @property
    def key(self):
        return self.reference.key if self.reference_id else ""

    def as_reference(self):
        """An unsaved Reference holding this version's fields, for formatting citations."""
        fields = dict(self.data)
        accessed = fields.get("accessed")
        fields["accessed"] = datetime.date.fromisoformat(accessed) if accessed else None
        return Reference(key=self.reference.key, **fields)
