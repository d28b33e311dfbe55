from django.apps import AppConfig


class TreatmentsConfig(AppConfig):
    name = "treatments"
    verbose_name = "Treatment pages"

    def ready(self):
        from . import publishing, translations  # noqa: F401  (their signal receivers)
