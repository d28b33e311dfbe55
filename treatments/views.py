from itertools import groupby

from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView
from taggit.models import Tag

from .kinds import detail_lines
from .models import Article, Kind
from .navigation import NavTree
from .structured_data import medical_web_page


class ArticleDetailView(DetailView):
    """A published treatment page. Reads stored HTML: no Markdown work here."""

    queryset = Article.objects.pages().for_public_page()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        navigation = NavTree.load()
        ancestors = navigation.ancestors_of(self.object.pk)
        previous, following = navigation.siblings_around(self.object.pk)
        context.update(
            revision=self.object.live_revision,
            navigation=navigation,
            ancestors=ancestors,
            current_section_id=ancestors[0].id if ancestors else self.object.pk,
            in_this_section=navigation.children_of(self.object.pk),
            previous_page=previous,
            next_page=following,
            json_ld=medical_web_page(self.object, self.request),
        )
        return context


class TagDetailView(ListView):
    template_name = "treatments/tag_detail.html"
    context_object_name = "articles"

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return (
            Article.objects.published()
            .filter(live_revision__tags=self.tag)
            .select_related("live_revision")
            .order_by("live_revision__title")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


class GlossaryView(ListView):
    """Every published glossary term, A to Z, each with an anchor to link to."""

    template_name = "treatments/glossary.html"
    context_object_name = "terms"

    def get_queryset(self):
        return (
            Article.objects.glossary()
            .published()
            .select_related("live_revision", "last_review__actor__reviewer_profile")
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
        return context


class MedicineListView(ListView):
    template_name = "treatments/medicine_list.html"
    context_object_name = "medicines"

    def get_queryset(self):
        return (
            Article.objects.medicines()
            .published()
            .select_related("live_revision")
            .order_by("live_revision__title")
        )


class MedicineDetailView(DetailView):
    template_name = "treatments/medicine_detail.html"
    queryset = Article.objects.medicines().for_public_page()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        revision = self.object.live_revision
        context.update(
            revision=revision,
            facts=detail_lines(Kind.MEDICINE, revision.details),
            mentioned_in=Article.objects.pages()
            .published()
            .filter(live_revision__mentions=self.object)
            .select_related("live_revision")
            .order_by("live_revision__title"),
            json_ld=medical_web_page(self.object, self.request),
        )
        return context
