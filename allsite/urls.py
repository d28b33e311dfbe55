from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path

from . import feedback_views, two_factor, views
from .api_http import api_view
from .feeds import PageUpdatesFeed

admin.site.site_header = "allsite editorial"
admin.site.site_title = "allsite editorial"
admin.site.index_title = "Pages, reviews and helpline"
admin.site.login_form = two_factor.SignInForm

# Addresses that are the same in every language.
urlpatterns = [
    path("robots.txt", views.RobotsView.as_view(), name="robots"),
    path("sitemap.xml", views.sitemap_index, name="sitemap"),
    path("sitemap-<slug:section>-<int:number>.xml", views.sitemap_section, name="sitemap_section"),
    path("updates.atom", PageUpdatesFeed(), name="page_updates_feed"),
    re_path(r"^api/v1/", api_view),  # the API loads on its first request (allsite.api_http)
    path(
        "admin/two-factor/",
        admin.site.admin_view(two_factor.setup_view),
        name="two_factor_setup",
    ),
    path("admin/", admin.site.urls),
]

# Public pages, one address per language: English without a prefix (every
# address from before translations), French under /fr/ with the same path
# (/fr/treatment/induction/). allsite.locale activates the address's language.
urlpatterns += i18n_patterns(
    path("", views.HomeView.as_view(), name="home"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("feedback/<slug:slug>/", feedback_views.submit_feedback, name="feedback"),
    path("", include("treatments.urls")),
    prefix_default_language=False,
)

# Uploaded images, served by Django in development only (`static()` adds nothing
# when DEBUG is off): in production nginx serves MEDIA_ROOT (deploy/nginx.conf),
# or the storage backend serves its own address.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "allsite.views.bad_request"
handler500 = "allsite.views.server_error"
