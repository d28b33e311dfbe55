"""The media library in the admin (Treatment pages › Images).

Editors upload an image with its alt text (required), caption and credit;
the upload is checked by treatments.media and every bad file gets a message
saying what to do, with the typed fields kept. An image never changes once
uploaded, so its page is read-only: it shows the image, the line to paste
into a page, and the pages that show it. Deleting is refused while any
version of any page shows the image.
"""

from django import forms
from django.contrib import admin, messages
from django.core.files.storage import default_storage
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from . import media
from .models import Article, Image

SHOWN_FIELDS = [
    "preview",
    "paste",
    "key",
    "alt_text",
    "caption",
    "credit",
    "size",
    "uploaded",
    "used_by",
]


class ImageUploadForm(forms.ModelForm):
    upload = forms.FileField(
        label=_("Image file"),
        help_text=f"PNG (best for diagrams), JPEG (photos) or WebP; at most "
        f"{media.MAX_BYTES // (1024 * 1024)} MB and {media.MAX_PIXELS // 1_000_000} megapixels. "
        "SVG drawings: export them as PNG first.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )

    class Meta:
        model = Image
        fields = ["key", "alt_text", "caption", "credit"]
        error_messages = {
            "alt_text": {
                "required": "Describe what the image shows: readers who cannot see it hear "
                "this instead."
            },
            "key": {
                "required": "Give the image a short key, e.g. phases-diagram: pages show it "
                "with ![what it shows](image:phases-diagram).",
            },
        }
        widgets = {"alt_text": forms.Textarea(attrs={"rows": 2})}

    checked = None

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        try:
            self.checked = media.check_upload(upload)
        except media.ImageRejected as error:
            raise forms.ValidationError(str(error)) from error
        return upload

    def clean(self):
        cleaned = super().clean()
        if self.errors and "upload" not in self.errors and self.checked is not None:
            self.add_error(
                "upload",
                "Choose the file again: browsers do not keep a chosen file when a form "
                "comes back. The text you typed is kept.",
            )
        return cleaned


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageUploadForm
    list_display = ["thumbnail", "key", "alt_text", "size", "uploaded_by", "created_at"]
    list_display_links = ["thumbnail", "key"]
    list_select_related = ["uploaded_by"]
    search_fields = ["key", "alt_text", "caption"]
    actions = None  # no bulk delete: each deletion is checked against the pages using it

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["upload", "key", "alt_text", "caption", "credit"]})]
        return [(None, {"fields": SHOWN_FIELDS})]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else SHOWN_FIELDS

    def has_change_permission(self, request, obj=None):
        return False  # images never change: upload a new one under a new key

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # One button: saving an upload shows the image's page with the line to paste.
        context.update({"show_save_and_add_another": False, "show_save_and_continue": False})
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        media.add_image(obj, form.checked, by=request.user)

    def response_add(self, request, obj, post_url_continue=None):
        messages.success(
            request,
            f"“{obj.key}” is in the library. To show it on a page, paste this into the "
            f"page's text, on a line of its own: {media.snippet(obj)}",
        )
        return redirect("admin:treatments_image_change", obj.pk)

    def delete_view(self, request, object_id, extra_context=None):
        image = self.get_object(request, object_id)
        if image is not None:
            pages = self._pages_showing(image)
            if pages:
                messages.error(
                    request,
                    f"“{image.key}” cannot be deleted: versions of these pages show it, and "
                    f"a page's history must keep what readers saw: "
                    f"{', '.join(str(page) for page in pages)}. Take it out of the pages' "
                    "text instead; it then no longer shows on new versions.",
                )
                return redirect("admin:treatments_image_change", image.pk)
        return super().delete_view(request, object_id, extra_context)

    @staticmethod
    def _pages_showing(image, limit=50):
        return list(
            Article.objects.filter(revisions__images=image)
            .distinct()
            .order_by("display_title", "pk")[:limit]
        )

    @admin.display(description=_("Image"))
    def thumbnail(self, obj):
        width, height, name = obj.renditions[0]
        shown = 80
        return format_html(
            '<img src="{}" width="{}" height="{}" alt="">',
            default_storage.url(name),
            shown,
            max(1, round(height * shown / width)),
        )

    @admin.display(description=_("Preview"))
    def preview(self, obj):
        width, height, name = media.default_rendition(obj)
        shown = min(width, 480)
        return format_html(
            '<img src="{}" width="{}" height="{}" alt="{}">',
            default_storage.url(name),
            shown,
            max(1, round(height * shown / width)),
            obj.alt_text,
        )

    @admin.display(description=_("Paste this into a page"))
    def paste(self, obj):
        return format_html(
            "<code>{}</code><br>On a line of its own. Change the words in the square brackets "
            "to describe the image for that page; an optional caption goes in quotes: "
            '<code>![…](image:{} "Caption")</code>',
            media.snippet(obj),
            obj.key,
        )

    @admin.display(description=_("Size"))
    def size(self, obj):
        return f"{obj.width:,} × {obj.height:,} pixels, {obj.format}"

    @admin.display(description=_("Uploaded"))
    def uploaded(self, obj):
        return f"by {obj.uploaded_by}, {obj.created_at:%d %b %Y %H:%M}"

    @admin.display(description=_("Shown on"))
    def used_by(self, obj):
        pages = self._pages_showing(obj)
        if not pages:
            return "No page shows it yet."
        live = set(Article.objects.filter(live_revision__images=obj).values_list("pk", flat=True))
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>{}',
            (
                (
                    reverse("admin:treatments_article_change", args=[page.pk]),
                    page,
                    " (live)" if page.pk in live else " (drafts or earlier versions)",
                )
                for page in pages
            ),
        )
