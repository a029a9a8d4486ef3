"""The trainer home (learning:teaching): the trainer's own courses, their inactive learners, each course's pages.

Essays to grade and live sessions on the same page come from the assessments and scheduling apps; their tests
cover those panels (assessments/tests/test_trainer_home.py, scheduling/tests/test_trainer_home.py).
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import html as lxml_html

from accounts.tests.factories import UserFactory
from courses.tests.factories import make_course
from learning import selectors, services
from learning.models import Enrollment, EnrollmentStatus
from lms_site.tests.clients import as_

pytestmark = pytest.mark.django_db

URL = reverse("learning:teaching")
DAY = timedelta(days=1)


def enrol(course, *, last_seen_days_ago=0, status=EnrollmentStatus.ACTIVE, enrolled_days_ago=30):
    """A learner in the course whose last activity was that many days ago (None: never active)."""
    user = UserFactory()
    enrollment = services.enroll(user=user, course=course)
    now = timezone.now()
    Enrollment.objects.filter(pk=enrollment.pk).update(
        status=status,
        enrolled_at=now - enrolled_days_ago * DAY,
        last_activity_at=None if last_seen_days_ago is None else now - last_seen_days_ago * DAY,
    )
    return user


def page(client, user):
    response = as_(client, user).get(URL)
    assert response.status_code == 200
    return lxml_html.fromstring(response.content.decode())


def text(node) -> str:
    return " ".join(node.text_content().split())


def panel(tree, name):
    (section,) = tree.xpath(f'//section[@data-panel="{name}"]')
    return section


# Who sees what ---------------------------------------------------------------------------------------------------


def test_a_trainer_sees_only_their_own_courses_and_an_admin_sees_all(client, trainer, other_trainer, catalogue, course):
    theirs = make_course(catalogue, title="Not mine", trainer=other_trainer, with_revisions=False)
    enrol(theirs, last_seen_days_ago=30)

    tree = page(client, trainer)
    assert [text(h) for h in tree.xpath('//section[@aria-labelledby="courses-heading"]//h3')] == ["Intro to Testing"]
    assert "Not mine" not in text(tree)
    assert f"/learning/courses/{theirs.pk}/" not in lxml_html.tostring(tree).decode()

    tree = page(client, UserFactory(role="admin"))
    titles = [text(h) for h in tree.xpath('//section[@aria-labelledby="courses-heading"]//h3')]
    assert titles == ["Intro to Testing", "Not mine"]
    assert text(panel(tree, "inactive")).count("Not mine") == 1


@pytest.mark.parametrize("role", ["learner", None])
def test_learners_and_visitors_have_no_trainer_home(client, role):
    response = as_(client, UserFactory(role=role) if role else None).get(URL)
    assert response.status_code == (403 if role else 302)


def test_each_course_links_to_its_page_learners_gradebook_queue_attendance_and_analytics(client, trainer, course):
    tree = page(client, trainer)
    (card,) = tree.xpath(f'//li[@data-course="{course.pk}"][.//h3]')
    links = {text(a): a.get("href") for a in card.xpath(".//a")}
    assert links == {
        "Course page": course.url,
        "Learners": reverse("learning:roster", args=(course.pk,)),
        "Gradebook": reverse("assessments:gradebook", args=(course.pk,)),
        "Grading queue": reverse("assessments:grading_queue", args=(course.pk,)),
        "Attendance": reverse("scheduling:attendance_report", args=(course.pk,)),
        "Analytics": f"{reverse('analytics_admin:dashboard')}?course={course.pk}",
        "Edit in the admin": reverse("wagtailadmin_pages:edit", args=(course.pk,)),
    }
    for href in links.values():
        assert as_(client, trainer).get(href).status_code == 200


def test_a_trainer_without_courses_gets_one_message(client, other_trainer):
    tree = page(client, other_trainer)
    assert len(tree.xpath("//*[@data-empty-state]")) == 1
    assert "You have no courses yet." in text(tree)
    assert not tree.xpath("//section[@data-panel]")


# Inactive learners -----------------------------------------------------------------------------------------------


def test_inactive_learners_are_those_still_studying_without_activity_for_14_days(trainer, course):
    enrol(course, last_seen_days_ago=15)  # counted
    enrol(course, last_seen_days_ago=14)  # counted: 14 days is the limit
    enrol(course, last_seen_days_ago=None, enrolled_days_ago=20)  # counted: never active since enrolling
    enrol(course, last_seen_days_ago=None, enrolled_days_ago=3)  # new: not yet
    enrol(course, last_seen_days_ago=13)  # active lately
    enrol(course, last_seen_days_ago=60, status=EnrollmentStatus.COMPLETED)  # done
    enrol(course, last_seen_days_ago=60, status=EnrollmentStatus.CANCELLED)  # left
    enrol(course, last_seen_days_ago=60, status=EnrollmentStatus.REFUNDED)  # no longer studying
    enrol(course, last_seen_days_ago=60, status=EnrollmentStatus.PENDING_PAYMENT)  # never started

    (counted,) = selectors.taught_courses(user=trainer)
    assert counted.inactive_count == 3
    assert counted.active_count == 5 and counted.completed_count == 1


def test_the_inactive_panel_counts_per_course_and_links_to_the_filtered_roster(client, trainer, catalogue, course):
    second = make_course(catalogue, title="Second course", trainer=trainer, with_revisions=False)
    quiet = make_course(catalogue, title="All busy", trainer=trainer, with_revisions=False)
    for _ in range(2):
        enrol(course, last_seen_days_ago=20)
    enrol(course, last_seen_days_ago=1)
    enrol(second, last_seen_days_ago=40)
    enrol(quiet, last_seen_days_ago=2)

    inactive = panel(page(client, trainer), "inactive")
    lines = {li.get("data-course"): li for li in inactive.xpath(".//li")}
    assert set(lines) == {str(course.pk), str(second.pk)}
    assert "2 inactive learners" in text(lines[str(course.pk)])
    assert "1 inactive learner" in text(lines[str(second.pk)])
    (link,) = lines[str(course.pk)].xpath(".//a")
    assert link.get("href") == f"{reverse('learning:roster', args=(course.pk,))}?show=inactive&sort=activity"
    assert "no activity for 14 days or more" in text(inactive)

    roster = as_(client, trainer).get(link.get("href")).content.decode()
    tree = lxml_html.fromstring(roster)
    assert len(tree.xpath('//section[@id="roster-table"]//tbody/tr/th')) == 2
    assert "Show every learner" in roster
    # Sorting keeps the filter.
    assert all("show=inactive" in a.get("href") for a in tree.xpath('//a[@class="sort-link"]'))


def test_no_inactive_learner_is_one_message(client, trainer, course):
    enrol(course, last_seen_days_ago=1)
    inactive = panel(page(client, trainer), "inactive")
    assert len(inactive.xpath(".//*[@data-empty-state]")) == 1
    assert text(inactive).endswith("Every learner has been active in the last 14 days.")


def test_each_panel_has_exactly_one_empty_message_when_nothing_waits(client, trainer, course):
    tree = page(client, trainer)
    for name in ("grading", "sessions", "inactive"):
        assert len(panel(tree, name).xpath(".//*[@data-empty-state]")) == 1, name
    assert len(tree.xpath("//*[@data-empty-state]")) == 3


# Queries ---------------------------------------------------------------------------------------------------------


def count_queries(client, django_assert_max_num_queries, limit):
    client.get(URL)  # the first visit creates per-user rows (Wagtail's user profile) once
    with django_assert_max_num_queries(limit) as captured:
        assert client.get(URL).status_code == 200
    return len(captured.captured_queries)


def test_the_query_count_does_not_grow_with_courses_or_learners(
    client, trainer, catalogue, course, django_assert_max_num_queries
):
    client.force_login(trainer)
    enrol(course, last_seen_days_ago=30)
    one = count_queries(client, django_assert_max_num_queries, 12)
    for number in range(6):
        extra = make_course(catalogue, title=f"Course {number}", trainer=trainer, with_revisions=False)
        for days in (1, 20, 40):
            enrol(extra, last_seen_days_ago=days)
    many = count_queries(client, django_assert_max_num_queries, 12)
    assert one == many
