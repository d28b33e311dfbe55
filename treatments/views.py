"""Public pages of reviewed content. They read stored live pages: no Markdown
work, and no query whose size grows with the site.

Each view names its `cache_tags` (treatments.publishing): the parts of the
site its page shows, which the page cache uses to know when it changed.
"""

from itertools import groupby

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.generic import DetailView, ListView
from taggit.models import Tag

from . import listings, navigation
from .kinds import detail_lines
from .models import Article, Kind
from .publishing import (
    CHROME,
    GLOSSARY,
    MEDICINES,
    TOPICS,
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
            withdrawn = Article.objects.filter(
                kind=self.withdrawn_kind, slug=kwargs.get("slug"), withdrawal__isnull=False
            )
            if not withdrawn.exists():
                raise
        response = TemplateResponse(request, "treatments/withdrawn.html", status=410)
        response["Cache-Control"] = "no-cache"
        return response


class ArticleDetailView(WithdrawnIsGone, DetailView):
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
            "kind", "slug", "next_review_due", "live_revision__title",
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
        context.update(
            revision=article.live_revision,
            live_page=live_page,
            page_url=url,
            current_section_id=live_page.section_id or article.pk,
            current_is_section=(live_page.section_id or article.pk) == article.pk,
        )
        if live_page.page_html:
            context["json_ld"] = with_page_url(live_page.json_ld, url)
        else:  # stored before main regions were: render it now
            article = Article.objects.for_public_page().get(pk=article.pk)
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
            Article.objects.pages().published().select_related("live_revision"),
            slug=self.kwargs["slug"],
        )
        return (
            Article.objects.pages()
            .published()
            .filter(parent=self.section)
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
        return listings.topics_with_pages()


class TagDetailView(ListView):
    template_name = "treatments/tag_detail.html"
    context_object_name = "entries"
    paginate_by = LIST_PAGE_SIZE

    @staticmethod
    def cache_tags(slug, **page):
        return [CHROME, topic_tag(slug)]

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return listings.entries_in(listings.topic_key(self.tag.pk))

    def get_paginator(self, queryset, per_page, **kwargs):
        return listings.ListPaginator(listings.topic_key(self.tag.pk), per_page)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(tag=self.tag, **kwargs)
        context["page_links"] = page_links(
            context["page_obj"], "treatments:tag_detail", slug=self.tag.slug
        )
        return context


class GlossaryView(ListView):
    """Every published glossary term, A to Z, each with an anchor to link to."""

    template_name = "treatments/glossary.html"
    context_object_name = "terms"

    @staticmethod
    def cache_tags():
        return [CHROME, GLOSSARY]

    def get_queryset(self):
        return Article.objects.glossary().for_public_page().order_by("live_revision__title")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        letters = [
            (letter, list(terms))
            for letter, terms in groupby(
                context["terms"], key=lambda t: t.live_revision.title[:1].upper()
            )
        ]
        context["letters"] = letters
        return context


class MedicineListView(ListView):
    template_name = "treatments/medicine_list.html"
    context_object_name = "medicines"

    @staticmethod
    def cache_tags():
        return [CHROME, MEDICINES]

    def get_queryset(self):
        return Article.objects.medicines().for_lists()


class MedicineDetailView(WithdrawnIsGone, DetailView):
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
            facts=detail_lines(Kind.MEDICINE, revision.details),
            mentioned_in=mentions,
            page_links=page_links(mentions, "treatments:medicine_detail", slug=self.object.slug),
            page_url=(url := self.request.build_absolute_uri(self.object.get_absolute_url())),
            json_ld=medical_web_page(self.object, url),
        )
        return context
