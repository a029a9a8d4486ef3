"""The trainer's pages on the site: the roster with attendance marking, the check-in code with its QR code, and
the course's attendance report with its CSV. For the course's trainer and admins only."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import CoursePage
from scheduling import services
from scheduling.models import Attendance, AttendanceChange, LiveSession
from scheduling.tests.factories import START, attend, make_session

pytestmark = pytest.mark.django_db

DURING = START + timedelta(minutes=10)  # the factories' session runs 17:00–18:00 UTC


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(DURING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def session(course, trainer):
    return make_session(course, by=trainer, title="Live Q&A")


@pytest.fixture
def ada(enrolled, session):
    """A learner with a seat in the session."""
    user = enrolled(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    services.book_seat(session=session, user=user, now=START - timedelta(days=7))
    return user


@pytest.fixture
def trainer_client(client, trainer):
    trainer.first_name, trainer.last_name = "Tom", "Trainer"  # names the pages show, free of characters to escape
    trainer.save()
    client.force_login(trainer)
    return client


def roster_url(session):
    return reverse("scheduling:roster", args=[session.pk])


def mark_url(session, user):
    return reverse("scheduling:mark", args=[session.pk, user.pk])


def mark_all_url(session):
    return reverse("scheduling:mark_all", args=[session.pk])


def code_url(session):
    return reverse("scheduling:check_in_code", args=[session.pk])


def report_url(course):
    return reverse("scheduling:attendance_report", args=[course.pk])


def csv_url(course):
    return reverse("scheduling:attendance_csv", args=[course.pk])


# Who may use the pages


@pytest.fixture
def pages(session, ada, course):
    """Every trainer page as (method, url, data)."""
    return {
        "roster": ("get", roster_url(session), None),
        "mark": ("post", mark_url(session, ada), {"status": "present"}),
        "mark all": ("post", mark_all_url(session), {}),
        "code": ("get", code_url(session), None),
        "new code": ("post", code_url(session), {}),
        "report": ("get", report_url(course), None),
        "csv": ("get", csv_url(course), None),
    }


def request(client, method, url, data):
    return client.post(url, data) if method == "post" else client.get(url)


@pytest.mark.parametrize("role", ["trainer", "admin_user"])
def test_the_course_trainer_and_admins_use_every_page(client, request_role, role, pages):
    client.force_login(request_role(role))
    for name, (method, url, data) in pages.items():
        response = request(client, method, url, data)
        assert response.status_code in (200, 302), name
        if response.status_code == 302:  # plain posts go back to their page
            assert response["Location"] in (roster_url_of(url), url), name


@pytest.fixture
def request_role(request):
    return request.getfixturevalue


def roster_url_of(url):
    return url.rsplit("/", 2)[0] + "/"


@pytest.mark.parametrize("role", ["other_trainer", "learner", "ada"])
def test_everybody_else_is_refused_and_nothing_changes(client, request_role, role, pages, session):
    client.force_login(request_role(role))
    code = session.check_in_code
    for name, (method, url, data) in pages.items():
        assert request(client, method, url, data).status_code == 403, name
    session.refresh_from_db()
    assert session.check_in_code == code and not Attendance.objects.exists()


def test_visitors_are_sent_to_sign_in(client, pages, session):
    sign_in = reverse("accounts:sign_in")
    for name, (method, url, data) in pages.items():
        response = request(client, method, url, data)
        assert response.status_code == 302 and response["Location"].startswith(sign_in), name
    # htmx follows a client redirect to the sign-in page rather than swapping it into the row.
    response = client.post(pages["mark"][1], {"status": "present"}, headers={"HX-Request": "true"})
    assert response["HX-Redirect"].startswith(sign_in)
    assert client.post(pages["mark all"][1], headers={"HX-Request": "true"})["HX-Redirect"].startswith(sign_in)
    assert not Attendance.objects.exists()


def test_the_teaching_overview_links_to_the_attendance_report(trainer_client, course):
    assert report_url(course) in trainer_client.get(reverse("learning:teaching")).content.decode()


# The roster


def test_the_roster_lists_booked_learners_in_the_viewers_time_zone(trainer_client, trainer, session, ada):
    trainer.time_zone = "Europe/Berlin"
    trainer.save()
    response = trainer_client.get(roster_url(session))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ada Lovelace" in html and "ada@example.com" in html and "Not marked" in html
    assert "2 December 2026, 18:00</time>–" in html and ">19:00</time>" in html and "(Europe/Berlin)" in html
    assert mark_url(session, ada) in html
    assert [row.user for row in response.context["rows"]] == [ada]


def test_marking_with_htmx_returns_the_row_and_records_who_and_when(trainer_client, trainer, session, ada):
    response = trainer_client.post(mark_url(session, ada), {"status": "late"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="roster-row-{ada.pk}"')
    assert 'data-status="late"' in html and "By Tom Trainer" in html
    assert 'id="roster-summary" class="text-sm text-slate-600" hx-swap-oob="true"' in html
    assert "1 late" in html
    change = AttendanceChange.objects.get()
    assert (change.previous_status, change.status, change.changed_by, change.changed_at) == (
        "",
        "late",
        trainer,
        DURING,
    )


def test_a_correction_keeps_the_history_with_its_note(trainer_client, trainer, session, ada, clock):
    trainer_client.post(mark_url(session, ada), {"status": "late"}, headers={"HX-Request": "true"})
    clock.shift(timedelta(minutes=7))
    response = trainer_client.post(
        mark_url(session, ada), {"status": "present", "note": "Was in the wrong room"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert Attendance.objects.get().status == "present"
    changes = list(AttendanceChange.objects.values_list("previous_status", "status", "changed_by", "note"))
    assert changes == [("", "late", trainer.pk, ""), ("late", "present", trainer.pk, "Was in the wrong room")]
    # The expandable history, in the viewer's zone (UTC here): "late → present by Tom, 2 Dec 17:17".
    assert "2 changes" in html
    assert "late → present by Tom Trainer, <time" in html and "late by Tom Trainer" in html
    assert "2 Dec 17:17" in html and "“Was in the wrong room”" in html


def test_a_plain_post_marks_and_goes_back_to_the_roster(trainer_client, session, ada):
    response = trainer_client.post(mark_url(session, ada), {"status": "excused"})
    assert response.status_code == 302 and response["Location"] == roster_url(session)
    assert Attendance.objects.get().status == "excused"
    page = trainer_client.get(response["Location"]).content.decode()
    assert "Ada Lovelace is marked excused." in page


def test_marking_before_the_session_is_refused_in_the_row(trainer_client, session, ada, clock):
    clock.move_to(START - timedelta(hours=1))
    trainer_client.force_login(session.course.trainer)
    page = trainer_client.get(roster_url(session)).content.decode()
    assert "Attendance can be taken from" in page and mark_url(session, ada) not in page
    response = trainer_client.post(mark_url(session, ada), {"status": "present"}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert "Attendance can be taken from 15 minutes before the session starts." in response.content.decode()
    assert not Attendance.objects.exists()


def test_an_unknown_status_or_a_learner_without_a_seat_is_refused(trainer_client, session, ada, enrolled):
    response = trainer_client.post(mark_url(session, ada), {"status": "asleep"}, headers={"HX-Request": "true"})
    assert response.status_code == 400 and "Choose present, late, absent or excused." in response.content.decode()
    stranger = enrolled()
    response = trainer_client.post(mark_url(session, stranger), {"status": "present"}, headers={"HX-Request": "true"})
    assert response.status_code == 400 and "That learner has no seat in this session." in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_self_check_in_shows_as_such(trainer_client, session, ada):
    services.check_in(session=session, user=ada, code=session.check_in_code)
    html = trainer_client.get(roster_url(session)).content.decode()
    assert "Checked in themselves" in html and "by self check-in" in html and 'data-status="late"' in html


HTMX = {"HX-Request": "true"}


def test_mark_all_present_marks_the_unmarked_and_returns_the_table(trainer_client, trainer, session, ada, enrolled):
    bob = enrolled(first_name="Bob", last_name="Babbage")
    services.book_seat(session=session, user=bob, now=START - timedelta(days=1))
    trainer_client.post(mark_url(session, bob), {"status": "absent"}, headers=HTMX)
    page = trainer_client.get(roster_url(session)).content.decode()
    assert mark_all_url(session) in page and "Only the 1 learner not marked yet; marks already given stay." in page

    response = trainer_client.post(mark_all_url(session), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="roster-table"') and "<html" not in html
    assert "1 learner is marked present." in html
    assert "1 present" in html and "1 absent" in html and "0 not marked" in html
    assert mark_all_url(session) not in html  # nobody left to mark
    assert dict(Attendance.objects.values_list("user__first_name", "status")) == {"Ada": "present", "Bob": "absent"}
    assert AttendanceChange.objects.filter(attendance__user=ada).get().changed_by == trainer

    again = trainer_client.post(mark_all_url(session), headers=HTMX).content.decode()
    assert "Everybody was already marked; nothing changed." in again
    assert AttendanceChange.objects.count() == 2


def test_marking_the_last_learner_by_hand_hides_mark_all_out_of_band(trainer_client, session, ada):
    html = trainer_client.post(mark_url(session, ada), {"status": "present"}, headers=HTMX).content.decode()
    assert '<div id="mark-all" hx-swap-oob="true">' in html and mark_all_url(session) not in html


def test_mark_all_without_javascript_goes_back_to_the_roster(trainer_client, session, ada):
    response = trainer_client.post(mark_all_url(session), follow=True)
    assert response.redirect_chain == [(roster_url(session), 302)]
    assert "1 learner is marked present." in response.content.decode()
    assert Attendance.objects.get(user=ada).status == "present"


def test_mark_all_before_the_roster_opens_is_refused_in_the_table(trainer_client, session, ada, clock):
    clock.move_to(START - timedelta(hours=1))
    trainer_client.force_login(session.course.trainer)
    assert mark_all_url(session) not in trainer_client.get(roster_url(session)).content.decode()
    response = trainer_client.post(mark_all_url(session), headers=HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="roster-table"')
    assert "Attendance can be taken from 15 minutes before the session starts." in html
    assert not Attendance.objects.exists()


def test_after_the_session_the_trainer_corrects_for_30_days_then_only_admins(
    client, trainer, admin_user, session, ada, clock
):
    clock.move_to(session.ends_at + timedelta(days=3))
    client.force_login(trainer)
    page = client.get(roster_url(session)).content.decode()
    assert "You can take and correct attendance until 1 Jan 2027, 18:00, 30 days after the session." in page
    assert mark_url(session, ada) in page and mark_all_url(session) in page
    assert client.post(mark_url(session, ada), {"status": "late"}, headers=HTMX).status_code == 200
    # The session page sends the trainer of an ended session to the roster too.
    assert roster_url(session) in client.get(reverse("scheduling:session", args=[session.pk])).content.decode()

    clock.move_to(session.ends_at + timedelta(days=30))
    client.force_login(trainer)
    page = client.get(roster_url(session)).content.decode()
    assert "that time is over. Ask an admin" in page and mark_url(session, ada) not in page
    response = client.post(mark_url(session, ada), {"status": "present"}, headers=HTMX)
    assert response.status_code == 400 and "ask an admin to correct it now" in response.content.decode()

    client.force_login(admin_user)
    page = client.get(roster_url(session)).content.decode()
    assert mark_url(session, ada) in page  # admins have no end date
    assert "can take and correct attendance until" not in page and "Ask an admin" not in page
    assert client.post(mark_url(session, ada), {"status": "present", "note": "Late fix"}).status_code == 302
    assert list(AttendanceChange.objects.values_list("status", "changed_by")) == [
        ("late", trainer.pk),
        ("present", admin_user.pk),
    ]


def test_the_roster_query_count_does_not_grow_with_learners(
    trainer_client, trainer, session, enrolled, django_assert_max_num_queries
):
    def seat_and_mark(count):
        for _ in range(count):
            learner = enrolled()
            attend(session, learner, by=trainer, status="late")
            services.mark_attendance(session=session, user=learner, status="present", by=trainer, now=DURING)

    trainer_client.get(roster_url(session))  # warm up: the session, caches of the first visit
    seat_and_mark(3)
    with CaptureQueriesContext(connection) as three:
        assert len(trainer_client.get(roster_url(session)).context["rows"]) == 3
    seat_and_mark(9)
    with django_assert_max_num_queries(len(three)):
        assert len(trainer_client.get(roster_url(session)).context["rows"]) == 12


# The check-in code


def test_the_code_page_shows_the_code_a_qr_code_and_the_window(trainer_client, session):
    response = trainer_client.get(code_url(session))
    html = response.content.decode()
    check_in = f"http://testserver{reverse('scheduling:check_in', args=[session.pk])}?code={session.check_in_code}"
    assert session.check_in_code in html
    assert response.context["check_in_url"] == check_in and check_in in html
    assert "<svg" in html and "QR code to check in to Live Q&amp;A" in html
    assert "Check-in is open" in html


def test_a_new_code_invalidates_the_old_one(trainer_client, session, ada):
    old = session.check_in_code
    response = trainer_client.post(code_url(session), headers={"HX-Request": "true"})
    session.refresh_from_db()
    assert response.status_code == 200 and session.check_in_code != old
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="code-panel"') and session.check_in_code in html
    assert "the old one no longer works" in html
    with pytest.raises(services.CheckInRefused):
        services.check_in(session=session, user=ada, code=old)
    assert services.check_in(session=session, user=ada, code=session.check_in_code).status == "late"


def test_a_new_code_without_javascript_redirects_back(trainer_client, session):
    old = session.check_in_code
    response = trainer_client.post(code_url(session))
    assert response.status_code == 302 and response["Location"] == code_url(session)
    session.refresh_from_db()
    assert session.check_in_code != old


# The attendance report and its CSV


@pytest.fixture
def held(course, trainer, enrolled, clock):
    """Two held sessions, a cancelled one and a future one, marked by hand; the report is read a week later.

    Session 1 (2 Dec): Ada present, Bob late, Cy absent   -> 3 booked, 2 attended: 66.7 %
    Session 2 (9 Dec): Ada excused, Bob present           -> 2 booked, 1 attended: 50.0 %
    Course: 3 attended of 5 booked seats                  -> 60.0 %
    Learners over 2 held sessions: Ada 1 (50 %), Bob 2 (100 %), Cy 0 (0 %), Dee never booked 0 (0 %)
    """
    CoursePage.objects.filter(pk=course.pk).update(required_attendance_percent=75)
    ada = enrolled(first_name="Ada", last_name="Adams", email="ada@example.com")
    bob = enrolled(first_name="Bob", last_name="Brown", email="bob@example.com")
    cy = enrolled(first_name="Cy", last_name="Cole", email="=cy@example.com")  # a formula, to a spreadsheet
    enrolled(first_name="Dee", last_name="Dunn", email="dee@example.com")
    first = make_session(course, by=trainer, title="Week 1")
    second = make_session(course, by=trainer, title="Week 2", starts_at=START + timedelta(weeks=1))
    cancelled = make_session(course, by=trainer, title="Week 3", starts_at=START + timedelta(weeks=2))
    make_session(course, by=trainer, title="Week 9", starts_at=START + timedelta(weeks=8))
    attend(first, ada, by=trainer, status="present")
    attend(first, bob, by=trainer, status="late")
    attend(first, cy, by=trainer, status="absent")
    attend(second, ada, by=trainer, status="excused")
    attend(second, bob, by=trainer, status="present")
    services.book_seat(session=cancelled, user=ada, now=START)
    services.cancel_session(session=cancelled, by=trainer)
    clock.move_to(START + timedelta(weeks=2, days=1))
    return first, second


def test_the_report_shows_rates_per_session_and_learner(client, trainer, course, held):
    client.force_login(trainer)
    response = client.get(report_url(course))
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["course_rate"] == "60%"
    assert [rate for _, rate in response.context["sessions"]] == ["67%", "50%"]
    learners = [
        (row.user.first_name, row.attended, row.held, rate, meets) for row, rate, meets in response.context["learners"]
    ]
    assert learners == [
        ("Ada", 1, 2, "50%", False),
        ("Bob", 2, 2, "100%", True),
        ("Cy", 0, 2, "0%", False),
        ("Dee", 0, 2, "0%", False),
    ]
    assert "Week 1" in html and "Week 2" in html and "Week 3" not in html and "Week 9" not in html
    assert "75%" in html and csv_url(course) in html
    assert roster_url(held[0]) in html


def test_the_csv_has_the_same_figures(client, trainer, course, held):
    trainer.time_zone = "Europe/Berlin"
    trainer.save()
    client.force_login(trainer)
    response = client.get(csv_url(course))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="attendance-{course.slug}.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header, body = rows[0], rows[1:]
    assert header[0].startswith("Row (course:") and len(header) == 15
    assert all(len(row) == 15 for row in body)
    expected = [
        ["course", "", "", "", "", "5", "2", "1", "1", "1", "3", "2", "60.0", "75", ""],
        ["session", "2026-12-02T18:00:00+01:00", "Week 1", "", "", "3", "1", "1", "1", "0", "2", "", "66.7", "", ""],
        ["session", "2026-12-09T18:00:00+01:00", "Week 2", "", "", "2", "1", "0", "0", "1", "1", "", "50.0", "", ""],
        ["learner", "", "", "Ada Adams", "ada@example.com", "", "", "", "", "", "1", "2", "50.0", "75", "no"],
        ["learner", "", "", "Bob Brown", "bob@example.com", "", "", "", "", "", "2", "2", "100.0", "75", "yes"],
        ["learner", "", "", "Cy Cole", "'=cy@example.com", "", "", "", "", "", "0", "2", "0.0", "75", "no"],
        ["learner", "", "", "Dee Dunn", "dee@example.com", "", "", "", "", "", "0", "2", "0.0", "75", "no"],
    ]
    assert body == expected


def test_the_course_totals_attended_column_counts_present_and_late(client, trainer, course, held):
    # 5 booked seats: 2 present, 1 late, 1 absent, 1 excused; 3 attended (present + late).
    client.force_login(trainer)
    rows = list(csv.DictReader(io.StringIO(client.get(csv_url(course)).content.decode())))
    totals = rows[0]
    assert totals["Present"] == "2" and totals["Late"] == "1" and totals["Attended (present + late)"] == "3"


def test_a_course_without_sessions_or_requirement(client, trainer, course):
    client.force_login(trainer)
    html = client.get(report_url(course)).content.decode()
    assert "No session has been held yet." in html and "Requirement" not in html
    rows = list(csv.reader(io.StringIO(client.get(csv_url(course)).content.decode())))
    assert rows[1] == ["course", "", "", "", "", "0", "0", "0", "0", "0", "0", "0", "", "", ""]


def test_the_report_is_404_for_a_missing_course_and_session(trainer_client):
    assert trainer_client.get(reverse("scheduling:attendance_report", args=[999999])).status_code == 404
    assert trainer_client.get(reverse("scheduling:roster", args=[999999])).status_code == 404
    assert LiveSession.objects.count() == 0


def test_reports_are_read_at_the_time_of_asking(client, trainer, course, held):
    client.force_login(trainer)
    with time_machine.travel(datetime(2026, 12, 5, tzinfo=UTC), tick=False):
        client.force_login(trainer)
        assert client.get(report_url(course)).context["course_rate"] == "67%"  # only week 1 was held then
