"""Who gets a placed package's files and its run-time data, resume, and completion through learning."""

import json

import pytest
from django.forms import ValidationError
from django.urls import reverse

from accounts.tests.factories import UserFactory
from learning import services as learning_services
from learning.models import Enrollment, LessonProgress
from scorm.forms import check_one_package
from scorm.models import ScormAttempt

from . import packages
from .conftest import place

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache(fresh_cache):
    yield


@pytest.fixture
def placed(lessons, make_package):
    """Lesson 1.2 (not a free preview) with a SCORM 1.2 package."""
    package = make_package("1.2")
    return place(lessons[1], package), package


def content_url(package, lesson, path="index.html"):
    return reverse("scorm:content", args=[package.pk, lesson.pk, path])


def state_url(package, lesson):
    return reverse("scorm:state", args=[package.pk, lesson.pk])


def commit(client, package, lesson, values, finish=False):
    return client.post(
        state_url(package, lesson), json.dumps({"values": values, "finish": finish}), content_type="application/json"
    )


# Serving the package's files


def test_visitors_and_learners_not_enrolled_get_a_404(client, learner, placed):
    lesson, package = placed
    assert client.get(content_url(package, lesson)).status_code == 404
    assert client.get(state_url(package, lesson)).status_code == 404
    client.force_login(learner)
    assert client.get(content_url(package, lesson)).status_code == 404
    assert commit(client, package, lesson, {"cmi.suspend_data": "x"}).status_code == 404
    client.force_login(UserFactory(role="trainer"))  # a trainer of another course
    assert client.get(content_url(package, lesson)).status_code == 404


def test_an_enrolled_learner_gets_the_files_sandboxed_and_framable_by_this_site_only(client, learner, course, placed):
    lesson, package = placed
    learning_services.enroll(user=learner, course=course)
    client.force_login(learner)

    response = client.get(content_url(package, lesson))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == packages.PAGE.encode()
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    policy = response["Content-Security-Policy"]
    assert "sandbox allow-scripts allow-same-origin allow-forms" in policy
    assert "frame-ancestors 'self'" in policy
    script = client.get(content_url(package, lesson, "js/package.js"))
    assert script.status_code == 200 and script["Content-Type"].startswith("text/javascript")
    assert client.get(content_url(package, lesson, "css/style.css"))["Content-Type"].startswith("text/css")


def test_the_course_trainer_gets_the_files(client, trainer, placed):
    lesson, package = placed
    client.force_login(trainer)
    assert client.get(content_url(package, lesson)).status_code == 200


@pytest.mark.parametrize(
    "path",
    ["../../imsmanifest.xml", "js/../../x", "%2e%2e/%2e%2e/etc/passwd", "..%2f..%2fetc", "missing.html", "js"],
)
def test_a_path_outside_the_package_or_not_in_it_is_a_404(client, learner, course, placed, path):
    lesson, package = placed
    learning_services.enroll(user=learner, course=course)
    client.force_login(learner)

    response = client.get(f"/scorm/{package.pk}/{lesson.pk}/content/{path}")

    assert response.status_code == 404


def test_a_package_not_placed_in_the_lesson_is_a_404(client, learner, course, lessons, placed, make_package):
    lesson, _package = placed
    other = make_package("2004", title="Other")
    learning_services.enroll(user=learner, course=course)
    client.force_login(learner)

    assert client.get(content_url(other, lesson)).status_code == 404
    assert client.get(content_url(_package, lessons[2])).status_code == 404


# The lesson page


def test_the_lesson_frames_the_package_for_an_enrolled_learner_and_records_their_session(
    client, learner, course, placed
):
    lesson, package = placed
    learning_services.enroll(user=learner, course=course)
    client.force_login(learner)

    page = client.get(lesson.url).content.decode()

    assert f'data-scorm-src="{content_url(package, lesson)}"' in page
    assert f'data-state-url="{state_url(package, lesson)}"' in page
    assert "data-record" in page
    assert 'sandbox="allow-scripts allow-same-origin allow-forms"' in page
    assert page.count("js/scorm-runtime.js") == 1


def test_the_trainers_preview_frames_the_package_without_recording(client, trainer, placed):
    lesson, package = placed
    client.force_login(trainer)

    page = client.get(lesson.url + "?preview=1").content.decode()

    assert "data-scorm-src" in page and "data-record" not in page
    assert commit(client, package, lesson, {"cmi.suspend_data": "x"}).status_code == 403


def test_a_lesson_holds_one_package(lessons, make_package):
    package = make_package()
    body = lessons[1].body
    body.stream_block  # noqa: B018 (the stream's definition)
    lessons[1].body = [
        {"type": "scorm", "value": {"package": package.pk, "title": "A"}},
        {"type": "scorm", "value": {"package": package.pk, "title": "B"}},
    ]
    with pytest.raises(ValidationError):
        check_one_package(user=None, body=lessons[1].body)


# The run-time data: commit, refusals, resume, completion


def test_a_commit_stores_the_values_and_a_finished_session_adds_its_time(client, learner, course, placed):
    lesson, package = placed
    learning_services.enroll(user=learner, course=course)
    client.force_login(learner)

    response = commit(
        client,
        package,
        lesson,
        {
            "cmi.core.score.raw": "72.5",
            "cmi.core.score.max": "100",
            "cmi.core.lesson_status": "incomplete",
            "cmi.core.lesson_location": "slide-4",
            "cmi.core.session_time": "00:02:00",
        },
        finish=True,
    )

    assert response.status_code == 200
    attempt = ScormAttempt.objects.get(user=learner, lesson=lesson, package=package)
    assert (attempt.lesson_status, str(attempt.score_raw), attempt.location) == ("incomplete", "72.5000", "slide-4")
    assert attempt.total_seconds == 120
    assert response.json()["values"]["cmi.core.total_time"] == "0000:02:00"
    assert not LessonProgress.objects.filter(lesson=lesson).exists()


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"values": {"cmi.core.student_name": "Mallory"}}',
        b'{"values": {"cmi.bogus": "1"}}',
        json.dumps({"values": {"cmi.suspend_data": "x" * 4097}}).encode(),
        b'{"values": {"cmi.core.lesson_status": "great"}}',
        b'{"values": {"cmi.core.score.raw": 5}}',
        b'{"values": "cmi"}',
        b'{"values": {}, "finish": "yes"}',
        b'{"values": {"cmi.core.score.raw": "1e999"}}',
        b'{"a":' * 40 + b"1" + b"}" * 40,
    ],
)
def test_hostile_commits_are_refused_with_a_400(client, learner, course, placed, body):
    lesson, package = placed
    learning_services.enroll(user=learner, course=course)
    client.force_login(learner)

    response = client.post(state_url(package, lesson), body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]
    assert not ScormAttempt.objects.exists()


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_a_resumed_session_starts_from_the_stored_suspend_data(client, learner, course, lessons, make_package, version):
    package = make_package(version)
    lesson = place(lessons[1], package)
    learning_services.enroll(user=learner, course=course)
    client.force_login(learner)
    prefix = "cmi.core." if version == "1.2" else "cmi."

    first = client.get(state_url(package, lesson)).json()
    assert first["version"] == version and first["values"][prefix + "entry"] == "ab-initio"
    assert "cmi.suspend_data" not in first["values"]

    commit(client, package, lesson, {"cmi.suspend_data": "page=3;answers=a,b", prefix + "exit": "suspend"}, True)
    again = client.get(state_url(package, lesson)).json()

    assert again["values"]["cmi.suspend_data"] == "page=3;answers=a,b"
    assert again["values"][prefix + "entry"] == "resume"
    assert prefix + "exit" not in again["values"]  # write-only, and each session sets its own
    assert again["values"][("cmi.core.student_id" if version == "1.2" else "cmi.learner_id")] == str(learner.pk)


@pytest.mark.parametrize(
    "version, values",
    [
        ("1.2", {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "85"}),
        ("1.2", {"cmi.core.lesson_status": "completed"}),
        ("2004", {"cmi.completion_status": "completed", "cmi.success_status": "passed", "cmi.score.scaled": "0.9"}),
    ],
)
def test_a_completed_package_completes_the_lesson_and_moves_course_progress(
    client, learner, course, lessons, make_package, version, values
):
    package = make_package(version)
    lesson = place(lessons[1], package)
    enrollment = learning_services.enroll(user=learner, course=course)
    client.force_login(learner)

    response = commit(client, package, lesson, values)

    assert response.status_code == 200 and response.json()["lesson_completed"] is True
    assert LessonProgress.objects.filter(enrollment=enrollment, lesson=lesson).exists()
    assert Enrollment.objects.get(pk=enrollment.pk).progress_percent > 0
    assert ScormAttempt.objects.get().completed_at is not None
    # Committing again changes nothing more.
    assert commit(client, package, lesson, values).json()["lesson_completed"] is False
    assert LessonProgress.objects.filter(enrollment=enrollment).count() == 1


def test_a_2004_package_that_is_incomplete_does_not_complete_the_lesson(client, learner, course, lessons, make_package):
    package = make_package("2004")
    lesson = place(lessons[1], package)
    learning_services.enroll(user=learner, course=course)
    client.force_login(learner)

    commit(client, package, lesson, {"cmi.completion_status": "incomplete", "cmi.success_status": "passed"})

    assert not LessonProgress.objects.exists()


def test_with_nginx_a_package_file_is_an_x_accel_redirect_with_the_frames_headers(
    client, learner, course, placed, nginx_sends_private_files
):
    lesson, package = placed
    learning_services.enroll(user=learner, course=course)
    client.force_login(learner)

    response = client.get(content_url(package, lesson, "js/package.js"))

    assert response.status_code == 200
    assert response["X-Accel-Redirect"].endswith(f"/{package.storage_prefix}/js/package.js")
    assert response["Content-Type"].startswith("text/javascript")
    assert "sandbox" in response["Content-Security-Policy"]
    assert client.get(content_url(package, lesson, "js")).status_code == 404
