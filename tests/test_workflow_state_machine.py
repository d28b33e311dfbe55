"""Random sequences of workflow actions by users of every role.

After every step: the live revision was approved by a medical reviewer who
did not write it; no revision's content ever changed; no saved draft was
lost; readers see only the live revision. Each action's success or refusal
is also checked against a plain model of the rules.
"""

import itertools

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from tests.conftest import make_user
from treatments import workflow
from treatments.models import Action, Article, Revision, RevisionStatus

ROLES = ["editor", "editor2", "reviewer", "reviewer2", "editor_reviewer", "helpline", "superuser"]
EDITING_ROLES = {"editor", "editor2", "editor_reviewer", "superuser"}
REVIEWING_ROLES = {"reviewer", "reviewer2", "editor_reviewer"}

_machine_numbers = itertools.count()


def content(revision):
    return (revision.title, revision.summary, revision.body, revision.audience, revision.author_id)


class WorkflowMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        n = next(_machine_numbers)
        self.users = {
            "editor": make_user(workflow.EDITORS),
            "editor2": make_user(workflow.EDITORS),
            "reviewer": make_user(workflow.MEDICAL_REVIEWERS),
            "reviewer2": make_user(workflow.MEDICAL_REVIEWERS),
            "editor_reviewer": make_user(workflow.EDITORS),
            "helpline": make_user(workflow.HELPLINE_STAFF),
            "superuser": make_user(superuser=True),
        }
        self.users["editor_reviewer"].groups.add(
            self.users["reviewer"].groups.get(name=workflow.MEDICAL_REVIEWERS)
        )
        self.role_of = {user.pk: role for role, user in self.users.items()}
        self.article = Article.objects.create(slug=f"machine-page-{n}")
        self.saved = {}  # revision pk -> content at save time
        self.markers = itertools.count(1)
        self.client = Client()

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- helpers ---------------------------------------------------------

    def revisions(self):
        return list(self.article.revisions.order_by("created_at", "id"))

    def pick(self, index):
        """0 is the latest revision, 1 the one before, and so on."""
        revisions = self.revisions()
        return revisions[-1 - index % len(revisions)] if revisions else None

    def attempt(self, expected_ok, action):
        try:
            result = action()
        except workflow.WorkflowError as error:
            assert not expected_ok, f"refused unexpectedly: {error}"
            assert str(error).strip()
            return None
        assert expected_ok, "the workflow allowed an action its rules forbid"
        return result

    # --- rules -----------------------------------------------------------

    @rule(who=st.sampled_from(ROLES), base_index=st.integers(0, 3), stale=st.booleans())
    def save_draft(self, who, base_index, stale):
        revisions = self.revisions()
        latest = revisions[-1] if revisions else None
        base = self.pick(base_index) if stale and revisions else latest
        marker = f"v{next(self.markers):04d}x"
        expected = who in EDITING_ROLES and base == latest
        revision = self.attempt(
            expected,
            lambda: workflow.save_draft(
                self.article,
                by=self.users[who],
                base_revision=base,
                title=f"Page {marker}",
                summary=f"Summary {marker}",
                body=f"## Section\n\nText {marker}.",
            ),
        )
        if revision is not None:
            self.saved[revision.pk] = content(revision)

    @rule(who=st.sampled_from(ROLES), index=st.integers(0, 3))
    def submit(self, who, index):
        revision = self.pick(index)
        if revision is None:
            return
        expected = (
            who in EDITING_ROLES
            and revision.status == RevisionStatus.DRAFT
            and revision == self.revisions()[-1]
        )
        self.attempt(expected, lambda: workflow.submit(revision, by=self.users[who]))

    def _may_review(self, who, revision):
        return who in REVIEWING_ROLES and revision.author_id != self.users[who].pk

    @rule(who=st.sampled_from(ROLES), index=st.integers(0, 3))
    def approve(self, who, index):
        revision = self.pick(index)
        if revision is None:
            return
        self.article.refresh_from_db()
        live = self.article.live_revision
        newer_live = live is not None and (live.created_at, live.pk) > (
            revision.created_at,
            revision.pk,
        )
        expected = (
            self._may_review(who, revision)
            and revision.status == RevisionStatus.IN_REVIEW
            and not newer_live
        )
        self.attempt(expected, lambda: workflow.approve(revision, by=self.users[who]))

    @rule(who=st.sampled_from(ROLES), index=st.integers(0, 3), comment=st.sampled_from(["", " ", "Fix the dates."]))  # fmt: skip
    def request_changes(self, who, index, comment):
        revision = self.pick(index)
        if revision is None:
            return
        expected = (
            self._may_review(who, revision)
            and revision.status == RevisionStatus.IN_REVIEW
            and bool(comment.strip())
        )
        self.attempt(
            expected,
            lambda: workflow.request_changes(revision, by=self.users[who], comment=comment),
        )

    @rule(who=st.sampled_from(ROLES))
    def confirm_still_accurate(self, who):
        self.article.refresh_from_db()
        live = self.article.live_revision
        expected = live is not None and self._may_review(who, live)
        self.attempt(
            expected, lambda: workflow.confirm_still_accurate(self.article, by=self.users[who])
        )

    @rule(index=st.integers(0, 3))
    def author_tries_to_approve_own_revision(self, index):
        revision = self.pick(index)
        if revision is None:
            return
        author = revision.author
        self.attempt(False, lambda: workflow.approve(revision, by=author))

    @rule()
    def author_of_live_page_tries_to_confirm_it(self):
        self.article.refresh_from_db()
        if self.article.live_revision is None:
            return
        author = self.article.live_revision.author
        self.attempt(False, lambda: workflow.confirm_still_accurate(self.article, by=author))

    # --- invariants ------------------------------------------------------

    @invariant()
    def live_revision_was_approved_by_a_medical_reviewer_who_did_not_write_it(self):
        article = Article.objects.get(pk=self.article.pk)
        live = article.live_revision
        if live is None:
            assert article.last_review is None
            return
        assert live.status == RevisionStatus.APPROVED
        approval = live.transitions.get(action=Action.APPROVED)
        assert self.role_of[approval.actor_id] in REVIEWING_ROLES
        assert approval.actor_id != live.author_id
        assert article.last_review.action in (Action.APPROVED, Action.CONFIRMED)
        assert article.last_review.actor_id != live.author_id

    @invariant()
    def no_revision_changed_and_no_draft_was_lost(self):
        in_db = {r.pk: content(r) for r in Revision.objects.filter(article=self.article)}
        assert in_db == self.saved

    @invariant()
    def readers_see_only_the_live_revision(self):
        article = Article.objects.get(pk=self.article.pk)
        response = self.client.get(f"/treatment/{article.slug}/")
        if article.live_revision is None:
            assert response.status_code == 404
            return
        html = response.content.decode()
        live_marker = article.live_revision.title.split()[-1]
        assert live_marker in html
        for revision in Revision.objects.filter(article=article).exclude(
            pk=article.live_revision_id
        ):
            assert revision.title.split()[-1] not in html


@pytest.mark.django_db
def test_workflow_rules_hold_for_any_sequence_of_actions_by_any_role():
    run_state_machine_as_test(
        WorkflowMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
