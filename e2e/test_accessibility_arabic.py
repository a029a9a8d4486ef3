"""axe-core on every page type in Arabic (issue 24): the pages the English tests check, under /ar/, each one
right to left. test_rtl.py has the home page, the catalogue, a course page, a lesson and the dashboard.

One browser page per role; the data each page needs is made through the services, as the English tests do."""

import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect
from wagtail.users.models import UserProfile

from accounts.models import User
from assessments import grading
from assessments import services as assessment_services
from assessments.models import AssessmentPage, Attempt
from billing.models import Order
from certificates import services as certificate_services
from certificates.models import Certificate
from courses.models import CoursePage, LessonPage
from e2e.conftest import WAGTAIL_ALLOWED, check_accessibility, sign_in
from e2e.test_admin import OWN_ADMIN_LISTINGS
from learning.models import Enrollment
from lms_site.i18n import url_in
from lms_site.tests.stores import local_store
from media_pipeline.models import VideoAsset
from media_pipeline.services import push_to_backend
from organisations import services as organisation_services
from organisations.demo import DEMO_MANAGER, DEMO_ORGANISATION
from organisations.models import Organisation
from scheduling.demo import PAST_SESSION_TITLE
from scheduling.models import LiveSession

pytestmark = pytest.mark.e2e

PYTHON_COURSE = "python-for-data-analysis"
DJANGO_COURSE = "building-web-apps-with-django"
PRACTICE_QUIZ = "Practice quiz: working with data"
# An MP4 header the upload checks accept; the browser need not play it for the player to start.
FAKE_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 40


def visit_in_arabic(page: Page, base: str, path: str) -> None:
    """Opens `path` (a site path, English or already Arabic) under /ar/; checks it is Arabic, right to left."""
    arabic = path if path.startswith("/ar/") else url_in(path, "ar")
    assert arabic.startswith("/ar/"), f"{path} has no Arabic URL"
    response = page.goto(base + arabic)
    assert response is not None and response.ok, f"{arabic} answered {response and response.status}"
    assert_arabic(page)


def assert_arabic(page: Page) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")


def check_in_arabic(page: Page, base: str, path: str, name: str) -> None:
    visit_in_arabic(page, base, path)
    check_accessibility(page, f"{name}, in Arabic")


def learner2_certificate() -> Certificate:
    """The certificate of the demo's finished Python course. seed_demo issues it once its transaction commits, and
    the demo may have been recorded (conftest.DemoSite) inside a test's transaction, where nothing commits."""
    certificate = Certificate.objects.filter(user__username="learner2").first()
    if certificate is None:
        enrollment = Enrollment.objects.get(user__username="learner2", course__slug=PYTHON_COURSE)
        certificate = certificate_services.issue_certificate(enrollment=enrollment)
    assert certificate is not None
    return certificate


def test_public_pages_in_arabic(page: Page, live_server, demo_site):
    base = live_server.url
    certificate = learner2_certificate()
    for path, name in (
        ("/accounts/sign-in/", "the sign-in page"),
        ("/accounts/sign-up/", "the sign-up page"),
        ("/accounts/password-reset/", "the password reset page"),
        ("/for-teams/", "the page for teams"),
        ("/certificates/verify/", "the certificate verification form"),
        (f"/certificates/verify/{certificate.serial}/", "a verified certificate"),
    ):
        check_in_arabic(page, base, path, name)
    invitation = organisation_services.invite(
        organisation=Organisation.objects.get(slug=DEMO_ORGANISATION), email="nina@example.com", by=None
    )
    path = reverse("organisations:accept", args=[organisation_services.invitation_token(invitation)])
    check_in_arabic(page, base, path, "an invitation to join a team")
    # A form answered with an error: the message is part of what axe reads.
    visit_in_arabic(page, base, "/accounts/sign-in/")
    page.locator("#main form button[type=submit]").click()
    assert_arabic(page)
    check_accessibility(page, "the sign-in page with an error, in Arabic")


def test_learner_pages_in_arabic(page: Page, live_server, demo_site, settings, tmp_path):
    # learner2 finished the Python course (a certificate), has a graded essay and a seat on a live session.
    local_store(settings, "media_private", tmp_path)
    settings.IMAGEKIT_PRIVATE_KEY = settings.IMAGEKIT_URL_ENDPOINT = ""
    base = live_server.url
    learner = User.objects.get(username="learner2")
    learner2_certificate()  # the dashboard below shows it
    course = CoursePage.objects.get(slug=PYTHON_COURSE)
    # Into the original lesson: its translation was made from the blocks it had before, so /ar/ shows the
    # original's current blocks (lms_site/translated_pages.py).
    lesson = LessonPage.objects.live().descendant_of(course).order_by("path")[1]
    asset = VideoAsset(title="Welcome video", content_type="video/mp4", size_bytes=len(FAKE_MP4))
    asset.file.save("clip.mp4", ContentFile(FAKE_MP4), save=False)
    asset.save()
    asset = push_to_backend(asset=asset, final_attempt=True)
    lesson.body = [
        *[{"type": block.block_type, "value": block.block.get_prep_value(block.value)} for block in lesson.body],
        {"type": "video_asset", "value": {"asset": asset.pk, "complete_at_percent": 90}},
    ]
    lesson.save_revision().publish()
    quiz = AssessmentPage.objects.descendant_of(course).get(title=PRACTICE_QUIZ)
    in_progress = assessment_services.start_attempt(user=learner, assessment=quiz)
    first = in_progress.snapshot["questions"][0]
    assessment_services.save_answer(
        attempt=in_progress,
        question_id=first["id"],
        answer=grading.full_marks_answers(in_progress.snapshot)[first["id"]],
    )
    graded = Attempt.objects.filter(user=learner).exclude(pk=in_progress.pk).latest("pk")
    upcoming = LiveSession.objects.filter(course=course, starts_at__gt=timezone.now()).order_by("starts_at").first()
    assert upcoming is not None

    sign_in(page, base, "learner2", "learnwell-learner2")
    visit_in_arabic(page, base, lesson.url)
    expect(page.locator("figure[data-video-player] video")).to_have_count(1)
    page.wait_for_function("() => window.learnwellVideoPlayers !== undefined")
    check_accessibility(page, "a lesson with a video, in Arabic")

    visit_in_arabic(page, base, quiz.url)
    expect(page.locator("#attempt-questions form").first).to_be_visible()
    check_accessibility(page, "a quiz in progress, in Arabic")

    for path, name in (
        (f"/assessments/attempts/{graded.pk}/result/", "a graded result with the trainer's feedback"),
        ("/gamification/leaderboard/", "the leaderboard"),
        (f"/scheduling/sessions/{upcoming.pk}/", "a live session, booked"),
        ("/accounts/profile/", "the profile"),
    ):
        check_in_arabic(page, base, path, name)

    check_in_arabic(page, base, "/learning/", "the dashboard with a certificate")
    expect(page.locator("#main a[href*='/certificates/download/']").first).to_be_visible()

    # A paid course bought through the payment simulator (no Stripe key in the tests), then its receipt.
    paid = CoursePage.objects.get(slug=DJANGO_COURSE)
    check_in_arabic(page, base, f"/billing/courses/{paid.pk}/checkout/", "the checkout")
    page.locator(f"form[action$='/courses/{paid.pk}/buy/'] button.btn-primary").click()
    expect(page).to_have_url(re.compile(r"/ar/billing/simulator/\d+/$"))
    assert_arabic(page)
    check_accessibility(page, "the payment simulator, in Arabic")
    page.locator("button[name=outcome][value=pay]").click()
    expect(page).not_to_have_url(re.compile(r"/billing/simulator/"))
    order = Order.objects.get(user=learner, course=paid)
    check_in_arabic(page, base, "/billing/purchases/", "the purchases")
    # The receipt link's name is its visible text; which course it is for, its description.
    receipt = page.locator("#main a[href$='/receipt/']")
    expect(receipt).to_have_accessible_name(receipt.inner_text())
    expect(receipt).to_have_accessible_description(order.course.title)
    check_in_arabic(page, base, f"/billing/orders/{order.pk}/receipt/", "a receipt")


def essay_waiting_for_grading(username: str) -> Attempt:
    """The Django course's final assessment submitted with an essay: an entry in the trainer's grading queue."""
    user = User.objects.get(username=username)
    course = CoursePage.objects.get(slug=DJANGO_COURSE)
    final = AssessmentPage.objects.child_of(course).get(title="Final assessment")
    Enrollment.objects.create(user=user, course=course, status="active", enrolled_at=timezone.now())
    attempt = assessment_services.start_attempt(user=user, assessment=final)
    answers = grading.full_marks_answers(attempt.snapshot)
    for question in attempt.snapshot["questions"]:
        given = "I would validate the capacity in a form." if question["type"] == "essay" else answers[question["id"]]
        assessment_services.save_answer(attempt=attempt, question_id=question["id"], answer=given)
    return assessment_services.submit_attempt(attempt=attempt)


def test_trainer_pages_in_arabic(page: Page, live_server, demo_site):
    base = live_server.url
    python = CoursePage.objects.get(slug=PYTHON_COURSE)
    attempt = essay_waiting_for_grading("learner")
    django = attempt.assessment.course
    past = LiveSession.objects.get(course=python, title=PAST_SESSION_TITLE)
    upcoming = LiveSession.objects.filter(course=python, starts_at__gt=timezone.now() + timedelta(hours=1)).first()
    assert upcoming is not None

    sign_in(page, base, "trainer", "learnwell-trainer")
    for path, name in (
        ("/learning/teaching/", "the teaching home"),
        (f"/learning/courses/{python.pk}/learners/?show=inactive&sort=activity", "a course's learners"),
        (f"/assessments/courses/{django.pk}/grading/", "the grading queue with an essay"),
        (f"/assessments/courses/{django.pk}/gradebook/", "the gradebook"),
        (f"/assessments/attempts/{attempt.pk}/", "an attempt's feedback form"),
        (f"/scheduling/sessions/{past.pk}/roster/", "a live session's attendance roster"),
        (f"/scheduling/sessions/{upcoming.pk}/code/", "a live session's check-in code"),
    ):
        check_in_arabic(page, base, path, name)


def test_manager_pages_in_arabic(page: Page, live_server, demo_site):
    base = live_server.url
    username, password, *_ = DEMO_MANAGER
    sign_in(page, base, username, password)
    team = f"/organisations/{DEMO_ORGANISATION}/"
    for path, name in (
        (team, "a team's progress grid"),
        (team + "members/", "a team's members and invitations"),
        (team + "import/", "a team's CSV import"),
        (team + "assignments/", "a team's assignments"),
        (team + "seats/", "a team's seats and orders"),
    ):
        check_in_arabic(page, base, path, name)


def test_the_admin_screens_of_learnwell_in_arabic(page: Page, live_server, demo_site):
    # The admin has no language prefix: Wagtail speaks the user's own admin language.
    admin = User.objects.get(username="admin")
    profile = UserProfile.get_for_user(admin)
    profile.preferred_language = "ar"
    profile.save()
    base = live_server.url
    sign_in(page, base, "admin", "learnwell-admin", next_path="/admin/")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    for path in OWN_ADMIN_LISTINGS:
        response = page.goto(base + path)
        assert response is not None and response.ok, f"{path} answered {response and response.status}"
        assert_arabic(page)
        check_accessibility(page, f"{path}, in Arabic", allow=WAGTAIL_ALLOWED)
    page.goto(base + "/admin/webhooks/endpoints/new/")
    assert_arabic(page)
    check_accessibility(page, "a new webhook endpoint form, in Arabic", allow=WAGTAIL_ALLOWED)
