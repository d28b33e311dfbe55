from django.apps import AppConfig


class AllsiteConfig(AppConfig):
    name = "allsite"
    verbose_name = "Site-wide settings"

    def ready(self):
        from . import checks, page_cache, signals, static_export  # noqa: F401  (checks and signal receivers)
