"""Translations: an English page (or glossary term, or medicine) in another language.

A translation is its own Article (same kind, same slug, its own `language`,
`translation_of` the English original) with its own line of revisions,
edited, submitted and approved through treatments.workflow like any
content: the same four-eyes rule, and a reviewer who declared its language.

Each translation revision records the approved English version it
translates (`Revision.translates`). A live translation whose live version
translates an older English version than the original's live one is
"out of date": staff screens list it, readers get a notice.

Structure is mirrored: a translation's parent is the translation (same
language) of its original's parent, when there is one, else none; its order
is the original's. `start_translation` and `mirror_structure` keep it so, the
latter run whenever an original is saved (a post_save receiver).
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Case, F, OuterRef, Q, Subquery, Value, When
from django.db.models.signals import post_save
from django.dispatch import receiver

from . import publishing, workflow
from .models import Action, Article, Transition

# A live translation of a live original, translating another version than
# the original's live one (as Article.is_out_of_date, in SQL).
OUT_OF_DATE = Q(
    translation_of__isnull=False,
    live_revision__isnull=False,
    translation_of__live_revision__isnull=False,
) & (
    Q(live_revision__translates__isnull=True)
    | ~Q(live_revision__translates=F("translation_of__live_revision"))
)


def with_out_of_date(queryset):
    """The queryset with `translation_out_of_date` (True/False) on each row: no
    query per row."""
    return queryset.annotate(
        translation_out_of_date=Case(
            When(OUT_OF_DATE, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )


def out_of_date_translations():
    """Live translations that translate an older English version, longest out
    of date first, each with `translated_on`: when the English version it
    translates was approved."""
    approval = Transition.objects.filter(
        revision=OuterRef("live_revision__translates"),
        action__in=[Action.APPROVED, Action.WENT_LIVE],
    ).order_by("created_at", "id")
    return (
        Article.objects.filter(OUT_OF_DATE)
        .select_related("translation_of")
        .annotate(translated_on=Subquery(approval.values("created_at")[:1]))
        .order_by("translation_of__live_since", "pk")
    )


def other_languages():
    """(code, name) of the languages content can be translated into."""
    return [(code, name) for code, name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def missing_languages(article):
    """(code, name) of the languages an English original has no translation in yet."""
    if article is None or article.pk is None or article.translation_of_id is not None:
        return []
    done = set(article.translations.values_list("language", flat=True))
    return [(code, name) for code, name in other_languages() if code not in done]


def approval_of(revision):
    """When `revision` was approved (the approval, or its going live), or None."""
    if revision is None:
        return None
    step = (
        Transition.objects.filter(revision=revision, action__in=[Action.APPROVED, Action.WENT_LIVE])
        .order_by("created_at", "id")
        .first()
    )
    return step.created_at if step else None


def _translation_in(article, language):
    if article is None:
        return None
    return Article.objects.filter(translation_of=article, language=language).first()


@transaction.atomic
def start_translation(original, language, *, by):
    """Create the translation of a live English original into `language`, with a
    first draft holding the original's live text (for the translator to write
    over) and recording the English version it starts from. Returns the new
    translation Article. Readers see nothing until a medical reviewer who
    declared `language` approves a version of it."""
    if not workflow.is_editor(by):
        raise workflow.WorkflowError("Only editors can start a translation.")
    languages = dict(settings.LANGUAGES)
    if language == settings.LANGUAGE_CODE:
        raise workflow.WorkflowError(
            f"{languages[language]} is the site's main language: pages are written in it and "
            "translated from it."
        )
    if language not in languages:
        listed = ", ".join(name for _, name in other_languages())
        raise workflow.WorkflowError(
            f"The site is not published in “{language}”: it can be translated into {listed}."
        )
    original = Article.objects.select_for_update().get(pk=original.pk)
    if original.translation_of_id is not None:
        raise workflow.WorkflowError(
            "This is itself a translation: translate the English original instead."
        )
    name = languages[language]
    if _translation_in(original, language) is not None:
        raise workflow.WorkflowError(
            f"“{original}” already has a {name} translation: open it from the page's edit "
            "screen instead of starting another."
        )
    live = original.live_revision
    if live is None:
        raise workflow.WorkflowError(
            f"“{original}” has no approved version readers can see, so there is nothing to "
            "translate yet: a medical reviewer must approve the English page first."
        )
    parent = _translation_in(original.parent, language) if original.parent_id else None
    try:
        with transaction.atomic():
            translation = Article.objects.create(
                kind=original.kind,
                slug=original.slug,
                language=language,
                translation_of=original,
                parent=parent,
                order=original.order,
                review_interval_months=original.review_interval_months,
            )
    except IntegrityError as error:  # a page in that language already has the address
        raise workflow.WorkflowError(
            f"Another {name} item already has the address “{original.slug}”, so this "
            "translation cannot have it: ask an administrator to rename one of them."
        ) from error
    approved = approval_of(live) or original.live_since
    workflow._new_draft(
        translation,
        by=by,
        base_revision=None,
        tags=sorted(live.tags.names()),
        fields={name: getattr(live, name) for name in workflow.CONTENT_FIELDS},
        translates=live,
        comment=f"Started the {name} translation from the English version approved on "
        f"{workflow._when(approved)}.",
    )
    # Existing translations of the original's sub-pages now have their section.
    orphans = Article.objects.filter(
        language=language, translation_of__parent=original, parent__isnull=True
    )
    for child in orphans.select_related("live_revision"):
        _move(child, parent=translation, order=child.order)
    translation.refresh_from_db()
    return translation


def _move(translation, *, parent, order):
    """Give a translation its mirrored place; a live one's menus and lists follow."""
    previous_nav = publishing.NavData.of(translation)
    translation.parent = parent
    translation.order = order
    translation.save(update_fields=["parent", "order"])
    if translation.live_revision_id is not None:
        publishing.place_changed(translation, previous_nav, translation.slug)


def mirror_structure(original):
    """Make the translations of `original` follow its parent and order. Returns
    the translations moved."""
    translations = list(original.translations.select_related("live_revision"))
    if not translations:
        return []
    parents = {}
    if original.parent_id:
        parents = {
            t.language: t for t in Article.objects.filter(translation_of_id=original.parent_id)
        }
    moved = []
    for translation in translations:
        parent = parents.get(translation.language)
        parent_id = parent.pk if parent else None
        if (translation.parent_id, translation.order) != (parent_id, original.order):
            _move(translation, parent=parent, order=original.order)
            moved.append(translation)
    return moved


@receiver(post_save, dispatch_uid="translations-follow-their-original")
def original_saved(sender, instance, created, update_fields=None, **kwargs):
    """When an English original's parent or order may have changed, its
    translations follow."""
    if not isinstance(instance, Article) or created or instance.translation_of_id is not None:
        return
    if update_fields is not None and not {"parent", "order"} & set(update_fields):
        return
    if kwargs.get("raw"):
        return
    mirror_structure(instance)


def english_versions(translation_revision, original):
    """What a translation revision translates, for staff screens: a dict with
    `translated` (the English revision, or None), `translated_on` (when it was
    approved), `live` (the original's live revision), `approved_again_on` and
    `out_of_date` (it translates another version than the live one)."""
    translated = translation_revision.translates if translation_revision else None
    live = original.live_revision
    return {
        "translated": translated,
        "translated_on": approval_of(translated),
        "live": live,
        "approved_again_on": original.live_since,
        "out_of_date": live is not None and (translated is None or translated.pk != live.pk),
    }
