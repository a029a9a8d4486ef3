from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here because apps.py is loaded before the models these modules use are ready.
        from . import receivers  # noqa: F401  (connects the catalogue-permission receiver)
