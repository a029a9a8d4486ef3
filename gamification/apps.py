from django.apps import AppConfig


class GamificationConfig(AppConfig):
    name = "gamification"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import receivers  # noqa: F401  (points and badges follow the other apps' events)
