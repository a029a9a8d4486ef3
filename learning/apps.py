from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "learning"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here because apps.py is loaded before the models these modules use are ready.
        from courses import registry

        from . import receivers, views  # noqa: F401  (receivers keep progress in step with the page tree)

        registry.register_lesson_player(views.lesson_player)
