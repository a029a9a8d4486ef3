from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here because apps.py is loaded before the models these modules use are ready.
        from . import receivers  # noqa: F401  (issues a certificate when an enrollment completes)
