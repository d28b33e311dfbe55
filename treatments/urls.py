from django.urls import path

from . import views

app_name = "treatments"

urlpatterns = [
    path("treatment/<slug:slug>/", views.ArticleDetailView.as_view(), name="article_detail"),
    path("treatment/<slug:slug>/pages/", views.SectionPagesView.as_view(), name="section_pages"),
    path(
        "treatment/<slug:slug>/pages/<int:page>/",
        views.SectionPagesView.as_view(),
        name="section_pages",
    ),
    path("tags/<slug:slug>/", views.TagDetailView.as_view(), name="tag_detail"),
    path("tags/<slug:slug>/page/<int:page>/", views.TagDetailView.as_view(), name="tag_detail"),
    path("glossary/", views.GlossaryView.as_view(), name="glossary"),
    path("medicines/", views.MedicineListView.as_view(), name="medicine_list"),
    path("medicines/<slug:slug>/", views.MedicineDetailView.as_view(), name="medicine_detail"),
    path(
        "medicines/<slug:slug>/page/<int:page>/",
        views.MedicineDetailView.as_view(),
        name="medicine_detail",
    ),
]
