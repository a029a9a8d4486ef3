"""The live sessions admin's forms: planning a session (or a weekly series), editing one occurrence, cancelling.

Times are entered as wall-clock times in a chosen time zone (the course trainer's own by default) and become
aware datetimes here; the rules about sessions (length, deadline, where to go, who may) are services.py's, whose
refusals the views show on the form.
"""

import zoneinfo
from datetime import UTC, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.widgets import AdminDateInput, AdminTimeInput

from accounts.models import time_zone_choices
from courses.models import CoursePage
from lms_site.forms import IdModelChoiceField

from . import services
from .models import LiveSession


def _at_most_seats() -> str:
    return ngettext(
        "A session has at most %(count)s seat.", "A session has at most %(count)s seats.", services.MAX_CAPACITY
    ) % {"count": f"{services.MAX_CAPACITY:,}"}


def _series_weeks() -> str:
    return gettext("A series runs for 1 to %(weeks)d weeks.") % {"weeks": services.MAX_SERIES_WEEKS}


def _weeks_help() -> str:
    return gettext(
        "Weeks, 1 to %(weeks)d. 1 plans a single session; more plan one each week at the same local time, each of "
        "which can then be edited or cancelled on its own."
    ) % {"weeks": services.MAX_SERIES_WEEKS}


# Field messages are made when the module loads: these fill in the numbers in the language of each request.
AT_MOST_SEATS = lazy(_at_most_seats, str)()
SERIES_WEEKS = lazy(_series_weeks, str)()
WEEKS_HELP = lazy(_weeks_help, str)()


def courses_for(user):
    """The courses whose sessions the user plans: every course for admins, their own for trainers."""
    courses = CoursePage.objects.originals().select_related("trainer").order_by("title")
    return courses if user is not None and user.is_superuser else courses.filter(trainer=user)


class CourseSelect(forms.Select):
    """Each course carries its trainer's time zone, so choosing a course can set the form's zone to the one
    the trainer plans in (static/js/live-session-form.js; it leaves a zone the person chose alone)."""

    def __init__(self, attrs=None, *, time_zone_field: str = "time_zone"):
        super().__init__({"data-sets-time-zone": time_zone_field, **(attrs or {})})

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        course = getattr(value, "instance", None)
        trainer = getattr(course, "trainer", None)
        if trainer is not None:
            option["attrs"]["data-time-zone"] = trainer.time_zone
        return option


def local_moment(day, time, zone: zoneinfo.ZoneInfo) -> datetime:
    """The aware moment a wall-clock time names in a zone; refuses a time the clocks skip (spring forward)."""
    moment = datetime.combine(day, time, tzinfo=zone)
    if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != moment.replace(tzinfo=None):
        raise ValidationError(
            gettext("%(time)s does not exist on %(day)s in %(zone)s: the clocks change then. Choose another time.")
            % {"time": f"{time:%H:%M}", "day": date_format(day, "j M Y"), "zone": zone.key},
            code="skipped_time",
        )
    return moment


class LiveSessionForm(WagtailAdminModelForm):
    """Editing one session: everything but the course, which a session keeps."""

    time_zone = forms.ChoiceField(
        choices=time_zone_choices,
        label=_("Time zone"),
        help_text=_("The date and times are in this zone; a weekly series keeps this local time when clocks change."),
    )
    start_date = forms.DateField(label=_("Date"), widget=AdminDateInput)
    start_time = forms.TimeField(label=_("Starts at"), widget=AdminTimeInput)
    # No help text on the fields of a row: Wagtail puts it above the input, which would push this input below
    # its neighbours'. The rows' panels carry it (viewsets._when_panels, _booking_panels).
    end_time = forms.TimeField(label=_("Ends at"), widget=AdminTimeInput)
    capacity = forms.IntegerField(
        min_value=1,
        max_value=services.MAX_CAPACITY,
        initial=20,
        label=_("Seats"),
        help_text=_("Learners beyond this go on the waitlist and get a seat when one frees up."),
        error_messages={
            "min_value": _("A session needs at least one seat."),
            "max_value": AT_MOST_SEATS,
            "invalid": _("Enter a whole number."),
        },
    )
    online_url = forms.URLField(
        required=False,
        assume_scheme="https",
        label=_("Online link"),
        help_text=LiveSession._meta.get_field("online_url").help_text,
    )
    deadline_date = forms.DateField(label=_("Bookings close on"), widget=AdminDateInput, required=False)
    deadline_time = forms.TimeField(
        # Translators: the time beside the date in "Bookings close on [date] at [time]".
        label=_("at"),
        widget=AdminTimeInput,
        required=False,
    )

    class Meta:
        model = LiveSession
        fields = ["title", "description", "time_zone", "online_url", "location", "capacity"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        session = self.instance
        if session.pk and not self.is_bound:
            # The stored moments shown as the local times they were planned in.
            zone = zoneinfo.ZoneInfo(session.time_zone)
            starts, ends = session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)
            self.initial.update(start_date=starts.date(), start_time=starts.time(), end_time=ends.time())
            if session.booking_deadline:
                deadline = session.booking_deadline.astimezone(zone)
                self.initial.update(deadline_date=deadline.date(), deadline_time=deadline.time())

    def clean(self):
        data = super().clean()
        if not (name := data.get("time_zone")):
            return data
        zone = zoneinfo.ZoneInfo(name)
        day, start, end = data.get("start_date"), data.get("start_time"), data.get("end_time")
        if day and start and end:
            if end <= start:
                self.add_error("end_time", gettext("The session must end after it starts, on the same day."))
            else:
                try:
                    data["starts_at"] = local_moment(day, start, zone)
                    data["ends_at"] = local_moment(day, end, zone)
                except ValidationError as error:
                    self.add_error("start_time", error)
        deadline_day, deadline_time = data.get("deadline_date"), data.get("deadline_time")
        if bool(deadline_day) != bool(deadline_time) and not self.has_error("deadline_date"):
            self.add_error("deadline_date", gettext("Give both the date and the time bookings close, or neither."))
        elif deadline_day and deadline_time:
            try:
                data["booking_deadline"] = local_moment(deadline_day, deadline_time, zone)
            except ValidationError as error:
                self.add_error("deadline_time", error)
        return data

    def session_plan(self) -> services.SessionPlan:
        data = self.cleaned_data
        return services.SessionPlan(
            title=data["title"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            time_zone=data["time_zone"],
            description=data.get("description", ""),
            online_url=data.get("online_url", ""),
            location=data.get("location", ""),
            capacity=data["capacity"],
            booking_deadline=data.get("booking_deadline"),
        )


class LiveSessionCreateForm(LiveSessionForm):
    """Planning a session, or a weekly series of them, for one of the user's courses."""

    course = IdModelChoiceField(
        queryset=CoursePage.objects.none(),
        widget=CourseSelect,
        help_text=_("Only the course’s enrolled learners can book. The time zone follows its trainer’s."),
        error_messages={"invalid_choice": _("Choose one of the courses you teach.")},
    )
    weeks = forms.IntegerField(
        min_value=1,
        max_value=services.MAX_SERIES_WEEKS,
        initial=1,
        label=_("Repeat weekly for"),
        help_text=WEEKS_HELP,
        error_messages={
            "min_value": SERIES_WEEKS,
            "max_value": SERIES_WEEKS,
            "invalid": _("Enter a whole number of weeks."),
        },
    )

    class Meta(LiveSessionForm.Meta):
        fields = ["title", "course", *LiveSessionForm.Meta.fields[1:]]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses_for(self.for_user)
        if self.for_user is not None and not self.is_bound:
            # A trainer plans in their own zone. An admin starts in theirs, and choosing a course switches to
            # its trainer's (CourseSelect).
            self.initial["time_zone"] = self.for_user.time_zone


class CancelSessionForm(forms.Form):
    reason = forms.CharField(
        max_length=255,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional. Sent to every learner who booked or waits for a seat."),
    )
