"""Pieces the apps' Wagtail viewsets share."""

from django.contrib.auth.models import Permission
from django.urls import URLPattern, path


class RolePolicyPermissions:
    """For a viewset whose permission policy decides by the user's role, not by Django model permissions.

    Registering no model permissions keeps the group editor free of boxes that would change nothing.
    """

    def get_permissions_to_register(self):
        return Permission.objects.none()


# Wagtail's own routes take `<str:pk>`; ours take `<id:pk>`, so an id no column can hold is a 404 before any
# query runs. A viewset lists the routes it serves by name, and adds its own beside them.
ROUTES = {
    "index": "",
    "index_results": "results/",
    "add": "new/",
    "edit": "edit/<id:pk>/",
    "delete": "delete/<id:pk>/",
    "inspect": "inspect/<id:pk>/",
    "history": "history/<id:pk>/",
    "history_results": "history-results/<id:pk>/",
}


def id_routes(viewset, *names: str) -> list[URLPattern]:
    """The standard routes `names` of `viewset`, each served by its `<name>_view`."""
    return [path(ROUTES[name], getattr(viewset, f"{name}_view"), name=name) for name in names]
