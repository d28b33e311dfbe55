from django.contrib import admin

from .models import Reference


@admin.register(Reference)
class ReferenceAdmin(admin.ModelAdmin):
    list_display = ["key", "title", "type", "author_organisation"]
    list_filter = ["type"]
    search_fields = ["key", "title", "author_organisation", "author_people", "doi", "pmid", "url"]
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
        ("Links", {"fields": ["doi", "pmid", ("url", "accessed")]}),
    ]
