from django.urls import path

from . import views

app_name = "treatments"

urlpatterns = [
    path("treatment/<slug:slug>/", views.ArticleDetailView.as_view(), name="article_detail"),
    path("tags/<slug:slug>/", views.TagDetailView.as_view(), name="tag_detail"),
]
