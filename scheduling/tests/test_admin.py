"""Live sessions in Wagtail's admin: admins manage every course's sessions, trainers only those of the courses
they teach; planning, editing, cancelling and deleting go through the services."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from courses.tests.factories import make_course
from scheduling import services
from scheduling.models import Booking, BookingStatus, LiveSession
from scheduling.tests.factories import START, enrolled_learner, make_session
from scheduling.viewsets import LiveSessionPermissionPolicy

pytestmark = pytest.mark.django_db

INDEX = reverse("live_sessions:index")
ADD = reverse("live_sessions:add")
NOW = datetime(2026, 10, 1, 12, tzinfo=UTC)  # before every session of these tests
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def url(name, session):
    return reverse(f"live_sessions:{name}", args=[session.pk])


def listed(client, **params):
    response = client.get(INDEX, params)
    assert response.status_code == 200
    return [session.pk for session in response.context["object_list"]]


def session_form(course, **changes):
    data = {
        "title": "Live Q&A",
        "course": course.pk,
        "description": "Bring your questions.",
        "start_date": "2026-10-14",
        "start_time": "18:00",
        "end_time": "19:00",
        "time_zone": "Europe/Berlin",
        "weeks": "1",
        "online_url": "https://meet.example.com/room-1",
        "location": "",
        "capacity": "12",
        "deadline_date": "",
        "deadline_time": "",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def edit_form(session, **changes):
    data = session_form(session.course, start_date="2026-12-02", **changes)
    del data["course"], data["weeks"]
    return data


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def trainer_client(client, trainer):
    client.force_login(trainer)
    return client


@pytest.fixture
def other_course(catalogue, other_trainer):
    return make_course(catalogue, title="Other Testing", trainer=other_trainer)


@pytest.fixture
def session(course, trainer):
    return make_session(course, by=trainer, title="Course trainer's session")


@pytest.fixture
def other_session(other_course, other_trainer):
    return make_session(other_course, by=other_trainer, title="Other trainer's session")


@pytest.fixture
def booked(session, course):
    """A learner with a seat in `session`."""
    learner = enrolled_learner(course, email="booked@example.com")
    services.book_seat(session=session, user=learner)
    return learner


@pytest.fixture
def pages(session):
    return {
        "index": INDEX,
        "add": ADD,
        "edit": url("edit", session),
        "cancel": url("cancel", session),
        "delete": url("delete", session),
    }


# Who may use the sessions admin


def test_the_policy_gives_trainers_their_courses_sessions_and_admins_all(
    admin_user, trainer, other_trainer, learner, session, other_session
):
    policy = LiveSessionPermissionPolicy(LiveSession)
    for action in ("view", "add", "change", "cancel", "delete"):
        assert policy.user_has_permission(admin_user, action)
        assert policy.user_has_permission(trainer, action)
        assert not policy.user_has_permission(learner, action)
    assert policy.user_has_permission_for_instance(trainer, "change", session)
    assert not policy.user_has_permission_for_instance(trainer, "change", other_session)
    assert policy.user_has_permission_for_instance(admin_user, "cancel", other_session)
    assert set(policy.instances_user_has_permission_for(trainer, "change")) == {session}
    assert set(policy.instances_user_has_permission_for(admin_user, "change")) == {session, other_session}
    assert not policy.instances_user_has_permission_for(learner, "change").exists()
    assert set(policy.users_with_permission_for_instance("change", session)) == {admin_user, trainer}


@pytest.mark.parametrize("role", ["admin_user", "trainer"])
def test_admins_and_the_course_trainer_have_the_menu_item_and_open_every_page(client, role, request, pages):
    client.force_login(request.getfixturevalue(role))
    assert INDEX in client.get(reverse("wagtailadmin_home")).content.decode()
    for name, page in pages.items():
        assert client.get(page).status_code == 200, name


def test_another_trainer_cannot_open_or_change_the_session(client, other_trainer, session, pages):
    # Even model permissions ticked on them by mistake open nothing: the policy decides per course.
    other_trainer.user_permissions.add(*Permission.objects.filter(content_type__app_label="scheduling"))
    client.force_login(other_trainer)
    assert client.get(INDEX).status_code == 200 and session.pk not in listed(client)
    for name in ("edit", "cancel", "delete"):
        for response in (client.get(pages[name]), client.post(pages[name], edit_form(session, title="Hijacked"))):
            assert response.status_code == 302, name
            assert response["Location"] == reverse("wagtailadmin_home"), name
    session.refresh_from_db()
    assert session.title == "Course trainer's session" and not session.is_cancelled


def test_learners_and_visitors_are_sent_to_sign_in(client, learner, session, pages):
    sign_in = reverse("accounts:sign_in")
    for name, page in pages.items():
        assert client.get(page)["Location"].startswith(sign_in), name
    client.force_login(learner)
    assert INDEX not in client.get(reverse("accounts:profile")).content.decode()
    for name, page in pages.items():
        for response in (client.get(page), client.post(page, edit_form(session))):
            assert response.status_code == 302 and response["Location"].startswith(sign_in), name
    assert LiveSession.objects.count() == 1 and not LiveSession.objects.get().is_cancelled


def test_there_is_no_usage_history_copy_or_inspect_view(session):
    for name in ("usage", "history", "copy", "inspect"):
        with pytest.raises(NoReverseMatch):
            url(name, session)


# The listing


def test_trainers_see_only_their_courses_sessions_and_admins_see_all(
    trainer_client, client, admin_user, session, other_session
):
    assert listed(trainer_client) == [session.pk]
    client.force_login(admin_user)
    assert set(listed(client)) == {session.pk, other_session.pk}


def test_the_course_filter_offers_only_the_trainers_courses(trainer_client, course, other_course, session):
    html = trainer_client.get(INDEX).content.decode()
    assert course.title in html and other_course.title not in html
    # Asking for another trainer's course is not a choice: the filter is ignored, their sessions stay hidden.
    assert listed(trainer_client, course=other_course.pk) == [session.pk]


def test_the_listing_shows_the_start_as_planned_seats_waitlist_and_status(
    trainer_client, trainer, course, session, booked
):
    trainer.time_zone = "America/New_York"
    trainer.save()
    full = make_session(
        course,
        by=trainer,
        title="Tiny room",
        capacity=1,
        starts_at=START + timedelta(days=1),
        time_zone="America/New_York",
    )
    services.book_seat(session=full, user=booked)
    services.book_seat(session=full, user=enrolled_learner(course))
    html = trainer_client.get(INDEX).content.decode()
    assert "Start (session&#x27;s time zone)" in html
    # Planned in New York, the trainer's zone too: the one time, named.
    assert "Thu 3 Dec 2026, 12:00 EST (America/New_York)\n" in html
    # Planned in UTC (the factory's default): as planned, then the trainer's own time below it.
    assert "Wed 2 Dec 2026, 17:00 UTC<br>" in html
    assert "Your time: Wed 2 Dec 2026, 12:00 EST (America/New_York)" in html
    assert "1 / 20" in html and "1 / 1" in html
    assert "Scheduled" in html
    services.cancel_session(session=full, by=trainer)
    assert "Cancelled" in trainer_client.get(INDEX).content.decode()


def test_rows_link_to_the_roster_check_in_code_and_cancel(trainer_client, session):
    html = trainer_client.get(INDEX).content.decode()
    assert url("edit", session) in html
    assert reverse("scheduling:roster", args=[session.pk]) in html
    assert reverse("scheduling:check_in_code", args=[session.pk]) in html
    assert url("cancel", session) in html


def test_only_sessions_nobody_booked_offer_delete(trainer_client, course, trainer, session, booked):
    unbooked = make_session(course, by=trainer, title="Nobody came", starts_at=START + timedelta(days=1))
    html = trainer_client.get(INDEX).content.decode()
    assert url("delete", unbooked) in html and url("delete", session) not in html


def test_upcoming_sessions_come_first_soonest_on_top_then_past_ones_latest_first(trainer_client, course, trainer):
    sessions = [make_session(course, by=trainer, starts_at=START + timedelta(days=days)) for days in (0, 7, 14, 21)]
    with time_machine.travel(START + timedelta(days=10), tick=False):
        trainer_client.force_login(trainer)  # the sign-in of two months ago has expired
        assert listed(trainer_client) == [sessions[2].pk, sessions[3].pk, sessions[1].pk, sessions[0].pk]
        assert listed(trainer_client, when="upcoming") == [sessions[2].pk, sessions[3].pk]
        assert listed(trainer_client, when="past") == [sessions[1].pk, sessions[0].pk]
        assert listed(trainer_client, ordering="-starts_at") == [s.pk for s in reversed(sessions)]


def test_the_listing_filters_by_course_and_cancelled(admin_client, admin_user, course, session, other_session):
    services.cancel_session(session=other_session, by=admin_user)
    assert listed(admin_client, course=course.pk) == [session.pk]
    assert listed(admin_client, status="cancelled") == [other_session.pk]
    assert listed(admin_client, status="scheduled") == [session.pk]
    assert listed(admin_client, q="other trainer") == [other_session.pk]


def test_the_listing_query_count_does_not_grow_with_sessions(
    trainer_client, course, trainer, django_assert_max_num_queries
):
    learner = enrolled_learner(course)

    def add_sessions(first, last):
        for n in range(first, last):
            session = make_session(course, by=trainer, title=f"Session {n}", starts_at=START + timedelta(days=n))
            services.book_seat(session=session, user=learner)

    trainer_client.get(INDEX)  # the first admin visit creates the user's Wagtail profile
    add_sessions(0, 3)
    with CaptureQueriesContext(connection) as three:
        assert len(listed(trainer_client)) == 3
    add_sessions(3, 12)
    with django_assert_max_num_queries(len(three)):
        assert len(listed(trainer_client)) == 12


# Scheduling a session or a weekly series


def test_a_weekly_series_keeps_its_local_time_across_the_change_to_winter_time(trainer_client, trainer, course):
    response = trainer_client.post(ADD, session_form(course, weeks="3"))
    assert response.status_code == 302 and response["Location"] == INDEX
    sessions = list(LiveSession.objects.order_by("starts_at"))
    assert len(sessions) == 3
    # Berlin leaves summer time on 25 October 2026: 18:00 is 16:00 UTC before, 17:00 UTC after.
    assert [s.starts_at.astimezone(UTC).hour for s in sessions] == [16, 16, 17]
    assert [s.starts_at.astimezone(BERLIN).strftime("%a %d %b %H:%M") for s in sessions] == [
        "Wed 14 Oct 18:00",
        "Wed 21 Oct 18:00",
        "Wed 28 Oct 18:00",
    ]
    assert all(s.ends_at - s.starts_at == timedelta(hours=1) for s in sessions)
    assert len({s.series for s in sessions}) == 1 and sessions[0].series is not None
    assert all(s.course == course and s.created_by == trainer and s.capacity == 12 for s in sessions)
    assert all(s.time_zone == "Europe/Berlin" for s in sessions)
    message = str(list(trainer_client.get(INDEX).context["messages"])[0])
    assert message.startswith(
        "3 weekly sessions of “Live Q&amp;A” are scheduled, the first on Wed 14 Oct 2026, 18:00 CEST"
    )


def test_a_single_session_with_a_booking_deadline(trainer_client, course):
    form = session_form(course, deadline_date="2026-10-13", deadline_time="12:00", location="Room 4", online_url="")
    assert trainer_client.post(ADD, form).status_code == 302
    session = LiveSession.objects.get()
    assert session.series is None and session.location == "Room 4"
    assert session.starts_at == datetime(2026, 10, 14, 16, tzinfo=UTC)
    assert session.booking_deadline == datetime(2026, 10, 13, 10, tzinfo=UTC)


def test_the_form_offers_the_trainers_courses_and_starts_in_their_own_zone(
    trainer_client, trainer, course, other_course
):
    trainer.time_zone = "Asia/Tokyo"
    trainer.save()
    form = trainer_client.get(ADD).context["form"]
    assert list(form.fields["course"].queryset) == [course]
    assert form["time_zone"].value() == "Asia/Tokyo"


def test_for_an_admin_each_course_carries_its_trainers_zone_for_the_form_to_switch_to(
    admin_client, admin_user, trainer, other_trainer, course, other_course
):
    admin_user.time_zone = "Europe/London"
    admin_user.save()
    trainer.time_zone, other_trainer.time_zone = "Europe/Berlin", "America/New_York"
    trainer.save()
    other_trainer.save()
    response = admin_client.get(ADD)
    assert response.context["form"]["time_zone"].value() == "Europe/London"  # until a course is chosen
    html = response.content.decode()
    assert 'data-sets-time-zone="time_zone"' in html and "js/live-session-form.js" in html
    assert f'<option value="{course.pk}" data-time-zone="Europe/Berlin">' in html
    assert f'<option value="{other_course.pk}" data-time-zone="America/New_York">' in html


def test_the_courses_trainers_come_in_the_same_query_however_many_courses(
    admin_client, catalogue, other_trainer, django_assert_max_num_queries
):
    admin_client.get(ADD)  # the first admin visit creates the user's Wagtail profile
    make_course(catalogue, title="Second", trainer=other_trainer)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(ADD)
    for n in range(5):
        make_course(catalogue, title=f"More {n}", trainer=other_trainer)
    with django_assert_max_num_queries(len(few)):
        admin_client.get(ADD)


def test_fields_in_a_row_carry_no_help_text_so_their_inputs_line_up(trainer_client, session):
    """Wagtail puts a field's help text between its label and its input: in a row of fields, one with help
    text would have its input lower than its neighbours'. The row says it instead."""
    for page in (ADD, url("edit", session)):
        response = trainer_client.get(page)
        form = response.context["form"]
        for name in ("start_date", "start_time", "end_time", "deadline_date", "deadline_time"):
            assert not form.fields[name].help_text, name
        html = response.content.decode()
        assert "The session ends on the same day it starts, at the times given" in html
        assert "leave both empty and bookings close at the start." in html


def test_a_trainer_cannot_schedule_for_another_trainers_course(trainer_client, other_course):
    response = trainer_client.post(ADD, session_form(other_course))
    assert response.status_code == 200
    assert response.context["form"].errors["course"] == ["Choose one of the courses you teach."]
    assert not LiveSession.objects.exists()


def test_admins_schedule_for_any_course(admin_client, other_course):
    assert admin_client.post(ADD, session_form(other_course)).status_code == 302
    assert LiveSession.objects.get().course == other_course


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"end_time": "17:30"}, "end_time", "The session must end after it starts, on the same day."),
        ({"weeks": "53"}, "weeks", "A series runs for 1 to 52 weeks."),
        ({"weeks": "0"}, "weeks", "A series runs for 1 to 52 weeks."),
        ({"capacity": "0"}, "capacity", "A session needs at least one seat."),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Select a valid choice."),
        ({"deadline_date": "2026-10-13"}, "deadline_date", "Give both the date and the time bookings close"),
        # 02:30 does not exist in Berlin on 29 March 2026: the clocks jump from 02:00 to 03:00.
        ({"start_date": "2026-03-29", "start_time": "02:30", "end_time": "04:00"}, "start_time", "does not exist"),
    ],
)
def test_invalid_input_writes_nothing_and_says_why_on_the_field(trainer_client, course, changes, field, message):
    response = trainer_client.post(ADD, session_form(course, **changes))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not LiveSession.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"online_url": "", "location": ""}, "Give an online link or a location, so learners know where to go."),
        ({"deadline_date": "2026-10-15", "deadline_time": "09:00"}, "Bookings must close before the session starts."),
    ],
)
def test_a_plan_the_service_refuses_writes_nothing_and_shows_its_message(trainer_client, course, changes, message):
    response = trainer_client.post(ADD, session_form(course, weeks="4", **changes))
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [message]
    assert message in response.content.decode()
    assert not LiveSession.objects.exists()


# Editing one occurrence


def test_editing_changes_one_occurrence_of_a_series(trainer_client, trainer, course):
    first, second = make_session(course, by=trainer, weeks=2)
    form = edit_form(first, title="Moved Q&A", start_time="19:00", end_time="20:30", capacity="30")
    response = trainer_client.post(url("edit", first), form)
    assert response.status_code == 302 and response["Location"] == INDEX
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.title == "Moved Q&A" and first.capacity == 30
    assert first.starts_at == datetime(2026, 12, 2, 18, tzinfo=UTC)  # 19:00 in Berlin's winter time
    assert first.ends_at - first.starts_at == timedelta(minutes=90)
    assert second.title == "Live Q&A" and second.starts_at == START + timedelta(weeks=1)


def test_the_edit_form_shows_the_local_times_the_session_was_planned_in(trainer_client, session):
    form = trainer_client.get(url("edit", session)).context["form"]
    assert str(form["start_time"].value()) == "17:00:00"  # the factory plans in UTC
    assert form["time_zone"].value() == "UTC" and "course" not in form.fields


def test_an_edit_the_service_refuses_changes_nothing(trainer_client, session, booked, course):
    services.book_seat(session=session, user=enrolled_learner(course))
    response = trainer_client.post(url("edit", session), edit_form(session, capacity="1", title="Smaller"))
    assert response.status_code == 400
    assert "2 learners hold a seat" in response.content.decode()
    session.refresh_from_db()
    assert session.capacity == 20 and session.title == "Course trainer's session"


def test_a_cancelled_session_cannot_be_edited(trainer_client, trainer, session):
    services.cancel_session(session=session, by=trainer)
    response = trainer_client.get(url("edit", session))
    assert "This session was cancelled" in response.content.decode()
    response = trainer_client.post(url("edit", session), edit_form(session, title="Revived"))
    assert response.status_code == 400
    session.refresh_from_db()
    assert session.title == "Course trainer's session"


# Cancelling and deleting


def test_cancelling_asks_first_then_tells_everybody_who_booked_or_waits(
    trainer_client, course, trainer, run_on_commit, django_capture_on_commit_callbacks
):
    session = make_session(course, by=trainer, capacity=1)
    seated, waiting = enrolled_learner(course, email="seated@example.com"), enrolled_learner(course)
    services.book_seat(session=session, user=seated)
    services.book_seat(session=session, user=waiting)
    page = trainer_client.get(url("cancel", session)).content.decode()
    assert "2 learners with a seat or on the waitlist are told by e-mail" in page
    mail.outbox.clear()
    response = run_on_commit(trainer_client.post, url("cancel", session), {"reason": "The trainer is ill."})
    assert response.status_code == 302 and response["Location"] == INDEX
    session.refresh_from_db()
    assert session.is_cancelled and session.cancel_reason == "The trainer is ill."
    assert sorted(to for message in mail.outbox for to in message.to) == sorted([seated.email, waiting.email])
    assert "cancelled" in mail.outbox[0].subject.lower()
    # Once cancelled, the page says so and posting again changes nothing.
    assert "already cancelled" in trainer_client.get(url("cancel", session)).content.decode()
    mail.outbox.clear()
    run_on_commit(trainer_client.post, url("cancel", session), {"reason": "Again"})
    session.refresh_from_db()
    assert session.cancel_reason == "The trainer is ill." and mail.outbox == []


def test_a_session_nobody_booked_can_be_deleted(trainer_client, session):
    assert trainer_client.post(url("delete", session)).status_code == 302
    assert not LiveSession.objects.exists()


def test_a_booked_session_cannot_be_deleted_only_cancelled(trainer_client, session, booked):
    page = trainer_client.get(url("delete", session)).content.decode()
    assert "cannot be deleted" in page and url("cancel", session) in page
    response = trainer_client.post(url("delete", session))
    assert response.status_code == 409
    assert LiveSession.objects.filter(pk=session.pk).exists()
    assert Booking.objects.get(user=booked).status == BookingStatus.BOOKED


def test_a_session_whose_only_booking_was_given_up_still_cannot_be_deleted(trainer_client, session, booked):
    services.cancel_booking(booking=Booking.objects.get(session=session, user=booked))
    assert trainer_client.post(url("delete", session)).status_code == 409
    assert LiveSession.objects.filter(pk=session.pk).exists()


# Hostile input: searches, filters and numbers answer with the listing or a form error, never fail

HOSTILE = ['"', 'a"b', '");DROP TABLE', "%", "_", "\\", "\x00", "9" * 1500, str(2**64), "-1", "1e400", "NaN", "../"]


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_searches_and_filters_do_not_fail(trainer_client, session, value):
    for param in ("q", "course", "when", "status", "p", "ordering"):
        assert trainer_client.get(INDEX, {param: value}).status_code == 200, param


@pytest.mark.parametrize("number", ["9" * 1500, str(2**64), "-1", "0", "1e400", "NaN", "Infinity", "1.5", "x"])
def test_hostile_numbers_in_the_session_forms_are_form_errors(trainer_client, course, session, number):
    for field in ("course", "capacity", "weeks"):
        response = trainer_client.post(ADD, {**session_form(course), field: number})
        assert response.status_code == 200 and field in response.context["form"].errors, field
    response = trainer_client.post(url("edit", session), edit_form(session, capacity=number))
    assert response.status_code == 200 and "capacity" in response.context["form"].errors
    assert list(LiveSession.objects.values_list("pk", "capacity")) == [(session.pk, session.capacity)]
