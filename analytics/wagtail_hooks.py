"""The Analytics dashboard in the Wagtail admin: its URL and a menu item for admins and trainers."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

import lms_site.converters  # noqa: F401  # registers <id:...>; this module is imported before lms_site.urls

from . import admin_views, selectors

# Under /admin/, so Wagtail's admin sign-in and "access admin" check apply before the view's own role check.
admin_urlpatterns = [
    path("", admin_views.dashboard, name="dashboard"),
    path("exports/", admin_views.export_start, name="export_start"),
    path("exports/<id:job_id>/", admin_views.export_status, name="export_status"),
]


class AnalyticsMenuItem(MenuItem):
    def is_shown(self, request):
        return selectors.can_see_analytics(request.user)


@hooks.register("register_admin_urls")
def register_analytics_urls():
    return [path("analytics/", include((admin_urlpatterns, "analytics_admin"), namespace="analytics_admin"))]


@hooks.register("register_admin_menu_item")
def register_analytics_menu_item():
    return AnalyticsMenuItem(
        _("Analytics"), reverse("analytics_admin:dashboard"), name="analytics", icon_name="analytics-chart", order=250
    )


@hooks.register("register_icons")
def register_analytics_icon(icons):
    return [*icons, "analytics/icons/analytics-chart.svg"]
