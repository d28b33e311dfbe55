from django.apps import AppConfig


class AllsiteConfig(AppConfig):
    name = "allsite"
    verbose_name = "Site-wide settings"

    def ready(self):
        from . import signals  # noqa: F401
