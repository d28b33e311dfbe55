from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView
from taggit.models import Tag

from .models import Article
from .navigation import NavTree


class ArticleDetailView(DetailView):
    """A published treatment page. Reads stored HTML: no Markdown work here."""

    queryset = Article.objects.for_public_page()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        navigation = NavTree.load()
        ancestors = navigation.ancestors_of(self.object.pk)
        context.update(
            revision=self.object.live_revision,
            navigation=navigation,
            ancestors=ancestors,
            current_section_id=ancestors[0].id if ancestors else self.object.pk,
            in_this_section=navigation.children_of(self.object.pk),
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
