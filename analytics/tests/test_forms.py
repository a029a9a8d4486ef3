from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.utils import timezone

from analytics.forms import FilterForm, add_years, default_period
from analytics.report import Filters
from courses.tests.factories import make_category, make_course


@pytest.fixture
def courses(catalogue, trainer, other_trainer):
    programming, business = make_category("Programming"), make_category("Business")
    return {
        "mine": make_course(catalogue, title="Mine", trainer=trainer, category=programming, with_revisions=False),
        "also_mine": make_course(
            catalogue, title="Also mine", trainer=trainer, category=programming, with_revisions=False
        ),
        "theirs": make_course(
            catalogue, title="Theirs", trainer=other_trainer, category=business, with_revisions=False
        ),
    }


def query(text: str) -> QueryDict:
    return QueryDict(text)


def test_default_period_is_the_last_twelve_months_up_to_today():
    assert default_period(date(2026, 7, 15)) == (date(2025, 8, 1), date(2026, 7, 15))
    assert default_period(date(2026, 1, 1)) == (date(2025, 2, 1), date(2026, 1, 1))
    assert default_period(date(2026, 12, 31)) == (date(2026, 1, 1), date(2026, 12, 31))


def test_without_a_query_the_form_shows_and_uses_the_default_period(admin_user, courses):
    form = FilterForm(viewer=admin_user)
    assert form.is_valid(), form.errors
    start, end = default_period(timezone.localdate())
    assert form.filters() == Filters(start=start, end=end)
    assert f'value="{start:%Y-%m-%d}"' in str(form["start"])

    form = FilterForm(query("course="), viewer=admin_user)  # an emptied form, as a browser sends it
    assert form.is_valid(), form.errors
    assert form.filters() == Filters(start=start, end=end)


def test_filters_of_a_full_selection(admin_user, trainer, courses):
    mine, also_mine = courses["mine"], courses["also_mine"]
    data = query(
        f"start=2026-01-01&end=2026-03-31&course={also_mine.pk}&course={mine.pk}"
        f"&category={mine.category_id}&trainer={trainer.pk}&format=csv&csrfmiddlewaretoken=x"
    )
    form = FilterForm(data, viewer=admin_user)
    assert form.is_valid(), form.errors
    assert form.filters() == Filters(
        start=date(2026, 1, 1),
        end=date(2026, 3, 31),
        course_ids=tuple(sorted([mine.pk, also_mine.pk])),
        category_id=mine.category_id,
        trainer_id=trainer.pk,
    )
    assert form.as_query() == [
        ("start", "2026-01-01"),
        ("end", "2026-03-31"),
        *[("course", str(pk)) for pk in sorted([mine.pk, also_mine.pk])],
        ("category", str(mine.category_id)),
        ("trainer", str(trainer.pk)),
    ]


def test_start_after_end_is_explained(admin_user, courses):
    form = FilterForm(query("start=2026-03-01&end=2026-02-01"), viewer=admin_user)
    assert not form.is_valid()
    assert form.errors["end"] == ["The end date must be on or after the start date (01 Mar 2026)."]
    with pytest.raises(ValueError):
        form.filters()


def test_at_most_five_years(admin_user, courses):
    assert FilterForm(query("start=2020-01-01&end=2024-12-31"), viewer=admin_user).is_valid()
    form = FilterForm(query("start=2020-01-01&end=2025-01-01"), viewer=admin_user)
    assert not form.is_valid()
    assert form.errors["end"] == [
        "Choose a period of at most 5 years: from 01 Jan 2020, the end date can be 31 Dec 2024 at the latest."
    ]
    assert add_years(date(2024, 2, 29), 5) == date(2029, 2, 28)


def test_a_date_that_is_not_a_date_is_explained(admin_user, courses):
    form = FilterForm(query("start=yesterday&end=2026-13-01"), viewer=admin_user)
    assert not form.is_valid()
    assert form.errors["start"] == ["Enter the start date as a date such as 2026-01-31."]
    assert form.errors["end"] == ["Enter the end date as a date such as 2026-12-31."]


def test_a_trainer_chooses_among_their_own_courses_and_has_no_trainer_filter(trainer, courses):
    form = FilterForm(viewer=trainer)
    assert [c.title for c in form.fields["course"].queryset] == ["Also mine", "Mine"]
    assert [c.name for c in form.fields["category"].queryset] == ["Programming"]
    assert "trainer" not in form.fields


def test_a_trainer_cannot_ask_for_another_trainers_course(trainer, other_trainer, courses):
    theirs = courses["theirs"]
    form = FilterForm(query(f"course={theirs.pk}"), viewer=trainer)
    assert not form.is_valid()
    assert form.errors["course"] == [f"Choose courses from the list: {theirs.pk} is not a course you can see."]

    # A trainer parameter is not a field of theirs: it is ignored, never used to widen the scope.
    form = FilterForm(query(f"trainer={other_trainer.pk}"), viewer=trainer)
    assert form.is_valid()
    assert form.filters().trainer_id is None


def test_an_admin_chooses_among_every_course_and_trainer(admin_user, trainer, other_trainer, courses):
    form = FilterForm(viewer=admin_user)
    assert [c.title for c in form.fields["course"].queryset] == ["Also mine", "Mine", "Theirs"]
    assert set(form.fields["trainer"].queryset) == {trainer, other_trainer}
    form = FilterForm(query("course=abc&trainer=999999"), viewer=admin_user)
    assert not form.is_valid()
    assert form.errors["course"] == ["Choose courses from the list: “abc” is not a course."]
    assert form.errors["trainer"] == ["Choose a trainer from the list."]


def test_a_learner_gets_no_form(learner):
    with pytest.raises(PermissionDenied):
        FilterForm(viewer=learner)
