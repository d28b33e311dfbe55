from django.urls import path, register_converter

from . import views


class TagSlugConverter:
    """A tag's slug: letters and digits of any alphabet, hyphens, underscores
    (taggit keeps Unicode in slugs: the tag “化疗” lives at /tags/化疗/)."""

    regex = r"[-\w]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(TagSlugConverter, "tagslug")

app_name = "treatments"

urlpatterns = [
    path("treatment/<slug:slug>/", views.ArticleDetailView.as_view(), name="article_detail"),
    path("treatment/<slug:slug>/pages/", views.SectionPagesView.as_view(), name="section_pages"),
    path(
        "treatment/<slug:slug>/pages/<int:page>/",
        views.SectionPagesView.as_view(),
        name="section_pages",
    ),
    path("tags/", views.TagIndexView.as_view(), name="tag_index"),
    path("tags/<tagslug:slug>/", views.TagDetailView.as_view(), name="tag_detail"),
    path("tags/<tagslug:slug>/page/<int:page>/", views.TagDetailView.as_view(), name="tag_detail"),
    path("glossary/", views.GlossaryView.as_view(), name="glossary"),
    path("medicines/", views.MedicineListView.as_view(), name="medicine_list"),
    path("medicines/<slug:slug>/", views.MedicineDetailView.as_view(), name="medicine_detail"),
    path(
        "medicines/<slug:slug>/page/<int:page>/",
        views.MedicineDetailView.as_view(),
        name="medicine_detail",
    ),
]
