"""Assignment and Grade Services: progress and assessment scores arrive at the simulated platform's line item."""

from datetime import datetime

import pytest

from assessments import services as assessment_services
from assessments.tests.factories import by_type, make_assessment, option, question
from courses.models import LessonPage
from learning import services as learning_services
from learning.models import Enrollment
from lti import receivers
from lti import services as lti_services
from lti.models import LtiResourceLink

from .platform import LTI, SCORE_SCOPE

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform_trusts_the_tool(platform, client):
    # The platform's administrator pasted Learnwell's JWKS URL; the simulated platform reads it the same way.
    platform.tool_jwks = client.get("/lti/jwks/").json()
    return platform


def launched_user(browser, page, **changes):
    response = browser.launch(changes={LTI + "custom": {"learnwell_page": str(page.pk)}, **changes})
    assert response.status_code == 302
    from accounts.models import User

    return User.objects.get(pk=browser.client.session["_auth_user_id"])


def test_course_progress_is_posted_as_a_score(
    browser, course, platform_trusts_the_tool, django_capture_on_commit_callbacks
):
    platform = platform_trusts_the_tool
    user = launched_user(browser, course)
    enrollment = Enrollment.objects.get(user=user, course=course)
    lessons = list(LessonPage.objects.live().descendant_of(course).order_by("path"))

    with django_capture_on_commit_callbacks(execute=True):
        learning_services.complete_lesson(enrollment=enrollment, lesson=lessons[0])

    assert len(platform.scores) == 1
    received = platform.scores[0]
    assert received["path"] == "/lineitems/1/scores"
    assert received["content_type"] == "application/vnd.ims.lis.v1.score+json"
    score = received["score"]
    assert score["userId"] == "student-1"
    assert score["scoreGiven"] == 100 // len(lessons) and score["scoreMaximum"] == 100
    assert score["activityProgress"] == "InProgress" and score["gradingProgress"] == "FullyGraded"
    assert datetime.fromisoformat(score["timestamp"]).tzinfo is not None
    # The token came for the score scope, asked for with a client assertion signed by the tool's key.
    token_request = platform.token_requests[0]
    assert SCORE_SCOPE in token_request["scope"].split()
    assert token_request["claims"]["sub"] == platform.client_id

    platform.scores.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for lesson in lessons[1:]:
            learning_services.complete_lesson(enrollment=enrollment, lesson=lesson)
    last = platform.scores[-1]["score"]
    assert last["scoreGiven"] == 100 and last["activityProgress"] == "Completed"


def test_assessment_score_is_posted(browser, course, platform_trusts_the_tool, django_capture_on_commit_callbacks):
    platform = platform_trusts_the_tool
    quiz = make_assessment(
        course,
        slug="lti-quiz",
        questions=[
            question("single_choice", options=[option("Yes", True), option("No")], points="3"),
            question("true_false", answer="true", points="1"),
        ],
    )
    user = launched_user(browser, quiz, **{LTI + "resource_link": {"id": "quiz-link"}})
    attempt = assessment_services.start_attempt(user=user, assessment=quiz)
    questions = by_type(attempt)
    right = next(o["id"] for o in questions["single_choice"]["options"] if o["correct"])
    assessment_services.save_answer(attempt=attempt, question_id=questions["single_choice"]["id"], answer=right)
    assessment_services.save_answer(attempt=attempt, question_id=questions["true_false"]["id"], answer=False)

    with django_capture_on_commit_callbacks(execute=True):
        assessment_services.submit_attempt(attempt=attempt)

    scores = [entry["score"] for entry in platform.scores]
    assert len(scores) == 1
    assert scores[0]["scoreGiven"] == 3 and scores[0]["scoreMaximum"] == 4
    assert scores[0]["userId"] == "student-1" and scores[0]["gradingProgress"] == "FullyGraded"


def test_no_score_without_the_score_scope(
    browser, course, platform_trusts_the_tool, django_capture_on_commit_callbacks
):
    platform = platform_trusts_the_tool
    ags = {"https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {"scope": [], "lineitem": platform.lineitem_url()}}
    user = launched_user(browser, course, **ags)
    enrollment = Enrollment.objects.get(user=user, course=course)
    lesson = LessonPage.objects.live().descendant_of(course).first()
    with django_capture_on_commit_callbacks(execute=True):
        learning_services.complete_lesson(enrollment=enrollment, lesson=lesson)
    assert platform.scores == []


def test_learners_who_never_came_by_lti_queue_nothing(learner, course, monkeypatch):
    queued = []
    monkeypatch.setattr(receivers.post_lti_score, "delay_on_commit", lambda *args: queued.append(args))
    enrollment = learning_services.enroll(user=learner, course=course)
    lesson = LessonPage.objects.live().descendant_of(course).first()
    learning_services.complete_lesson(enrollment=enrollment, lesson=lesson)
    assert queued == []


def test_a_platform_refusing_the_token_fails_the_post_for_a_retry(browser, course, platform, monkeypatch):
    monkeypatch.setattr(receivers.post_lti_score, "delay_on_commit", lambda *args: None)
    user = launched_user(browser, course)
    enrollment = Enrollment.objects.get(user=user, course=course)
    platform.tool_jwks = {"keys": []}  # the platform does not know our key: its token endpoint says 400
    with pytest.raises(lti_services.ScorePostFailed):
        lti_services.post_course_progress(enrollment_id=enrollment.pk)
    assert platform.scores == []


def test_a_platform_on_https_gets_no_scores_over_plain_http(browser, course, registration):
    registration.auth_token_url = "https://platform.example/token"
    registration.save()
    launched_user(browser, course)
    assert LtiResourceLink.objects.get().lineitem_url == ""
