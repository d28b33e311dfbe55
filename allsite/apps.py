from django.apps import AppConfig


class AllsiteConfig(AppConfig):
    name = "allsite"
    verbose_name = "Site-wide settings"

    def ready(self):
        from . import page_cache, signals  # noqa: F401  (their signal receivers)
