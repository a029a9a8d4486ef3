from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here because apps.py is loaded before the models these modules use are ready.
        from learning import requirements

        from . import receivers, selectors  # noqa: F401  (receivers: attendance completes courses)

        requirements.register(selectors.attendance_requirement)
