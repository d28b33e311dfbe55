"""Random sequences of everything that changes content anywhere: reference
edits, submissions, approvals and imports; page edits (text, citations,
tags) and approvals; glossary terms and medicines drafted and published;
confirmations; pages, terms and medicines withdrawn and restored; earlier
versions reverted to (and approved); versions approved to go live later,
cancelled, superseded, and going live as the clock passes their time.

After every step, with the background tasks the step enqueued run:
- every live page is exactly what approved versions render (its live
  revision, the approved versions of what it cites, the published terms and
  medicines), and records exactly those versions; its stored main region
  (navigation, byline, topics) is what rendering it now would give;
- no public page shows a word that only exists in an unapproved draft or an
  edited reference's working copy;
- every public page served from the full-page cache is byte for byte the page
  rendered afresh;
- a withdrawn page answers 410 and is in no sitemap, search result or feed.
"""

import datetime
import itertools
import re

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client, TestCase
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from taggit.models import Tag

from allsite.models import SearchEntry
from references.models import Reference, VersionStatus
from tests.conftest import make_user
from treatments import listings, publishing, workflow
from treatments.models import (
    Article,
    Kind,
    LivePage,
    ReviewerProfile,
    RevisionStatus,
)

MARKER_RE = re.compile(r"mk\d{3}x\d{4}")
WORDS = ["remission", "marrow", "blast"]
MEDICINES = [("imatinib", "Imatinib", "Glivec"), ("dasatinib", "Dasatinib", "Sprycel")]
HOUR = datetime.timedelta(hours=1)
TAGS = ["chemo", "steroids", "trials"]

_machines = itertools.count()


def on_commit_runs():
    """Run what the step enqueued after commit (background tasks, cache
    updates), although the machine's transaction never commits."""
    return TestCase.captureOnCommitCallbacks(execute=True)


class PublishingMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        cache.clear()
        self.n = next(_machines)
        self.markers = itertools.count(1)
        self.approved = set()  # markers readers may see
        self.unapproved = set()  # markers in drafts and working copies only
        self.editor = make_user(workflow.EDITORS)
        self.editor2 = make_user(workflow.EDITORS)
        self.reviewer = make_user(workflow.MEDICAL_REVIEWERS)
        self.reviewer2 = make_user(workflow.MEDICAL_REVIEWERS)
        for user, name in [(self.reviewer, "Dr One"), (self.reviewer2, "Dr Two")]:
            ReviewerProfile.objects.create(user=user, display_name=name, role="Consultant")
        self.manager = make_user(workflow.CONTENT_MANAGERS)
        self.client = Client()
        self.clock = timezone.now()  # the machine's time: passes only in time_passes
        with on_commit_runs():
            self.references = [self._new_reference(approve=True) for _ in range(2)]
            self.section = self._new_page("section", parent=None)
            self.pages = [
                self.section,
                self._new_page("child", parent=self.section),
                self._new_page("sibling", parent=self.section),
                self._new_page("third", parent=self.section),
            ]

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)
        cache.clear()

    # --- helpers ---------------------------------------------------------

    def marker(self):
        return f"mk{self.n:03d}x{next(self.markers):04d}"

    def _new_reference(self, *, approve):
        marker = self.marker()
        reference = Reference.objects.create(
            key=f"src-{self.n}-{marker}", type="webpage", title=f"Source {marker}",
            url=f"https://example.org/{marker}", accessed=datetime.date(2026, 11, 1),
        )  # fmt: skip
        version = workflow.submit_reference(reference, by=self.editor)
        if approve:
            workflow.approve_reference(version, by=self.reviewer)
            self.approved.add(marker)
        else:
            self.unapproved.add(marker)
        return reference

    def _new_page(self, name, parent):
        article = Article.objects.create(slug=f"{name}-{self.n}", parent=parent)
        self._publish(article, f"Page {name}", self._body([0], [0]), tags=["chemo"])
        article.refresh_from_db()
        return article

    def _body(self, reference_indexes, word_indexes, medicine_indexes=()):
        keys = [self.references[i % len(self.references)].key for i in reference_indexes]
        words = [WORDS[i % len(WORDS)] for i in word_indexes]
        names = [MEDICINES[i % len(MEDICINES)][2] for i in medicine_indexes]
        cites = "".join(f" [@{key}]" for key in keys)
        return f"## About\n\nIt is about {', '.join(words + names) or 'care'}{cites}.\n"

    def _publish(self, article, title, body, *, tags=(), details=None):
        marker = self.marker()
        revision = workflow.save_draft(
            article, by=self.editor, base_revision=article.latest_revision, tags=tags,
            title=title, summary=f"Summary {marker}", body=body, details=details or {},
        )  # fmt: skip
        workflow.submit(revision, by=self.editor)
        workflow.approve(revision, by=self.reviewer)
        self.approved.add(marker)
        return revision

    def _kind_item(self, kind, slug, title, details):
        article = Article.objects.filter(slug=f"{slug}-{self.n}").first()
        return article or Article.objects.create(slug=f"{slug}-{self.n}", kind=kind)

    # --- rules -----------------------------------------------------------

    @rule(index=st.integers(0, 5), submit=st.booleans())
    def edit_a_reference(self, index, submit):
        reference = self.references[index % len(self.references)]
        marker = self.marker()
        reference.title = f"Source {marker}"
        reference.url = f"https://example.org/{marker}"
        reference.save()
        self.unapproved.add(marker)
        if submit:
            workflow.submit_reference(reference, by=self.editor2)

    @rule(approve=st.booleans())
    def import_a_reference(self, approve):
        with on_commit_runs():
            self.references.append(self._new_reference(approve=approve))

    @rule(index=st.integers(0, 5), approve=st.booleans())
    def decide_on_a_reference(self, index, approve):
        reference = self.references[index % len(self.references)]
        version = reference.versions.filter(status=VersionStatus.IN_REVIEW).order_by("pk").last()
        if version is None:
            return
        live = reference.live_version
        superseded = live is not None and live.pk > version.pk
        with on_commit_runs():
            if not approve:
                workflow.request_reference_changes(version, by=self.reviewer, comment="Check it.")
                return
            try:
                workflow.approve_reference(version, by=self.reviewer)
            except workflow.WorkflowError:
                assert superseded, "an approvable reference version was refused"
                return
        assert not superseded, "an older reference version replaced a newer approved one"
        self.approved.add(version.data["title"].split()[-1])

    @rule(
        index=st.integers(0, 5),
        cites=st.lists(st.integers(0, 5), max_size=3),
        words=st.lists(st.integers(0, 2), max_size=2),
        medicines=st.lists(st.integers(0, 1), max_size=2),
        tags=st.lists(st.sampled_from(TAGS), max_size=2, unique=True),
        retitle=st.sampled_from(["", "A", "M", "Z"]),  # a new title moves the page in its section
        submit=st.booleans(),
    )
    def edit_a_page(self, index, cites, words, medicines, tags, retitle, submit):
        article = self.pages[index % len(self.pages)]
        marker = self.marker()
        self.unapproved.add(marker)
        title = f"Page {retitle} {marker}" if retitle else article.latest_revision.title
        revision = workflow.save_draft(
            article, by=self.editor2, base_revision=article.latest_revision, tags=tags,
            title=title, summary=f"Summary {marker}", body=self._body(cites, words, medicines),
        )  # fmt: skip
        if submit:
            with on_commit_runs():
                workflow.submit(revision, by=self.editor2)

    @rule(index=st.integers(1, 5), letter=st.sampled_from("AMZ"))
    def move_a_page_by_publishing_a_new_title(self, index, letter):
        """Pages in a section are in title order: a new title moves the page."""
        article = self.pages[index % len(self.pages)]
        current = Article.objects.get(pk=article.pk)
        body = (current.live_revision or current.latest_revision).body
        marker = self.marker()
        with on_commit_runs():
            try:
                self._publish(article, f"Page {letter} {marker}", body, tags=["chemo"])
            except workflow.WorkflowError:
                # Its last version cites a source whose change was rejected since.
                assert publishing.unapproved_citations(body)
                return
        self.approved.add(marker)

    @rule(index=st.integers(0, 5))
    def approve_a_page(self, index):
        article = self.pages[index % len(self.pages)]
        revision = article.latest_revision
        if revision.status != RevisionStatus.IN_REVIEW:
            return
        cited_unapproved = publishing.unapproved_citations(revision.body)
        with on_commit_runs():
            try:
                workflow.approve(revision, by=self.reviewer2)
            except workflow.WorkflowError:
                assert cited_unapproved, "a page citing only approved sources was refused"
                return
        assert not cited_unapproved, "a page citing an unapproved source was approved"
        # Everything the approved version shows is now approved, including a
        # title it kept from an earlier draft (an edit without a new title).
        self.approved.update(MARKER_RE.findall(f"{revision.title} {revision.summary}"))
        article.refresh_from_db()

    @rule(word=st.integers(0, 2), alias=st.booleans(), approve=st.booleans())
    def draft_or_publish_a_glossary_term(self, word, alias, approve):
        name = WORDS[word]
        article = self._kind_item(Kind.GLOSSARY, f"term-{name}", name, {})
        details = {"aliases": [f"{name}s-alias"]} if alias else {}
        self._draft_item(article, name.capitalize(), details, approve)

    @rule(index=st.integers(0, 1), approve=st.booleans())
    def draft_or_publish_a_medicine(self, index, approve):
        slug, generic, brand = MEDICINES[index]
        article = self._kind_item(Kind.MEDICINE, slug, generic, {})
        details = {"brand_names": [brand], "drug_class": "TKI", "route": "Tablets"}
        self._draft_item(article, generic, details, approve)

    def _draft_item(self, article, title, details, approve):
        marker = self.marker()
        revision = workflow.save_draft(
            article, by=self.editor, base_revision=article.latest_revision,
            title=title, summary=f"Summary {marker}", body="", details=details,
        )  # fmt: skip
        if not approve:
            self.unapproved.add(marker)
            return
        with on_commit_runs():
            workflow.submit(revision, by=self.editor)
            workflow.approve(revision, by=self.reviewer)
        self.approved.add(marker)

    @rule(index=st.integers(0, 5))
    def confirm_a_page(self, index):
        article = Article.objects.get(pk=self.pages[index % len(self.pages)].pk)
        with on_commit_runs():
            try:
                workflow.confirm_still_accurate(article, by=self.reviewer2)
            except workflow.WorkflowError:
                assert article.live_revision_id is None, "a live page could not be confirmed"

    def _content(self):
        """Pages, glossary terms and medicines of this machine."""
        return list(Article.objects.filter(slug__endswith=f"-{self.n}").order_by("pk"))

    @rule(index=st.integers(0, 9), by_manager=st.booleans())
    def withdraw_something(self, index, by_manager):
        items = self._content()
        article = items[index % len(items)]
        was_live = article.live_revision_id is not None
        with on_commit_runs():
            try:
                workflow.withdraw(
                    article, by=self.manager if by_manager else self.reviewer, reason="Wrong."
                )
            except workflow.WorkflowError:
                assert not was_live, "a live page could not be withdrawn"
                return
        assert was_live, "a page that was not live was withdrawn"

    @rule(index=st.integers(0, 9))
    def restore_something(self, index):
        items = self._content()
        article = items[index % len(items)]
        with on_commit_runs():
            try:
                workflow.restore(article, by=self.reviewer2)
            except workflow.WorkflowError:
                assert not article.is_withdrawn, "a withdrawn page could not be restored"
                return
        article.refresh_from_db()
        assert article.live_revision.status == RevisionStatus.APPROVED

    @rule(index=st.integers(0, 5), back=st.integers(1, 4), approve=st.booleans())
    def revert_a_page(self, index, back, approve):
        """Any earlier version (approved or not) becomes a draft that needs review."""
        article = self.pages[index % len(self.pages)]
        revisions = list(article.revisions.order_by("-created_at", "-id")[: back + 1])
        if len(revisions) <= back:
            return
        try:
            draft = workflow.revert(revisions[back], by=self.editor2)
        except workflow.WorkflowError:
            return  # the same content as the newest version
        assert draft.status == RevisionStatus.DRAFT
        if not approve:
            return
        with on_commit_runs():
            workflow.submit(draft, by=self.editor2)
            try:
                workflow.approve(draft, by=self.reviewer)
            except workflow.WorkflowError:
                assert publishing.unapproved_citations(draft.body)
                return
        self.approved.update(MARKER_RE.findall(f"{draft.title} {draft.summary}"))

    @rule(index=st.integers(0, 5), minutes=st.integers(1, 120))
    def approve_a_page_to_go_live_later(self, index, minutes):
        article = self.pages[index % len(self.pages)]
        revision = article.latest_revision
        if revision.status != RevisionStatus.IN_REVIEW:
            return
        at = self.clock + datetime.timedelta(minutes=minutes)
        with on_commit_runs():
            try:
                workflow.approve(revision, by=self.reviewer2, go_live_at=at, now=self.clock)
            except workflow.WorkflowError:
                assert publishing.unapproved_citations(revision.body)
                return
        # Its words stay hidden until time_passes makes it live.

    @rule(index=st.integers(0, 5))
    def cancel_a_schedule(self, index):
        article = Article.objects.get(pk=self.pages[index % len(self.pages)].pk)
        scheduled = article.schedule.revision if article.schedule_id else None
        try:
            workflow.cancel_schedule(article, by=self.manager, comment="Not yet.")
        except workflow.WorkflowError:
            assert scheduled is None
            return
        scheduled.refresh_from_db()
        assert scheduled.status == RevisionStatus.IN_REVIEW

    @rule(minutes=st.integers(1, 90))
    def time_passes(self, minutes):
        self.clock += datetime.timedelta(minutes=minutes)
        due = set(
            Article.objects.filter(schedule__go_live_at__lte=self.clock).values_list(
                "schedule__revision", flat=True
            )
        )
        with on_commit_runs():
            went_live = workflow.publish_scheduled(now=self.clock)
        for article in went_live:
            revision = Article.objects.get(pk=article.pk).live_revision
            assert revision.pk in due, "a version went live that was not due"
            assert revision.status == RevisionStatus.APPROVED
            self.approved.update(MARKER_RE.findall(f"{revision.title} {revision.summary}"))
        assert not Article.objects.filter(schedule__go_live_at__lte=self.clock).exists()
        assert workflow.publish_scheduled(now=self.clock) == [], "went live twice"

    # --- invariants --------------------------------------------------------

    def published(self):
        return Article.objects.published().filter(slug__endswith=f"-{self.n}")

    @invariant()
    def every_live_page_is_rendered_from_approved_versions_only(self):
        sources = publishing.Sources.load()
        for article in self.published().select_related("live_revision"):
            live = LivePage.objects.get(article=article)
            assert live.revision_id == article.live_revision_id
            assert publishing.stored_render(live) == publishing.render_from_approved(
                article, sources
            ), f"{article.slug} differs from a render of approved versions"
            for version in live.reference_versions.select_related("reference"):
                assert version.status == VersionStatus.APPROVED
                assert version.reference.live_version_id == version.pk
            if article.kind == Kind.PAGE:
                stored = (live.page_html, live.section_id, live.json_ld)
                assert stored == publishing.render_page_main(article, live), (
                    f"{article.slug}'s stored main region is stale"
                )

    @invariant()
    def topic_and_medicine_lists_hold_exactly_the_published_pages_by_title(self):
        def stored(key):
            return [
                (e.article_id, e.item_html)
                for e in listings.entries_in(key).only("article_id", "item_html")
            ]

        def expected(articles):
            return [(a.pk, listings.item_html(a)) for a in articles]

        for tag in Tag.objects.all():
            articles = Article.objects.for_lists().filter(live_revision__tags=tag)
            assert stored(listings.topic_key(tag.pk)) == expected(articles), (
                f"the list of pages about {tag} is stale"
            )
        for medicine in Article.objects.medicines():
            articles = (
                Article.objects.pages()
                .for_lists()
                .filter(live_page__medicine_revisions__article=medicine)
            )
            assert stored(listings.medicine_key(medicine.pk)) == expected(articles), (
                f"the list of pages naming {medicine} is stale"
            )

    @invariant()
    def a_withdrawn_page_answers_410_and_is_in_no_sitemap_search_or_feed(self):
        withdrawn = Article.objects.filter(
            slug__endswith=f"-{self.n}", withdrawal__isnull=False
        ).exclude(kind=Kind.GLOSSARY)
        withdrawn = list(withdrawn)
        if not withdrawn:
            return
        sitemap = "".join(
            self.client.get(path).content.decode()
            for path in re.findall(
                r"<loc>http://testserver(/sitemap-[^<]+)</loc>",
                self.client.get("/sitemap.xml").content.decode(),
            )
        )
        feed = self.client.get("/updates.atom").content.decode()
        for article in withdrawn:
            url = article.get_absolute_url()
            assert article.live_revision_id is None
            assert self.client.get(url).status_code == 410, f"{url} is withdrawn but not 410"
            assert f"{url}<" not in sitemap, f"{url} is withdrawn but in the sitemap"
            assert f'href="http://testserver{url}"' not in feed, f"{url} is in the feed"
            assert not SearchEntry.objects.filter(article=article).exists()
            assert not LivePage.objects.filter(article=article).exists()

    @invariant()
    def a_scheduled_version_is_never_live_before_its_time(self):
        for article in Article.objects.filter(
            slug__endswith=f"-{self.n}", schedule__isnull=False
        ).select_related("schedule"):
            assert article.schedule.go_live_at > self.clock, "a due version did not go live"
            assert article.live_revision_id != article.schedule.revision_id
            assert article.schedule.revision.status == RevisionStatus.SCHEDULED

    def public_urls(self):
        urls = ["/", "/glossary/", "/medicines/", *(f"/tags/{tag}/" for tag in TAGS)]
        return urls + [
            article.get_absolute_url() for article in self.published().exclude(kind=Kind.GLOSSARY)
        ]

    @invariant()
    def readers_see_no_unapproved_word_and_the_cache_is_never_stale(self):
        hidden = self.unapproved - self.approved
        for url in self.public_urls():
            cached = self.client.get(url)
            if cached.status_code == 404:
                continue
            fresh = self.client.get(url + "?fresh=1")
            assert cached.content == fresh.content, f"{url} served stale from the cache"
            html = cached.content.decode()
            shown = [marker for marker in hidden if marker in html]
            assert not shown, f"{url} shows unapproved {shown}"


@pytest.mark.django_db
def test_live_pages_show_only_approved_versions_whatever_changes_and_in_what_order():
    run_state_machine_as_test(
        PublishingMachine,
        settings=settings(
            max_examples=15,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
