from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here because apps.py is loaded before the models these modules use are ready.
        from . import receivers  # noqa: F401  (records a delivery for each subscribed endpoint of an event)
