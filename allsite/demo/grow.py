"""Grow the demo site to N treatment pages, for trying the site at scale.

Used by `manage.py grow_demo N`, after `manage.py load_demo`. Every page is
published the way the demo's are: saved as a draft by a demo editor,
submitted, and approved by a fictional demo reviewer through
treatments.workflow, so each page's live page, dependency index and search
entry are exactly what the workflow makes. Every reference a page cites
only for itself is created, submitted and approved through the workflow
before the page.

The pages added after the site's own ("slots") follow a fixed plan, so that
running the command again with a larger N adds just the missing pages:

    top-level demo section (the demo's four, in turn)
      volume page            one per SECTIONS_PER_VOLUME sub-sections
        sub-section page     one per COPIES_PER_SECTION copies
          copy               a demo article's text with a copy number

so no page lists more than a few dozen children. Copy k is demo article
(k - 1) mod 21, titled "... (copy k)" with slug "<demo slug>-c<k>". It cites
its own copies ("<key>-c<k>") of the first OWN_REFERENCES sources its demo
article cites (about five references per page, as on a real site) and the
demo's own for the rest; it links glossary terms and names medicines as the
demo text does. It ends with a sentence holding the made-up word
`zorblat<k // 100>`: each such word is on exactly the 100 copies 100j to
100j + 99 (copies 1 to 99 for zorblat0), so that publishing a glossary term
for one changes a known set of 100 pages.

Speed: pages are published PAGES_PER_BATCH at a time, each in its own
transaction (their references first, in one transaction, so that the
re-render each reference approval triggers after commit finds no page yet),
with whatever task backend the settings give; on PostgreSQL several
processes publish at once.
"""

import json
import multiprocessing
import queue
import re
import time
import traceback
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, connections, transaction

from references.citations import CITATION_RE
from references.models import Reference
from treatments import workflow
from treatments.models import Article, Kind

from .loader import DEMO_ACCOUNTS, DEMO_DIR, ENGLISH, demo_articles

COPIES_PER_SECTION = 20
SECTIONS_PER_VOLUME = 40
PAGES_PER_BATCH = 50
WORD_GROUP = 100
OWN_REFERENCES = 5  # each copy cites its own copies of this many demo references
PROGRESS_EVERY = 500
# Slugs of the pages this module adds (to tell them from the site's other pages).
GROWN_SLUG_RE = r"^(demo-volume-[0-9]+|demo-section-[0-9]+|.+-c[0-9]+)$"
APPROVAL_COMMENT = "Demo approval by a fictional reviewer: not a real clinical review."

KINDS = ("volume", "section", "copy")


def shared_word(copy):
    """The made-up word on copy `copy` (shared by the copies of its hundred)."""
    return f"zorblat{copy // WORD_GROUP}"


def copies_with_word(word_number):
    """The copy numbers whose pages hold `zorblat<word_number>`."""
    return range(max(1, word_number * WORD_GROUP), (word_number + 1) * WORD_GROUP)


def cited_in_order(body):
    """The reference keys a body cites, in order of first citation."""
    keys = []
    for match in CITATION_RE.finditer(body):
        for part in match.group(1).split(";"):
            key = part.strip().lstrip("@")
            if key not in keys:
                keys.append(key)
    return keys


def copy_slug(demo_slug, copy):
    return f"{demo_slug}-c{copy}"


def reference_copy_key(key, copy):
    return f"{key}-c{copy}"


@dataclass(frozen=True)
class Slot:
    """One page of the plan: a volume, a sub-section or a copy."""

    kind: str  # "volume", "section" or "copy"
    number: int  # volume number, section number or copy number (from 1)
    volume: int  # the volume it is in (from 1)
    section: int  # the sub-section it is in (from 1; 0 for a volume)
    order: int  # position among its siblings


def slot(index):
    """The plan's page number `index` (from 0), after the demo's own pages."""
    section_slots = 1 + COPIES_PER_SECTION  # a sub-section page, then its copies
    volume, rest = divmod(index, 1 + SECTIONS_PER_VOLUME * section_slots)
    if rest == 0:
        return Slot("volume", volume + 1, volume + 1, 0, 0)
    in_volume, place = divmod(rest - 1, section_slots)
    section = volume * SECTIONS_PER_VOLUME + in_volume + 1
    if place == 0:
        return Slot("section", section, volume + 1, section, in_volume + 1)
    copy = (section - 1) * COPIES_PER_SECTION + place
    return Slot("copy", copy, volume + 1, section, place)


def copies_for(pages, demo_pages):
    """How many copies a site of `pages` treatment pages holds under the plan."""
    return sum(1 for i in range(max(0, pages - demo_pages)) if slot(i).kind == "copy")


class Grower:
    """Publishes the planned pages through the workflow, batch by batch."""

    def __init__(self, *, progress=None):
        self.demo = demo_articles()
        self.demo_by_slug = {demo.slug: demo for demo in self.demo}
        self.reference_items = {
            item["id"]: item
            for item in json.loads((DEMO_DIR / "references.json").read_text(encoding="utf-8"))
        }
        # The English demo's top-level sections (translations have their own).
        tops = Article.objects.pages().published().filter(parent__isnull=True, language=ENGLISH)
        self.tops = list(tops.filter(slug__in=self.demo_by_slug).order_by("order", "slug"))
        usernames = [account.username for account in DEMO_ACCOUNTS]
        self.users = get_user_model().objects.in_bulk(usernames, field_name="username")
        if not self.tops or len(self.users) < len(usernames):
            raise ValueError("The demo is not loaded: run `manage.py load_demo` first.")
        self.progress = progress or (lambda done, total, seconds: None)
        self.reviewers = [self.users["reviewer"], self.users["reviewer2"]]

    # Naming --------------------------------------------------------------

    def slug_of(self, planned):
        if planned.kind == "volume":
            return f"demo-volume-{planned.number}"
        if planned.kind == "section":
            return f"demo-section-{planned.number}"
        return copy_slug(self.demo_of(planned.number).slug, planned.number)

    def parent_slug_of(self, planned):
        if planned.kind == "volume":
            return self.tops[(planned.number - 1) % len(self.tops)].slug
        if planned.kind == "section":
            return f"demo-volume-{planned.volume}"
        return f"demo-section-{planned.section}"

    def demo_of(self, copy):
        return self.demo[(copy - 1) % len(self.demo)]

    # Content -------------------------------------------------------------

    def volume_fields(self, planned):
        first = (planned.number - 1) * SECTIONS_PER_VOLUME + 1
        last = first + SECTIONS_PER_VOLUME - 1
        return {
            "title": f"More demo pages, volume {planned.number}",
            "summary": f"Demo sections {first} to {last}: copies of the demo pages, made to "
            "try the site at a realistic size.",
            "body": (
                "## About this volume\n\n"
                f"This part of the demo site groups demo sections {first} to {last}. Each "
                "section holds copies of the demo pages about treatment for ALL, made by "
                "`manage.py grow_demo` so that the site can be tried with thousands of pages. "
                "The sections are listed below.\n"
            ),
            "audience": "both",
        }

    def section_fields(self, planned):
        first = (planned.number - 1) * COPIES_PER_SECTION + 1
        last = first + COPIES_PER_SECTION - 1
        return {
            "title": f"Demo section {planned.number}: copies {first} to {last}",
            "summary": f"Copies {first} to {last} of the demo pages, made to try the site at "
            "a realistic size.",
            "body": (
                "## About this section\n\n"
                f"This section holds copies {first} to {last} of the demo pages about "
                "treatment for ALL. They were made by `manage.py grow_demo` so that the site "
                "can be tried with thousands of pages. The pages are listed below.\n"
            ),
            "audience": "both",
        }

    def own_keys(self, copy):
        """The demo reference keys a copy cites its own copies of: the first
        OWN_REFERENCES it cites; it shares the demo's own for the others."""
        return cited_in_order(self.demo_of(copy).body)[:OWN_REFERENCES]

    def copy_fields(self, planned):
        demo = self.demo_of(planned.number)
        body = demo.body
        for key in sorted(self.own_keys(planned.number), key=len, reverse=True):
            body = re.sub(
                rf"@{re.escape(key)}(?=[;\]\s])",
                "@" + reference_copy_key(key, planned.number),
                body,
            )
        word = shared_word(planned.number)
        sharing = copies_with_word(planned.number // WORD_GROUP)
        body = (
            body.rstrip("\n")
            + f"\n\nThis is copy {planned.number} of a demo page. Its test word, {word}, "
            f"is on every copy from {sharing.start} to {sharing.stop - 1}.\n"
        )
        return {
            "title": f"{demo.title} (copy {planned.number})",
            "summary": demo.summary,
            "body": body,
            "audience": demo.audience,
        }

    # Publishing ----------------------------------------------------------

    def approve_references(self, copy):
        """Create, submit and approve the copy's own references (those of
        own_keys), unless a previous run did."""
        wanted = {reference_copy_key(key, copy): key for key in self.own_keys(copy)}
        existing = {
            ref.key: ref for ref in Reference.objects.filter(key__in=wanted).select_related(None)
        }
        for index, (new_key, key) in enumerate(sorted(wanted.items())):
            reference = existing.get(new_key)
            if reference is not None and reference.live_version_id is not None:
                continue
            if reference is None:
                reference = Reference.from_csl({**self.reference_items[key], "id": new_key})
                reference.full_clean()
                reference.save()
            version = workflow.submit_reference(reference, by=self.users["editor"])
            workflow.approve_reference(
                version, by=self.reviewers[(copy + index) % 2], comment=APPROVAL_COMMENT
            )

    def publish(self, planned, parent):
        if planned.kind == "copy":
            fields = self.copy_fields(planned)
            demo = self.demo_of(planned.number)
            author, tags = self.users[demo.author], demo.tags
        else:
            builder = self.volume_fields if planned.kind == "volume" else self.section_fields
            fields = builder(planned)
            author, tags = self.users["editor"], []
        order = planned.order
        if planned.kind == "volume":  # after the demo's own pages in its section
            order = 100 + (planned.number - 1) // len(self.tops)
        article = Article.objects.create(
            slug=self.slug_of(planned), parent=parent, kind=Kind.PAGE, order=order
        )
        revision = workflow.save_draft(article, by=author, base_revision=None, tags=tags, **fields)
        workflow.submit(revision, by=author, note_for_readers="First published.")
        workflow.approve(revision, by=self.reviewers[planned.number % 2], comment=APPROVAL_COMMENT)
        return article

    def missing(self, pages):
        """The planned pages a site of `pages` English treatment pages still lacks,
        in plan order (the demo's translations come on top)."""
        published = Article.objects.pages().published().filter(language=ENGLISH)
        others = published.exclude(slug__regex=GROWN_SLUG_RE).count()
        plan = [slot(i) for i in range(max(0, pages - others))]
        slugs = [self.slug_of(planned) for planned in plan]
        existing = set(published.filter(slug__in=slugs).values_list("slug", flat=True))
        return [planned for planned, slug in zip(plan, slugs, strict=True) if slug not in existing]

    def publish_batch(self, batch):
        """Publish planned pages (at most one per parent), each in its own
        transaction as an approval in the admin is, after committing their
        references in one transaction: approving a reference re-renders the
        pages citing it (after commit), and there are none yet. (One
        transaction for several pages would hold some search vocabulary words
        while waiting for others, so two processes could deadlock.)
        Returns how many were published."""
        with transaction.atomic():
            for planned in batch:
                if planned.kind == "copy":
                    self.approve_references(planned.number)
        parents = {
            parent.slug: parent
            for parent in Article.objects.filter(
                language=ENGLISH, slug__in=[self.parent_slug_of(planned) for planned in batch]
            )
        }
        for planned in batch:
            with transaction.atomic():
                self.publish(planned, parents[self.parent_slug_of(planned)])
        return len(batch)

    def grow(self, pages, *, jobs=1):
        """Publish the planned pages missing from a site of `pages` treatment
        pages, in `jobs` processes (PostgreSQL only). Returns how many were added."""
        todo = self.missing(pages)
        if connection.vendor != "postgresql" or connection.in_atomic_block:
            # SQLite has one writer at a time; other processes would not see
            # what the caller's open transaction holds.
            jobs = 1
        start, done, reported = time.monotonic(), 0, 0
        # Parents before children: the volumes, then the sections, then the copies.
        for kind in KINDS:
            units = self.units([planned for planned in todo if planned.kind == kind], jobs)
            for count in _publish_units(self, units, jobs):
                done += count
                if done // PROGRESS_EVERY > reported // PROGRESS_EVERY or done == len(todo):
                    self.progress(done, len(todo), time.monotonic() - start)
                    reported = done
        return done

    def units(self, planned, jobs):
        """The pages as units of work, each a list of batches for one process.

        A unit is a group of parents; its batches take one page of each parent
        in turn. Units never share a parent, whose row each publication locks
        (and whose other children it re-renders after commit), so processes
        do not wait for each other."""
        children = {}
        for page in planned:
            children.setdefault(self.parent_slug_of(page), []).append(page)
        parents = list(children)
        width = PAGES_PER_BATCH
        if jobs > 1:  # enough units to keep every process busy to the end
            width = max(1, min(width, -(-len(parents) // (4 * jobs))))
        units = []
        for first in range(0, len(parents), width):
            columns = [children[parent] for parent in parents[first : first + width]]
            depth = max(len(column) for column in columns)
            units.append([[c[i] for c in columns if i < len(c)] for i in range(depth)])
        return units


def _publish_units(grower, units, jobs):
    """Publish the units here, or in `jobs` forked processes; yield each
    batch's page count once it is committed."""
    if jobs <= 1 or len(units) <= 1:
        for unit in units:
            yield from map(grower.publish_batch, unit)
        return
    context = multiprocessing.get_context("fork")
    work, results = context.Queue(), context.Queue()
    for unit in units:
        work.put(unit)
    connections.close_all()  # each process opens its own connection
    workers = [
        context.Process(target=_work, args=(grower, work, results), daemon=True)
        for _ in range(min(jobs, len(units)))
    ]
    for worker in workers:
        work.put(None)
        worker.start()
    remaining = sum(len(batch) for unit in units for batch in unit)
    try:
        while remaining:
            try:
                count = results.get(timeout=10)
            except queue.Empty:
                if not any(worker.is_alive() for worker in workers):
                    raise RuntimeError("The publishing processes stopped early.") from None
                continue
            if isinstance(count, str):
                raise RuntimeError(f"A publishing process failed:\n{count}")
            remaining -= count
            yield count
    finally:
        for worker in workers:
            if remaining:
                worker.terminate()
            worker.join()


def _work(grower, work, results):
    """A publishing process: publish units until told to stop (None)."""
    connections.close_all()
    try:
        for unit in iter(work.get, None):
            for batch in unit:
                results.put(grower.publish_batch(batch))
    except Exception:
        results.put(traceback.format_exc())
    finally:
        connections.close_all()


def grow_demo(pages, *, jobs=1, progress=None):
    """Grow the demo site to `pages` published treatment pages, publishing in
    `jobs` processes on PostgreSQL. Returns how many pages were added (none
    when the site already has them)."""
    return Grower(progress=progress).grow(pages, jobs=jobs)
