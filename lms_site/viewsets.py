"""Pieces the apps' Wagtail viewsets share."""

from django.contrib.auth.models import Permission


class RolePolicyPermissions:
    """For a viewset whose permission policy decides by the user's role, not by Django model permissions.

    Registering no model permissions keeps the group editor free of boxes that would change nothing.
    """

    def get_permissions_to_register(self):
        return Permission.objects.none()
