from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaPipelineConfig(AppConfig):
    name = "media_pipeline"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Media")

    def ready(self):
        # Imported here because apps.py is loaded before the models these modules use are ready.
        from courses import registry

        from .forms import check_placed_videos

        registry.register_lesson_check(check_placed_videos)
