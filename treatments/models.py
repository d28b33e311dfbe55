import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager


class Kind(models.TextChoices):
    PAGE = "page", _("Treatment page")
    GLOSSARY = "glossary", _("Glossary term")
    MEDICINE = "medicine", _("Medicine")


class Audience(models.TextChoices):
    BOTH = "both", _("Adults and children")
    ADULTS = "adults", _("Adults")
    CHILDREN = "children", _("Children and young people")


class RevisionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In medical review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    SCHEDULED = "scheduled", _("Approved, waiting to go live")
    APPROVED = "approved", _("Approved")


class Action(models.TextChoices):
    SAVED = "saved", _("Saved a draft")
    SUBMITTED = "submitted", _("Submitted for medical review")
    APPROVED = "approved", _("Approved and published")
    CHANGES_REQUESTED = "changes_requested", _("Requested changes")
    CONFIRMED = "confirmed", _("Confirmed still accurate")
    REVERTED = "reverted", _("Made a draft from an earlier version")
    WITHDRAWN = "withdrawn", _("Took the page down (withdrawn)")
    RESTORED = "restored", _("Put the page back (restored)")
    SCHEDULED = "scheduled", _("Approved to go live later")
    SCHEDULE_CANCELLED = "schedule_cancelled", _("Cancelled going live later")
    WENT_LIVE = "went_live", _("Went live as scheduled")


# Steps after which readers see newly reviewed words (the updates feed lists them).
REVIEW_ACTIONS = (Action.APPROVED, Action.CONFIRMED, Action.WENT_LIVE)


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(live_revision__isnull=False)

    def pages(self):
        return self.filter(kind=Kind.PAGE)

    def glossary(self):
        return self.filter(kind=Kind.GLOSSARY)

    def medicines(self):
        return self.filter(kind=Kind.MEDICINE)

    def for_public_page(self):
        """Everything a public page shows of its article, in one query (tags prefetched)."""
        return (
            self.published()
            .filter(live_page__isnull=False)
            .select_related("live_revision", "live_page", "last_review__actor__reviewer_profile")
        )

    def for_lists(self):
        """Published articles with what a list shows (title, summary, link)."""
        return self.published().select_related("live_revision").order_by("display_title", "id")

    def due_for_review(self, within_days=60):
        horizon = timezone.localdate() + timezone.timedelta(days=within_days)
        return self.published().filter(next_review_due__lte=horizon)


class Article(models.Model):
    """A reviewed piece of content: a treatment page, a glossary term or a medicine.

    Its content lives in immutable revisions; readers see `live_revision`. All
    kinds go through the same review workflow.
    """

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PAGE)
    display_title = models.CharField(
        max_length=200,
        blank=True,
        editable=False,
        help_text=_(
            "The live title, else the newest draft's: how staff screens name the page. "
            "Kept by the workflow."
        ),
    )
    slug = models.SlugField(
        help_text=_(
            "The page's address: /treatment/your-page-name/ (lower-case letters, numbers "
            "and hyphens). Changing it breaks links to the page. A translation keeps the "
            "slug of the page it translates."
        ),
    )
    language = models.CharField(
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language this content is written in."),
    )
    translation_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="translations",
        help_text=_(
            "For a translation: the English page (or glossary term, or medicine) it "
            "translates. Empty for English content."
        ),
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        limit_choices_to={"kind": "page"},
        related_name="children",
        help_text=_("The section this page belongs to. Leave empty for a top-level section."),
    )
    order = models.PositiveSmallIntegerField(
        default=0, help_text=_("Position among pages of the same section (1 comes first).")
    )
    review_interval_months = models.PositiveSmallIntegerField(
        default=settings.MAX_REVIEW_INTERVAL_MONTHS,
        validators=[
            MinValueValidator(1),
            MaxValueValidator(settings.MAX_REVIEW_INTERVAL_MONTHS),
        ],
        help_text=_(
            "How long a medical review lasts before the page must be re-reviewed "
            "(at most 36 months)."
        ),
    )
    live_revision = models.ForeignKey(
        "Revision",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    last_review = models.ForeignKey(
        "Transition",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The approval or confirmation that dates the live page."),
    )
    next_review_due = models.DateField(null=True, blank=True, editable=False)
    live_since = models.DateTimeField(
        null=True, blank=True, editable=False, help_text=_("When the live version was approved.")
    )
    withdrawal = models.ForeignKey(
        "Transition",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "While the page is withdrawn: the step that took it down (who, when, why, "
            "and the approved version restoring it brings back)."
        ),
    )
    schedule = models.ForeignKey(
        "Transition",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "While a version is approved to go live later: that approval (its "
            "go_live_at says when)."
        ),
    )
    change_log = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text=_(
            "Readers' change log, newest first, written by the workflow at each "
            "approval or confirmation."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["order", "slug"]
        permissions = [
            ("withdraw_article", "Can withdraw a live page, restore it, and cancel a schedule")
        ]
        indexes = [
            # Navigation: a section's pages in order (treatments.navigation).
            models.Index(fields=["parent", "order", "display_title"], name="article_section_order"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["language", "slug"],
                name="article_slug_once_per_language",
                violation_error_message="Another item in this language already has this "
                "address (slug). Choose another slug.",
            ),
            models.UniqueConstraint(
                fields=["translation_of", "language"],
                name="one_translation_per_language",
                violation_error_message="This page already has a translation in that language.",
            ),
        ]

    def __str__(self):
        return self.display_title or self.slug

    def get_absolute_url(self):
        """The address in the article's own language (/fr/... for French)."""
        with translation.override(self.language):
            if self.kind == Kind.GLOSSARY:
                return reverse("treatments:glossary") + f"#{self.slug}"
            if self.kind == Kind.MEDICINE:
                return reverse("treatments:medicine_detail", kwargs={"slug": self.slug})
            return reverse("treatments:article_detail", kwargs={"slug": self.slug})

    @property
    def latest_revision(self):
        return self.revisions.order_by("-created_at", "-id").first()

    @property
    def is_translation(self):
        return self.translation_of_id is not None

    @property
    def is_out_of_date(self):
        """A translation whose live version translates an older version of the
        original than the original's live one (readers get a notice)."""
        if not self.translation_of_id or not self.live_revision_id:
            return False
        source_live = self.translation_of.live_revision_id
        return source_live is not None and self.live_revision.translates_id != source_live

    @property
    def source_article(self):
        """The English original: the article itself unless it is a translation."""
        return self.translation_of if self.translation_of_id else self

    @property
    def is_withdrawn(self):
        return self.withdrawal_id is not None

    @property
    def last_reviewed_at(self):
        return self.last_review.created_at if self.last_review_id else None

    @property
    def change_log_entries(self):
        """The readers' change log with real dates, newest first."""
        return [
            {**entry, "date": datetime.date.fromisoformat(entry["date"])}
            for entry in self.change_log
        ]

    @property
    def is_overdue(self):
        return bool(self.next_review_due and self.next_review_due < timezone.localdate())

    def clean(self):
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk:
                raise ValidationError(
                    {"parent": _("A page cannot be inside itself or its own sub-pages.")}
                )
            ancestor = ancestor.parent


class ImmutableRevisionError(Exception):
    pass


class Revision(models.Model):
    """An immutable snapshot of an article's editable fields.

    Only the workflow changes a revision after creation, and only its status
    (via queryset updates). What readers see is rendered from the live
    revision into the article's LivePage.
    """

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="revisions")
    title = models.CharField(max_length=200)
    summary = models.TextField(
        max_length=400,
        help_text=_("One or two plain-language sentences shown under the title and in lists."),
    )
    body = models.TextField(
        max_length=100_000,
        blank=True,
        help_text=_(
            "Markdown. Start sections with '## ' (the page title is the only top heading). "
            "Cite sources with [@reference-key]."
        ),
    )
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.BOTH)
    tags = TaggableManager(
        blank=True, help_text=_("Comma-separated topics, e.g. chemotherapy, remission.")
    )
    details = models.JSONField(
        default=dict,
        blank=True,
        help_text=_(
            "Fields specific to glossary terms (aliases) and medicines (brand names, "
            "class, target...). See treatments/kinds.py."
        ),
    )
    references = models.ManyToManyField(
        "references.Reference",
        blank=True,
        editable=False,
        related_name="revisions",
        help_text=_("The sources this revision's body cites (set when it is saved)."),
    )
    images = models.ManyToManyField(
        "Image",
        through="RevisionImage",
        blank=True,
        editable=False,
        related_name="revisions",
        help_text=_("The library images this revision's body shows (set when it is saved)."),
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    translates = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "For a translation: the version of the English original it translates. "
            "When the original has a newer approved version, the translation is out of date."
        ),
    )
    status = models.CharField(
        max_length=20, choices=RevisionStatus.choices, default=RevisionStatus.DRAFT
    )
    note_for_readers = models.CharField(
        max_length=300,
        blank=True,
        help_text=_(
            'What changed, in a sentence readers understand ("Updated the list of '
            "side effects.\"). Shown in the page's change log."
        ),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("review_revision", "Can approve or request changes to revisions")]

    def __str__(self):
        return f"{self.title} ({self.get_status_display()}, {self.created_at:%d %b %Y %H:%M})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRevisionError(
                "Revisions never change once saved; save a new draft instead."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRevisionError("Revisions are part of the page's history and are kept.")


class Transition(models.Model):
    """One recorded step of the review workflow. Never changed, never deleted.

    A step on an article's revision, or on a reference's version (then
    `article` and `revision` are empty).
    """

    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.PROTECT, related_name="transitions"
    )
    revision = models.ForeignKey(
        Revision, null=True, blank=True, on_delete=models.PROTECT, related_name="transitions"
    )
    reference_version = models.ForeignKey(
        "references.ReferenceVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transitions",
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(blank=True)
    go_live_at = models.DateTimeField(
        null=True, blank=True, help_text=_("For an approval to go live later: when.")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        article__isnull=False,
                        revision__isnull=False,
                        reference_version__isnull=True,
                    )
                    | models.Q(
                        article__isnull=True,
                        revision__isnull=True,
                        reference_version__isnull=False,
                    )
                ),
                name="transition_is_on_a_revision_or_a_reference_version",
            )
        ]

    def __str__(self):
        return f"{self.get_action_display()} by {self.actor} on {self.created_at:%d %b %Y}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRevisionError("Workflow records are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRevisionError("Workflow records are never deleted.")


class LivePage(models.Model):
    """What readers see of a published article, and exactly what it was made from.

    Rendered by treatments.publishing from approved versions only: the
    article's live revision, the approved versions of the references it cites,
    and the approved glossary terms and medicines it links or names. The
    many-to-many fields are the dependency index: publishing one of those
    re-renders just the pages that list it.
    """

    article = models.OneToOneField(
        Article, primary_key=True, on_delete=models.CASCADE, related_name="live_page"
    )
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="+")
    body_html = models.TextField(blank=True)
    toc = models.JSONField(default=list, blank=True, help_text=_("[(id, heading)] of the h2s."))
    citations = models.JSONField(
        default=list, blank=True, help_text=_("The reference list as plain data (structured data).")
    )
    reference_versions = models.ManyToManyField(
        "references.ReferenceVersion", blank=True, related_name="live_pages"
    )
    glossary_revisions = models.ManyToManyField(
        Revision, blank=True, related_name="linked_from",
        help_text=_("Approved glossary term versions this page links to."),
    )  # fmt: skip
    medicine_revisions = models.ManyToManyField(
        Revision, blank=True, related_name="named_on",
        help_text=_("Approved medicine versions whose names appear on this page."),
    )  # fmt: skip
    page_html = models.TextField(
        blank=True,
        help_text=_(
            "A treatment page's main region (breadcrumbs, article, section lists) as "
            "readers get it, with <!--slot:...--> markers for what depends on the request."
        ),
    )
    json_ld = models.TextField(
        blank=True, help_text=_("schema.org JSON-LD, its URL left for the request to fill in.")
    )
    section_id = models.BigIntegerField(
        null=True, blank=True, help_text=_("The top-level section the page is in (for menus).")
    )
    rendered_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Empty for pages stored before dependency tracking.")
    )

    def __str__(self):
        return f"Live page of {self.article}"


class ListEntry(models.Model):
    """One published article in one stored list: the pages on a topic, or the
    pages that name a medicine. Kept by treatments.listings whenever a live page
    is written, so that a page of a list is read in index order (and counted
    from the index) instead of sorting every matching article per request."""

    list_key = models.CharField(max_length=60, help_text=_('"topic:<tag id>" or "medicine:<id>".'))
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="list_entries")
    sort_title = models.CharField(max_length=200, help_text=_("The article's live title."))
    item_html = models.TextField(
        help_text=_("The list item readers see: link, live title and summary (escaped).")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["list_key", "article"], name="list_entry_once"),
        ]
        indexes = [
            models.Index(fields=["list_key", "sort_title", "article"], name="list_entry_order"),
        ]

    def __str__(self):
        return f"{self.article} in {self.list_key}"

    @property
    def html(self):
        return mark_safe(self.item_html)  # noqa: S308 - built by listings.item_html, escaped


def default_reviewer_languages():
    return [settings.LANGUAGE_CODE]


class ReviewerProfile(models.Model):
    """How a medical reviewer is named on the pages they approve."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviewer_profile"
    )
    display_name = models.CharField(
        max_length=120, help_text=_('As shown to readers: "Dr A. Example".')
    )
    role = models.CharField(
        max_length=200, help_text=_('Role and credentials: "Consultant haematologist".')
    )
    languages = models.JSONField(
        default=default_reviewer_languages,
        blank=True,
        help_text=_(
            "The languages this reviewer reads well enough to review medically "
            "(language codes). Only they can approve content in those languages."
        ),
    )
    is_fictional = models.BooleanField(
        default=False,
        help_text=_(
            "Demo reviewers only. While any live page was reviewed by a fictional "
            "reviewer, every page says that its content and reviews are examples."
        ),
    )

    def __str__(self):
        return f"{self.display_name}, {self.role}"


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Review due within 30 days")
    OVERDUE = "overdue", _("Review overdue")


class ReviewReminder(models.Model):
    """A reminder already sent, so `send_review_reminders` sends each one once per period."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="reminders")
    due_date = models.DateField()
    kind = models.CharField(max_length=10, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["article", "due_date", "kind"], name="one_reminder_per_period"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.article} (due {self.due_date})"


class EditingPresence(models.Model):
    """Someone has unsaved changes open on a content item's edit screen.

    A hint for other editors ("Dr X has this page open..."), never a lock:
    saving still relies on the workflow's conflict check. The editor's
    browser refreshes `seen_at` about every 30 seconds while its form has
    unsaved changes (treatments.editing); rows older than a couple of minutes
    mean nothing and are pruned. Kept in the database, which every process
    and machine shares, so the hint is the same whichever server answers.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField(help_text=_("When these unsaved changes began."))
    seen_at = models.DateTimeField(db_index=True, help_text=_("The editor's latest heartbeat."))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="editing_presence_once"),
        ]

    def __str__(self):
        return f"user {self.user_id} editing article {self.article_id}"


class GlossaryTermManager(models.Manager.from_queryset(ArticleQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(kind=Kind.GLOSSARY)


class MedicineManager(models.Manager.from_queryset(ArticleQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(kind=Kind.MEDICINE)


class GlossaryTerm(Article):
    objects = GlossaryTermManager()

    class Meta:
        proxy = True
        verbose_name = _("glossary term")


class Medicine(Article):
    objects = MedicineManager()

    class Meta:
        proxy = True


class Image(models.Model):
    """An image in the media library (treatments.media validates, stores and
    renders it). Immutable once uploaded: its files, size, renditions, alt
    text, caption and credit never change, so a page revision showing
    `![...](image:<key>)` is reviewed exactly as readers will see it. A
    changed image is a new Image with a new key. Deleting one that any
    revision shows is refused (RevisionImage.image is PROTECT).
    """

    key = models.SlugField(
        max_length=80,
        unique=True,
        error_messages={
            "unique": "An image with this key is already in the library. Images never "
            "change: give the new one a key of its own (e.g. add -2)."
        },
        help_text=_(
            "A short name used in page text, e.g. phases-diagram: lower-case letters, "
            "digits and hyphens. It never changes."
        ),
    )
    alt_text = models.CharField(
        "alt text",
        max_length=300,
        help_text=_(
            "What the image shows, for readers who cannot see it (screen readers, "
            "slow connections), e.g. “Diagram of the three phases of treatment: induction, "
            "consolidation, maintenance”. Offered as the description when the image is added "
            "to a page."
        ),
    )
    caption = models.CharField(
        max_length=300,
        blank=True,
        help_text=_("Optional: shown under the image. A page can give its own caption instead."),
    )
    credit = models.CharField(
        max_length=200,
        blank=True,
        help_text=_(
            "Optional: who made the image, and its licence if it is not ours "
            "(e.g. “Diagram: allsite”)."
        ),
    )
    file = models.FileField(
        max_length=300, editable=False, help_text=_("The full-size copy (re-encoded, no metadata).")
    )
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    format = models.CharField(max_length=10, editable=False, help_text=_("PNG, JPEG or WEBP."))
    renditions = models.JSONField(
        default=list,
        editable=False,
        help_text=_("[[width, height, storage name]] of the resized copies, narrowest first."),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("uploaded", default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.key

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRevisionError(
                "Images never change once uploaded; upload a new one under a new key instead."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        from .media import delete_files

        names = [self.file.name, *(name for _, _, name in self.renditions)]
        result = super().delete(*args, **kwargs)  # ProtectedError while a revision shows it
        delete_files(names)
        return result


class RevisionImage(models.Model):
    """A library image a revision shows. PROTECT: an image stays while any
    version of any page (history included) shows it."""

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="+")
    image = models.ForeignKey(Image, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["revision", "image"], name="revision_image_once"),
        ]

    def __str__(self):
        return f"image {self.image_id} in revision {self.revision_id}"
