import zoneinfo

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.widgets import AdminTimeWidget
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from . import helpline_history
from .models import WEEKDAYS, Feedback, HelplineClosure, HelplineInfo, HelplinePhone


class PhonesFormSet(BaseInlineFormSet):
    def clean(self):
        """Readers must always have a way to reach the helpline."""
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("number")
        ]
        if not kept and not (self.instance.email or "").strip():
            raise ValidationError(
                "Readers need a way to reach the helpline: keep at least one phone number, "
                "or give an email address."
            )


class HelplinePhoneInline(admin.TabularInline):
    model = HelplinePhone
    formset = PhonesFormSet
    extra = 1
    fields = ["label", "number", "language", "order"]


class HelplineClosureForm(forms.ModelForm):
    """A closure date, with its label for each other language's pages
    (label_fr: blank shows the English label)."""

    class Meta:
        model = HelplineClosure
        fields = ["date", "label"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, label in (self.instance.translations or {}).items():
            if f"label_{code}" in self.fields:
                self.initial.setdefault(f"label_{code}", label)

    def save(self, commit=True):
        self.instance.translations = {
            code: label
            for code, _name in OTHER_LANGUAGES
            if (label := self.cleaned_data.get(f"label_{code}", "").strip())
        }
        return super().save(commit)


class HelplineClosureInline(admin.TabularInline):
    model = HelplineClosure
    form = HelplineClosureForm
    extra = 1
    verbose_name_plural = "closure dates (bank holidays)"


def time_zone_choices():
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class HelplineInfoForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        initial="Europe/London",
        help_text=HelplineInfo._meta.get_field("time_zone").help_text,
    )

    class Meta:
        model = HelplineInfo
        fields = ["time_zone"]  # the admin adds the others from its fieldsets

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.time_zone
        field = self.fields["time_zone"]
        if current and current not in dict(field.choices):
            # A name saved before the list was a select (and still valid, say
            # an alias this machine's tzdata does not list): keep it choosable.
            field.choices = [(current, current), *field.choices]
        for code, texts in (self.instance.translations or {}).items():
            for field_name, text in texts.items():
                if f"{field_name}_{code}" in self.fields:
                    self.initial.setdefault(f"{field_name}_{code}", text)

    def save(self, commit=True):
        self.instance.translations = {
            code: texts
            for code, _name in OTHER_LANGUAGES
            if (
                texts := {
                    field: self.cleaned_data[f"{field}_{code}"].strip()
                    for field in HelplineInfo.TRANSLATED_FIELDS
                    if self.cleaned_data.get(f"{field}_{code}", "").strip()
                }
            )
        }
        return super().save(commit)


OTHER_LANGUAGES = [
    (code, name) for code, name in settings.LANGUAGES if code != settings.LANGUAGE_CODE
]
TRANSLATED_LABELS = {
    "name": _("Name"),
    "hours_note": _("Note under the hours"),
    "urgent_notice": _("Urgent notice"),
}


def _admin_width(formfield):
    """The admin's widths for a field it did not make itself."""
    large = isinstance(formfield.widget, forms.Textarea)
    formfield.widget.attrs["class"] = "vLargeTextField" if large else "vTextField"


def _add_translated_fields(form_class):
    """One optional field per translatable text and other language (name_fr,
    hours_note_fr, urgent_notice_fr), kept in HelplineInfo.translations."""
    for code, language_name in OTHER_LANGUAGES:
        for field_name in HelplineInfo.TRANSLATED_FIELDS:
            formfield = HelplineInfo._meta.get_field(field_name).formfield(required=False)
            _admin_width(formfield)
            formfield.label = f"{TRANSLATED_LABELS[field_name]} ({language_name})"
            formfield.help_text = _(
                "Shown on pages in %(language)s. Leave it blank to show the English text there."
            ) % {"language": language_name}
            key = f"{field_name}_{code}"
            form_class.base_fields[key] = form_class.declared_fields[key] = formfield


_add_translated_fields(HelplineInfoForm)


def _add_translated_closure_labels(form_class, inline_class):
    """label_fr (and so on): a closure date's label for each other language."""
    for code, language_name in OTHER_LANGUAGES:
        formfield = HelplineClosure._meta.get_field("label").formfield(required=False)
        _admin_width(formfield)
        formfield.label = _("Label (%(language)s)") % {"language": language_name}
        formfield.help_text = _("Shown on pages in %(language)s; blank shows the label above.") % {
            "language": language_name
        }
        form_class.base_fields[f"label_{code}"] = formfield
        form_class.declared_fields[f"label_{code}"] = formfield
    inline_class.fields = ["date", "label", *[f"label_{code}" for code, _n in OTHER_LANGUAGES]]


_add_translated_closure_labels(HelplineClosureForm, HelplineClosureInline)


# Hours are whole minutes: shown and entered as 09:00, never 09:00:00.
TIME_WIDGET = AdminTimeWidget(format="%H:%M")


@admin.register(HelplineInfo)
class HelplineInfoAdmin(admin.ModelAdmin):
    """One record, edited in place: the list page goes straight to it.

    Its history (the admin's History page) records each change with the old
    and the new values, phones and closure dates included (allsite.helpline_history).
    """

    form = HelplineInfoForm
    inlines = [HelplinePhoneInline, HelplineClosureInline]
    formfield_overrides = {models.TimeField: {"widget": TIME_WIDGET}}
    object_history_template = "admin/allsite/helplineinfo/object_history.html"
    fieldsets = [
        (None, {"fields": ["name", "email", "urgent_notice"]}),
        (
            "Opening hours",
            {
                "description": "Use 24-hour times (09:00, 17:30). Leave both times blank on "
                "days when the helpline is closed.",
                "fields": [
                    "time_zone",
                    *[(f"{d}_opens", f"{d}_closes") for d in WEEKDAYS],
                    "hours_note",
                ],
            },
        ),
        *[
            (
                name,
                {
                    "description": _(
                        "What pages in %(language)s show instead of the English name and "
                        "notes. The numbers, email and hours are the same in every language; "
                        "to show a number only on these pages, choose the language next to it."
                    )
                    % {"language": name},
                    "fields": [f"{field}_{code}" for field in HelplineInfo.TRANSLATED_FIELDS],
                },
            )
            for code, name in OTHER_LANGUAGES
        ],
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not HelplineInfo.objects.exists()

    def construct_change_message(self, request, form, formsets, add=False):
        return helpline_history.change_message(form, formsets, add)

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        info = HelplineInfo.objects.first()
        if info is not None and self.has_view_or_change_permission(request, info):
            return redirect(reverse("admin:allsite_helplineinfo_change", args=[info.pk]))
        return super().changelist_view(request, extra_context)


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    """Readers' feedback, triaged by editors and medical reviewers.

    What the reader sent is read-only; staff change only the status and their
    own note. Feedback comes only from the public forms: nobody adds it here.
    """

    list_display = ["created_at", "page", "kind", "helpful", "short_comment", "status"]
    list_display_links = ["created_at", "short_comment"]
    list_filter = ["status", "kind", "helpful"]
    search_fields = ["comment"]
    list_select_related = ["article__live_revision"]
    actions = ["mark_actioned", "mark_resolved"]
    fields = ["page_link", "kind", "helpful", "comment", "created_at", "status", "staff_note"]
    readonly_fields = ["page_link", "kind", "helpful", "comment", "created_at"]
    radio_fields = {"status": admin.HORIZONTAL}

    def has_add_permission(self, request):
        return False

    def lookup_allowed(self, lookup, value, request=None):
        # "All feedback on this page", linked from the page's edit and review screens.
        return lookup == "article__id__exact" or super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("page"), ordering="article__slug")
    def page(self, obj):
        return str(obj.article)

    @admin.display(description=_("page"))
    def page_link(self, obj):
        # format_html escapes the title; the reader's comment is never marked safe.
        return format_html('<a href="{}">{}</a>', obj.article.get_absolute_url(), obj.article)

    @admin.display(description=_("comment"))
    def short_comment(self, obj):
        return Truncator(obj.comment).chars(80) or "—"

    def _set_status(self, request, queryset, status):
        count = queryset.exclude(status=status).update(status=status)
        label = Feedback.Status(status).label.lower()
        self.message_user(
            request, f"{count} feedback item{'' if count == 1 else 's'} marked as {label}."
        )

    @admin.action(description=_("Mark as actioned"), permissions=["change"])
    def mark_actioned(self, request, queryset):
        self._set_status(request, queryset, Feedback.Status.ACTIONED)

    @admin.action(description=_("Mark as resolved"), permissions=["change"])
    def mark_resolved(self, request, queryset):
        self._set_status(request, queryset, Feedback.Status.RESOLVED)
