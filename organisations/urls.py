from django.urls import path

from . import manager_views

app_name = "organisations"

urlpatterns = [
    # Anyone signed in: a new team to buy seats for (before the slug patterns: "new" is no team's slug)
    path("new/", manager_views.create_organisation, name="create"),
    # Managers: the team dashboard
    path("<slug:slug>/", manager_views.dashboard, name="dashboard"),
    # Managers: members, groups, invitations, CSV import
    path("<slug:slug>/members/", manager_views.members, name="members"),
    # Managers: seats and seat orders
    path("<slug:slug>/seats/", manager_views.seats, name="seats"),
    path("<slug:slug>/seats/buy/", manager_views.buy_seats, name="buy_seats"),
    path("<slug:slug>/orders/<id:order_id>/invoice.pdf", manager_views.invoice, name="invoice"),
    # Managers: assignments
    path("<slug:slug>/assignments/", manager_views.assignments, name="assignments"),
]
