"""Making French translations through the real workflow, for tests."""

from tests.conftest import make_user
from treatments import workflow
from treatments.models import Article, ReviewerProfile


def bilingual_reviewer(username="dr_bilingue"):
    """A medical reviewer who declared English and French."""
    user = make_user(workflow.MEDICAL_REVIEWERS, username=username)
    ReviewerProfile.objects.create(
        user=user,
        display_name="Dr Claire Bilingue",
        role="Hématologue",
        languages=["en-gb", "fr"],
    )
    return user


def publish_translation(original, *, editor, reviewer, language="fr", **fields):
    """Save, submit and approve a translation of the original's live version
    (creating the translation on first use); returns the translation."""
    original = Article.objects.select_related("live_revision").get(pk=original.pk)
    translation = Article.objects.filter(translation_of=original, language=language).first()
    if translation is None:
        translation = Article.objects.create(
            kind=original.kind,
            slug=original.slug,
            language=language,
            translation_of=original,
            order=original.order,
        )
    content = {"summary": "Un résumé.", "body": "", "audience": "both"} | fields
    revision = workflow.save_draft(
        translation,
        by=editor,
        base_revision=translation.latest_revision,
        translates=original.live_revision,
        **content,
    )
    workflow.submit(revision, by=editor, note_for_readers="Traduction revue.")
    workflow.approve(revision, by=reviewer)
    translation.refresh_from_db()
    return translation
