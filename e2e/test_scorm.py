"""A SCORM package in the lesson player: its own JavaScript, in the sandboxed frame, drives the run-time API
of the lesson page; the session is stored, the lesson completes, and a second visit resumes."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from courses.models import CoursePage, LessonPage
from e2e.conftest import check_accessibility, sign_in
from learning import services as learning_services
from learning.models import LessonProgress
from lms_site.tests.stores import local_store
from scorm import services as scorm_services
from scorm.models import ScormAttempt
from scorm.tests import packages

pytestmark = pytest.mark.e2e

PYTHON_COURSE = "python-for-data-analysis"


@pytest.mark.parametrize(
    "version, first_run, second_run",
    [
        ("1.2", "done 1.2; resumed from []", "done 1.2; resumed from [page=3]"),
        ("2004", "done 2004; entry ab-initio; resumed from []", "done 2004; entry resume; resumed from [page=7]"),
    ],
)
def test_a_package_runs_against_the_runtime_completes_the_lesson_and_resumes(
    page: Page, live_server, demo_site, settings, tmp_path, version, first_run, second_run
):
    local_store(settings, "media_private", tmp_path / "private")
    course = CoursePage.objects.get(slug=PYTHON_COURSE)
    lesson = LessonPage.objects.live().descendant_of(course).order_by("path")[1]
    package = scorm_services.create_package(
        title="Safety basics", upload=packages.upload(packages.build(version)), uploaded_by=None
    )
    lesson.body = [{"type": "scorm", "value": {"package": package.pk, "title": "Safety basics activity"}}]
    lesson.save_revision().publish()
    learner = User.objects.get(username="learner")
    enrollment = learning_services.enroll(user=learner, course=course)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console", lambda message: problems.append(message.text) if "Content Security Policy" in message.text else None
    )

    sign_in(page, live_server.url, "learner", "learnwell-learner")
    page.goto(live_server.url + lesson.url)

    activity = page.frame_locator('iframe[title="Safety basics activity"]')
    expect(activity.locator("#out")).to_have_text(first_run)
    expect(page.locator("[data-scorm-status]")).to_have_text("Lesson complete.")
    check_accessibility(page, "a SCORM lesson")
    # "Lesson complete." answers the Commit; the Finish after it may still be on its way.
    for _ in range(50):
        attempt = ScormAttempt.objects.get(user=learner, lesson=lesson, package=package)
        if attempt.total_seconds:
            break
        page.wait_for_timeout(100)
    assert attempt.suspend_data == ("page=3" if version == "1.2" else "page=7")
    assert attempt.total_seconds == (90 if version == "1.2" else 65)
    assert LessonProgress.objects.filter(enrollment=enrollment, lesson=lesson).exists()

    page.reload()
    expect(page.locator("#lesson-actions")).to_contain_text(re.compile("Lesson completed"))
    expect(activity.locator("#out")).to_have_text(second_run)
    assert problems == []
