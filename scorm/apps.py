from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScormConfig(AppConfig):
    name = "scorm"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("SCORM packages")

    def ready(self):
        # Imported here because apps.py is loaded before the models these modules use are ready.
        from courses import registry
        from learning import gradebook_columns

        from . import receivers  # noqa: F401
        from .forms import check_one_package
        from .selectors import gradebook_columns as scorm_columns

        registry.register_lesson_check(check_one_package)
        # The trainer's gradebook (assessments) shows each SCORM lesson's score; scorm may not import it.
        gradebook_columns.register(scorm_columns)
