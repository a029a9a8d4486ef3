from django.urls import path

from . import manager_views

app_name = "organisations"

urlpatterns = [
    # Managers: the team dashboard
    path("<slug:slug>/", manager_views.dashboard, name="dashboard"),
    # Managers: members, groups, invitations, CSV import
    path("<slug:slug>/members/", manager_views.members, name="members"),
    # Managers: seats and seat orders
    path("<slug:slug>/seats/", manager_views.seats, name="seats"),
    # Managers: assignments
    path("<slug:slug>/assignments/", manager_views.assignments, name="assignments"),
]
