from django.apps import AppConfig


class MediaPipelineConfig(AppConfig):
    name = "media_pipeline"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Media"
