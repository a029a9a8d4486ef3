"""Organisations in the Wagtail admin (admins only): organisations, their members, seats with every adjustment
audited, and assignments. Changes go through organisations.services, so the admin keeps the same rules as the
managers' pages (a seat in use is never taken back, an organisation keeps a manager)."""

import django_filters
from django import forms
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.admin.views.generic import CreateView, EditView, IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import ListingButton

from accounts.models import User
from accounts.permissions import RolePermissionPolicy
from lms_site.viewsets import RolePolicyPermissions, id_routes

from . import services
from .models import Assignment, MemberRole, Membership, Organisation, SeatChange, SeatPool


class AdminsManage(RolePermissionPolicy):
    actions = frozenset({"view", "add", "change"})


class AdminsView(RolePermissionPolicy):
    actions = frozenset({"view"})


class AdminsAdjust(RolePermissionPolicy):
    actions = frozenset({"view", "adjust"})


class ServiceErrorsAsFormErrors:
    """A rule the service refuses (the last manager, a banned account) shows on the form; nothing is written."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except services.OrganisationError as error:
            form.add_error(None, str(error))
            self.produced_error_message = str(error)  # what Wagtail's form_invalid shows at the top
            return self.form_invalid(form)


class ListingOnly:
    """For a viewset that lists rows nobody adds, edits or deletes by hand: no view may link to those views, and
    the admin's URL finder (which links to an edit view) has nothing to register."""

    form_fields: list[str] = []

    def get_common_view_kwargs(self, **kwargs):
        missing = dict.fromkeys(
            ["add_url_name", "edit_url_name", "delete_url_name", "history_url_name", "usage_url_name"]
        )
        return super().get_common_view_kwargs(**missing, **kwargs)  # type: ignore[misc]

    def register_admin_url_finder(self):
        pass


# Organisations ------------------------------------------------------------------------------------------------


class OrganisationIndexView(IndexView):
    def get_base_queryset(self):
        current = Q(memberships__removed_at__isnull=True)
        return super().get_base_queryset().annotate(member_count=Count("memberships", filter=current))


class OrganisationViewSet(RolePolicyPermissions, ModelViewSet):
    model = Organisation
    url_prefix = "organisations"
    url_namespace = "organisations_admin"  # "organisations" is the managers' site pages
    icon = "group"
    menu_label = gettext_lazy("Organisations")
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = OrganisationIndexView
    list_display = [
        "name",
        "slug",
        Column("members", label=gettext_lazy("Members"), accessor="member_count", sort_key="member_count"),
        "tax_id",
        DateColumn("created_at", label=gettext_lazy("Created"), sort_key="created_at"),
    ]
    search_fields = ["name", "slug", "tax_id"]
    search_backend_name = None
    ordering = "name"
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("name"), FieldPanel("slug")]),
            FieldRowPanel([FieldPanel("billing_contact"), FieldPanel("billing_email")]),
            FieldPanel("tax_id"),
            FieldPanel("address"),
        ]
    )
    inspect_view_fields = ["name", "slug", "billing_contact", "billing_email", "tax_id", "address", "created_at"]

    def get_common_view_kwargs(self, **kwargs):
        # Organisations hold orders and history: they are not deleted from here.
        return super().get_common_view_kwargs(delete_url_name=None, usage_url_name=None, **kwargs)

    def get_urlpatterns(self):
        return id_routes(self, "index", "index_results", "add", "edit", "inspect", "history", "history_results")


# Members ------------------------------------------------------------------------------------------------------


class MembershipFilterSet(WagtailFilterSet):
    organisation = django_filters.ModelChoiceFilter(queryset=Organisation.objects.order_by("name"))
    role = django_filters.ChoiceFilter(choices=MemberRole.choices, empty_label=gettext_lazy("All"))
    current = django_filters.BooleanFilter(
        label=gettext_lazy("Current"), field_name="removed_at", lookup_expr="isnull", widget=forms.NullBooleanSelect
    )

    class Meta:
        model = Membership
        fields = ["organisation", "role", "current"]


class MembershipAddForm(forms.ModelForm):
    user = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True, is_banned=False).order_by("username"),
        label=gettext_lazy("Person"),
    )

    class Meta:
        model = Membership
        fields = ["organisation", "user", "role"]

    def validate_unique(self):
        pass  # a removed member joins again through the service, which reopens their row


class MembershipRoleForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role"]


class MembershipCreateView(ServiceErrorsAsFormErrors, CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return services.add_member(organisation=data["organisation"], user=data["user"], role=data["role"])


class MembershipEditView(ServiceErrorsAsFormErrors, EditView):
    def save_instance(self):
        return services.set_role(membership=self.object, role=self.form.cleaned_data["role"])


class MembershipRemoveView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    """Removes a member the way their manager would: seats go back, progress stays."""

    permission_required = "change"
    template_name = "organisations/admin/confirm.html"
    form_class = forms.Form
    index_url_name = ""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.membership = get_object_or_404(Membership.objects.select_related("user", "organisation"), pk=kwargs["pk"])

    def get_page_title(self):
        return _("Remove %(person)s from %(organisation)s") % {
            "person": self.membership.user.get_full_name() or self.membership.user.username,
            "organisation": self.membership.organisation,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["explanation"] = _(
            "Their assignments end and their seats go back to the organisation. Their progress and certificates stay."
        )
        context["action_label"] = _("Remove")
        return context

    def form_valid(self, form):
        try:
            services.remove_member(membership=self.membership)
        except services.OrganisationError as error:
            messages.error(self.request, str(error))
        else:
            messages.success(self.request, _("%(person)s was removed.") % {"person": self.membership.user})
        return redirect(reverse(self.index_url_name))


class MembershipViewSet(RolePolicyPermissions, ModelViewSet):
    model = Membership
    url_prefix = "organisation-members"
    url_namespace = "organisation_members_admin"
    icon = "user"
    menu_label = gettext_lazy("Members")
    add_to_reference_index = False
    copy_view_enabled = False
    add_view_class = MembershipCreateView
    edit_view_class = MembershipEditView
    list_display = [
        Column("person", label=gettext_lazy("Person"), accessor="user", sort_key="user__username"),
        Column("organisation", label=gettext_lazy("Organisation"), sort_key="organisation__name"),
        Column("role", label=gettext_lazy("Role"), accessor="get_role_display", sort_key="role"),
        DateColumn("joined_at", label=gettext_lazy("Joined"), sort_key="joined_at"),
        DateColumn("removed_at", label=gettext_lazy("Removed"), sort_key="removed_at"),
    ]
    filterset_class = MembershipFilterSet
    search_fields = ["user__username", "user__email", "organisation__name"]
    search_backend_name = None
    ordering = "organisation__name"

    def get_form_class(self, for_update=False):
        return MembershipRoleForm if for_update else MembershipAddForm

    @property
    def remove_view(self):
        return MembershipRemoveView.as_view(
            permission_policy=self.permission_policy, index_url_name=self.get_url_name("index")
        )

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(delete_url_name=None, usage_url_name=None, **kwargs)

    def get_urlpatterns(self):
        return [
            *id_routes(self, "index", "index_results", "add", "edit", "history", "history_results"),
            path("remove/<id:pk>/", self.remove_view, name="remove"),
        ]


# Seats --------------------------------------------------------------------------------------------------------


class SeatAdjustForm(forms.Form):
    delta = forms.IntegerField(
        label=gettext_lazy("Change in seats"),
        min_value=-10_000,
        max_value=10_000,
        help_text=gettext_lazy("Positive to add seats, negative to take free ones back."),
    )
    note = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)

    def clean_delta(self):
        delta = self.cleaned_data["delta"]
        if delta == 0:
            raise forms.ValidationError(_("Enter how many seats to add or take back."))
        return delta


class SeatAdjustView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    permission_required = "adjust"
    template_name = "organisations/admin/adjust_seats.html"
    form_class = SeatAdjustForm
    index_url_name = ""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.pool = get_object_or_404(SeatPool.objects.select_related("organisation", "course"), pk=kwargs["pk"])

    def get_page_title(self):
        return _("Seats of %(course)s for %(organisation)s") % {
            "course": self.pool.course.title,
            "organisation": self.pool.organisation,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["pool"] = self.pool
        context["in_use"] = services.seats_in_use(
            organisation_id=self.pool.organisation_id, course_id=self.pool.course_id
        )
        context["changes"] = self.pool.changes.select_related("by", "order")[:50]
        return context

    def form_valid(self, form):
        try:
            services.change_seats(
                organisation=self.pool.organisation,
                course=self.pool.course,
                delta=form.cleaned_data["delta"],
                reason="admin",
                by=self.request.user,
                note=form.cleaned_data["note"],
            )
        except services.OrganisationError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("The seats were changed and the change recorded."))
        return redirect(reverse(self.index_url_name))


class SeatPoolIndexView(IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("organisation", "course")

    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        if self.permission_policy.user_has_permission(self.request.user, "adjust"):
            buttons.append(
                ListingButton(_("Adjust seats"), url=reverse("organisation_seats_admin:adjust", args=[instance.pk]))
            )
        return buttons


def seats_in_use(pool: SeatPool) -> int:
    return services.seats_in_use(organisation_id=pool.organisation_id, course_id=pool.course_id)


class SeatPoolViewSet(ListingOnly, RolePolicyPermissions, ModelViewSet):
    model = SeatPool
    url_prefix = "organisation-seats"
    url_namespace = "organisation_seats_admin"
    icon = "tag"
    menu_label = gettext_lazy("Seats")
    add_to_reference_index = False
    copy_view_enabled = False
    index_view_class = SeatPoolIndexView
    list_display = [
        Column("organisation", label=gettext_lazy("Organisation"), sort_key="organisation__name"),
        Column("course", label=gettext_lazy("Course"), accessor="course.title", sort_key="course__title"),
        Column("seats", label=gettext_lazy("Seats"), sort_key="seats"),
        Column("in_use", label=gettext_lazy("In use"), accessor=seats_in_use),
    ]
    list_filter = ["organisation"]
    ordering = "organisation__name"

    @property
    def adjust_view(self):
        return SeatAdjustView.as_view(
            permission_policy=self.permission_policy, index_url_name=self.get_url_name("index")
        )

    def get_urlpatterns(self):
        return [*id_routes(self, "index", "index_results"), path("adjust/<id:pk>/", self.adjust_view, name="adjust")]


class SeatChangeViewSet(ListingOnly, RolePolicyPermissions, ModelViewSet):
    """The audit trail of seats: every purchase, refund and admin adjustment, with who and why."""

    model = SeatChange
    url_prefix = "organisation-seat-changes"
    url_namespace = "organisation_seat_changes_admin"
    icon = "history"
    menu_label = gettext_lazy("Seat changes")
    add_to_reference_index = False
    copy_view_enabled = False
    list_display = [
        Column("pool", label=gettext_lazy("Seats")),
        Column("delta", label=gettext_lazy("Change")),
        Column("reason", label=gettext_lazy("Why"), accessor="get_reason_display"),
        Column("note", label=gettext_lazy("Reason given")),
        Column("by", label=gettext_lazy("By")),
        Column("order", label=gettext_lazy("Order"), accessor="order_id"),
        DateColumn("created_at", label=gettext_lazy("When"), sort_key="created_at"),
    ]
    list_filter = ["reason", "pool__organisation"]
    ordering = "-created_at"

    def get_urlpatterns(self):
        return id_routes(self, "index", "index_results")


# Assignments --------------------------------------------------------------------------------------------------


class AssignmentFilterSet(WagtailFilterSet):
    organisation = django_filters.ModelChoiceFilter(queryset=Organisation.objects.order_by("name"))
    current = django_filters.BooleanFilter(
        label=gettext_lazy("Current"), field_name="released_at", lookup_expr="isnull", widget=forms.NullBooleanSelect
    )

    class Meta:
        model = Assignment
        fields = ["organisation", "current"]


class AssignmentIndexView(IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("organisation", "membership__user", "course")


class AssignmentViewSet(ListingOnly, RolePolicyPermissions, ModelViewSet):
    model = Assignment
    url_prefix = "organisation-assignments"
    url_namespace = "organisation_assignments_admin"
    icon = "list-ul"
    menu_label = gettext_lazy("Assignments")
    add_to_reference_index = False
    copy_view_enabled = False
    index_view_class = AssignmentIndexView
    list_display = [
        Column(
            "member", label=gettext_lazy("Member"), accessor="membership.user", sort_key="membership__user__username"
        ),
        Column("organisation", label=gettext_lazy("Organisation"), sort_key="organisation__name"),
        Column("course", label=gettext_lazy("Course"), accessor="course.title", sort_key="course__title"),
        DateColumn("due_on", label=gettext_lazy("Due"), sort_key="due_on"),
        BooleanColumn("uses_seat", label=gettext_lazy("Seat")),
        DateColumn("released_at", label=gettext_lazy("Released"), sort_key="released_at"),
    ]
    filterset_class = AssignmentFilterSet
    ordering = "-assigned_at"

    def get_urlpatterns(self):
        return id_routes(self, "index", "index_results")


class OrganisationsGroup(ViewSetGroup):
    menu_label = gettext_lazy("Organisations")
    menu_icon = "group"
    menu_order = 320
    items = (OrganisationViewSet, MembershipViewSet, AssignmentViewSet, SeatPoolViewSet, SeatChangeViewSet)
