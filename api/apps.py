from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API v1 (django-ninja): the top of the layers; it reads every app, nothing imports it."""

    name = "api"
    default_auto_field = "django.db.models.BigAutoField"
