import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .models import Reference, ReferenceVersion, VersionStatus

MAX_IMPORT_BYTES = 2 * 1024 * 1024


def possible_duplicates(reference):
    """Other references with the same DOI, PMID or URL."""
    same = Q()
    for field in ("doi", "pmid", "url"):
        value = getattr(reference, field)
        if value:
            same |= Q(**{f"{field}__iexact": value})
    if not same:
        return Reference.objects.none()
    return Reference.objects.filter(same).exclude(pk=reference.pk)


SHOWN_DUPLICATES = 5


def some_duplicates(reference):
    """(up to SHOWN_DUPLICATES possible duplicates, how many more there are): a
    source copied on thousands of pages must not make a screen thousands long."""
    found = list(possible_duplicates(reference).order_by("key")[: SHOWN_DUPLICATES + 1])
    more = 0
    if len(found) > SHOWN_DUPLICATES:
        more = possible_duplicates(reference).count() - SHOWN_DUPLICATES
    return found[:SHOWN_DUPLICATES], more


class ImportLookups:
    """What an import preview needs from the database, read in two queries for
    the whole file (not two per entry): the keys already taken, and the
    references sharing a DOI, PMID or URL with any entry."""

    FIELDS = ("doi", "pmid", "url")

    def __init__(self, parsed):
        self.taken = set(
            Reference.objects.filter(key__in=[ref.key for ref in parsed]).values_list(
                "key", flat=True
            )
        )
        wanted = {field: set() for field in self.FIELDS}
        for ref in parsed:
            for field in self.FIELDS:
                if value := getattr(ref, field):
                    wanted[field].add(value.lower())
        same = Q()
        for field, values in wanted.items():
            if values:
                same |= Q(**{f"{field}_lower__in": values})
        self.candidates = []
        if same:
            self.candidates = list(
                Reference.objects.annotate(
                    **{f"{field}_lower": Lower(field) for field in self.FIELDS}
                )
                .filter(same)
                .order_by("key")
                .only("key", *self.FIELDS)
            )

    def duplicates(self, reference):
        """(up to SHOWN_DUPLICATES possible duplicates, how many more), as some_duplicates."""
        found = [
            other
            for other in self.candidates
            if any(
                getattr(reference, field)
                and getattr(reference, field).lower() == getattr(other, field).lower()
                for field in self.FIELDS
            )
        ]
        return found[:SHOWN_DUPLICATES], max(0, len(found) - SHOWN_DUPLICATES)


def and_more(more):
    return f" and {more} more with the same DOI, PMID or URL" if more else ""


class CitedFilter(admin.SimpleListFilter):
    title = "cited"
    parameter_name = "cited"

    def lookups(self, request, model_admin):
        return [("yes", "Cited by a live page"), ("no", "Not cited by any live page")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(is_cited=True)
        if self.value() == "no":
            return queryset.filter(is_cited=False)
        return queryset


class LinkStatusFilter(admin.SimpleListFilter):
    title = "link status"
    parameter_name = "link"

    def lookups(self, request, model_admin):
        return [("broken", "Broken"), ("ok", "Working"), ("unchecked", "Not checked yet")]

    def queryset(self, request, queryset):
        checked = queryset.filter(link_checked_at__isnull=False)
        ok = Q(link_error="", link_status__lt=400, link_status__isnull=False)
        if self.value() == "broken":
            return checked.exclude(ok)
        if self.value() == "ok":
            return checked.filter(ok)
        if self.value() == "unchecked":
            return queryset.filter(link_checked_at__isnull=True).exclude(url="")
        return queryset


class ImportForm(forms.Form):
    file = forms.FileField(
        required=False,
        help_text=_("A BibTeX (.bib), RIS (.ris) or CSL-JSON (.json) export, up to 2 MB."),
    )
    content = forms.CharField(required=False, widget=forms.HiddenInput)
    filename = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload:
            if upload.size > MAX_IMPORT_BYTES:
                raise ValidationError(
                    "That file is larger than 2 MB. Split it and import the parts."
                )
            try:
                cleaned["content"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as error:
                raise ValidationError(
                    "That file is not UTF-8 text. Export it again as UTF-8 (BibTeX, RIS or CSL-JSON)."
                ) from error
            cleaned["filename"] = upload.name
        if not cleaned.get("content"):
            raise ValidationError("Choose a file to import.")
        return cleaned


class ReviewFilter(admin.SimpleListFilter):
    title = "medical review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [
            ("waiting", "In medical review"),
            ("unapproved", "Not approved yet"),
            ("approved", "Approved"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "waiting":
            return queryset.filter(in_review=True)
        if self.value() == "unapproved":
            return queryset.filter(live_version__isnull=True)
        if self.value() == "approved":
            return queryset.filter(live_version__isnull=False)
        return queryset


class ReferenceForm(forms.ModelForm):
    submit_for_review = forms.BooleanField(
        required=False,
        initial=True,
        label=_("Submit for medical review after saving"),
        help_text=_(
            "Readers keep seeing the approved version of this source until a medical "
            "reviewer who is not you approves the change."
        ),
    )

    class Meta:
        model = Reference
        formfield_callback = staticmethod(
            lambda field, **kwargs: field.formfield(
                **kwargs,
                **({"assume_scheme": "https"} if isinstance(field, models.URLField) else {}),
            )
        )
        fields = [
            "key", "type", "title", "author_organisation", "author_people", "container_title",
            "publisher", "publisher_place", "issued_year", "issued_month", "issued_day",
            "volume", "issue", "pages", "doi", "pmid", "url", "accessed",
        ]  # fmt: skip


class ReferenceAdmin(admin.ModelAdmin):
    """The editors' screens for sources. Registered by treatments.admin, which
    adds what needs the review workflow (submitting versions for review)."""

    form = ReferenceForm
    list_display = [
        "key", "title", "type", "author_organisation", "review_state", "is_cited", "link_state",
    ]  # fmt: skip
    list_filter = [ReviewFilter, "type", CitedFilter, LinkStatusFilter]
    list_select_related = ["live_version"]
    search_fields = ["key", "title", "author_organisation", "author_people", "doi", "pmid", "url"]
    readonly_fields = ["review_history", "cited_by", "duplicates", "link_check"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["key", "type", "title"]}),
        ("Authors", {"fields": ["author_organisation", "author_people"]}),
        (
            "Where it was published",
            {
                "fields": [
                    "container_title",
                    ("publisher", "publisher_place"),
                    ("issued_year", "issued_month", "issued_day"),
                    ("volume", "issue", "pages"),
                ]
            },
        ),
        ("Links", {"fields": ["doi", "pmid", ("url", "accessed"), "link_check"]}),
        ("Medical review", {"fields": ["submit_for_review", "review_history"]}),
        ("Use", {"fields": ["cited_by", "duplicates"]}),
    ]

    def get_queryset(self, request):
        versions = ReferenceVersion.objects.filter(reference=OuterRef("pk"))
        live_citing = versions.filter(live_pages__isnull=False)
        waiting = versions.filter(status=VersionStatus.IN_REVIEW)
        return (
            super()
            .get_queryset(request)
            .annotate(is_cited=Exists(live_citing), in_review=Exists(waiting))
        )

    def get_readonly_fields(self, request, obj=None):
        """Pages cite a source by its key, so an existing key never changes."""
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "key"] if obj is not None else fields

    @admin.display(description=_("Medical review"))
    def review_state(self, obj):
        if obj.in_review:
            return "In medical review"
        if obj.live_version is None:
            return "Not approved yet: readers cannot see it"
        if obj.live_version.data != obj.content():
            return "Changed: not submitted"
        return "Approved"

    @admin.display(description=_("Review history"))
    def review_history(self, obj):
        if obj.pk is None:
            return "New: readers see this source once a medical reviewer approves it."
        versions = obj.versions.select_related("author").order_by("-created_at", "-id")[:10]
        if not versions:
            return "Never submitted for review: readers cannot see it."
        return format_html_join(
            "",
            "<p>{}: submitted by {}. {}{}</p>",
            (
                (
                    f"{v.created_at:%d %b %Y %H:%M}",
                    v.author or "someone before references were reviewed",
                    v.get_status_display(),
                    " (the version readers see)." if v.pk == obj.live_version_id else ".",
                )
                for v in versions
            ),
        )

    def get_fieldsets(self, request, obj=None):
        """Only people who can save a reference are offered to submit it."""
        fieldsets = super().get_fieldsets(request, obj)
        if self.has_change_permission(request, obj) or obj is None:
            return fieldsets
        return [
            (
                name,
                {**options, "fields": [f for f in options["fields"] if f != "submit_for_review"]},
            )
            for name, options in fieldsets
        ]

    @admin.display(boolean=True, description=_("Cited"), ordering="is_cited")
    def is_cited(self, obj):
        return obj.is_cited

    @admin.display(description=_("Link"))
    def link_state(self, obj):
        if obj.link_checked_at is None:
            return "not checked" if obj.url else "—"
        if obj.link_is_broken:
            return f"broken ({obj.link_error or obj.link_status})"
        return "working"

    @admin.display(description=_("Last link check"))
    def link_check(self, obj):
        if obj.link_checked_at is None:
            return "Not checked yet (run manage.py check_links)."
        return f"{self.link_state(obj)}, {obj.link_checked_at:%d %b %Y %H:%M}"

    @admin.display(description=_("Cited by"))
    def cited_by(self, obj):
        """Filled in by treatments.admin, which knows the pages."""
        return "—"

    @admin.display(description=_("Possible duplicates"))
    def duplicates(self, obj):
        found, more = some_duplicates(obj) if obj.pk else ([], 0)
        if not found:
            return "None found (no other reference has the same DOI, PMID or URL)."
        links = format_html_join(
            ", ",
            '<a href="{}">[@{}]</a>',
            ((reverse("admin:references_reference_change", args=[d.pk]), d.key) for d in found),
        )
        return format_html("{}{}", links, and_more(more))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        found, more = some_duplicates(obj)
        if found:
            keys = ", ".join(f"[@{d.key}]" for d in found) + and_more(more)
            messages.warning(
                request,
                f"Saved, but this may duplicate {keys}: same DOI, PMID or URL. "
                "If it is the same source, cite the existing key and delete this one.",
            )

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="references_reference_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Upload -> show what will be created (flagging duplicates) -> confirm -> create all."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import references",
            "form": form,
        }
        if request.method == "POST" and form.is_valid():
            from .importers import ImportFormatError, parse_references  # BibTeX/RIS libraries

            try:
                parsed = parse_references(
                    form.cleaned_data["content"], form.cleaned_data["filename"]
                )
            except ImportFormatError as error:
                form.add_error("file", str(error))
                return TemplateResponse(request, "admin/references/import.html", context)
            accessed, problem = self._accessed_default(request)
            if accessed is not None:
                for ref in parsed:
                    if ref.url and not ref.accessed:
                        ref.accessed = accessed
            lookups = ImportLookups(parsed)
            rows = [self._import_row(ref, lookups) for ref in parsed]
            keys = [ref.key for ref in parsed]
            for row in rows:
                if keys.count(row["reference"].key) > 1:
                    row["errors"].append(
                        f"The key {row['reference'].key} appears more than once in this file."
                    )
                row["ticked"] = not row["errors"] and not row["duplicates"]
            if "confirm" in request.POST and problem is None:
                ticked = set(request.POST.getlist("import"))
                for row in rows:
                    row["ticked"] = row["reference"].key in ticked
                chosen = [row for row in rows if row["ticked"]]
                stuck = [row for row in chosen if row["errors"]]
                if not chosen:
                    problem = "Tick at least one reference to import."
                elif stuck:
                    problem = (
                        "These ticked references cannot be imported as they are: "
                        + ", ".join(f"[@{row['reference'].key}]" for row in stuck)
                        + ". Untick them, or fix them (see below), to import the others."
                    )
                else:
                    with transaction.atomic():
                        for row in chosen:
                            row["reference"].save()
                        self.imported(request, [row["reference"] for row in chosen])
                    skipped = len(rows) - len(chosen)
                    messages.success(
                        request,
                        f"Imported {len(chosen)} reference(s)"
                        + (f"; skipped {skipped}." if skipped else "."),
                    )
                    return redirect("admin:references_reference_changelist")
            context.update(
                rows=rows,
                problem=problem,
                has_errors=any(row["errors"] for row in rows),
                missing_accessed=any(r.url and not r.accessed for r in parsed),
                accessed_default=request.POST.get("accessed_default", ""),
                content=form.cleaned_data["content"],
                filename=form.cleaned_data["filename"],
            )
        return TemplateResponse(request, "admin/references/import.html", context)

    @staticmethod
    def _accessed_default(request):
        """(date, None) from the preview's "accessed on" box, (None, None) if empty,
        or (None, message) if it is not a date."""
        value = request.POST.get("accessed_default", "").strip()
        if not value:
            return None, None
        try:
            return datetime.date.fromisoformat(value), None
        except ValueError:
            return None, f"“{value}” is not a date: write it as 2026-11-24."

    def imported(self, request, references):
        """Called with the saved references of a confirmed import, in its transaction."""

    def _import_row(self, reference, lookups):
        errors = []
        try:
            reference.full_clean(validate_unique=False)  # the key: checked with the whole file
        except ValidationError as error:
            errors = [
                f"{field.replace('_', ' ')}: {' '.join(msgs)}"
                if field != "__all__"
                else " ".join(msgs)
                for field, msgs in error.message_dict.items()
            ]
        if reference.key in lookups.taken:
            errors.insert(
                0,
                f"key: {Reference._meta.get_field('key').error_messages['unique'] % {'model_name': 'Reference', 'field_label': 'Key'}}",
            )
        found, more = lookups.duplicates(reference)
        duplicates = [f"[@{d.key}]" for d in found]
        if more:
            duplicates.append(and_more(more).strip())
        return {
            "reference": reference,
            "errors": errors,
            "duplicates": duplicates,
            "summary": format_html("{} ({})", reference.title, reference.get_type_display()),
        }
