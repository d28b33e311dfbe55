"""What a live page is made of, and keeping it so.

The rule: every word, link and number on a live page derives from approved
versions only. A LivePage is rendered from its article's live revision, the
approved (live) versions of the references it cites, and the published
glossary terms and medicines it links to or names; nothing else is ever
rendered into it, and it records exactly which versions it was made from
(LivePage.reference_versions, glossary_revisions, medicine_revisions).
Library images need no such record: the revision names them
(`![alt](image:key)`, Revision.images) and an image never changes
(treatments.media), so no image can change a live page.

That record is also the dependency index. Publishing a reference, glossary
term or medicine re-renders only the pages that depend on it: those the index
lists, plus, for a term or medicine, the pages whose text contains one of its
names (found with the site search index, never a scan of all text). That
re-rendering runs in background tasks (treatments.tasks) after the approval
commits; an approval renders only its own page, inside its transaction.

Every change readers can see is announced after commit with
`content_changed(tags=...)`: cache tags naming the parts of the public site
it touches. The page cache and the static export listen; `live_page_changed`
(sent inside the transaction) keeps the search index in step.

Languages. A page is rendered in its own language (`translation.override`):
its interface words, dates and reference list (citeproc's locale) are its
language's, and it draws in only the glossary terms and medicines published
in that language, so a French page links to /fr/glossary/. A translation
also depends on its original: when the original gets a new live version (or
goes), its published translations are re-rendered in the background, so a
translation that no longer matches the original's live version tells its
readers, with the date of the original's update and a link to it
(includes/translation_notice.html); approving the translation again with the
new version as `Revision.translates` takes the notice away.
"""

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import Signal, receiver
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from taggit.models import Tag

from references.citations import keys_in
from references.models import Reference

from . import listings, navigation, structured_data
from .kinds import names_of
from .models import Article, Kind, LivePage, ReviewerProfile
from .rendering import render
from .structured_data import PAGE_URL

# tags: frozenset[str]; committed: bool. Sent twice: at once (so no cache keeps
# the old page while the transaction runs) and again after commit.
content_changed = Signal()
live_page_changed = Signal()  # article_id: int, sent inside the transaction

# Cache tags: the parts of the public site a change can touch.
CHROME = "chrome"  # header, notices, footer: every HTML page
HOME = "home"
GLOSSARY = "glossary"
MEDICINES = "medicines"  # the medicines index
TOPICS = "topics"  # the topics index (/tags/)
SITEMAP = "sitemap"
FEED = "feed"

RERENDER_BATCH = 50


def page_tag(slug):
    """A treatment page or medicine page (and its paginated lists)."""
    return f"page:{slug}"


def topic_tag(slug):
    """A tag's page, listing the pages with that tag."""
    return f"topic:{slug}"


def announce(tags):
    """Tell the page cache now and again after commit; the static export after commit."""
    tags = frozenset(tags)
    if not tags:
        return
    content_changed.send(sender=Article, tags=tags, committed=False)
    transaction.on_commit(lambda: content_changed.send(sender=Article, tags=tags, committed=True))


# Approved sources ----------------------------------------------------------


def approved_references(body):
    """{key: approved ReferenceVersion} for the keys a body cites that have one."""
    found = {}
    for reference in (
        Reference.objects.approved().filter(key__in=keys_in(body)).select_related("live_version")
    ):
        version = reference.live_version
        version.reference = reference
        found[reference.key] = version
    return found


def unapproved_citations(body):
    """Keys a body cites that exist but have no approved version yet."""
    keys = keys_in(body)
    return sorted(keys & set(Reference.objects.filter(key__in=keys, live_version__isnull=True)
                             .values_list("key", flat=True)))  # fmt: skip


@dataclass
class Sources:
    """The glossary terms and medicines published in one language, loaded once
    per batch of renders: a page draws in only those of its own language."""

    language: str = settings.LANGUAGE_CODE
    # (name, slug, url, article_id, revision_id, short definition)
    terms: list = field(default_factory=list)
    # (article_id, revision_id, [names], slug, url)
    medicines: list = field(default_factory=list)

    @classmethod
    def load(cls, language=None):
        sources = cls(language or settings.LANGUAGE_CODE)
        published = (
            Article.objects.published()
            .filter(language=sources.language)
            .select_related("live_revision")
        )
        for term in published.filter(kind=Kind.GLOSSARY):
            revision = term.live_revision
            url = term.get_absolute_url()
            for name in names_of(term.kind, revision.title, revision.details):
                sources.terms.append((name, term.slug, url, term.pk, revision.pk, revision.summary))
        for medicine in published.filter(kind=Kind.MEDICINE):
            revision = medicine.live_revision
            names = names_of(medicine.kind, revision.title, revision.details)
            sources.medicines.append(
                (medicine.pk, revision.pk, names, medicine.slug, medicine.get_absolute_url())
            )
        return sources

    def glossary_terms(self, exclude_id=None):
        """[(name, slug, url, short definition)] for rendering.render."""
        return [
            (name, slug, url, definition)
            for name, slug, url, pk, _, definition in self.terms
            if pk != exclude_id
        ]

    def term_revisions(self, slugs):
        return {revision for _, slug, _, _, revision, _ in self.terms if slug in slugs}

    def medicine_links(self, kind):
        """[(name, slug, url)] of the published medicines, for rendering.render:
        only treatment pages link to medicines (a medicine page or glossary
        definition does not, and is not among the pages naming a medicine)."""
        if kind != Kind.PAGE:
            return []
        return [(name, slug, url) for _, _, names, slug, url in self.medicines for name in names]

    def medicine_revisions(self, slugs):
        return {revision for _, revision, _, slug, _ in self.medicines if slug in slugs}

    def medicines_named(self, text):
        """Revision ids of the published medicines whose generic or brand name is in the text."""
        return {
            revision
            for _, revision, names, _, _ in self.medicines
            if any(re.search(rf"\b{re.escape(name)}\b", text, re.IGNORECASE) for name in names)
        }


@dataclass
class LiveRender:
    """A live page as approved sources make it, and the versions it drew in."""

    html: str
    toc: list
    citations: list
    reference_versions: set
    glossary_revisions: set
    medicine_revisions: set


def render_from_approved(article, sources=None):
    """The article's live revision rendered from approved versions only.

    Raises references.citations.UnknownCitationKeys if it cites a reference
    with no approved version (the workflow refuses to approve such a page).
    Rendered in the article's language, with its language's terms and medicines.
    """
    if sources is None or sources.language != article.language:
        sources = Sources.load(article.language)
    revision = article.live_revision
    versions = approved_references(revision.body)
    with translation.override(article.language):
        rendered = render(
            revision.body,
            references={key: version.as_reference() for key, version in versions.items()},
            glossary_terms=sources.glossary_terms(exclude_id=article.pk),
            medicines=sources.medicine_links(article.kind),
            language=article.language,
        )
    named = set()
    if article.kind == Kind.PAGE:
        # Named anywhere (title too), and every medicine linked (a plural
        # "imatinibs" links without matching a whole-word name).
        named = sources.medicines_named(f"{revision.title} {revision.body}")
        named |= sources.medicine_revisions(rendered.medicine_slugs)
    return LiveRender(
        html=rendered.html,
        toc=rendered.toc,
        citations=rendered.citations,
        reference_versions={versions[key].pk for key in rendered.cited_keys},
        glossary_revisions=sources.term_revisions(rendered.glossary_slugs),
        medicine_revisions=named,
    )


def stored_render(live_page):
    """A LivePage as a LiveRender, to compare with a fresh one."""
    return LiveRender(
        html=live_page.body_html,
        toc=live_page.toc,
        citations=live_page.citations,
        reference_versions=set(live_page.reference_versions.values_list("pk", flat=True)),
        glossary_revisions=set(live_page.glossary_revisions.values_list("pk", flat=True)),
        medicine_revisions=set(live_page.medicine_revisions.values_list("pk", flat=True)),
    )


# Writing live pages --------------------------------------------------------


@dataclass
class NavData:
    """What other pages show of a treatment page: menus, breadcrumbs, lists."""

    slug: str
    parent_id: int | None
    order: int
    title: str
    summary: str

    @classmethod
    def of(cls, article):
        revision = article.live_revision
        if revision is None or article.kind != Kind.PAGE:
            return None
        return cls(article.slug, article.parent_id, article.order, revision.title, revision.summary)


def write_live_page(article, sources=None):
    """Render the article's live page from approved sources and store it.

    Call inside a transaction that holds the article's row lock. Returns the
    cache tags whose pages changed (empty when the render is unchanged).
    """
    existing = LivePage.objects.filter(article=article).first()
    if article.live_revision is None:
        if existing is None:
            return set()
        # Medicines whose pages list this one among the pages naming them.
        named = Article.objects.filter(revisions__named_on=existing).values_list("slug", flat=True)
        tags = own_tags(article) | {page_tag(slug) for slug in named}
        existing.delete()
        lists = listings.sync(article)
        live_page_changed.send(sender=LivePage, article_id=article.pk)
        return tags | list_tags(lists)
    fresh = render_from_approved(article, sources)
    before = stored_render(existing) if existing is not None else None
    if before == fresh and existing.revision_id == article.live_revision_id:
        return refresh_page_main(article, existing)
    old_medicines = before.medicine_revisions if before else set()
    fields = {
        "revision": article.live_revision,
        "body_html": fresh.html,
        "toc": fresh.toc,
        "citations": fresh.citations,
        "rendered_at": timezone.now(),
    }
    main_region = body_swapped(existing, article, before, fresh) if existing else None
    if main_region:
        fields["page_html"] = main_region
    if existing is None:
        live_page = LivePage.objects.create(article=article, **fields)
    else:  # the article's row lock covers its live page
        live_page = existing
        for name, value in fields.items():
            setattr(live_page, name, value)
        live_page.save(update_fields=list(fields))
    # Only the dependency lists that changed are written (a set() reads each first).
    for name in ("reference_versions", "glossary_revisions", "medicine_revisions"):
        if before is None or getattr(before, name) != getattr(fresh, name):
            getattr(live_page, name).set(getattr(fresh, name))
    lists = listings.sync(article, fresh.medicine_revisions)
    if not main_region:
        refresh_page_main(article, live_page)
    live_page_changed.send(sender=LivePage, article_id=article.pk)
    tags = own_tags(article) | list_tags(lists)
    changed_medicines = old_medicines ^ fresh.medicine_revisions
    if changed_medicines:
        tags |= {
            page_tag(slug)
            for slug in Article.objects.filter(revisions__in=changed_medicines).values_list(
                "slug", flat=True
            )
        }
    return tags


def body_swapped(live_page, article, before, fresh):
    """The stored main region with only its body replaced, when the body is
    all that changed (a glossary term or medicine now linked), else None.

    Everything else the region shows (its place in the tree, review dates,
    topics, contents list, JSON-LD citations) comes from the same revision,
    contents and citations, and is kept current by its own path
    (refresh_page_main): rendering the whole region again would give the
    same text around the new body, at the cost of reading the tree."""
    if (
        article.kind != Kind.PAGE
        or live_page.revision_id != article.live_revision_id
        or (before.toc, before.citations) != (fresh.toc, fresh.citations)
        or not before.html
        or live_page.page_html.count(before.html) != 1
    ):
        return None
    return live_page.page_html.replace(before.html, fresh.html)


def page_main_context(article, *, revision=None, live_page=None):
    """What a treatment page's main region shows: its revision and live page,
    its topics, its place in the section tree, and for a translation of an
    older version of its original, the original (the out-of-date notice)."""
    revision = revision or article.live_revision
    around = navigation.PageNavigation.of(article)
    return {
        "outdated_original": outdated_original(article, revision),
        "article": article,
        "revision": revision,
        "live_page": live_page if live_page is not None else article.live_page,
        "tags": list(revision.tags.all()),
        "ancestors": around.ancestors,
        "in_this_section": around.children,
        "more_in_this_section": around.more_children,
        "previous_page": around.previous,
        "next_page": around.next,
        "section_id": around.section_id or article.pk,
    }


def outdated_original(article, revision):
    """The original of a translation whose `revision` translates another
    version than the original's live one (so readers are told), else None."""
    if not article.translation_of_id:
        return None
    original = (
        Article.objects.filter(pk=article.translation_of_id, live_revision__isnull=False)
        .only("kind", "slug", "language", "display_title", "live_revision_id", "live_since")
        .first()
    )
    if original is None or revision.translates_id == original.live_revision_id:
        return None
    return original


def refresh_page_main(article, live_page=None):
    """Render and store a treatment page's main region (treatments/article_main.html),
    the part of its page that no request changes: so a request reads it instead
    of walking the section tree and rendering templates. Call it whenever
    something the region shows changed: the page's own render, its review dates,
    a neighbour's title or place, its reviewer's name. Returns the tags to
    announce if the region changed."""
    if article.kind != Kind.PAGE or article.live_revision_id is None:
        return set()
    live_page = live_page or LivePage.objects.filter(article=article).first()
    if live_page is None or live_page.revision_id != article.live_revision_id:
        return set()
    html, section_id, json_ld = render_page_main(article, live_page)
    if (html, section_id, json_ld) == (
        live_page.page_html,
        live_page.section_id,
        live_page.json_ld,
    ):
        return set()
    live_page.page_html, live_page.section_id, live_page.json_ld = html, section_id, json_ld
    LivePage.objects.filter(pk=live_page.pk).update(
        page_html=html, section_id=section_id, json_ld=json_ld
    )
    return {page_tag(article.slug)}


def render_page_main(article, live_page):
    """(main region HTML with its slots, top-level section id, JSON-LD without
    its URL) as they are now, in the page's language (its links and labels)."""
    with translation.override(article.language):
        context = page_main_context(article, live_page=live_page)
        html = render_to_string("treatments/article_main.html", {**context, "stored": True})
        article.live_page = live_page
        json_ld = str(structured_data.medical_web_page(article, PAGE_URL))
    return html, context["section_id"], json_ld


def refresh_page_mains(article_ids):
    """Refresh these pages' stored main regions, each under its row lock, and
    announce the ones that changed."""
    for article_id in article_ids:
        with transaction.atomic():
            article = (
                Article.objects.select_for_update(of=("self",))
                .select_related("live_revision", "last_review__actor__reviewer_profile")
                .filter(pk=article_id)
                .first()
            )
            if article is not None:
                announce(refresh_page_main(article))


def own_tags(article):
    """The tags of the public pages that show this article's own content."""
    if article.kind == Kind.GLOSSARY:
        return {GLOSSARY}
    return {page_tag(article.slug)}


def published(article, *, previous_revision, previous_nav, previous_tags, was_fictional):
    """After the workflow made `article.live_revision` live: render its page
    now, and announce (after commit) everything readers see differently.
    Dependent pages are re-rendered by a background task."""
    tags = write_live_page(article) | own_tags(article) | {FEED}
    revision = article.live_revision
    current_tags = set(revision.tags.values_list("slug", flat=True))
    tags |= {topic_tag(slug) for slug in current_tags ^ previous_tags}
    if _title_or_summary_changed(previous_revision, revision):
        # Lists that show this page's title and summary.
        tags |= {topic_tag(slug) for slug in current_tags & previous_tags}
        tags |= {
            page_tag(slug)
            for slug in Article.objects.filter(revisions__named_on__article=article).values_list(
                "slug", flat=True
            )
        }
    if article.kind == Kind.MEDICINE:
        tags |= {MEDICINES, SITEMAP}
    if article.kind == Kind.PAGE:
        tags.add(SITEMAP)
        tags |= nav_tags(article, previous_nav, NavData.of(article))
    tags |= reviewer_tags(article, was_fictional)
    announce(tags)
    if article.kind in (Kind.GLOSSARY, Kind.MEDICINE):
        _after_commit_enqueue("rerender_dependents_of_article", article.pk)
    if revision != previous_revision:
        translations_depend_on(article)


def withdrawn(article, *, previous_revision, previous_nav, previous_tags, was_fictional):
    """After the workflow took the article's live page down (`live_revision`
    is now empty): delete its live page (search and lists drop it), and
    announce everything that showed it: its own page, its topics, the
    sitemap, the feed, its section's lists and neighbours, and for a medicine
    or glossary term the pages naming or linking to it, which a background
    task re-renders without it."""
    tags = write_live_page(article) | own_tags(article) | {FEED}
    tags |= {topic_tag(slug) for slug in previous_tags}
    if article.kind == Kind.MEDICINE:
        tags |= {MEDICINES, SITEMAP}
    if article.kind == Kind.PAGE:
        tags.add(SITEMAP)
        tags |= nav_tags(article, previous_nav, None)
    tags |= reviewer_tags(article, was_fictional)
    announce(tags)
    if article.kind in (Kind.GLOSSARY, Kind.MEDICINE):
        _after_commit_enqueue("rerender_dependents_of_article", article.pk)
    translations_depend_on(article)


def translations_depend_on(article):
    """The original's live version changed (or went): its published
    translations are re-rendered after commit, in the background, so their
    out-of-date notice appears or goes (treatments.tasks.rerender_translations_of)."""
    if not article.translation_of_id:
        _after_commit_enqueue("rerender_translations_of", article.pk)


def translations_of(article_id):
    """Ids of the published translations of an original: its dependants by
    `Article.translation_of` (indexed; at most one per language)."""
    return sorted(
        Article.objects.published()
        .filter(translation_of_id=article_id)
        .values_list("pk", flat=True)
    )


def confirmed(article, *, was_fictional):
    """After a reviewer confirmed the live page: its dates and change log changed."""
    refresh_page_main(article)
    announce(own_tags(article) | {FEED} | reviewer_tags(article, was_fictional))


def reference_approved(reference):
    """After a reference's new version went live: re-render the pages citing it."""
    _after_commit_enqueue("rerender_dependents_of_reference", reference.pk)


def list_tags(list_keys):
    """The cache tags of the pages showing these stored lists (listings)."""
    topics, medicines = set(), set()
    for key in list_keys:
        kind, number = listings.parse_key(key)
        (topics if kind == listings.TOPIC else medicines).add(number)
    tags = {
        topic_tag(slug) for slug in Tag.objects.filter(pk__in=topics).values_list("slug", flat=True)
    }
    if topics:
        tags.add(TOPICS)  # a topic may have gained its first page or lost its last
    slugs = Article.objects.filter(pk__in=medicines).values_list("slug", flat=True)
    return tags | {page_tag(slug) for slug in slugs}


def place_changed(article, previous_nav, previous_slug):
    """After staff changed a page's slug, section or order in the admin."""
    refresh_page_main(article)
    tags = {page_tag(previous_slug), page_tag(article.slug), SITEMAP}
    tags |= list_tags(listings.sync(article))  # lists link to its address
    if article.kind == Kind.PAGE:
        tags |= nav_tags(article, previous_nav, NavData.of(article))
    else:
        tags.add(MEDICINES if article.kind == Kind.MEDICINE else GLOSSARY)
        # Pages that link to a glossary term's old anchor or a medicine's old address.
        _after_commit_enqueue("rerender_dependents_of_article", article.pk, moved=True)
    if article.live_revision_id is not None:
        translations_depend_on(article)  # their notice links to its address
    announce(tags)


@receiver(post_save, sender=ReviewerProfile, dispatch_uid="reviewer-profile-shown-everywhere")
def reviewer_profile_saved(sender, instance, **kwargs):
    """A reviewer's name and role are on every page they reviewed (stored pages
    are refreshed by a task), and a fictional reviewer switches the demo notice
    on every page."""
    announce({CHROME})
    _after_commit_enqueue("refresh_pages_reviewed_by", instance.user_id)


def pages_reviewed_by(user_id):
    return list(
        Article.objects.pages()
        .published()
        .filter(last_review__actor_id=user_id)
        .values_list("pk", flat=True)
    )


def _title_or_summary_changed(old, new):
    return old is None or (old.title, old.summary) != (new.title, new.summary)


def reviewer_tags(article, was_fictional):
    """CHROME if the site-wide demo notice may have changed: it shows while
    any live page's last review is by a fictional reviewer."""
    return {CHROME} if was_fictional != is_fictionally_reviewed(article) else set()


def is_fictionally_reviewed(article):
    if article.live_revision_id is None or article.last_review_id is None:
        return False
    profile = getattr(article.last_review.actor, "reviewer_profile", None)
    return bool(profile and profile.is_fictional)


def nav_tags(article, before, after):
    """When this page's place, title or summary changed: refresh its parent's
    stored list and return the tags of the pages that show it (the parent, the
    home page, the header menu). Siblings' previous/next links and descendants'
    breadcrumbs are refreshed by a task."""
    if before == after:
        return set()
    tags = set()
    for nav in (before, after):
        if nav is None:
            continue
        if nav.parent_id is None:
            tags |= {CHROME, HOME}
            continue
        parent = (
            Article.objects.select_for_update(of=("self",))
            .select_related("live_revision")
            .filter(pk=nav.parent_id)
            .first()
        )
        if parent:
            tags |= refresh_page_main(parent)  # its "In this section" list, at once
            if parent.parent_id is None:
                tags.add(HOME)
    breadcrumbs_changed = (
        before is None or after is None or (before.title, before.slug) != (after.title, after.slug)
    )
    _after_commit_enqueue(
        "announce_neighbours",
        article.pk,
        [[nav.parent_id, nav.order, nav.title] for nav in (before, after) if nav is not None],
        breadcrumbs_changed=breadcrumbs_changed,
    )
    return tags


def neighbours(article_id, placements, *, breadcrumbs_changed):
    """Ids of the pages that show a page's title or place: the siblings next to
    each of its places, before and after the change (their previous/next
    links), and, when its title or slug changed, its descendants (breadcrumbs)."""
    pages = Article.objects.pages()
    ids = set()
    for parent_id, order, title in placements:
        for item in navigation.around(parent_id, order, title, article_id):
            if item is not None:
                ids.add(item.id)
    if breadcrumbs_changed:
        level = [article_id]
        while level:
            level = list(pages.filter(parent_id__in=level).values_list("pk", flat=True))
            ids |= set(level)
    ids.discard(article_id)
    return sorted(ids)


# Dependencies --------------------------------------------------------------


def pages_containing(names, language=settings.LANGUAGE_CODE):
    """Ids of published articles in this language whose text contains one of
    the names, from the site search index (settings.ALLSITE_TEXT_FINDER)."""
    if not names:
        return set()
    return set(import_string(settings.ALLSITE_TEXT_FINDER)(list(names), language=language))


def dependents_of_article(article, *, moved=False):
    """Live pages that link to this glossary term or name this medicine, or
    whose text contains one of its names (so may start to). `moved`: its
    address changed, so even pages rendered with its current version link to
    the old one. Only pages of its own language draw it in: the index lists
    only those, and the text finder looks only in its language."""
    names = set()
    if article.live_revision is not None:
        revision = article.live_revision
        names |= set(names_of(article.kind, revision.title, revision.details))
    if article.kind == Kind.GLOSSARY:
        indexed = LivePage.objects.filter(glossary_revisions__article=article)
        current = LivePage.objects.filter(glossary_revisions=article.live_revision_id)
    else:
        indexed = LivePage.objects.filter(medicine_revisions__article=article)
        current = LivePage.objects.filter(medicine_revisions=article.live_revision_id)
    ids = set(indexed.values_list("article_id", flat=True))
    ids |= pages_containing(names, article.language)
    # Pages already rendered with its current version cannot change because of
    # it, unless they link to its old address.
    if not moved:
        ids -= set(current.values_list("article_id", flat=True))
    ids.discard(article.pk)
    if article.kind == Kind.MEDICINE:
        ids = set(Article.objects.pages().filter(pk__in=ids).values_list("pk", flat=True))
    return sorted(ids)


def dependents_of_reference(reference_id):
    """Live pages citing the reference that were not rendered with its live version."""
    live_version = Reference.objects.filter(pk=reference_id).values_list("live_version", flat=True)
    citing = LivePage.objects.filter(reference_versions__reference_id=reference_id)
    return sorted(
        set(
            citing.exclude(reference_versions__in=live_version).values_list("article_id", flat=True)
        )
    )


def rerender(article_ids):
    """Re-render these live pages from approved sources, each in its own
    transaction holding its row lock. Returns how many changed."""
    sources = {}  # language: Sources, loaded once per batch
    changed = 0
    for article_id in article_ids:
        with transaction.atomic():
            article = (
                Article.objects.select_for_update(of=("self",))
                .select_related("live_revision", "last_review__actor__reviewer_profile")
                .filter(pk=article_id)
                .first()
            )
            if article is None:
                continue
            if article.language not in sources:
                sources[article.language] = Sources.load(article.language)
            tags = write_live_page(article, sources[article.language])
            if tags:
                changed += 1
                announce(tags)
    return changed


def rerender_all():
    """Re-render every live page (after an upgrade, or to repair). Returns how many changed."""
    ids = list(Article.objects.published().order_by("pk").values_list("pk", flat=True))
    return sum(rerender(ids[i : i + RERENDER_BATCH]) for i in range(0, len(ids), RERENDER_BATCH))


def _after_commit_enqueue(task_name, *args, **kwargs):
    from . import tasks

    task = getattr(tasks, task_name)
    transaction.on_commit(lambda: tasks.enqueue(task, *args, **kwargs))
