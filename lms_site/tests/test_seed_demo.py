import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Revision

from accounts.models import Role, User
from assessments.models import Attempt, Feedback
from billing.models import Coupon
from certificates.models import Certificate
from courses.models import Category, CoursePage, LessonPage
from learning.models import Enrollment
from scheduling.models import Attendance, AttendanceChange, Booking, LiveSession

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        "pages": Page.objects.count(),
        "revisions": Revision.objects.count(),
        "users": User.objects.count(),
        "categories": Category.objects.count(),
        "images": get_image_model().objects.count(),
        "documents": get_document_model().objects.count(),
        "groups": Group.objects.count(),
        "enrollments": Enrollment.objects.count(),
        "certificates": Certificate.objects.count(),
        "attempts": Attempt.objects.count(),
        "feedback": Feedback.objects.count(),
        "coupons": Coupon.objects.count(),
        "live sessions": LiveSession.objects.count(),
        "bookings": Booking.objects.count(),
        "attendances": Attendance.objects.count(),
        "attendance changes": AttendanceChange.objects.count(),
    }


def test_seed_demo_builds_the_demo_and_a_second_run_adds_nothing(capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", allow_production=True)
    output = capsys.readouterr().out
    for username, password in [
        ("admin", "learnwell-admin"),
        ("trainer", "learnwell-trainer"),
        ("learner", "learnwell-learner"),
        ("learner2", "learnwell-learner2"),
    ]:
        assert username in output and password in output
        assert User.objects.get(username=username).check_password(password)
    # The history learners (analytics.demo) are learners without a password; the accounts are these four, the demo
    # team's manager and its eight members (organisations.demo), learners all nine.
    assert sorted(User.objects.filter(password__startswith="!").exclude(role=Role.LEARNER)) == []
    assert sorted(User.objects.exclude(username__startswith="history").values_list("role", flat=True)) == sorted(
        [Role.ADMIN, Role.TRAINER, Role.LEARNER, Role.LEARNER] + [Role.LEARNER] * 9
    )

    courses = CoursePage.objects.live().originals()
    assert courses.count() >= 3
    assert courses.values("category").distinct().count() >= 2
    assert courses.filter(price=0).exists() and courses.filter(price__gt=0).exists()
    assert all(course.trainer.username == "trainer" for course in courses)
    block_types = {block.block_type for lesson in LessonPage.objects.live() for block in lesson.body}
    assert {"heading", "rich_text", "code", "callout", "quote", "download", "video"} <= block_types

    from assessments import grading
    from assessments.models import AssessmentPage

    quizzes = AssessmentPage.objects.live().originals()
    assert quizzes.count() == 3
    for quiz in AssessmentPage.objects.live():  # the German and Arabic ones too
        assert grading.max_score(quiz.questions_snapshot()) > 0  # a valid key for every question

    # The Python course, its catalogue and the home page in German and Arabic (lms_site/demo_translations.py).
    python = CoursePage.objects.originals().get(slug="python-for-data-analysis")
    titles = dict(
        CoursePage.objects.filter(translation_key=python.translation_key).values_list("locale__language_code", "title")
    )
    assert titles == {
        "en": "Python for Data Analysis",
        "de": "Python für die Datenanalyse",
        "ar": "بايثون لتحليل البيانات",
    }
    assert Page.find_problems() == ([], [], [], [], [])

    # Leo has finished the Python course, so the demo has a certificate to download and verify.
    certificate = Certificate.objects.get(user__username="learner2")
    assert certificate.status == "valid"
    # Two of the demo team finished their negotiation course (organisations.demo): the grid shows certificates.
    assert sorted(Certificate.objects.exclude(user__username="learner2").values_list("user__username", flat=True)) == [
        "nw-emma",
        "nw-farid",
    ]

    # Leo's reflection essay is graded, with a comment on the essay and one on the whole attempt.
    essay = Attempt.objects.get(user__username="learner2", assessment__slug="reflection")
    assert essay.is_final and essay.passed and essay.grade_released_at is not None
    essay_id = next(q["id"] for q in essay.snapshot["questions"] if q["type"] == "essay")
    assert set(Feedback.objects.filter(attempt=essay).values_list("question_id", flat=True)) == {"", essay_id}
    # A coupon to try at checkout (billing.demo).
    assert Coupon.objects.get(code="WELCOME10").is_active
    # A past live session with its attendance taken, for the roster and the attendance report.
    assert Attendance.objects.filter(session__ends_at__lt=timezone.now(), user__username="learner2").exists()

    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", allow_production=True)
    assert snapshot() == before


def test_seed_demo_refuses_production_without_the_flag(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="public passwords"):
        call_command("seed_demo")
