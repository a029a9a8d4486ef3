from django.urls import path

from . import converters, manager_views, views  # noqa: F401 (converters registers <invitation_token:>)

app_name = "organisations"

urlpatterns = [
    # Invited people (the token holds a ":", which no slug has: no team page is shadowed, see converters.py)
    path("invitations/<invitation_token:token>/", views.accept, name="accept"),
    # Anyone signed in: a new team to buy seats for (before the slug patterns: "new" is no team's slug)
    path("new/", manager_views.create_organisation, name="create"),
    # Managers: the team dashboard
    path("<slug:slug>/", manager_views.dashboard, name="dashboard"),
    path("<slug:slug>/export/<slug:fmt>/", manager_views.dashboard_export, name="dashboard_export"),
    # Managers: members, groups, invitations, CSV import
    path("<slug:slug>/members/", manager_views.members, name="members"),
    path("<slug:slug>/members/<id:membership_id>/role/", manager_views.set_role, name="set_role"),
    path("<slug:slug>/members/<id:membership_id>/remove/", manager_views.remove_member, name="remove_member"),
    path("<slug:slug>/groups/", manager_views.create_group, name="create_group"),
    path("<slug:slug>/groups/<id:group_id>/members/", manager_views.add_to_group, name="add_to_group"),
    path(
        "<slug:slug>/groups/<id:group_id>/members/<id:membership_id>/remove/",
        manager_views.remove_from_group,
        name="remove_from_group",
    ),
    path("<slug:slug>/invitations/", manager_views.invite, name="invite"),
    path("<slug:slug>/invitations/<id:invitation_id>/resend/", manager_views.resend_invitation, name="resend"),
    path("<slug:slug>/invitations/<id:invitation_id>/withdraw/", manager_views.withdraw_invitation, name="withdraw"),
    path("<slug:slug>/import/", manager_views.import_csv, name="import_csv"),
    path("<slug:slug>/import/confirm/", manager_views.import_confirm, name="import_confirm"),
    # Managers: seats and seat orders
    path("<slug:slug>/seats/", manager_views.seats, name="seats"),
    path("<slug:slug>/seats/buy/", manager_views.buy_seats, name="buy_seats"),
    path("<slug:slug>/orders/<id:order_id>/invoice.pdf", manager_views.invoice, name="invoice"),
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
