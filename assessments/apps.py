from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here because apps.py is loaded before the models these modules use are ready.
        from learning import requirements

        from . import receivers, selectors  # noqa: F401  (receivers keep progress in step with the tree)

        requirements.register(selectors.required_assessments_passed)
        requirements.register_outline_steps(selectors.outline_steps)
        requirements.register_outline_steps_done(selectors.outline_steps_done)
