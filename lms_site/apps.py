from django.apps import AppConfig


class LmsSiteConfig(AppConfig):
    name = "lms_site"

    def ready(self):
        # Imported here because apps.py is loaded before the models these receivers use are ready.
        from . import page_cache_receivers, translated_page_receivers  # noqa: F401 (connects its receivers)

        page_cache_receivers.connect_page_models()
