"""Translations in the editorial workflow: started, written, reviewed and kept
up to date through the admin, by the people who would do it."""

import datetime

import pytest
from django.utils import timezone

from tests.conftest import make_user
from treatments import translations, workflow
from treatments.models import Action, Article, ReviewerProfile, RevisionStatus, Transition

pytestmark = pytest.mark.django_db

ARTICLES = "/admin/treatments/article/"
QUEUE = "/admin/treatments/article/review-queue/"
STALE = "Out of date: the English page was approved again"  # the list's column
FRENCH_BODY = "## Ce qui se passe\n\nL’induction dure environ un mois [@acs-treating-all].\n"


def change_url(article):
    return f"/admin/treatments/article/{article.pk}/change/"


def review_url(revision):
    return f"/admin/treatments/article/review/{revision.pk}/"


def translate_url(article):
    return f"/admin/treatments/article/{article.pk}/translate/"


@pytest.fixture
def french_reviewer(db):
    user = make_user(workflow.MEDICAL_REVIEWERS, username="dr_fr")
    ReviewerProfile.objects.create(
        user=user,
        display_name="Dr Fleur Relecture",
        role="Hématologue",
        languages=["en-gb", "fr"],
    )
    return user


def translation_form(translation, **fields):
    """The edit form of a translation as the translator sends it (its address
    and place are not on the form: they follow the English page)."""
    data = {
        "title": "Induction (FR)",
        "summary": "La première phase du traitement.",
        "body": FRENCH_BODY,
        "audience": "both",
        "tags": "chimiothérapie",
        "review_interval_months": "36",
        "note_for_readers": "",
        "base_revision": str(translation.latest_revision.pk),
    }
    data.update(fields)
    return data


def start(client, editor, original, language="fr"):
    """The editor presses "Translate into Français"; returns the translation."""
    client.force_login(editor)
    response = client.post(translate_url(original), {"language": language})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Article.objects.get(translation_of=original, language=language)


def write_and_submit(client, editor, translation, **fields):
    client.force_login(editor)
    response = client.post(
        change_url(translation), translation_form(translation, submit_for_review="on", **fields)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    revision = translation.latest_revision
    assert revision.status == RevisionStatus.IN_REVIEW
    return revision


def approve(client, reviewer, revision):
    client.force_login(reviewer)
    return client.post(review_url(revision), {"action": "approve", "comment": ""}, follow=True)


@pytest.fixture
def live_translation(client, publish, editor, french_reviewer):
    """A French translation of the live English page "Induction", approved."""
    original = publish(title="Induction", summary="The first phase of treatment.")
    translation = start(client, editor, original)
    revision = write_and_submit(client, editor, translation)
    approve(client, french_reviewer, revision)
    translation.refresh_from_db()
    assert translation.live_revision_id == revision.pk
    return translation


def approve_new_english_version(original, editor, reviewer, summary):
    revision = workflow.save_draft(
        original, by=editor, base_revision=original.latest_revision,
        title="Induction", summary=summary, body=original.live_revision.body, audience="both",
    )  # fmt: skip
    workflow.submit(revision, by=editor)
    workflow.approve(revision, by=reviewer)
    original.refresh_from_db()
    return revision


# Starting a translation ------------------------------------------------------


def test_translate_into_francais_makes_a_prefilled_draft_recording_the_english_version(
    client, publish, editor
):
    original = publish(title="Induction", summary="The first phase of treatment.", order=3)
    client.force_login(editor)
    page = client.get(change_url(original)).content.decode()
    assert "Translate into Français" in page

    response = client.post(translate_url(original), {"language": "fr"}, follow=True)

    translation = Article.objects.get(translation_of=original)
    assert response.redirect_chain[-1][0] == change_url(translation)
    assert (translation.language, translation.slug, translation.kind, translation.order) == (
        "fr", original.slug, original.kind, 3,
    )  # fmt: skip
    draft = translation.latest_revision
    assert draft.status == RevisionStatus.DRAFT
    assert draft.author == editor
    assert (draft.title, draft.summary, draft.body) == (
        original.live_revision.title, original.live_revision.summary, original.live_revision.body,
    )  # fmt: skip
    assert draft.translates == original.live_revision
    html = response.content.decode()
    assert "Started the Français translation of “Induction”" in html
    assert "Français translation of" in html
    assert "Translate into Français" not in html  # a translation is not translated again
    # Readers of the French address still get the English page, said to be English.
    public = client.get("/fr/treatment/induction/")
    assert public.status_code == 200
    assert "Cette page n’existe pas encore en français" in public.content.decode()
    # Back on the English page, the button has given way to a link to the translation.
    english = client.get(change_url(original)).content.decode()
    assert "Translate into Français" not in english
    assert f'href="{change_url(translation)}"' in english


def test_only_editors_see_and_use_the_translate_button(client, publish, reviewer):
    original = publish()
    client.force_login(reviewer)
    assert "Translate into Français" not in client.get(change_url(original)).content.decode()
    response = client.post(translate_url(original), {"language": "fr"})
    assert response.status_code == 403  # reviewers cannot change content at all
    assert not Article.objects.filter(translation_of=original).exists()
    with pytest.raises(workflow.WorkflowError, match="Only editors can start a translation."):
        translations.start_translation(original, "fr", by=reviewer)


def test_starting_a_translation_is_refused_in_plain_words_when_it_cannot_be_done(
    client, publish, editor
):
    original = publish()
    unpublished = Article.objects.create(slug="draft-only")
    workflow.save_draft(
        unpublished, by=editor, base_revision=None, title="Draft", summary="S", body="Text"
    )
    cases = [
        (unpublished, "fr", "has no approved version readers can see"),
        (original, "en-gb", "English is the site's main language"),
        (original, "de", "The site is not published in “de”"),
    ]
    for article, language, message in cases:
        with pytest.raises(workflow.WorkflowError, match=message):
            translations.start_translation(article, language, by=editor)
    translation = translations.start_translation(original, "fr", by=editor)
    with pytest.raises(workflow.WorkflowError, match="already has a Français translation"):
        translations.start_translation(original, "fr", by=editor)
    with pytest.raises(workflow.WorkflowError, match="This is itself a translation"):
        translations.start_translation(translation, "fr", by=editor)
    # Through the admin, the refusal is a message on the English page.
    client.force_login(editor)
    response = client.post(translate_url(original), {"language": "fr"}, follow=True)
    assert response.redirect_chain[-1][0] == change_url(original)
    assert "already has a Français translation" in response.content.decode()
    assert Article.objects.filter(translation_of=original).count() == 1


# Reviewing a translation ----------------------------------------------------


def test_a_french_speaking_reviewer_approves_a_french_translation(
    client, publish, editor, french_reviewer
):
    original = publish()
    translation = start(client, editor, original)
    revision = write_and_submit(client, editor, translation)
    assert revision.translates == original.live_revision  # kept from the first draft

    queue = approve(client, french_reviewer, revision)

    assert "Approved and published" in queue.content.decode()
    translation.refresh_from_db()
    assert translation.live_revision == revision
    assert translation.last_review.actor == french_reviewer
    assert not translation.is_out_of_date


def test_an_english_only_reviewer_is_refused_with_a_clear_message_and_nothing_changes(
    client, publish, editor, reviewer
):
    original = publish()
    translation = start(client, editor, original)
    revision = write_and_submit(client, editor, translation)
    client.force_login(reviewer)
    screen = client.get(review_url(revision)).content.decode()
    assert "Language: <strong>Français</strong>" in screen
    assert "Only a medical reviewer who has declared Français in their reviewer profile" in screen
    assert "Approve and publish" not in screen  # no button that could only be refused

    for action, comment in [("approve", ""), ("request_changes", "Trop long.")]:
        response = client.post(review_url(revision), {"action": action, "comment": comment})
        assert response.status_code == 200
        html = response.content.decode()
        verb = "approve" if action == "approve" else "request changes to"
        assert (
            f"Only a medical reviewer who has declared Français in their reviewer profile can "
            f"{verb} this translation. Your profile lists: English." in html
        )

    revision.refresh_from_db()
    translation.refresh_from_db()
    assert revision.status == RevisionStatus.IN_REVIEW
    assert translation.live_revision is None
    assert not Transition.objects.filter(
        revision=revision, action__in=[Action.APPROVED, Action.CHANGES_REQUESTED]
    ).exists()


def test_reviewers_without_a_profile_review_english_only(publish, editor, reviewer):
    """Existing reviewers keep working on English content; the rule is in the
    workflow, whatever screen calls it."""
    original = publish()
    no_profile = make_user(workflow.MEDICAL_REVIEWERS)
    translation = translations.start_translation(original, "fr", by=editor)
    workflow.submit(translation.latest_revision, by=editor)
    with pytest.raises(
        workflow.WorkflowError,
        match="no reviewer profile yet, so you count as reviewing in English",
    ):
        workflow.approve(translation.latest_revision, by=no_profile)
    with pytest.raises(workflow.WorkflowError, match="Your profile lists: English"):
        workflow.schedule(
            translation.latest_revision, by=reviewer,
            go_live_at=timezone.now() + datetime.timedelta(days=1),
        )  # fmt: skip
    assert original.live_revision.status == RevisionStatus.APPROVED  # approved by `reviewer`


def test_four_eyes_hold_for_translations_the_translator_cannot_approve(
    client, publish, editor, french_reviewer
):
    french_reviewer.groups.add(*editor.groups.all())  # a reviewer who also translates
    original = publish()
    translation = start(client, french_reviewer, original)
    revision = write_and_submit(client, french_reviewer, translation)

    response = approve(client, french_reviewer, revision)

    assert "You wrote this version, so you cannot approve this version." in (
        response.content.decode()
    )
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.IN_REVIEW
    with pytest.raises(workflow.WorkflowError, match="You wrote this version"):
        workflow.approve(revision, by=french_reviewer)


def test_an_english_only_reviewer_cannot_confirm_a_french_page_still_accurate(
    client, live_translation, reviewer, french_reviewer
):
    Article.objects.filter(pk=live_translation.pk).update(
        next_review_due=timezone.localdate() - datetime.timedelta(days=1)
    )
    client.force_login(reviewer)
    response = client.post(
        "/admin/treatments/article/due-for-review/",
        {"article": str(live_translation.pk)},
        follow=True,
    )
    assert "can confirm this translation. Your profile lists: English." in (
        response.content.decode()
    )
    client.force_login(french_reviewer)
    response = client.post(
        "/admin/treatments/article/due-for-review/",
        {"article": str(live_translation.pk)},
        follow=True,
    )
    assert "is still accurate" in response.content.decode()


# Out of date and catching up -------------------------------------------------


def test_a_new_english_approval_marks_the_translation_out_of_date_in_list_and_queue(
    client, live_translation, editor, reviewer
):
    original = live_translation.translation_of
    client.force_login(editor)
    assert STALE not in client.get(ARTICLES).content.decode()

    approve_new_english_version(original, editor, reviewer, "The first phase, in brief.")

    listing = client.get(ARTICLES).content.decode()
    assert STALE in listing
    assert "Français" in listing
    only_stale = client.get(ARTICLES + "?out_of_date=yes").content.decode()
    assert f'href="{change_url(live_translation)}' in only_stale
    assert f'href="{change_url(original)}' not in only_stale
    french_only = client.get(ARTICLES + "?language=fr").content.decode()
    assert f'href="{change_url(original)}' not in french_only
    queue = client.get(QUEUE).content.decode()
    assert "Translations out of date" in queue
    assert f'href="{change_url(live_translation)}"' in queue

    screen = client.get(change_url(live_translation)).content.decode()
    today = f"{timezone.localdate():%-d %b %Y}"
    assert f"The English page was approved again on {today}" in screen
    assert "See what changed in English between those versions" in screen
    assert "This version is brought up to date with the English version approved on" in screen
    changes = client.get(
        f"/admin/treatments/article/versions/{original.live_revision_id}/"
        f"?compared_with={live_translation.live_revision.translates_id}"
    ).content.decode()
    assert "brief</ins>" in changes  # the summary's change, word by word


def test_the_queue_marks_a_translation_submitted_against_an_older_english_version(
    client, live_translation, editor, reviewer
):
    original = live_translation.translation_of
    approve_new_english_version(original, editor, reviewer, "The first phase, in brief.")
    write_and_submit(client, editor, live_translation, title="Induction (FR) v2")
    client.force_login(reviewer)
    queue = client.get(QUEUE).content.decode()
    row = queue[queue.index("Induction (FR) v2") :][:1200]
    assert "Out of date" in row
    assert "Translates an older English version" in row
    assert "Français" in row


def test_bringing_a_translation_up_to_date_and_approving_it_clears_out_of_date(
    client, live_translation, editor, reviewer, french_reviewer
):
    original = live_translation.translation_of
    english = approve_new_english_version(original, editor, reviewer, "In brief.")
    revision = write_and_submit(
        client, editor, live_translation,
        summary="La première phase, en bref.", brought_up_to_date="on",
    )  # fmt: skip
    assert revision.translates == english
    live_translation.refresh_from_db()
    assert live_translation.is_out_of_date  # readers still see the old translation

    approve(client, french_reviewer, revision)

    live_translation.refresh_from_db()
    assert not live_translation.is_out_of_date
    client.force_login(editor)
    assert STALE not in client.get(ARTICLES).content.decode()
    assert "Translations out of date" not in client.get(QUEUE).content.decode()
    screen = client.get(change_url(live_translation)).content.decode()
    assert "brought up to date with the English version" not in screen
    assert "It is up to date with the English page readers see." in screen


def test_saving_without_the_box_keeps_the_english_version_the_draft_translates(
    client, live_translation, editor, reviewer
):
    original = live_translation.translation_of
    translated = live_translation.live_revision.translates
    approve_new_english_version(original, editor, reviewer, "In brief.")
    revision = write_and_submit(client, editor, live_translation, title="Induction (FR) v2")
    assert revision.translates == translated


# Structure ---------------------------------------------------------------


def test_a_translation_sits_in_the_translation_of_its_originals_section(client, publish, editor):
    section = publish("phases", title="Phases", tags=())
    child = publish("induction", parent=section, order=2)
    other = publish("other-section", title="Other", tags=())
    child_fr = start(client, editor, child)
    assert child_fr.parent is None  # the section has no French translation yet

    section_fr = start(client, editor, section)
    child_fr.refresh_from_db()
    assert child_fr.parent == section_fr

    # The English page moves; its translation follows (the French "Other" page
    # does not exist, so the translation becomes top-level).
    client.force_login(editor)
    response = client.post(
        change_url(child),
        {
            "title": "Induction", "summary": "The first phase of treatment.",
            "body": child.live_revision.body, "audience": "both", "tags": "chemotherapy",
            "slug": "induction", "parent": str(other.pk), "order": "5",
            "review_interval_months": "36", "note_for_readers": "",
            "base_revision": str(child.latest_revision.pk),
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    child_fr.refresh_from_db()
    assert (child_fr.parent, child_fr.order) == (None, 5)
    child.parent = section
    child.save()
    child_fr.refresh_from_db()
    assert child_fr.parent == section_fr
    # On the translation's edit screen its place is shown, not editable.
    screen = client.get(change_url(child_fr)).content.decode()
    assert 'name="parent"' not in screen
    assert 'name="slug"' not in screen


def test_glossary_terms_and_medicines_are_translated_the_same_way(client, publish_item, editor):
    term = publish_item("glossary", "remission", "Remission", "No leukaemia found.", {})
    client.force_login(editor)
    url = f"/admin/treatments/glossaryterm/{term.pk}/change/"
    assert "Translate into Français" in client.get(url).content.decode()
    response = client.post(
        f"/admin/treatments/glossaryterm/{term.pk}/translate/", {"language": "fr"}
    )
    translation = Article.objects.get(translation_of=term)
    assert response["Location"] == f"/admin/treatments/glossaryterm/{translation.pk}/change/"
    assert translation.kind == "glossary"
    assert translation.latest_revision.translates == term.live_revision


# Reviewer profiles ----------------------------------------------------------


def test_reviewer_languages_are_ticked_in_the_profile_and_at_least_one_is_needed(client, reviewer):
    admin_user = make_user(superuser=True)
    client.force_login(admin_user)
    profile = reviewer.reviewer_profile
    url = f"/admin/treatments/reviewerprofile/{profile.pk}/change/"
    page = client.get(url).content.decode()
    assert "Languages you review in" in page
    assert 'type="checkbox" name="languages" value="fr"' in page
    data = {
        "user": str(reviewer.pk),
        "display_name": "Dr Rhea Viewer",
        "role": "Consultant haematologist",
    }
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "Tick at least one language you review in." in refused.content.decode()
    response = client.post(url, {**data, "languages": ["fr", "en-gb"]})
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.languages == ["en-gb", "fr"]


# Staff screens stay valid and constant in cost --------------------------------


def translation_screens(original, translation, revision):
    return {
        "english-edit": change_url(original),
        "translation-edit": change_url(translation),
        "articles": ARTICLES,
        "articles-out-of-date": ARTICLES + "?out_of_date=yes&language=fr",
        "queue": QUEUE,
        "review": review_url(revision),
    }


def test_translation_screens_are_valid_html(client, live_translation, editor, reviewer, tmp_path):
    from tests.html_checks import INLINE_SCRIPT_RE, validate

    original = live_translation.translation_of
    approve_new_english_version(original, editor, reviewer, "In brief.")
    revision = write_and_submit(client, editor, live_translation, title="Induction (FR) v2")
    section = Article.objects.create(slug="untranslated")  # an English item not live yet
    workflow.save_draft(section, by=editor, base_revision=None, title="T", summary="S", body="B")
    pages = {}
    for name, url in translation_screens(original, live_translation, revision).items():
        client.force_login(editor)
        pages[name] = client.get(url).content.decode()
        client.force_login(reviewer)
        pages[f"{name}-reviewer"] = client.get(url).content.decode()
    client.force_login(editor)
    pages["not-live"] = client.get(change_url(section)).content.decode()
    for name, html in pages.items():
        assert not INLINE_SCRIPT_RE.search(html), name
    assert validate(pages, tmp_path) == []


def test_translation_screens_run_a_constant_number_of_queries(
    client, publish, editor, reviewer, french_reviewer
):
    """However many translations are out of date or waiting for review."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add_stale_translation(i):
        original = publish(f"page-{i}", title=f"Page {i}")
        translation = translations.start_translation(original, "fr", by=editor)
        workflow.submit(translation.latest_revision, by=editor)
        workflow.approve(translation.latest_revision, by=french_reviewer)
        approve_new_english_version(original, editor, reviewer, f"Changed {i}.")
        draft = workflow.save_draft(
            translation, by=editor, base_revision=translation.latest_revision,
            title=f"Page {i} FR", summary="Résumé.", body=original.live_revision.body,
        )  # fmt: skip
        workflow.submit(draft, by=editor)
        return original, translation, draft

    def counts():
        result = {}
        for name, url in translation_screens(*first).items():
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200, url
            result[name] = len(queries)
        return result

    first = add_stale_translation(0)
    client.force_login(editor)
    counts()  # warms per-process caches
    small = counts()
    for i in range(1, 5):
        add_stale_translation(i)
    assert counts() == small
