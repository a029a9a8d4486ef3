"""The live sessions admin: who may use it (admins for every course, trainers for the courses they teach),
how its listing filters, and which views it has."""

import django_filters
from django import forms
from django.db.models import Q
from django.urls import path
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, StatusTagColumn
from wagtail.admin.viewsets.model import ModelViewSet

from accounts.models import Role, User
from accounts.permissions import RolePermissionPolicy
from courses.models import CoursePage
from lms_site.forms import IdModelChoiceFilter
from lms_site.viewsets import RolePolicyPermissions, id_routes

from . import services
from .admin_forms import LiveSessionCreateForm, LiveSessionForm, courses_for
from .admin_views import (
    CancelSessionView,
    LiveSessionCreateView,
    LiveSessionDeleteView,
    LiveSessionEditView,
    LiveSessionIndexView,
    seats_text,
    status_text,
)
from .models import LiveSession


class LiveSessionPermissionPolicy(RolePermissionPolicy):
    """Admins and trainers use the sessions admin; a session itself only by whoever manages its course
    (services.can_manage: admins, and the course's own trainer). The services check again before they write."""

    actions = frozenset({"view", "add", "change", "cancel", "delete"})
    roles = (Role.ADMIN, Role.TRAINER)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action) and services.can_manage(user=user, course=instance.course)

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return LiveSession.objects.none()
        if user.is_superuser:
            return LiveSession.objects.all()
        return LiveSession.objects.filter(course__trainer=user)

    def users_with_any_permission_for_instance(self, actions, instance):
        if self.actions.isdisjoint(actions):
            return User.objects.none()
        return self.users_with_any_permission(actions).filter(
            Q(role=Role.ADMIN) | Q(role=Role.TRAINER, pk=instance.course.trainer_id)
        )


def _courses_of(request):
    return courses_for(request.user) if request is not None else CoursePage.objects.none()


class LiveSessionFilterSet(WagtailFilterSet):
    course = IdModelChoiceFilter(label=_("Course"), queryset=_courses_of, empty_label=_("All courses"))
    when = django_filters.ChoiceFilter(
        label=_("When"),
        choices=[("upcoming", _("Upcoming")), ("past", _("Past"))],
        method="filter_when",
        widget=forms.RadioSelect,
        empty_label=_("Any time"),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[("scheduled", _("Scheduled")), ("cancelled", _("Cancelled"))],
        method="filter_status",
        widget=forms.RadioSelect,
        empty_label=_("All"),
    )

    class Meta:
        model = LiveSession
        fields = ["course", "when", "status"]

    def filter_when(self, queryset, name, value):
        # Upcoming until it has ended: a session in progress still needs its roster and code.
        now = timezone.now()
        return queryset.filter(ends_at__gt=now) if value == "upcoming" else queryset.filter(ends_at__lte=now)

    def filter_status(self, queryset, name, value):
        return queryset.filter(cancelled_at__isnull=value == "scheduled")


# A row's help text goes above the row (on its panel, or the group's): on one field Wagtail would put it
# between that field's label and input, and the input would sit lower than its neighbours'.
WHEN_HELP = _("The session ends on the same day it starts, at the times given in the time zone below.")


def _when_panels():
    return [
        # Three date and time inputs are too wide for one row of the admin's form width; the day on its own
        # and the two times side by side keep every field within the form, "Ends at" beside "Starts at".
        FieldPanel("start_date"),
        FieldRowPanel([FieldPanel("start_time"), FieldPanel("end_time")]),
        FieldPanel("time_zone"),
    ]


def _booking_panels():
    return [
        FieldPanel("capacity"),
        FieldRowPanel(
            [FieldPanel("deadline_date"), FieldPanel("deadline_time")],
            help_text=_("The booking deadline: leave both empty and bookings close at the start."),
        ),
    ]


create_handler = ObjectList(
    [
        FieldPanel("title"),
        FieldPanel("course"),
        FieldPanel("description"),
        MultiFieldPanel([*_when_panels(), FieldPanel("weeks")], heading=_("When"), help_text=WHEN_HELP),
        MultiFieldPanel([FieldPanel("online_url"), FieldPanel("location")], heading=_("Where")),
        MultiFieldPanel(_booking_panels(), heading=_("Bookings")),
    ],
    base_form_class=LiveSessionCreateForm,
)

# One occurrence: its course stays, and the rest of a series is edited occurrence by occurrence.
session_edit_handler = ObjectList(
    [
        FieldPanel("title"),
        FieldPanel("course", read_only=True),
        FieldPanel("description"),
        MultiFieldPanel(_when_panels(), heading=_("When"), help_text=WHEN_HELP),
        MultiFieldPanel([FieldPanel("online_url"), FieldPanel("location")], heading=_("Where")),
        MultiFieldPanel(_booking_panels(), heading=_("Bookings")),
    ],
    base_form_class=LiveSessionForm,
)


class LiveSessionViewSet(RolePolicyPermissions, ModelViewSet):
    model = LiveSession
    url_prefix = "live-sessions"
    url_namespace = "live_sessions"
    icon = "date"
    menu_label = _("Live sessions")
    menu_order = 315  # between Orders (310) and Gamification (320)
    add_to_admin_menu = True
    # Sessions are written by services (series, bookings, check-in codes); indexing their references would
    # only add writes, and nothing refers to a session through the index.
    add_to_reference_index = False
    copy_view_enabled = False

    index_view_class = LiveSessionIndexView
    add_view_class = LiveSessionCreateView
    edit_view_class = LiveSessionEditView
    delete_view_class = LiveSessionDeleteView
    delete_template_name = "scheduling/admin/delete.html"
    edit_template_name = "scheduling/admin/edit.html"
    create_template_name = "scheduling/admin/create.html"
    list_display = [
        "title",
        Column("course", label=_("Course"), accessor="course.title", sort_key="course__title"),
        # Replaced by LiveSessionIndexView with the times as planned, in the session's own zone.
        Column("starts_at", label=_("Start"), sort_key="starts_at"),
        Column("seats", label=_("Seats booked"), accessor=seats_text, sort_key="booked_count"),
        Column("waitlist_count", label=_("Waitlist"), sort_key="waitlist_count"),
        StatusTagColumn(
            "status",
            label=_("Status"),
            accessor=status_text,
            primary=lambda session: not session.is_cancelled,
            sort_key="cancelled_at",
        ),
    ]
    filterset_class = LiveSessionFilterSet
    search_fields = ["title", "course__title"]
    search_backend_name = None  # plain ORM matching: sessions are not in the search index
    # Upcoming sessions first, the soonest on top, then past ones, the latest first (LiveSessionIndexView).
    ordering = LiveSessionIndexView.SOONEST_FIRST
    edit_handler = session_edit_handler

    @cached_property
    def _create_handler(self):
        # Planning differs from editing: it chooses the course and can repeat weekly.
        return create_handler.bind_to_model(LiveSession)

    def get_add_view_kwargs(self, **kwargs):
        return super().get_add_view_kwargs(
            panel=self._create_handler, form_class=self._create_handler.get_form_class(), **kwargs
        )

    def get_common_view_kwargs(self, **kwargs):
        # No usage view: nothing refers to a session through the reference index. No history view either: the
        # admin writes through services, whose rows (who cancelled, who marked attendance) are the history.
        return super().get_common_view_kwargs(
            usage_url_name=None, history_url_name=None, cancel_url_name=self.get_url_name("cancel"), **kwargs
        )

    @property
    def cancel_view(self):
        return self.construct_view(CancelSessionView)

    def get_urlpatterns(self):
        return [
            *id_routes(self, "index", "index_results", "add", "edit", "delete"),
            path("cancel/<id:pk>/", self.cancel_view, name="cancel"),
        ]
