import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from decimal import Decimal

import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from analytics import admin_views
from analytics.report import Column, Table
from courses.tests.factories import make_category, make_course
from learning.models import Enrollment

URL = "/admin/analytics/"
Q1 = "start=2026-01-01&end=2026-03-31"


def enroll(course, when, *, status="active", completed_at=None):
    return Enrollment.objects.create(
        user=UserFactory(role="learner"), course=course, enrolled_at=when, status=status, completed_at=completed_at
    )


@pytest.fixture
def courses(catalogue, trainer, other_trainer):
    mine = make_course(catalogue, title="Mine", trainer=trainer, with_revisions=False, category=make_category("Code"))
    theirs = make_course(
        catalogue, title="Theirs", trainer=other_trainer, with_revisions=False, category=make_category("Business")
    )
    for day in (5, 20):
        enroll(mine, datetime(2026, 2, day, tzinfo=UTC))
    for day in range(1, 6):
        enroll(theirs, datetime(2026, 3, day, tzinfo=UTC))
    enroll(theirs, datetime(2025, 6, 1, tzinfo=UTC))  # before the period: not an enrolment of Q1
    return {"mine": mine, "theirs": theirs}


def html(response):
    return lxml.html.fromstring(response.content.decode())


def kpi(response, key: str) -> str:
    (value,) = html(response).xpath(f'//li[@data-kpi="{key}"]//*[@class="analytics-kpi__value"]')
    return value.text_content().strip()


def table_column(response, table: str, column: int) -> list[str]:
    rows = html(response).xpath(f'//section[@data-table="{table}"]//tbody/tr')
    return [row[column].text_content().strip() for row in rows]


# --- who may see it --------------------------------------------------------------------------------------


def test_an_admin_sees_every_course(client, admin_user, courses):
    client.force_login(admin_user)
    response = client.get(f"{URL}?{Q1}")
    assert response.status_code == 200
    assert kpi(response, "enrolments") == "7"
    assert table_column(response, "courses", 0) == ["Mine", "Theirs"]
    page = html(response)
    assert page.xpath("//title")[0].text_content().startswith("Analytics")
    assert page.xpath('//select[@name="trainer"]')


def test_a_trainer_sees_only_their_own_courses(client, trainer, courses):
    client.force_login(trainer)
    response = client.get(f"{URL}?{Q1}")
    assert response.status_code == 200
    assert kpi(response, "enrolments") == "2"
    assert table_column(response, "courses", 0) == ["Mine"]
    page = html(response)
    assert [o.text_content() for o in page.xpath('//select[@name="course"]/option')] == ["Mine"]
    assert not page.xpath('//select[@name="trainer"]')
    assert "Theirs" not in response.content.decode()


def test_a_trainer_asking_for_another_trainers_course_gets_a_message_not_its_numbers(client, trainer, courses):
    client.force_login(trainer)
    theirs = courses["theirs"]
    response = client.get(f"{URL}?{Q1}&course={theirs.pk}")
    assert response.status_code == 400
    text = response.content.decode()
    assert f"Choose courses from the list: {theirs.pk} is not a course you can see." in text
    assert "Theirs" not in text
    assert not html(response).xpath("//li[@data-kpi]")

    # Nor by naming its category (not one of theirs) or its trainer (a filter trainers do not have).
    response = client.get(f"{URL}?{Q1}&category={theirs.category_id}")
    assert response.status_code == 400
    assert "Choose a category from the list." in response.content.decode()
    assert "Theirs" not in response.content.decode()
    response = client.get(f"{URL}?{Q1}&trainer={theirs.trainer_id}")
    assert response.status_code == 200
    assert kpi(response, "enrolments") == "2"
    assert "Theirs" not in response.content.decode()


def test_learners_and_visitors_are_refused(client, learner, courses):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/sign-in/" in response["Location"] or "login" in response["Location"]

    client.force_login(learner)
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] != URL


def test_a_banned_trainer_is_refused(client, trainer, courses):
    client.force_login(trainer)
    assert client.get(URL).status_code == 200
    trainer.is_banned = True
    trainer.save()
    response = client.get(URL)
    assert response.status_code != 200
    assert b"Completion rate" not in response.content


def test_the_menu_item_shows_for_admins_and_trainers(client, admin_user, trainer):
    for user in (admin_user, trainer):
        client.force_login(user)
        response = client.get("/admin/")
        assert response.status_code == 200
        assert reverse("analytics_admin:dashboard") in response.content.decode()


# --- filters ---------------------------------------------------------------------------------------------


def test_filters_narrow_the_report(client, admin_user, courses):
    client.force_login(admin_user)
    theirs = courses["theirs"]
    response = client.get(f"{URL}?{Q1}&course={theirs.pk}")
    assert kpi(response, "enrolments") == "5"
    response = client.get(f"{URL}?{Q1}&trainer={courses['mine'].trainer_id}")
    assert kpi(response, "enrolments") == "2"
    response = client.get(f"{URL}?{Q1}&category={theirs.category_id}")
    assert kpi(response, "enrolments") == "5"
    response = client.get(f"{URL}?start=2025-06-01&end=2025-06-30")
    assert kpi(response, "enrolments") == "1"


def test_invalid_filters_say_what_to_correct(client, admin_user, courses):
    client.force_login(admin_user)
    response = client.get(f"{URL}?start=2026-03-01&end=2026-01-01")
    assert response.status_code == 400
    page = html(response)
    (region,) = page.xpath('//section[@id="analytics-report"]')
    assert "The end date must be on or after the start date (01 Mar 2026)." in region.text_content()
    assert region.xpath('.//a[@href="#id_end"]')
    # Without JavaScript the field shows its error too.
    assert (
        "The end date must be on or after the start date"
        in page.xpath('//form[@id="analytics-filters"]')[0].text_content()
    )

    response = client.get(f"{URL}?start=2020-01-01&end=2026-01-01")
    assert response.status_code == 400
    assert "Choose a period of at most 5 years" in response.content.decode()


def test_the_default_period_is_shown_in_the_form(client, admin_user, courses):
    client.force_login(admin_user)
    response = client.get(URL)
    assert response.status_code == 200
    page = html(response)
    today = timezone.localdate()
    assert page.xpath('//input[@name="end"]')[0].get("value") == today.isoformat()
    assert page.xpath('//input[@name="start"]')[0].get("value").endswith("-01")


# --- HTMX ------------------------------------------------------------------------------------------------


def test_htmx_gets_the_report_region_and_a_normal_request_the_page(client, admin_user, courses):
    client.force_login(admin_user)
    full = client.get(f"{URL}?{Q1}")
    assert b"<html" in full.content
    assert b'hx-get="/admin/analytics/"' in full.content
    assert b'hx-target="#analytics-report"' in full.content
    assert b'hx-push-url="true"' in full.content
    assert "HX-Request" in full["Vary"]

    partial = client.get(f"{URL}?{Q1}", headers={"HX-Request": "true"})
    assert partial.status_code == 200
    content = partial.content.decode()
    assert "<html" not in content
    assert 'id="analytics-filters"' not in content
    assert 'id="analytics-report"' in content
    assert kpi(partial, "enrolments") == "7"
    assert 'hx-swap-oob="true"' in content  # the status line screen readers announce
    assert "HX-Request" in partial["Vary"]

    errors = client.get(f"{URL}?start=2026-03-01&end=2026-01-01", headers={"HX-Request": "true"})
    assert errors.status_code == 400
    assert "<html" not in errors.content.decode()
    assert "The end date must be on or after the start date" in errors.content.decode()

    # A history restore (the browser's back button after the page left htmx's cache) needs the whole page.
    restore = client.get(f"{URL}?{Q1}", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert b"<html" in restore.content


# --- charts, tables and exports --------------------------------------------------------------------------


def test_each_chart_is_an_svg_with_its_numbers_beside_it(client, admin_user, courses):
    client.force_login(admin_user)
    response = client.get(f"{URL}?{Q1}")
    page = html(response)
    figures = page.xpath("//figure[@data-chart]")
    assert figures
    for figure in figures:
        (svg,) = figure.xpath(".//*[local-name()='svg']")
        assert svg.get("role") == "img"
        details = figure.xpath(".//details")[0]
        assert details.xpath("./summary")[0].text_content() == "Show the numbers"
        assert details.xpath(".//table//th[@scope='col']")
    enrolments = page.xpath('//figure[@data-chart="enrolments_completions"]')[0]
    rows = enrolments.xpath(".//details//tbody/tr")
    assert [row[0].text_content() for row in rows] == ["2026-01", "2026-02", "2026-03"]
    assert [row[1].text_content() for row in rows] == ["0", "2", "5"]
    # The SVG in the page is well-formed XML.
    raw = response.content.decode()
    start = raw.index("<svg", raw.index('data-chart="enrolments_completions"'))
    ET.fromstring(raw[start : raw.index("</svg>", start) + len("</svg>")])  # noqa: S314


def test_names_are_escaped(client, admin_user, catalogue, trainer):
    evil = '<img src=x onerror="alert(1)">'
    course = make_course(catalogue, title=evil, trainer=trainer, with_revisions=False)
    enroll(course, datetime(2026, 2, 1, tzinfo=UTC))
    client.force_login(admin_user)
    response = client.get(f"{URL}?{Q1}")
    assert response.status_code == 200
    assert evil not in response.content.decode()
    assert table_column(response, "courses", 0) == [evil]


def test_kpis_carry_their_definition(client, admin_user, courses):
    client.force_login(admin_user)
    page = html(client.get(f"{URL}?{Q1}"))
    (card,) = page.xpath('//li[@data-kpi="completion_rate"]')
    assert card.get("tabindex") == "0"
    (definition,) = page.xpath(f'//*[@id="{card.get("aria-describedby")}"]')
    assert definition.text_content().startswith("Completion rate =")


def test_export_buttons_post_the_current_filters(client, admin_user, courses):
    client.force_login(admin_user)
    theirs = courses["theirs"]
    page = html(client.get(f"{URL}?{Q1}&course={theirs.pk}"))
    (form,) = page.xpath('//form[contains(@class, "analytics-exports")]')
    assert form.get("method") == "post"
    assert form.get("action") == reverse("analytics_admin:export_start")
    hidden = [(i.get("name"), i.get("value")) for i in form.xpath(".//input[@type='hidden']")]
    assert ("start", "2026-01-01") in hidden
    assert ("end", "2026-03-31") in hidden
    assert ("course", str(theirs.pk)) in hidden
    assert any(name == "csrfmiddlewaretoken" for name, _ in hidden)
    assert [(b.get("name"), b.get("value")) for b in form.xpath(".//button")] == [
        ("format", "csv"),
        ("format", "xlsx"),
        ("format", "docx"),
        ("format", "pdf"),
    ]

    # What the CSV button sends starts an export of the same selection.
    response = client.post(form.get("action"), {**dict(hidden), "format": "csv"})  # one course: a dict holds it
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/analytics/exports/")


def test_table_cells_are_formatted_by_column_kind(settings):
    settings.LMS_DEFAULT_CURRENCY = "EUR"
    table = Table(
        key="t",
        title="T",
        columns=[
            Column("name", "Name"),
            Column("n", "N", "int"),
            Column("rate", "Rate", "percent"),
            Column("money", "Money", "money"),
            Column("day", "Day", "date"),
            Column("x", "X", "number"),
        ],
        rows=[
            {
                "name": "<b>A</b>",
                "n": 1234,
                "rate": 42.5,
                "money": Decimal("1234.5"),
                "currency": "USD",
                "day": date(2026, 1, 31),
                "x": 1.5,
            },
            {"name": "B", "n": 0, "rate": None, "money": Decimal("-3"), "day": None, "x": None},
        ],
    )
    context = admin_views.table_context(table)
    assert [numeric for _column, numeric in context["headers"]] == [False, True, True, True, False, True]
    assert [text for text, _n, _u in context["rows"][0]] == [
        "<b>A</b>",
        "1,234",
        "42.5 %",
        "$1,234.50",
        "31 Jan 2026",
        "1.50",
    ]
    assert [text for text, _n, _u in context["rows"][1]] == ["B", "0", "—", "-€3.00", "—", "—"]
    assert [undefined for _t, _n, undefined in context["rows"][1]] == [False, False, True, False, True, True]


# --- queries ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["admin_user", "trainer"])
def test_the_number_of_queries_does_not_grow_with_courses_and_enrollments(
    client, request, viewer, catalogue, trainer, django_assert_max_num_queries
):
    user = request.getfixturevalue(viewer)
    client.force_login(user)
    first = make_course(catalogue, title="First", trainer=trainer, with_revisions=False)
    enroll(first, datetime(2026, 2, 1, tzinfo=UTC))
    client.get(f"{URL}?{Q1}")  # warm-up: sessions, content types, Wagtail's caches

    with CaptureQueriesContext(connection) as small:
        assert client.get(f"{URL}?{Q1}").status_code == 200

    for n in range(4):
        course = make_course(
            catalogue, title=f"More {n}", trainer=trainer, with_revisions=False, category=make_category(f"Category {n}")
        )
        for day in range(1, 6):
            enroll(
                course,
                datetime(2026, 3, day, tzinfo=UTC),
                status="completed",
                completed_at=datetime(2026, 3, day + 1, tzinfo=UTC),
            )
    UserFactory(role="trainer")

    with django_assert_max_num_queries(len(small)):
        response = client.get(f"{URL}?{Q1}")
    assert response.status_code == 200
    assert kpi(response, "enrolments") == "21"
