import zoneinfo

from django import forms
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


class HelplineClosureInline(admin.TabularInline):
    model = HelplineClosure
    extra = 1
    fields = ["date", "label"]
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
