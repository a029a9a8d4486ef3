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

bench/load.py (make bench-load) runs SiteLearner, SiteTrainer and SiteAdmin at once against the production
stack: people who use the whole site, with think time between their clicks. They are described below.
"""

import itertools
import json
import os
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

import gevent
from locust import FastHttpUser, between, constant, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import pages  # noqa: E402

PLAN = json.loads(Path(os.environ["BENCH_PLAN"]).read_text())
_start, _, _stop = os.environ.get("BENCH_LEARNERS", ":").partition(":")
# bench/load.py's plan has none of these (its own are under "site"): the classes below read that instead.
LEARNERS = PLAN.get("learners", [])[int(_start or 0) : int(_stop) if _stop else None] or PLAN.get("learners", [])
COURSE_LESSONS: dict[str, list[list]] = PLAN.get("courses", {})  # course id -> [[lesson id, URL], ...]
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


# The whole site at once: bench/load.py (make bench-load) -----------------------------------------------------
#
# Learners, trainers and admins use the site side by side, each with think time between clicks. The plan's
# "site" part (bench/load.py writes it after seeding) names the accounts, the courses with their lessons and
# quiz, and which courses each learner and trainer has. Everything else they read off the pages, as a
# browser does: the forms to post and their fields (bench/pages.py), so state left by earlier runs (lessons
# done, essays graded) only changes which forms they find. Requests are never redirected automatically:
# a browser's follow-up GET is a request of its own, named after the page it fetches.

SITE = PLAN.get("site", {})
SITE_COURSES: dict[str, dict] = SITE.get("courses", {})
FREE_COURSES = [course_id for course_id, course in SITE_COURSES.items() if course["free"]]
_site_numbers = {role: itertools.count() for role in ("learner", "trainer", "admin")}
# Think time: what a person spends reading a page or filling in a form before the next click, in seconds,
# uniform between BENCH_THINK's two numbers ("5-15" unless bench/load.py's --think says otherwise). Reading a
# lesson or answering a question takes people longer than the upper end; "1-5" is a stress test.
_think_low, _, _think_high = os.environ.get("BENCH_THINK", "5-15").partition("-")
THINK_TIME = between(float(_think_low), float(_think_high or _think_low))
# Learners' visits that end with signing out, so that the next one signs in again. Sign-in is the most
# expensive request there is (PBKDF2 with Django's 1,000,000 iterations, about 0.35 s of CPU here), and most
# people's session cookie lasts from one visit to the next.
SIGN_OUT_SHARE = 0.1

_records: list[list] = []
_steady_started: list[float] = []
_steady_ended: list[float] = []


@events.request.add_listener
def _record_request(name, response_time, response_length, response, exception, start_time, context, **kwargs):
    """Every request of the Site* users, for bench/load.py's tables: locust's own statistics cannot be limited
    to the steady state after the ramp-up, and round their percentiles."""
    if "role" not in (context or {}):
        return
    request_id = response.headers.get("X-Request-ID", "") if response is not None and response.headers else ""
    failure = None if exception is None else str(exception)[:200]
    _records.append([name, context["role"], start_time, response_time, response_length or 0, failure, request_id])


_environment: list = []


@events.init.add_listener
def _keep_environment(environment, **kwargs):
    _environment.append(environment)


@events.spawning_complete.add_listener
def _steady_state(user_count, **kwargs):
    """Every user has started. Their first visits go on for a while (a learner browses before signing in):
    after BENCH_SETTLE_SECONDS the steady state starts; BENCH_STEADY_SECONDS later the run stops."""
    seconds = os.environ.get("BENCH_STEADY_SECONDS")
    if seconds and not _steady_started and _environment:
        settle = float(os.environ.get("BENCH_SETTLE_SECONDS", "0"))
        gevent.spawn_later(settle, _start_steady_state, float(seconds))


def _start_steady_state(seconds: float):
    _steady_started.append(time.time())
    gevent.spawn_later(seconds, _end_steady_state)


def _end_steady_state():
    _steady_ended.append(time.time())
    _environment[0].runner.quit()


@events.quitting.add_listener
def _write_records(environment, **kwargs):
    path = os.environ.get("BENCH_RECORDS")
    if path:
        window = {
            "steady_started": _steady_started[0] if _steady_started else None,
            "steady_ended": _steady_ended[0] if _steady_ended else None,
        }
        Path(path).write_text(json.dumps({**window, "requests": _records}))


class SitePerson(FastHttpUser):
    abstract = True
    role = ""
    wait_time = THINK_TIME
    insecure = True  # the stack's certificate is self-signed: no verification
    # Browsers keep their connection to nginx open between clicks; nginx opens one to gunicorn per request.
    network_timeout = 30.0
    connection_timeout = 30.0

    def on_start(self):
        self.rng = random.Random()
        self.signed_in = False
        self.current_url = "/"

    def context(self) -> dict:
        return {"role": self.role}

    # What a browser does ------------------------------------------------------------------------------------

    def get(self, url: str, name: str, *, htmx: dict | None = None, must_contain: str = "") -> str | None:
        """A page (or with `htmx`, the fragment an htmx request gets); None, counted as a failure, unless 200."""
        headers = {"HX-Request": "true", "HX-Current-URL": f"{self.host}{self.current_url}", **htmx} if htmx else {}
        with self.client.get(url, name=name, headers=headers, allow_redirects=False, catch_response=True) as answer:
            text = answer.text or ""
            if answer.status_code != 200:
                answer.failure(f"{answer.status_code} for {url}")
                return None
            if must_contain and must_contain not in text:
                answer.failure(f"{url}: no {must_contain!r} in the answer")
                return None
            if htmx and text.lstrip().startswith("<!DOCTYPE"):
                answer.failure(f"{url}: a whole page for an htmx request")
                return None
        if not htmx:
            self.current_url = url
        return text

    def post(self, url: str, name: str, data, *, htmx: dict | None = None, expect: int = 200, must_contain: str = ""):
        """A form post with the CSRF token as the site sends it (a form field, or htmx's X-CSRFToken header, plus
        the Origin and Referer a browser adds over HTTPS). Returns the answer's headers, or None on a failure."""
        headers = {
            "X-CSRFToken": self.csrf_cookie(),
            "Origin": self.host,
            "Referer": f"{self.host}{self.current_url}",
        }
        if htmx:
            headers.update({"HX-Request": "true", "HX-Current-URL": f"{self.host}{self.current_url}", **htmx})
        with self.client.post(
            url, name=name, data=data, headers=headers, allow_redirects=False, catch_response=True
        ) as answer:
            text = answer.text or ""
            if answer.status_code != expect:
                answer.failure(f"{answer.status_code} (not {expect}) for {url}: {text[:120]!r}")
                return None
            if must_contain and must_contain not in text:
                answer.failure(f"{url}: no {must_contain!r} in the answer")
                return None
            return answer.headers

    def csrf_cookie(self) -> str:
        return next((cookie.value for cookie in self.client.cookiejar if cookie.name == "csrftoken"), "")

    def think(self) -> None:
        self.wait()

    def sign_in(self, username: str, *, next_url: str = "") -> str | None:
        """The sign-in form, then its post; returns where the site sends the person next."""
        query = f"?next={next_url}" if next_url else ""
        form = self.get(f"/accounts/sign-in/{query}", SIGN_IN_FORM)
        token = pages.csrf_token(form or "")
        if not token:
            return None
        self.think()
        data = {"csrfmiddlewaretoken": token, "username": username, "password": SITE["password"]}
        if next_url:
            data["next"] = next_url
        headers = self.post(f"/accounts/sign-in/{query}", SIGN_IN, data, expect=302)
        if headers is None:
            return None
        self.signed_in = True
        return headers.get("Location") or "/"

    def next_account(self, accounts: list):
        return accounts[next(_site_numbers[self.role]) % len(accounts)]


class SiteLearner(SitePerson):
    """A learner's visits. The first starts as a visitor: home, the catalogue (now and then a search, as the
    filter form sends it with htmx), a free course's page, then signing in. Later visits start on the
    dashboard, still signed in, except after the visits that end with signing out (SIGN_OUT_SHARE). In a visit they
    enrol in a free course now and then (the course page's htmx post, then the lesson it sends them to), read
    2 to 4 lessons of one of their courses (the first as a whole page, the next ones as the player's htmx
    navigation fetches them), mark each one complete that is not done yet, take the course's quiz in 2 visits
    of 5 (start, answer each question with htmx, submit, read the result) and end on the dashboard."""

    role = "learner"

    def on_start(self):
        super().on_start()
        account = self.next_account(SITE["learners"])
        self.username = account["username"]
        self.courses = [str(course_id) for course_id in account["courses"] if str(course_id) in SITE_COURSES]
        self.to_enrol = [course_id for course_id in FREE_COURSES if course_id not in self.courses]
        self.rng.shuffle(self.to_enrol)

    @task
    def visit(self):
        if not self.signed_in:
            self.browse_and_sign_in()
        else:
            self.get("/learning/", LEARNER_DASHBOARD)
        self.think()
        if self.to_enrol and (not self.courses or self.rng.random() < 0.3):
            self.enrol(self.to_enrol.pop())
        if self.courses:
            course = self.rng.choice(self.courses)
            self.read_lessons(course, count=self.rng.randint(2, 4))
            quiz = SITE_COURSES[course]["quiz"]
            if quiz and self.rng.random() < 0.4:
                self.take_quiz(quiz)
        self.get("/learning/", LEARNER_DASHBOARD)
        if self.rng.random() < SIGN_OUT_SHARE:
            self.think()
            if self.post("/accounts/sign-out/", SIGN_OUT, {"csrfmiddlewaretoken": self.csrf_cookie()}, expect=302):
                self.signed_in = False
                self.client.cookiejar.clear()
                self.get("/", HOME)

    def browse_and_sign_in(self):
        self.get("/", HOME)
        self.think()
        self.get("/courses/", CATALOGUE)
        if self.rng.random() < 0.3:
            self.think()
            query = self.rng.choice(["python", "design", "leadership", "sql"])
            self.get(f"/courses/?q={query}", CATALOGUE_SEARCH, htmx={"HX-Target": "catalogue-results"})
        self.think()
        if self.to_enrol:
            self.get(SITE_COURSES[self.to_enrol[-1]]["url"], COURSE_PAGE)
            self.think()
        landing = self.sign_in(self.username)
        if landing:
            self.get(landing, LEARNER_DASHBOARD if landing.startswith("/learning/") else LANDING)

    def enrol(self, course_id: str):
        course = SITE_COURSES[course_id]
        page = self.get(course["url"], COURSE_PAGE)
        action = pages.enrol_action(page or "")
        if action is None:  # enrolled in an earlier run, or the page failed (counted already)
            if page is not None:
                self.courses.append(course_id)
            return
        self.think()
        headers = self.post(action, ENROL, {}, htmx={"HX-Target": "course-call-to-action"})
        if headers is None:
            return
        self.courses.append(course_id)
        destination = headers.get("HX-Redirect")
        if destination:  # htmx follows it with a whole page load
            self.get(destination, LESSON_PAGE, must_contain='id="lesson-actions"')
            self.think()

    def read_lessons(self, course_id: str, *, count: int):
        lessons = SITE_COURSES[course_id]["lessons"]
        if not lessons:
            return
        start = self.rng.randrange(len(lessons))
        for number, (_, url) in enumerate(lessons[start : start + count]):
            if number == 0:
                page = self.get(url, LESSON_PAGE, must_contain='id="lesson-actions"')
            else:
                navigation = {"HX-Boosted": "true", "HX-Target": "lesson-swap"}
                page = self.get(url, LESSON_PARTIAL, htmx=navigation, must_contain="lesson-swap")
                self.current_url = url  # hx-push-url: the address bar follows
            self.think()
            action = pages.complete_action(page or "")
            if action:
                self.post(
                    action, MARK_COMPLETE, {}, htmx={"HX-Target": "lesson-actions"}, must_contain="Lesson completed"
                )
                self.think()

    def take_quiz(self, quiz: list):
        _, url = quiz
        page = self.get(url, QUIZ_PAGE)
        if page is None:
            return
        if not pages.quiz_questions(page):
            start = pages.quiz_start_action(page)
            if start is None:
                return
            self.think()
            headers = self.post(start, QUIZ_START, {"csrfmiddlewaretoken": pages.csrf_token(page) or ""}, expect=302)
            if headers is None:
                return
            page = self.get(headers.get("Location") or url, QUIZ_PAGE)
            if page is None:
                return
        questions = pages.quiz_questions(page)
        if not questions:
            return
        for question in questions:
            self.think()
            target = {"HX-Target": f"save-status-{question.question_id}"}
            self.post(question.action, QUIZ_ANSWER, question.answer(self.rng), htmx=target, must_contain="Saved")
        submit = pages.quiz_submit_action(page)
        if submit is None:
            return
        self.think()
        headers = self.post(submit, QUIZ_SUBMIT, {"csrfmiddlewaretoken": pages.csrf_token(page) or ""}, expect=302)
        if headers is not None:
            self.get(headers.get("Location") or url, QUIZ_PAGE)
            self.think()


class SiteTrainer(SitePerson):
    """A trainer going round one of their courses per visit: the teaching overview, the course's gradebook, its
    roster (learners), the grading queue, and a grade for the essay the queue opens with (htmx, as the
    grading panel posts it) when one waits."""

    role = "trainer"
    fixed_count = int(os.environ.get("BENCH_TRAINER_USERS", "20"))

    def on_start(self):
        super().on_start()
        account = self.next_account(SITE["trainers"])
        self.courses = [str(course_id) for course_id in account["courses"]]
        landing = self.sign_in(account["username"])
        if landing:
            self.get(landing, TEACHING if landing.startswith("/learning/teaching/") else LANDING)

    @task
    def visit(self):
        course = self.rng.choice(self.courses)
        self.get("/learning/teaching/", TEACHING)
        self.think()
        self.get(f"/assessments/courses/{course}/gradebook/", GRADEBOOK)
        self.think()
        self.get(f"/learning/courses/{course}/learners/", ROSTER)
        self.think()
        queue = self.get(f"/assessments/courses/{course}/grading/", GRADING_QUEUE)
        form = pages.grade_form(queue or "")
        if form is not None:
            self.think()
            score = str(self.rng.randint(0, int(float(form.max_score))))
            data = {"question_id": form.question_id, "score": score, "comment": "Thank you: clear and to the point."}
            self.post(form.action, GRADE_ESSAY, data, htmx={"HX-Target": "grading-panel"}, must_contain="Graded")


class SiteAdmin(SitePerson):
    """An admin who opens the Wagtail admin (sent to sign in first) and then, in every visit, the analytics
    dashboard, narrowing it to one course as its filter form does (an htmx request for the report region)."""

    role = "admin"
    fixed_count = int(os.environ.get("BENCH_ADMIN_USERS", "2"))

    def on_start(self):
        super().on_start()
        account = self.next_account(SITE["admins"])
        with self.client.get("/admin/", name=ADMIN_HOME, allow_redirects=False, catch_response=True) as answer:
            if answer.status_code != 302:
                answer.failure(f"/admin/ answered {answer.status_code} to a visitor, not a redirect to sign in")
        landing = self.sign_in(account, next_url="/admin/")
        if landing:
            self.get(landing, ADMIN_HOME)

    @task
    def visit(self):
        self.get("/admin/analytics/", ANALYTICS)
        self.think()
        course = self.rng.choice(list(SITE_COURSES))
        self.get(f"/admin/analytics/?course={course}", ANALYTICS_COURSE, htmx={"HX-Target": "report"})
        if self.rng.random() < 0.3:
            self.think()
            self.get("/admin/", ADMIN_HOME)


# Request names of the Site* users (the lesson player's are the ones above).
HOME = "home"
CATALOGUE = "catalogue"
CATALOGUE_SEARCH = "catalogue search (htmx)"
COURSE_PAGE = "course page"
LANDING = "page after sign-in"
SIGN_OUT = "sign-out"
LEARNER_DASHBOARD = "learner dashboard"
ENROL = "enrol (htmx)"
QUIZ_PAGE = "quiz page"
QUIZ_START = "quiz start"
QUIZ_ANSWER = "quiz answer (htmx)"
QUIZ_SUBMIT = "quiz submit"
TEACHING = "trainer: teaching"
GRADEBOOK = "trainer: gradebook"
ROSTER = "trainer: roster"
GRADING_QUEUE = "trainer: grading queue"
GRADE_ESSAY = "trainer: grade essay (htmx)"
ADMIN_HOME = "admin: wagtail home"
ANALYTICS = "admin: analytics dashboard"
ANALYTICS_COURSE = "admin: analytics, one course (htmx)"
