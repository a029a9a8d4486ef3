"""Locust users for bench/learning_load.py: seeded learners who sign in, read lessons and complete them.

learning_load.py runs one user class at a time against one gunicorn, so each endpoint is measured
alone, then MixedLearner, whose tasks run side by side. Each request has a name of its own, so
locust's statistics keep them apart. It passes, in the environment:

    BENCH_PLAN      the JSON file it wrote after seeding: the learners' password, every course's live
                    lessons (id, URL) and every learner's enrollments with the lessons already done
    BENCH_LEARNERS  "start:stop", the slice of the plan's learners this run signs in as, so runs that
                    complete lessons do not run out of lessons left to complete
    BENCH_TIMINGS   a file to write every successful request's response time to (milliseconds,
                    unrounded: locust's own percentiles are rounded to 2 significant digits)

By hand (learning_load.py starts gunicorn and writes the plan):

    BENCH_PLAN=var/.../plan.json .venv/bin/locust -f bench/locustfile.py --headless -u 10 -t 20s \
        --host http://127.0.0.1:8000 LessonPageLearner
"""

import itertools
import json
import os
import random
import re
from collections import defaultdict
from pathlib import Path

from locust import FastHttpUser, constant, events, task

PLAN = json.loads(Path(os.environ["BENCH_PLAN"]).read_text())
_start, _, _stop = os.environ.get("BENCH_LEARNERS", ":").partition(":")
LEARNERS = PLAN["learners"][int(_start or 0) : int(_stop) if _stop else None] or PLAN["learners"]
COURSE_LESSONS: dict[str, list[list]] = PLAN["courses"]  # course id -> [[lesson id, URL], ...]
_learner_numbers = itertools.count()

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

# Request names, as they appear in locust's statistics and in learning_load.py's table.
MINIMAL = "minimal view"
LESSON_PAGE = "lesson page"
LESSON_PARTIAL = "lesson page (htmx)"
MARK_COMPLETE = "mark complete (htmx)"
SIGN_IN_FORM = "sign-in form"
SIGN_IN = "sign-in"

_timings: dict[str, list[float]] = defaultdict(list)


@events.request.add_listener
def _record_time(name, response_time, exception, **kwargs):
    if exception is None:
        _timings[name].append(response_time)


@events.quitting.add_listener
def _write_times(environment, **kwargs):
    path = os.environ.get("BENCH_TIMINGS")
    if path:
        Path(path).write_text(json.dumps(_timings))


class Learner(FastHttpUser):
    """A seeded learner, signed in, going through the lessons of the courses they are enrolled in."""

    abstract = True
    wait_time = constant(0)  # closed loop: each user sends its next request as soon as one is answered
    # A connection per request, as nginx opens them to gunicorn in production (deploy/nginx.conf has no
    # upstream keepalive). Kept-alive connections stay with the gunicorn worker that accepted them, and
    # often all of them land on one worker, leaving the other idle.
    default_headers = {"Connection": "close"}

    def on_start(self):
        self.sign_in()

    def sign_in(self) -> None:
        """Signs in as the next learner of this run's slice, the way a browser does: form, then post."""
        learner = LEARNERS[next(_learner_numbers) % len(LEARNERS)]
        self.client.cookiejar.clear()
        token = ""
        with self.client.get("/accounts/sign-in/", name=SIGN_IN_FORM, catch_response=True) as response:
            match = CSRF_FIELD.search(response.text or "")
            if match:
                token = match.group(1)
            else:
                response.failure("no CSRF token in the sign-in form")
        with self.client.post(
            "/accounts/sign-in/",
            data={"username": learner["username"], "password": PLAN["password"], "csrfmiddlewaretoken": token},
            name=SIGN_IN,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"sign-in answered {response.status_code}, not a redirect")
        self.lessons = [
            (lesson_id, url)
            for enrollment in learner["enrollments"]
            for lesson_id, url in COURSE_LESSONS[enrollment["course"]]
        ]
        done = {lesson_id for enrollment in learner["enrollments"] for lesson_id in enrollment["done"]}
        self.lessons_left = [lesson for lesson in self.lessons if lesson[0] not in done]
        random.shuffle(self.lessons_left)

    def csrf_token(self) -> str:
        # Signing in rotates the token, so read the cookie as it is now.
        return next((cookie.value for cookie in self.client.cookiejar if cookie.name == "csrftoken"), "")

    def get_minimal(self) -> None:
        with self.client.get("/bench/minimal/", name=MINIMAL, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")

    def get_lesson_page(self) -> None:
        _, url = random.choice(self.lessons)
        with self.client.get(url, name=LESSON_PAGE, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200 or 'id="lesson-actions"' not in (response.text or ""):
                response.failure(f"status {response.status_code}, or not a lesson the learner may read")

    def get_lesson_partial(self) -> None:
        # What the player's outline and previous/next links request (hx-boost, target #lesson-swap).
        _, url = random.choice(self.lessons)
        headers = {"HX-Request": "true", "HX-Boosted": "true", "HX-Target": "lesson-swap"}
        with self.client.get(
            url, name=LESSON_PARTIAL, headers=headers, allow_redirects=False, catch_response=True
        ) as response:
            text = response.text or ""
            if response.status_code != 200 or text.lstrip().startswith("<!DOCTYPE") or "lesson-swap" not in text:
                response.failure(f"status {response.status_code}, or not the lesson partial")

    def post_mark_complete(self) -> None:
        # Lessons not done yet, so each post records a new completion; a learner with none left hands
        # over to the next learner of the slice.
        if not self.lessons_left:
            self.sign_in()
        lesson_id, url = self.lessons_left.pop() if self.lessons_left else random.choice(self.lessons)
        headers = {
            "X-CSRFToken": self.csrf_token(),
            "HX-Request": "true",
            "HX-Target": "lesson-actions",
            "HX-Current-URL": f"{self.host}{url}",
        }
        with self.client.post(
            f"/learning/lessons/{lesson_id}/complete/",
            name=MARK_COMPLETE,
            headers=headers,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200 or "Lesson completed" not in (response.text or ""):
                response.failure(f"status {response.status_code}, or the lesson was not completed")


class MinimalViewLearner(Learner):
    @task
    def minimal(self):
        self.get_minimal()


class LessonPageLearner(Learner):
    @task
    def lesson_page(self):
        self.get_lesson_page()


class LessonPartialLearner(Learner):
    @task
    def lesson_partial(self):
        self.get_lesson_partial()


class MarkCompleteLearner(Learner):
    @task
    def mark_complete(self):
        self.post_mark_complete()


class MixedLearner(Learner):
    """Everything at once, roughly as learners use the player: they arrive on a lesson page, move
    through lessons with the htmx outline and links, and complete most of the lessons they read."""

    @task(1)
    def lesson_page(self):
        self.get_lesson_page()

    @task(3)
    def lesson_partial(self):
        self.get_lesson_partial()

    @task(2)
    def mark_complete(self):
        self.post_mark_complete()

    @task(1)
    def minimal(self):
        self.get_minimal()
