from django.apps import AppConfig
from wagtail.users.apps import WagtailUsersAppConfig


class AccountsConfig(AppConfig):
    default = True  # this module holds two AppConfigs; "accounts" in INSTALLED_APPS means this one
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here because apps.py is loaded before the models these modules use are ready.
        from . import receivers  # noqa: F401  (connects the role-sync receiver)


class AccountsUsersAppConfig(WagtailUsersAppConfig):
    """Wagtail's user admin, with the role and ban fields in its forms."""

    default = False
    user_viewset = "accounts.viewsets.UserViewSet"
