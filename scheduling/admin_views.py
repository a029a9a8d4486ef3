"""The views of the live sessions admin. Planning, editing, cancelling and deleting go through
scheduling.services, so the admin keeps the same rules as every other caller; a refusal is shown on the page
and nothing is written."""

import zoneinfo
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import CreateView, DeleteView, EditView, IndexView
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import HeaderButton

from . import selectors, services
from .admin_forms import CancelSessionForm
from .models import BookingStatus, LiveSession


def local_time(moment, zone) -> str:
    """“Wed 14 Oct 2026, 18:00 CEST”: the abbreviation tells summer from winter time in a listing."""
    return format_date(moment.astimezone(zone), "D j M Y, H:i T")


def zoned_time(moment, zone) -> str:
    """local_time with the zone's name: “Wed 14 Oct 2026, 18:00 CEST (Europe/Berlin)”."""
    text = local_time(moment, zone)
    return text if text.endswith(f" {zone.key}") else f"{text} ({zone.key})"


def planned_start(session: LiveSession, viewer_zone) -> str:
    """The start as the session was planned, in its own zone, which is what its edit form shows; below it the
    viewer's own time when they live elsewhere (an admin looking after trainers in other countries)."""
    try:
        zone = zoneinfo.ZoneInfo(session.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        zone = zoneinfo.ZoneInfo("UTC")
    planned = zoned_time(session.starts_at, zone)
    if zone.key == viewer_zone.key:
        return planned
    yours = _("Your time: %(time)s") % {"time": zoned_time(session.starts_at, viewer_zone)}
    return format_html('{}<br><span class="w-text-14 w-text-text-meta">{}</span>', planned, yours)


def seats_text(session: LiveSession) -> str:
    # booked_count: an annotation of selectors.with_seat_counts, which LiveSession does not declare.
    return f"{session.booked_count} / {session.capacity}"  # type: ignore[attr-defined]


def status_text(session: LiveSession) -> str:
    return _("Cancelled") if session.is_cancelled else _("Scheduled")


class SessionActionsMixin:
    """The links every view of one session offers: its roster and check-in code (on the site), and cancelling."""

    cancel_url_name = None
    # Provided by the Wagtail admin view this is mixed into.
    user_has_permission_for_instance: Callable[[str, Any], bool]

    def roster_url(self, session) -> str:
        return reverse("scheduling:roster", args=[session.pk])

    def check_in_code_url(self, session) -> str:
        return reverse("scheduling:check_in_code", args=[session.pk])

    def cancel_url(self, session) -> str | None:
        if not session.is_cancelled and self.user_has_permission_for_instance("cancel", session):
            return reverse(self.cancel_url_name, args=[session.pk])
        return None


class ManagedSessionMixin(SessionActionsMixin):
    """Loads the session of the URL and refuses it to anybody who does not manage its course."""

    instance_permission = "change"

    def get_queryset(self):
        return LiveSession.objects.select_related("course")

    def get_base_object_queryset(self):
        return self.get_queryset()

    def check_session(self, session: LiveSession) -> LiveSession:
        if not self.user_has_permission_for_instance(self.instance_permission, session):
            raise PermissionDenied
        return session


class LiveSessionIndexView(SessionActionsMixin, IndexView):
    # The default order, not one of the columns' sort keys: upcoming sessions soonest first, then past ones.
    SOONEST_FIRST = "soonest"

    def get_base_queryset(self):
        # Admins see every session, trainers those of the courses they teach (the permission policy decides).
        # Seats, waitlist and whether any booking exists (which rules out deleting) come with the rows.
        sessions = self.permission_policy.instances_user_has_any_permission_for(
            self.request.user, self.any_permission_required
        )
        return selectors.with_seat_counts(sessions).select_related("course").annotate(booking_rows=Count("bookings"))

    def order_queryset(self, queryset):
        if self.ordering != self.SOONEST_FIRST:
            queryset = super().order_queryset(queryset)
            # Sessions of a series share titles and capacities; the pk keeps pages stable.
            return queryset.order_by(*queryset.query.order_by, "pk")
        now = timezone.now()
        return queryset.annotate(
            has_ended=Case(When(ends_at__lte=now, then=Value(1)), default=Value(0), output_field=IntegerField()),
            upcoming_start=Case(When(ends_at__gt=now, then=F("starts_at"))),
        ).order_by("has_ended", "upcoming_start", "-starts_at", "pk")

    @cached_property
    def columns(self):
        # The start as planned, in each session's own zone (the zone the trainer chose), named in the cell.
        viewer_zone = self.request.user.tzinfo
        columns = list(super().columns)
        for index, column in enumerate(columns):
            if column.name == "starts_at":
                columns[index] = Column(
                    "starts_at",
                    label=_("Start (session's time zone)"),
                    accessor=lambda session: planned_start(session, viewer_zone),
                    sort_key="starts_at",
                )
        return columns

    def get_edit_url(self, instance):
        if self.user_has_permission_for_instance("change", instance):
            return super().get_edit_url(instance)
        return None

    def get_delete_url(self, instance):
        # Only a session nobody ever booked can go; the others are cancelled, so learners are told.
        if not instance.booking_rows and self.user_has_permission_for_instance("delete", instance):
            return super().get_delete_url(instance)
        return None

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        buttons.append(MenuItem(_("Roster"), url=self.roster_url(instance), icon_name="group", priority=12))
        buttons.append(MenuItem(_("Check-in code"), url=self.check_in_code_url(instance), icon_name="key", priority=14))
        if url := self.cancel_url(instance):
            buttons.append(MenuItem(_("Cancel session"), url=url, icon_name="cross", priority=25))
        return buttons

    @cached_property
    def add_item_label(self):
        return _("Schedule a session")


class SchedulingErrorMixin:
    """Shows a service's refusal on the form: the same page, the message, its status code, nothing written."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except services.SchedulingError as error:
            form.add_error(None, str(error))
            self.produced_error_message = self.get_error_message()
            response = self.form_invalid(form)
            response.status_code = error.status_code
            return response


class LiveSessionCreateView(SchedulingErrorMixin, CreateView):
    page_title = gettext_lazy("Schedule")
    page_subtitle = gettext_lazy("Live session")
    error_message = gettext_lazy("The session could not be scheduled:")
    submit_button_label = gettext_lazy("Schedule")
    submit_button_active_label = gettext_lazy("Scheduling…")

    def save_instance(self):
        # Not the model form's save: a series is several rows, and the service checks who may plan them.
        data = self.form.cleaned_data
        self.sessions = services.schedule_sessions(
            course=data["course"], plan=self.form.session_plan(), by=self.request.user, weeks=data["weeks"]
        )
        return self.sessions[0]

    def get_success_message(self, instance):
        # In the zone the times were entered in, so the trainer recognises them.
        first = zoned_time(instance.starts_at, zoneinfo.ZoneInfo(instance.time_zone))
        if len(self.sessions) == 1:
            return _("“%(title)s” is scheduled for %(when)s.") % {"title": instance.title, "when": first}
        # A series has at least two sessions; the singular is for languages that need it.
        return ngettext(
            "%(count)d weekly session of “%(title)s” is scheduled, the first on %(when)s.",
            "%(count)d weekly sessions of “%(title)s” are scheduled, the first on %(when)s.",
            len(self.sessions),
        ) % {"count": len(self.sessions), "title": instance.title, "when": first}


class LiveSessionEditView(ManagedSessionMixin, SchedulingErrorMixin, EditView):
    error_message = gettext_lazy("The session could not be saved:")
    success_message = gettext_lazy("“%(object)s” was saved.")

    def get_object(self, queryset=None):
        return self.check_session(super().get_object(queryset))

    def get_page_subtitle(self):
        return self.object.title

    def save_instance(self):
        # One occurrence only; more seats give waitlisted learners theirs (the service sends them an e-mail).
        return services.update_session(session=self.object, plan=self.form.session_plan(), by=self.request.user)

    def get_success_message(self):
        return _("“%(object)s” was saved.") % {"object": self.object.title}

    @cached_property
    def has_bookings(self) -> bool:
        return self.object.bookings.exists()

    @cached_property
    def can_delete(self):
        return not self.has_bookings and self.user_has_permission_for_instance("delete", self.object)

    @cached_property
    def header_buttons(self):
        session = self.object
        buttons = [
            HeaderButton(_("Roster"), url=self.roster_url(session), icon_name="group", priority=10),
            HeaderButton(_("Check-in code"), url=self.check_in_code_url(session), icon_name="key", priority=20),
        ]
        if url := self.cancel_url(session):
            buttons.append(HeaderButton(_("Cancel session"), url=url, icon_name="cross", priority=30))
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        session = self.object
        counts = session.bookings.filter(status__in=[BookingStatus.BOOKED, BookingStatus.WAITLISTED]).aggregate(
            booked=Count("pk", filter=Q(status=BookingStatus.BOOKED)),
            waitlisted=Count("pk", filter=Q(status=BookingStatus.WAITLISTED)),
        )
        context.update(
            session=session,
            booked=counts["booked"],
            waitlisted=counts["waitlisted"],
            in_series=session.series is not None,
        )
        return context


class LiveSessionDeleteView(ManagedSessionMixin, DeleteView):
    """Deletes a session nobody booked (services.delete_session); a booked one is cancelled instead."""

    instance_permission = "delete"

    def get_object(self, queryset=None):
        if getattr(self, "object", None):
            return self.object
        return self.check_session(super().get_object(queryset))

    def get_page_subtitle(self):
        return self.object.title

    @cached_property
    def has_bookings(self) -> bool:
        return self.object.bookings.exists() or self.object.attendances.exists()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["has_bookings"] = self.has_bookings
        context["cancel_url"] = self.cancel_url(self.object)
        context["when"] = zoned_time(self.object.starts_at, self.request.user.tzinfo)
        return context

    def form_valid(self, form):
        session, success_url = self.object, self.get_success_url()
        title, when = session.title, local_time(session.starts_at, self.request.user.tzinfo)
        try:
            services.delete_session(session=session, by=self.request.user)
        except services.SchedulingError as error:
            context = self.get_context_data(error_message=str(error))
            return self.render_to_response(context, status=error.status_code)
        messages.success(self.request, _("“%(title)s” on %(when)s was deleted.") % {"title": title, "when": when})
        return redirect(success_url)


class CancelSessionView(
    ManagedSessionMixin, PermissionCheckedMixin, BaseObjectMixin, WagtailAdminTemplateMixin, FormView
):
    """Asks for a reason and a confirmation; the service cancels the session and e-mails everybody who booked
    or waited for a seat."""

    model = LiveSession  # whose permission policy decides who may
    permission_required = "cancel"
    instance_permission = "cancel"
    form_class = CancelSessionForm
    template_name = "scheduling/admin/cancel.html"
    page_title = gettext_lazy("Cancel session")
    header_icon = "date"
    index_url_name = None
    edit_url_name = None

    def get_object(self):
        return self.check_session(super().get_object())

    def get_page_subtitle(self):
        return self.object.title

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": _("Live sessions")},
            {"url": reverse(self.edit_url_name, args=[self.object.pk]), "label": self.object.title},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        session = self.object
        zone = self.request.user.tzinfo
        told = session.bookings.filter(status__in=[BookingStatus.BOOKED, BookingStatus.WAITLISTED]).count()
        context.update(
            session=session,
            when=zoned_time(session.starts_at, zone),
            told_count=told,
            # The count as shown in the sentence, with thousands separated ("1,204 learners").
            told_number=f"{told:,}",
            edit_url=reverse(self.edit_url_name, args=[session.pk]),
        )
        return context

    def form_valid(self, form):
        session = self.object
        if session.is_cancelled:
            return redirect(self.index_url_name)
        try:
            services.cancel_session(session=session, by=self.request.user, reason=form.cleaned_data["reason"])
        except services.SchedulingError as error:
            form.add_error(None, str(error))
            return self.render_to_response(self.get_context_data(form=form), status=error.status_code)
        zone = self.request.user.tzinfo
        messages.success(
            self.request,
            _("“%(title)s” on %(when)s was cancelled. Everybody who booked or waited for a seat is told by e-mail.")
            % {"title": session.title, "when": local_time(session.starts_at, zone)},
        )
        return redirect(self.index_url_name)
