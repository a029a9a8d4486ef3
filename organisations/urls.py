from django.urls import path

from . import manager_views

app_name = "organisations"

urlpatterns = [
    # Managers: the team dashboard
    path("<slug:slug>/", manager_views.dashboard, name="dashboard"),
    path("<slug:slug>/export/<slug:fmt>/", manager_views.dashboard_export, name="dashboard_export"),
    # Managers: members, groups, invitations, CSV import
    path("<slug:slug>/members/", manager_views.members, name="members"),
    # Managers: seats and seat orders
    path("<slug:slug>/seats/", manager_views.seats, name="seats"),
    # Managers: assignments
    path("<slug:slug>/assignments/", manager_views.assignments, name="assignments"),
    path(
        "<slug:slug>/assignments/<id:assignment_id>/due-date/",
        manager_views.assignment_due_date,
        name="assignment_due_date",
    ),
    path(
        "<slug:slug>/assignments/<id:assignment_id>/release/",
        manager_views.assignment_release,
        name="assignment_release",
    ),
]
