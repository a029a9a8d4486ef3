from datetime import date

import pytest
from django.core.management import call_command
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Role, User
from analytics.demo import seed_history
from analytics.kpis import build_report
from analytics.report import Filters
from assessments.models import Attempt
from billing.models import Order, OrderStatus
from courses.models import CoursePage
from learning import services as learning_services
from learning.models import Enrollment, EnrollmentStatus, LessonProgress


@pytest.fixture
def history(db, run_on_commit):
    call_command("seed_demo", allow_production=True, verbosity=0)
    return User.objects.filter(username__startswith="history")


def test_the_history_is_what_the_services_would_have_left(history):
    assert history.count() == 30
    assert not any(user.has_usable_password() for user in history)
    assert set(history.values_list("role", flat=True)) == {Role.LEARNER}
    for course in CoursePage.objects.live():
        # Recomputing from the rows changes no percentage and completes nobody: the stored state agrees.
        assert learning_services.recompute_course_progress(course=course) == 0
    enrollments = Enrollment.objects.filter(user__in=history)
    assert enrollments.filter(status=EnrollmentStatus.COMPLETED).exists()
    assert enrollments.filter(status=EnrollmentStatus.ACTIVE).exists()
    assert not enrollments.filter(status=EnrollmentStatus.COMPLETED).exclude(progress_percent=100).exists()
    assert not enrollments.filter(status=EnrollmentStatus.COMPLETED, completed_at__isnull=True).exists()


def test_money_and_enrolments_agree(history):
    enrollments = Enrollment.objects.filter(user__in=history)
    paid = enrollments.filter(course__price__gt=0)
    orders = Order.objects.filter(user__in=history)
    assert orders.count() == paid.count()
    refunded = orders.filter(status=OrderStatus.REFUNDED)
    assert refunded.exists()
    assert set(refunded.values_list("user_id", "course_id")) == set(
        paid.filter(status=EnrollmentStatus.REFUNDED).values_list("user_id", "course_id")
    )
    assert not refunded.filter(Q(refunded_at__lt=F("paid_at")) | Q(refunded_at__isnull=True)).exists()
    assert not orders.filter(course__price__gt=0).exclude(amount_paid=F("course__price")).exists()


def test_nothing_is_dated_in_the_future(history):
    now = timezone.now()
    assert not LessonProgress.objects.filter(completed_at__gt=now).exists()
    assert not Attempt.objects.filter(Q(submitted_at__gt=now) | Q(started_at__gt=now)).exists()
    assert not Enrollment.objects.filter(Q(enrolled_at__gt=now) | Q(completed_at__gt=now)).exists()


def test_the_dashboard_has_figures_to_show(history):
    admin = User.objects.get(username="admin")
    today = timezone.localdate()
    report = build_report(filters=Filters(start=date(today.year - 1, today.month, 1), end=today), viewer=admin)
    values = {kpi.key: kpi.value for kpi in report.kpis}
    assert values["enrolments"] >= 30
    assert values["completions"] > 0 and values["pass_rate"] is not None
    assert values["gross_revenue_eur"] > 0 and values["refunds_eur"] > 0


def test_a_second_run_adds_nothing(history):
    courses = list(CoursePage.objects.live())
    counts = (Enrollment.objects.count(), Order.objects.count(), Attempt.objects.count())
    assert seed_history(courses=courses) == 0
    assert (Enrollment.objects.count(), Order.objects.count(), Attempt.objects.count()) == counts
