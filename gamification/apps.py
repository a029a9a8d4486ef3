from django.apps import AppConfig


class GamificationConfig(AppConfig):
    name = "gamification"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here because apps.py is loaded before the models these modules use are ready.
        from . import receivers  # noqa: F401  (points and badges follow the other apps' events)
