"""The dashboard's filters. The export views read the same form, so an export holds exactly what was on screen."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from courses.models import Category, CoursePage
from lms_site.inputs import read_id

from . import selectors
from .report import Filters

MAX_RANGE_YEARS = 5
DATE_FORMAT = "%Y-%m-%d"


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last twelve months up to today: from the first day of the month eleven months ago, so a chart by
    month shows twelve of them, the current one so far."""
    today = today or timezone.localdate()
    month = today.year * 12 + today.month - 1 - 11
    return date(month // 12, month % 12 + 1, 1), today


class CourseChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.title

    def clean(self, value):
        # Ids are read before they reach the `pk IN (...)` query: one beyond a 64-bit key overflows there.
        for pk in value or ():
            if read_id(pk) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": str(pk)[:20]}
                )
        return super().clean(value)


class TrainerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class FilterForm(forms.Form):
    """Date range, courses, category and (for admins) trainer. Empty dates mean the default period.

    The course choices are the viewer's visible courses only: a trainer who puts another trainer's course id
    in the URL gets a message, never that course's numbers (build_report scopes to the viewer as well).
    """

    start = forms.DateField(
        label=_("From"),
        help_text=_("Both days are included."),
        required=False,
        input_formats=[DATE_FORMAT],
        widget=forms.DateInput(attrs={"type": "date"}, format=DATE_FORMAT),
        error_messages={"invalid": _("Enter the start date as a date such as 2026-01-31.")},
    )
    end = forms.DateField(
        label=_("To"),
        help_text=_("Both days are included."),
        required=False,
        input_formats=[DATE_FORMAT],
        widget=forms.DateInput(attrs={"type": "date"}, format=DATE_FORMAT),
        error_messages={"invalid": _("Enter the end date as a date such as 2026-12-31.")},
    )
    course = CourseChoiceField(
        label=_("Courses"),
        queryset=CoursePage.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Select none for all your courses; Ctrl or ⌘ + click selects several."),
        error_messages={
            "invalid_choice": _("Choose courses from the list: %(value)s is not a course you can see."),
            "invalid_pk_value": _("Choose courses from the list: “%(pk)s” is not a course."),
        },
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("All categories"),
        error_messages={"invalid_choice": _("Choose a category from the list.")},
    )
    trainer = TrainerChoiceField(
        label=_("Trainer"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("All trainers"),
        error_messages={"invalid_choice": _("Choose a trainer from the list.")},
    )

    def __init__(self, data=None, *, viewer, **kwargs):
        self.viewer = viewer
        start, end = default_period()
        # Always bound: a dashboard opened without a query string shows the default period, and the date
        # fields show it too.
        values = data.copy() if data is not None else {}
        if not values.get("start"):
            values["start"] = start.strftime(DATE_FORMAT)
        if not values.get("end"):
            values["end"] = end.strftime(DATE_FORMAT)
        if hasattr(values, "setlist"):  # "?course=" (a hand-edited link) means no course, not a wrong one
            values.setlist("course", [value for value in values.getlist("course") if value])
        super().__init__(values, **kwargs)

        visible = selectors.visible_courses(viewer=viewer)  # None: every course (admins)
        courses = CoursePage.objects.originals() if visible is None else visible
        self.fields["course"].queryset = courses.order_by("title").only("id", "title")
        if self.is_admin:
            self.fields["category"].queryset = Category.objects.order_by("name")
            self.fields["trainer"].queryset = User.objects.filter(role=Role.TRAINER).order_by(
                "first_name", "last_name", "username"
            )
        else:
            # A trainer's report is of their own courses: the categories they teach in, and no trainer filter.
            self.fields["category"].queryset = Category.objects.filter(courses__in=courses).distinct().order_by("name")
            del self.fields["trainer"]

    @property
    def is_admin(self) -> bool:
        return self.viewer.is_superuser

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if start > end:
                self.add_error(
                    "end",
                    gettext("The end date must be on or after the start date (%(start)s).")
                    % {"start": date_format(start, "d M Y")},
                )
            elif end >= add_years(start, MAX_RANGE_YEARS):
                last = add_years(start, MAX_RANGE_YEARS) - timedelta(days=1)
                self.add_error(
                    "end",
                    gettext(
                        "Choose a period of at most %(years)d years: from %(start)s, the end date can be %(last)s "
                        "at the latest."
                    )
                    % {
                        "years": MAX_RANGE_YEARS,
                        "start": date_format(start, "d M Y"),
                        "last": date_format(last, "d M Y"),
                    },
                )
        return cleaned

    def filters(self) -> Filters:
        """The valid selection as report Filters; call after is_valid()."""
        if not self.is_valid():
            raise ValueError("FilterForm.filters() needs a valid form")
        data = self.cleaned_data
        category, trainer = data.get("category"), data.get("trainer")
        return Filters(
            start=data["start"],
            end=data["end"],
            course_ids=tuple(sorted(course.pk for course in data.get("course") or ())),
            category_id=category.pk if category else None,
            trainer_id=trainer.pk if trainer else None,
        )

    def as_query(self) -> list[tuple[str, str]]:
        """The valid selection as (name, value) pairs: the export forms' hidden fields and links."""
        return filters_query(self.filters())


def filters_query(filters: Filters) -> list[tuple[str, str]]:
    """Filters as the form's (name, value) pairs, so a link or a hidden field brings back the same selection."""
    pairs = [("start", filters.start.strftime(DATE_FORMAT)), ("end", filters.end.strftime(DATE_FORMAT))]
    pairs += [("course", str(pk)) for pk in filters.course_ids]
    if filters.category_id:
        pairs.append(("category", str(filters.category_id)))
    if filters.trainer_id:
        pairs.append(("trainer", str(filters.trainer_id)))
    return pairs
