import copy

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.db.models import F, OuterRef, Subquery
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from taggit.forms import TagField

from references.admin import ReferenceAdmin
from references.models import Reference

from . import (
    body_problems,
    editing,
    media_admin,  # noqa: F401 - registers the media library (Images)
    publishing,
    translations,
    workflow,
)
from .kinds import DETAIL_FIELDS
from .lifecycle_admin import (
    LifecycleAdminViews,
    ReadersSeeFilter,
    change_url,
    lifecycle_state,
    on_site_label,
)
from .models import (
    Action,
    Article,
    Audience,
    GlossaryTerm,
    Kind,
    Medicine,
    ReviewerProfile,
    Revision,
    Transition,
)
from .rendering import working_references
from .review_admin import ReviewAdminViews

COMMON_FIELDS = ("title", "summary", "body", "audience")
CONTENT_HELP = {name: Revision._meta.get_field(name).help_text for name in COMMON_FIELDS}


class ArticleForm(forms.ModelForm):
    """The page's place in the site plus the content of a new draft revision.

    Saving never changes what readers see: it stores a new draft, which a
    medical reviewer must approve.
    """

    title = forms.CharField(max_length=200)
    summary = forms.CharField(
        max_length=400, widget=forms.Textarea(attrs={"rows": 3}), help_text=CONTENT_HELP["summary"]
    )
    # No max_length: a browser would silently cut a longer paste at the limit;
    # clean_body refuses it instead, pointing at the line, with the text kept.
    body = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "true"}),
        help_text=CONTENT_HELP["body"]
        + " Show an image from the library (Images) with ![what it shows](image:its-key) "
        "on a line of its own.",
    )
    audience = forms.ChoiceField(choices=Audience.choices, initial=Audience.BOTH, required=False)
    tags = TagField(
        required=False, help_text=_("Comma-separated topics, e.g. chemotherapy, remission.")
    )
    base_revision = forms.IntegerField(required=False, widget=forms.HiddenInput)
    submit_for_review = forms.BooleanField(
        required=False,
        label=_("Submit for medical review after saving"),
        help_text=_("Readers see nothing until a medical reviewer who is not you approves it."),
    )
    note_for_readers = forms.CharField(
        required=False,
        max_length=300,
        help_text=Revision._meta.get_field("note_for_readers").help_text,
    )
    # Shown on a translation whose latest version translates an older English
    # version (RevisedContentAdmin.get_fieldsets); its label names the date.
    brought_up_to_date = forms.BooleanField(
        required=False,
        label="This version is brought up to date with the English version",
        help_text="Tick this when the translation says everything the English page now says. "
        "The translation stops being marked out of date once a medical reviewer approves it.",
    )

    kind = Kind.PAGE

    class Meta:
        model = Article
        fields = ["slug", "parent", "order", "review_interval_months"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        latest = self.instance.latest_revision if self.instance.pk else None
        self.latest_revision = latest
        if latest is not None and not self.is_bound:
            for name in COMMON_FIELDS:
                self.initial[name] = getattr(latest, name)
            for detail in DETAIL_FIELDS[self.kind]:
                value = latest.details.get(detail.name, "")
                self.initial[detail.name] = "\n".join(value) if detail.is_list else value
            self.initial["tags"] = list(latest.tags.all())
            self.initial["base_revision"] = latest.pk
        if "brought_up_to_date" in self.fields and self.instance.translation_of_id:
            english = self.instance.translation_of
            approved = english.live_since
            if approved is not None:
                self.fields["brought_up_to_date"].label = (
                    "This version is brought up to date with the English version approved on "
                    f"{timezone.localtime(approved):%-d %b %Y}"
                )

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if parent is not None and (
            parent.language != settings.LANGUAGE_CODE or parent.translation_of_id
        ):
            raise forms.ValidationError(
                "Choose an English section: a translation sits in the translation of its "
                "English page's section, on its own."
            )
        return parent

    def clean_body(self):
        body = self.cleaned_data.get("body", "")
        if problem := body_problems.oversized(body):
            raise forms.ValidationError(str(problem))
        return body

    def body_errors(self):
        """The body's problems as the editor typed it, each naming its line."""
        typed = self.data.get(self.add_prefix("body"), "")
        problems, _ = body_problems.find_problems(typed, references=working_references(typed))
        return [str(problem) for problem in problems]

    def content(self):
        details = {}
        for detail in DETAIL_FIELDS[self.kind]:
            value = self.cleaned_data.get(detail.name, "")
            if value:
                details[detail.name] = value.splitlines() if detail.is_list else value
        fields = {name: self.cleaned_data.get(name) or "" for name in COMMON_FIELDS}
        fields["audience"] = fields["audience"] or Audience.BOTH
        return workflow.validate_content(fields | {"details": details}, self.kind)

    def base(self):
        pk = self.cleaned_data.get("base_revision")
        return Revision.objects.filter(pk=pk).first() if pk else None

    def content_unchanged(self):
        """Whether the form holds what the latest version has (the form strips the
        text boxes, so surrounding blank lines are not a change)."""
        latest = self.latest_revision

        def same(stored, typed):
            if isinstance(stored, str) and isinstance(typed, str):
                return stored.strip() == typed.strip()
            return stored == typed

        return (
            latest is not None
            and all(same(getattr(latest, k), v) for k, v in self.content().items())
            and sorted(latest.tags.names()) == sorted(self.cleaned_data["tags"])
        )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        latest_pk = self.latest_revision.pk if self.latest_revision else None
        if cleaned.get("base_revision") != latest_pk:
            latest = self.latest_revision
            self.add_error(
                None,
                f"Someone else saved a newer version of this page while you were editing "
                f"(by {latest.author}). Your text has not been saved and is still in the form "
                "below: open the page in a new tab to see their version, copy what you need "
                "into the form, and save again.",
            )
            return cleaned
        try:
            self.content()
            workflow.validate_tags(cleaned.get("tags") or [])
        except workflow.WorkflowError as error:
            located = self.body_errors() if error.field == "body" else []
            for message in located or [str(error)]:
                self.add_error(error.field if error.field in self.fields else None, message)
        return cleaned


def _latest(field):
    return Subquery(
        Revision.objects.filter(article=OuterRef("pk"))
        .order_by("-created_at", "-id")
        .values(field)[:1]
    )


class LanguageFilter(admin.SimpleListFilter):
    title = "language"
    parameter_name = "language"

    def lookups(self, request, model_admin):
        return settings.LANGUAGES

    def queryset(self, request, queryset):
        if self.value() in dict(settings.LANGUAGES):
            return queryset.filter(language=self.value())
        return queryset


class OutOfDateFilter(admin.SimpleListFilter):
    """Translations whose readers see the translation of an older English version."""

    title = "translation out of date"
    parameter_name = "out_of_date"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(translations.OUT_OF_DATE)
        if self.value() == "no":
            return queryset.exclude(translations.OUT_OF_DATE)
        return queryset


class RevisedContentAdmin(editing.WritingSurfaceViews, admin.ModelAdmin):
    """Shared by every kind of reviewed content: saving goes through the workflow."""

    slug_help = Article._meta.get_field("slug").help_text

    list_display = [
        "latest_title",
        "slug",
        "language_name",
        "latest_status",
        "on_site",
        "translation_state",
        "next_review_due",
    ]
    list_filter = [ReadersSeeFilter, LanguageFilter, OutOfDateFilter]
    search_fields = ["slug", "revisions__title"]
    send_to_review = ("Send to review", {"fields": ["submit_for_review", "note_for_readers"]})
    review_schedule = (
        "Review schedule",
        {"classes": ["collapse"], "fields": ["review_interval_months"]},
    )

    def get_queryset(self, request):
        queryset = translations.with_out_of_date(super().get_queryset(request))
        return (
            queryset.filter(kind=self.form.kind)
            .annotate(
                latest_title=_latest("title"),
                latest_status=_latest("status"),
                go_live_at=F("schedule__go_live_at"),
            )
            .select_related("live_revision")
        )

    @admin.display(description=_("Title"), ordering="latest_title")
    def latest_title(self, obj):
        return obj.latest_title

    @admin.display(description=_("Latest version"))
    def latest_status(self, obj):
        return dict(Revision._meta.get_field("status").choices).get(obj.latest_status, "—")

    @admin.display(description=_("On the site"))
    def on_site(self, obj):
        return on_site_label(obj)

    @admin.display(description="Language", ordering="language")
    def language_name(self, obj):
        return workflow.language_name(obj.language)

    @admin.display(description="Translation")
    def translation_state(self, obj):
        """For a translation: whether it keeps up with the English page (annotated, no query)."""
        if not obj.translation_of_id:
            return "—"
        if obj.translation_out_of_date:
            return "Out of date: the English page was approved again"
        if obj.live_revision_id:
            return "Up to date"
        return "Not published yet"

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A save that loses the race with another editor's save of the same page
        (both forms checked out fine, theirs committed first) is shown like any
        other conflict: the form again, with the typed text and the message."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except workflow.EditConflict:
            # Everything this attempt wrote was rolled back; checking the form
            # again now finds the newer version and says so.
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        translate = path(
            "<int:object_id>/translate/",
            self.admin_site.admin_view(self.translate_view),
            name="{}_{}_translate".format(*info),
        )
        return [*self.writing_surface_urls(), translate, *super().get_urls()]

    def translate_view(self, request, object_id):
        """POST (a button on an English item's edit screen): start its translation
        into `language` and open the translation's edit screen."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        original = self.get_object(request, str(object_id))
        if original is None:
            raise Http404("No such page.")
        if not self.has_change_permission(request, original):
            raise PermissionDenied
        language = request.POST.get("language", "")
        try:
            translation = translations.start_translation(original, language, by=request.user)
        except workflow.WorkflowError as error:
            messages.error(request, str(error))
            return redirect(change_url(original))
        name = workflow.language_name(language)
        messages.success(
            request,
            f"Started the {name} translation of “{original}”. The boxes below hold the English "
            f"text: write the {name} text over it, tick “Submit for medical review” and save. "
            f"Readers see it once a medical reviewer who reviews in {name} approves it.",
        )
        return redirect(change_url(translation))

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.translation_of_id:
            # A translation keeps its original's address and place in the site.
            readonly += ["slug", "parent", "order"]
        return readonly

    def get_fieldsets(self, request, obj=None):
        fieldsets = copy.deepcopy(super().get_fieldsets(request, obj))
        if obj is not None and obj.translation_of_id and self._needs_catching_up(obj):
            fieldsets.insert(
                1, ("Keeping up with the English page", {"fields": ["brought_up_to_date"]})
            )
        return fieldsets

    @staticmethod
    def _needs_catching_up(translation):
        """Whether the translation's latest version translates another English
        version than the live one."""
        english_live = translation.translation_of.live_revision_id
        if english_live is None:
            return False
        latest = translation.latest_revision
        return latest is None or latest.translates_id != english_live

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        # The declared fields are shared with ArticleForm: copy them, so the labels
        # and help texts subclasses set here stay on their own form.
        form.base_fields = copy.deepcopy(form.base_fields)
        if "slug" in form.base_fields:
            form.base_fields["slug"].help_text = self.slug_help
        return form

    def add_view(self, request, form_url="", extra_context=None):
        context = {**self.writing_surface_context(request), **(extra_context or {})}
        return super().add_view(request, form_url, context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, object_id)
        extra_context = {**self.writing_surface_context(request, article), **(extra_context or {})}
        latest = article.latest_revision if article else None
        feedback = None
        if latest is not None:
            feedback = (
                Transition.objects.filter(
                    action=Action.CHANGES_REQUESTED,
                    revision_id__in=[latest.pk, latest.based_on_id],
                )
                .select_related("actor")
                .first()
            )
        extra_context = {
            "latest_revision": latest,
            "feedback": feedback,
            "can_withdraw": workflow.can_withdraw(request.user),
            **(lifecycle_state(article) if article else {}),
            **self.translation_context(request, article, latest),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def translation_context(self, request, article, latest):
        """The edit screen's translation panel: for a translation, its original
        and the English version it translates; for an English item, its
        translations and the languages an editor may start one in."""
        if article is None:
            return {}
        if article.translation_of_id:
            original = (
                Article.objects.select_related("live_revision")
                .filter(pk=article.translation_of_id)
                .first()
            )
            versions = translations.english_versions(latest, original)
            live_versions = None
            if article.live_revision_id and article.live_revision_id != getattr(latest, "pk", None):
                live_versions = translations.english_versions(article.live_revision, original)
            compare_url = None
            if versions["out_of_date"] and versions["translated"] is not None:
                compare_url = (
                    reverse("admin:treatments_revision", args=[versions["live"].pk])
                    + f"?compared_with={versions['translated'].pk}"
                )
            return {
                "translation": {
                    "language": workflow.language_name(article.language),
                    "original": original,
                    "original_url": change_url(original),
                    "versions": versions,
                    "live_versions": live_versions,
                    "compare_url": compare_url,
                    "is_out_of_date": article.is_out_of_date,
                }
            }
        if article.language != settings.LANGUAGE_CODE:
            return {}
        existing = [
            {
                "article": t,
                "language": workflow.language_name(t.language),
                "url": change_url(t),
                "state": "Out of date"
                if t.translation_out_of_date
                else ("Up to date" if t.live_revision_id else "Not published yet"),
            }
            for t in translations.with_out_of_date(article.translations.all()).order_by("language")
        ]
        can_start = workflow.is_editor(request.user) and self.has_change_permission(
            request, article
        )
        return {
            "translations": {
                "existing": existing,
                "missing": [
                    (code, name)
                    for code, name in translations.other_languages()
                    if code not in {t["article"].language for t in existing}
                ]
                if can_start
                else [],
                "is_live": article.live_revision_id is not None,
                "translate_url": reverse(
                    f"admin:{self.opts.app_label}_{self.opts.model_name}_translate",
                    args=[article.pk],
                ),
            }
        }

    def save_model(self, request, obj, form, change):
        obj.kind = form.kind
        before = (
            Article.objects.select_related("live_revision").filter(pk=obj.pk).first()
            if change
            else None
        )
        obj.save()
        editing.clear_presence(obj, request.user)
        if (
            before is not None
            and before.live_revision_id
            and (before.slug, before.parent_id, before.order)
            != (obj.slug, obj.parent_id, obj.order)
        ):
            publishing.place_changed(obj, publishing.NavData.of(before), before.slug)
        revision = form.latest_revision
        translates = None
        if form.cleaned_data.get("brought_up_to_date") and obj.translation_of_id:
            english = Article.objects.select_related("live_revision").get(pk=obj.translation_of_id)
            translates = english.live_revision
        catching_up = translates is not None and (
            revision is None or revision.translates_id != translates.pk
        )
        if catching_up or not form.content_unchanged():
            revision = workflow.save_draft(
                obj,
                by=request.user,
                base_revision=form.base(),
                tags=form.cleaned_data["tags"],
                translates=translates,
                **form.content(),
            )
        if form.cleaned_data["submit_for_review"]:
            try:
                workflow.submit(
                    revision,
                    by=request.user,
                    note_for_readers=form.cleaned_data["note_for_readers"],
                )
            except workflow.WorkflowError as error:
                messages.warning(request, f"Saved, but not submitted: {error}")
            else:
                messages.info(request, "Submitted for medical review.")

    def save_related(self, request, form, formsets, change):
        """Tags belong to the revision (saved by the workflow), not the article."""
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


class SectionFilter(admin.SimpleListFilter):
    """Pages by top-level section: a short list however many pages there are."""

    title = "section"
    parameter_name = "section"

    def lookups(self, request, model_admin):
        sections = (
            Article.objects.pages()
            .filter(parent__isnull=True)
            .order_by("language", "order", "slug")
        )

        def label(section):
            if section.language == settings.LANGUAGE_CODE:
                return str(section)
            return f"{section} ({workflow.language_name(section.language)})"

        return [("top", "Top-level pages"), *((str(s.pk), label(s)) for s in sections)]

    def queryset(self, request, queryset):
        if self.value() == "top":
            return queryset.filter(parent__isnull=True)
        if self.value() and self.value().isdigit():
            return queryset.filter(parent_id=int(self.value()))
        return queryset


class SectionPicker(AutocompleteSelect):
    """The section search box, its empty choice labelled (an empty <option>
    without a label is invalid HTML and says nothing to a screen reader)."""

    EMPTY_LABEL = "None: this page is a top-level section"

    def optgroups(self, name, value, attr=None):
        groups = super().optgroups(name, value, attr)
        for _group, options, _index in groups:
            for option in options:
                if option["value"] == "" and not option["label"]:
                    option["label"] = self.EMPTY_LABEL
        return groups


@admin.register(Article)
class ArticleAdmin(LifecycleAdminViews, ReviewAdminViews, RevisedContentAdmin):
    form = ArticleForm
    list_filter = [SectionFilter, ReadersSeeFilter, LanguageFilter, OutOfDateFilter]
    autocomplete_fields = ["parent"]
    # base_revision (hidden) is left out of the fieldsets, which would give it a
    # label pointing at nothing visible: change_form.html renders it.
    fieldsets = [
        (None, {"fields": ["title", "summary", "body", "audience", "tags"]}),
        RevisedContentAdmin.send_to_review,
        ("Place in the site", {"fields": ["slug", "parent", "order"]}),
        RevisedContentAdmin.review_schedule,
    ]

    def get_search_results(self, request, queryset, search_term):
        """The section picker offers English pages only: a translation's section
        follows its original's."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("field_name") == "parent":
            queryset = queryset.filter(language=settings.LANGUAGE_CODE)
        return queryset, may_have_duplicates

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["widget"] = SectionPicker(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("review-queue/", view(self.review_queue_view), name="treatments_review_queue"),
            path("review/<int:revision_id>/", view(self.review_view), name="treatments_review"),
            path(
                "review/reference/<int:version_id>/",
                view(self.review_reference_view),
                name="treatments_review_reference",
            ),
            path("due-for-review/", view(self.due_view), name="treatments_due_for_review"),
            path(
                "versions/<int:revision_id>/", view(self.revision_view), name="treatments_revision"
            ),
            path(
                "versions/<int:revision_id>/revert/",
                view(self.revert_view),
                name="treatments_revert",
            ),
            path("<int:object_id>/withdraw/", view(self.withdraw_view), name="treatments_withdraw"),
            path("<int:object_id>/restore/", view(self.restore_view), name="treatments_restore"),
            path(
                "<int:object_id>/cancel-schedule/",
                view(self.cancel_schedule_view),
                name="treatments_cancel_schedule",
            ),
            path(
                "versions/<int:revision_id>/preview/",
                view(self.preview_view),
                name="treatments_preview",
            ),
            *super().get_urls(),
        ]


def content_form(kind, model, fields):
    """An ArticleForm for one kind of content, with that kind's detail fields declared."""
    declared = {}
    for detail in DETAIL_FIELDS[kind]:
        widget = forms.Textarea(attrs={"rows": 3}) if detail.is_list else forms.TextInput
        declared[detail.name] = forms.CharField(
            label=detail.label,
            required=detail.required,
            help_text=detail.help_text,
            widget=widget,
            max_length=2000,
        )
    meta = type("Meta", (), {"model": model, "fields": fields})
    name = f"{model.__name__}Form"
    return type(name, (ArticleForm,), {"kind": kind, "Meta": meta, **declared})


GlossaryTermForm = content_form(Kind.GLOSSARY, GlossaryTerm, ["slug", "review_interval_months"])


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(RevisedContentAdmin):
    form = GlossaryTermForm
    slug_help = (
        "Where the term sits in the glossary: /glossary/#your-term (lower-case letters, "
        "numbers and hyphens). Changing it breaks links to the term."
    )
    fieldsets = [
        (None, {"fields": ["title", "aliases", "summary", "body", "slug"]}),
        RevisedContentAdmin.send_to_review,
        RevisedContentAdmin.review_schedule,
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.base_fields["title"].label = "Term"
        form.base_fields["summary"].label = "Plain definition"
        form.base_fields["summary"].help_text = "One or two sentences a 12-year-old would follow."
        form.base_fields["body"].help_text = "Optional: more explanation (Markdown)."
        return form


MedicineForm = content_form(Kind.MEDICINE, Medicine, ["slug", "review_interval_months"])


@admin.register(Medicine)
class MedicineAdmin(RevisedContentAdmin):
    form = MedicineForm
    slug_help = (
        "The medicine's address: /medicines/your-medicine-name/ (lower-case letters, numbers "
        "and hyphens). Changing it breaks links to the medicine."
    )
    fieldsets = [
        (None, {"fields": ["title", "summary"]}),
        (
            "Facts",
            {"fields": ["brand_names", "drug_class", "target", "route", "phases", "side_effects"]},
        ),
        (None, {"fields": ["body", "tags", "slug"]}),
        RevisedContentAdmin.send_to_review,
        RevisedContentAdmin.review_schedule,
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.base_fields["title"].label = "Generic name"
        form.base_fields[
            "summary"
        ].help_text = (
            "What it is, in a sentence (e.g. a targeted drug for Philadelphia-positive ALL)."
        )
        return form


class ReadOnlyAdmin(admin.ModelAdmin):
    """History is written only by the workflow and never edited or deleted."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ["title", "article", "status", "author", "created_at"]
    list_filter = ["status"]
    search_fields = ["title", "article__slug"]
    list_select_related = ["article", "author"]


@admin.register(Transition)
class TransitionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "subject", "action", "actor", "comment"]
    list_filter = ["action"]
    list_select_related = ["article", "actor", "reference_version__reference"]

    @admin.display(description=_("Page or reference"))
    def subject(self, obj):
        if obj.reference_version_id:
            return f"[@{obj.reference_version.reference.key}]"
        return obj.article


class ReviewerProfileForm(forms.ModelForm):
    languages = forms.MultipleChoiceField(
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        label="Languages you review in",
        help_text="Tick each language you read well enough to check medical content in. Only a "
        "reviewer who ticked a language can approve, send back or confirm content written in "
        "it (for example a French translation).",
        error_messages={"required": "Tick at least one language you review in."},
    )

    class Meta:
        model = ReviewerProfile
        fields = ["user", "display_name", "role", "languages", "is_fictional"]

    def clean_languages(self):
        chosen = set(self.cleaned_data["languages"])
        return [code for code, _ in settings.LANGUAGES if code in chosen]


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(admin.ModelAdmin):
    form = ReviewerProfileForm
    list_display = ["display_name", "role", "user", "review_languages", "is_fictional"]

    @admin.display(description="Reviews in")
    def review_languages(self, obj):
        return ", ".join(workflow.language_name(code) for code in obj.languages or []) or "—"


@admin.register(Reference)
class ReviewedReferenceAdmin(ReferenceAdmin):
    """References, with saving and importing wired to the review workflow:
    readers see a source only as a medical reviewer approved it."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not form.cleaned_data.get("submit_for_review"):
            return
        live = obj.live_version
        if live is not None and live.data == obj.content():
            return
        try:
            workflow.submit_reference(obj, by=request.user)
        except workflow.WorkflowError as error:
            messages.warning(request, f"Saved, but not submitted for review: {error}")
        else:
            messages.info(
                request,
                f"[@{obj.key}] was submitted for medical review. Readers see the change "
                "once a medical reviewer approves it.",
            )

    def imported(self, request, references):
        for reference in references:
            workflow.submit_reference(reference, by=request.user)
        messages.info(
            request,
            "The imported references are waiting for medical review: pages can show them "
            "once a medical reviewer approves them.",
        )

    @admin.display(description=_("Cited by"))
    def cited_by(self, obj):
        if obj.pk is None:
            return "—"
        articles = (
            Article.objects.filter(revisions__references=obj)
            .distinct()
            .select_related("live_revision")
            .order_by("slug")[:50]
        )
        live_ids = set(
            Article.objects.filter(live_page__reference_versions__reference=obj).values_list(
                "pk", flat=True
            )
        )
        if not articles:
            return "Not cited by any page yet."
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>{}',
            (
                (
                    reverse("admin:treatments_article_change", args=[a.pk]),
                    a,
                    "" if a.pk in live_ids else " (drafts only)",
                )
                for a in articles
            ),
        )
