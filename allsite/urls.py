from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = "allsite editorial"
admin.site.site_title = "allsite editorial"
admin.site.index_title = "Pages, reviews and helpline"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("robots.txt", views.RobotsView.as_view(), name="robots"),
    path("admin/", admin.site.urls),
    path("", include("treatments.urls")),
]

handler500 = "allsite.views.server_error"
