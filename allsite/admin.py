from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse

from .models import WEEKDAYS, HelplineInfo, HelplinePhone


class HelplinePhoneInline(admin.TabularInline):
    model = HelplinePhone
    extra = 1
    fields = ["label", "number", "order"]


@admin.register(HelplineInfo)
class HelplineInfoAdmin(admin.ModelAdmin):
    """One record, edited in place: the list page goes straight to it."""

    inlines = [HelplinePhoneInline]
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

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        info = HelplineInfo.objects.first()
        if info is not None and self.has_view_or_change_permission(request, info):
            return redirect(reverse("admin:allsite_helplineinfo_change", args=[info.pk]))
        return super().changelist_view(request, extra_context)
