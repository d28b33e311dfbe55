"""Public pages of reviewed content. They read stored live pages: no Markdown
work, and no query whose size grows with the site.

Each view names its `cache_tags` (treatments.publishing): the parts of the
site its page shows, which the page cache uses to know when it changed.

Each view shows the language of the address (allsite.locale): /fr/… shows
French content only. An article page in a language it has not been
translated into (yet) shows the English page, marked as English, under a
notice saying so (canonical: the English address). The cache tags are the
same in every language (a page's slug is the same in all of them), so
publishing a translation or its original refreshes both languages' pages:
their language switcher and hreflang links name each other.
"""

from itertools import groupby

from django.conf import settings
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.views.generic import DetailView, ListView
from taggit.models import Tag

from allsite.locale import active_language, language_links, urls_in_languages

from . import listings, navigation
from .kinds import detail_lines
from .models import Article, Kind, ListEntry
from .navigation import published_languages, with_languages
from .prepared import PreparedQuery
from .publishing import (
    CHROME,
    GLOSSARY,
    MEDICINES,
    TOPICS,
    outdated_original,
    page_main_context,
    page_tag,
    topic_tag,
)
from .structured_data import medical_web_page, with_page_url

LIST_PAGE_SIZE = 50


def page_links(page_obj, url_name, **kwargs):
    """Previous/next URLs of a paginated list. Page numbers are in the path
    (…/page/2/), never the query string, so a static export can hold them."""

    def url(number):
        return reverse(url_name, kwargs={**kwargs, **({"page": number} if number > 1 else {})})

    return {
        "previous": url(page_obj.previous_page_number()) if page_obj.has_previous() else None,
        "next": url(page_obj.next_page_number()) if page_obj.has_next() else None,
    }


def links_to_versions(request, url_name, article, **kwargs):
    """The language switcher's links for an article's page: its published
    versions (same slug in every language), else each language's home page."""
    urls = urls_in_languages(url_name, published_languages(article), slug=article.slug, **kwargs)
    # The address shown is the page's own (also in a staff preview of it), or,
    # where the English page stands in for a missing translation, this one.
    standing_in = active_language() not in urls
    return language_links(request, urls, current_url=request.path if standing_in else None)


class InLanguage:
    """For a view of one article by its slug: the article in the language of
    the address. Failing that, for a language other than English, the
    published English one (`self.untranslated` True), unless the article in
    that language has been withdrawn (then 410, see WithdrawnIsGone)."""

    untranslated = False

    def get_object(self, queryset=None):
        language, slug = active_language(), self.kwargs["slug"]
        wanted = [language, settings.LANGUAGE_CODE]
        if queryset is None:
            found = self.find_in_languages()(slug=slug, languages=wanted)
        else:
            found = with_languages(queryset).filter(slug=slug, language__in=wanted)
        candidates = {article.language: article for article in found}
        if language in candidates:
            return candidates[language]
        original = candidates.get(settings.LANGUAGE_CODE)
        if original is None or self._withdrawn(slug, [language]).exists():
            raise Http404("No published page at this address.")
        self.untranslated = True
        return original

    @classmethod
    def find_in_languages(cls):
        """The view's `queryset` filtered by slug and two languages (the
        address's and English), with its language flags: compiled once per
        view class (treatments.prepared), as every uncached page runs it."""
        if "_find" not in cls.__dict__:
            cls._find = PreparedQuery(
                lambda slug, languages: with_languages(cls.queryset).filter(
                    slug=slug, language__in=languages
                ),
                slug=1,
                languages=2,
            )
        return cls._find

    def _withdrawn(self, slug, languages):
        return Article.objects.filter(
            kind=self.withdrawn_kind, slug=slug, language__in=languages, withdrawal__isnull=False
        )

    def untranslated_context(self):
        """The notice's facts: who reviewed the English page, when, and its address."""
        if not self.untranslated:
            return {}
        name, username, reviewed_at = (
            Article.objects.filter(pk=self.object.pk)
            .values_list(
                "last_review__actor__reviewer_profile__display_name",
                "last_review__actor__username",
                "last_review__created_at",
            )
            .first()
        )
        return {
            "untranslated": True,
            "original_lang": "en-GB",
            "original_url": self.object.get_absolute_url(),
            "original_reviewer": name or username or "",
            "original_reviewed_at": reviewed_at,
        }


def page_number(view):
    """The page asked for in the path; a number past the end is a 404 (Http404)."""
    return view.kwargs.get("page", 1)


class WithdrawnIsGone:
    """A withdrawn page answers 410 Gone with a page saying it is being updated
    (and the helpline), instead of 404: readers and search engines learn it
    is away on purpose. Never stored in the page cache (only 200s are), so a
    restored page is back at once."""

    withdrawn_kind = Kind.PAGE

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            # In this language; at /fr/… the English page too, which would
            # stand in for a page not translated.
            languages = {active_language(), settings.LANGUAGE_CODE}
            withdrawn = Article.objects.filter(
                kind=self.withdrawn_kind,
                slug=kwargs.get("slug"),
                language__in=languages,
                withdrawal__isnull=False,
            )
            if not withdrawn.exists():
                raise
        response = TemplateResponse(request, "treatments/withdrawn.html", status=410)
        response["Cache-Control"] = "no-cache"
        return response


class ArticleDetailView(WithdrawnIsGone, InLanguage, DetailView):
    """A published treatment page: its stored main region (rendered when what it
    shows changed, see publishing.refresh_page_main) with the few parts that
    depend on the request filled in, inside the site's header and footer."""

    # Just what the page's head and the request-time slots need: the rest is in
    # the stored main region. (Fewer columns: a cheaper query to build and run.)
    queryset = (
        Article.objects.pages()
        .published()
        .filter(live_page__isnull=False)
        .select_related("live_revision", "live_page")
        .only(
            "kind", "slug", "language", "next_review_due", "live_revision__title",
            "live_revision__summary", "live_page__page_html", "live_page__json_ld",
            "live_page__section_id",
        )
    )  # fmt: skip

    @staticmethod
    def cache_tags(slug, **page):
        return [CHROME, page_tag(slug)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article, live_page = self.object, self.object.live_page
        url = self.request.build_absolute_uri(article.get_absolute_url())
        section_id = None if self.untranslated else (live_page.section_id or article.pk)
        context.update(
            revision=article.live_revision,
            live_page=live_page,
            page_url=url,
            current_section_id=section_id,
            current_is_section=section_id == article.pk,
            language_links=links_to_versions(self.request, "treatments:article_detail", article),
            **self.untranslated_context(),
        )
        if live_page.page_html:
            context["json_ld"] = with_page_url(live_page.json_ld, url)
        else:  # stored before main regions were: render it now
            article = Article.objects.for_public_page().get(pk=article.pk)
            with translation.override(article.language):
                context.update(page_main_context(article), json_ld=medical_web_page(article, url))
        return context


class SectionPagesView(WithdrawnIsGone, ListView):
    """Every page of a section, a page of the list at a time."""

    template_name = "treatments/section_pages.html"
    context_object_name = "pages"
    paginate_by = navigation.SECTION_LIST_PAGE_SIZE
    cache_tags = ArticleDetailView.cache_tags

    def get_queryset(self):
        self.section = get_object_or_404(
            with_languages(Article.objects.pages().published().select_related("live_revision")),
            slug=self.kwargs["slug"],
            language=active_language(),
        )
        return (
            Article.objects.pages()
            .published()
            .filter(parent=self.section, language=self.section.language)
            .select_related("live_revision")
            .order_by("order", "display_title", "id")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        chain = navigation.ancestors(self.section)
        context.update(
            section=self.section,
            ancestors=chain,
            current_section_id=(chain[0] if chain else self.section).id,
            page_links=page_links(
                context["page_obj"], "treatments:section_pages", slug=self.section.slug
            ),
            language_links=links_to_versions(
                self.request, "treatments:section_pages", self.section
            ),
        )
        return context


class TagIndexView(ListView):
    """Every topic that has a published page, A to Z (/tags/). Its length is the
    number of topics, an editorial vocabulary, not the number of pages; each
    topic is kept by one index lookup on the stored lists."""

    template_name = "treatments/tag_index.html"
    context_object_name = "topics"

    @staticmethod
    def cache_tags():
        return [CHROME, TOPICS]

    def get_queryset(self):
        return listings.topics_with_pages(active_language())


class TagDetailView(ListView):
    template_name = "treatments/tag_detail.html"
    context_object_name = "entries"
    paginate_by = LIST_PAGE_SIZE

    @staticmethod
    def cache_tags(slug, **page):
        return [CHROME, topic_tag(slug)]

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return listings.entries_in(listings.topic_key(self.tag.pk, active_language()))

    def get_paginator(self, queryset, per_page, **kwargs):
        return listings.ListPaginator(listings.topic_key(self.tag.pk, active_language()), per_page)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(tag=self.tag, **kwargs)
        context["page_links"] = page_links(
            context["page_obj"], "treatments:tag_detail", slug=self.tag.slug
        )
        context["language_links"] = self.language_links()
        return context

    def language_links(self):
        """The topic's page in the languages that have pages on it (one
        indexed query), else their home pages."""
        keys = {listings.topic_key(self.tag.pk, code): code for code, _ in settings.LANGUAGES}
        present = ListEntry.objects.filter(list_key__in=keys).values_list("list_key", flat=True)
        languages = {keys[key] for key in present.distinct()} | {active_language()}
        urls = urls_in_languages("treatments:tag_detail", languages, slug=self.tag.slug)
        return language_links(self.request, urls, current_url=self.request.path)


class GlossaryView(ListView):
    """Every published glossary term, A to Z, each with an anchor to link to."""

    template_name = "treatments/glossary.html"
    context_object_name = "terms"

    @staticmethod
    def cache_tags():
        return [CHROME, GLOSSARY]

    def get_queryset(self):
        """The terms, with their English original's live version and date
        (joined in): a translated definition older than its original says so."""
        return (
            Article.objects.glossary()
            .for_public_page()
            .filter(language=active_language())
            .annotate(
                original_live_revision_id=F("translation_of__live_revision_id"),
                original_live_since=F("translation_of__live_since"),
            )
            .order_by("live_revision__title")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        letters = [
            (letter, list(terms))
            for letter, terms in groupby(
                context["terms"], key=lambda t: t.live_revision.title[:1].upper()
            )
        ]
        context["letters"] = letters
        context["english_list_url"] = _in_english("treatments:glossary")
        return context


class MedicineListView(ListView):
    template_name = "treatments/medicine_list.html"
    context_object_name = "medicines"

    @staticmethod
    def cache_tags():
        return [CHROME, MEDICINES]

    def get_queryset(self):
        return Article.objects.medicines().for_lists().filter(language=active_language())

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            english_list_url=_in_english("treatments:medicine_list"), **kwargs
        )


def _in_english(url_name):
    """The English list's address, for a list with nothing in this language yet."""
    if active_language() == settings.LANGUAGE_CODE:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        return reverse(url_name)


class MedicineDetailView(WithdrawnIsGone, InLanguage, DetailView):
    withdrawn_kind = Kind.MEDICINE
    template_name = "treatments/medicine_detail.html"
    queryset = Article.objects.medicines().for_public_page()

    @staticmethod
    def cache_tags(slug, **page):
        return [CHROME, page_tag(slug)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        revision = self.object.live_revision
        paginator = listings.ListPaginator(listings.medicine_key(self.object.pk), LIST_PAGE_SIZE)
        number = page_number(self)
        if number > paginator.num_pages:
            raise Http404("No such page of the list.")
        mentions = paginator.page(number)
        context.update(
            revision=revision,
            live_page=self.object.live_page,
            outdated_original=outdated_original(self.object, revision),
            facts=detail_lines(Kind.MEDICINE, revision.details),
            mentioned_in=mentions,
            page_links=page_links(mentions, "treatments:medicine_detail", slug=self.object.slug),
            page_url=(url := self.request.build_absolute_uri(self.object.get_absolute_url())),
            json_ld=medical_web_page(self.object, url),
            language_links=links_to_versions(
                self.request, "treatments:medicine_detail", self.object
            ),
            content_language=self.object.language,
            **self.untranslated_context(),
        )
        return context
