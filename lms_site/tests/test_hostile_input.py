"""No input, however hostile, gives a 5xx: every URL pattern of the project, walked from Django's resolver.

Each pattern is requested as a visitor, a learner, a trainer and an admin, on the demo site (so real ids
lead into the views' deeper paths): GET with hostile query parameters and headers, POST with a valid CSRF
token and hostile values in every field the page's own forms name, a JSON body nested far too deep, and the
pattern again with hostile values in its path parameters. Every request runs inside a transaction that is
rolled back, so a delete or a sign-out in one request does not take the demo data away from the next.

A new URL pattern is covered without touching this file; a new regex pattern fails `test_every_pattern_is_walked`
until a sample path for it is added to REGEX_SAMPLES.
"""

import copy
import re
import traceback
from dataclasses import dataclass
from itertools import cycle
from urllib.parse import quote, urlencode

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver
from django.urls.resolvers import LocalePrefixPattern, RegexPattern, RoutePattern
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User

CSRF = "hostileinputcsrfsecret0123456789"  # 32 characters: Django accepts the unmasked secret as the token

# Path parameter values that a converter may accept (huge, zero, thousands of digits) or that fall through
# to the catch-all patterns (negative, unicode, traversal, a NUL).
HOSTILE_PATH_VALUES = ["9" * 25, "0", "9" * 5000, "-1", "ünï—𝔘\u202e", "../../etc/passwd", "%00", "a" * 300]

# Field values: numbers no column holds, non-finite numbers, a long string, quotes for search syntaxes,
# control characters, JSON fragments.
HOSTILE_FORM_VALUES = [
    "9" * 5000,
    "NaN",
    "-Infinity",
    "1e999",
    "x" * 50_000,
    '");DROP TABLE x;--',
    'a"b',
    "\x00\x1b",
    "-1",
    "9" * 25,
    "[[[[{",
    "ünï—𝔘\u202e",
    "",
]

# Query and form fields the project's views read, besides the ones a page's forms name.
COMMON_FIELDS = [
    "q", "page", "sort", "course", "category", "level", "price", "score", "percent", "asset", "code",
    "username", "password", "email", "outcome", "reason", "answer", "question", "start", "end", "trainer",
    "next", "format", "visible", "position", "status", "user", "feedback", "p", "ordering", "id",
]  # fmt: skip

DEEP_JSON = b"[" * 5000 + b"]" * 5000

# Paths for the patterns Django's resolver holds as regular expressions (Wagtail's own and its catch-alls).
REGEX_SAMPLES = {
    r"^pages/": ["pages/"],
    r"^documents/": ["documents/"],
    r"^images/": ["images/"],
    r"^(?P<pk>\d+)/revisions/compare/(?P<revision_id_a>live|earliest|\d+)\.\.\.(?P<revision_id_b>live|latest|\d+)/$": [
        "{page}/revisions/compare/earliest...latest/",
        f"{'9' * 25}/revisions/compare/{'9' * 5000}...live/",
    ],
    r"^.*/$": ["no-such-thing/", "../%2e%2e/"],
    r"^(\d+)/(.*)$": ["{document}/file.pdf", f"{'9' * 25}/x"],
    r"^((?:[\w\-]+/)*)$": ["courses/", "courses/ünï-—/", f"{'a' * 300}/"],
}

ACTORS = ("visitor", "learner2", "trainer", "admin")

# Views that fail on purpose. Wagtail's "failwhale" raises an exception so admins can check error reporting.
DELIBERATE_ERRORS = {"admin/failwhale/"}


@dataclass
class Route:
    """One URL pattern, as a list of literal and parameter parts to fill."""

    label: str
    parts: list  # str for literal text, (name, converter) for a parameter
    samples: list[str] | None = None  # for regex patterns: whole sample paths

    def paths(self, real: dict) -> tuple[str, list[str]]:
        """The path with real ids where known, and the same path with each hostile value in every parameter."""
        if self.samples is not None:
            filled = [sample.format(**real) for sample in self.samples]
            return "/" + filled[0], ["/" + sample for sample in filled[1:]]
        params = [part[0] for part in self.parts if isinstance(part, tuple)]
        real_path = self._fill({name: str(real.get(name, real["fallback"])) for name in params})
        hostile = [self._fill(dict.fromkeys(params, quote(value, safe=""))) for value in HOSTILE_PATH_VALUES]
        return real_path, hostile if params else []

    def _fill(self, values: dict) -> str:
        return "/" + "".join(part if isinstance(part, str) else values[part[0]] for part in self.parts)


_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _route_parts(route: str) -> list[str | tuple[str, str]]:
    parts: list[str | tuple[str, str]] = []
    position = 0
    for match in _PARAMETER.finditer(route):
        parts.append(route[position : match.start()])
        parts.append((match["name"], match["converter"] or "str"))
        position = match.end()
    parts.append(route[position:])
    return [part for part in parts if part != ""]


def all_routes() -> list[Route]:
    """Every URL pattern of the project, from the root resolver down through every include()."""
    routes = []

    def walk(resolver, parts, samples, label):
        for entry in resolver.url_patterns:
            pattern = entry.pattern
            entry_label = label + str(pattern)
            if isinstance(pattern, RoutePattern):
                entry_parts, entry_samples = parts + _route_parts(str(pattern)), samples
            elif isinstance(pattern, RegexPattern):
                regex = str(pattern)
                if regex not in REGEX_SAMPLES:
                    routes.append(Route(entry_label, [], samples=["__unknown_regex__" + regex]))
                    continue
                prefix = "".join(part for part in parts if isinstance(part, str))
                entry_samples = [prefix + sample for sample in REGEX_SAMPLES[regex]]
                if samples is not None:  # a regex inside a regex include: combine each outer sample
                    entry_samples = [outer + sample for outer in samples for sample in REGEX_SAMPLES[regex]]
                entry_parts = parts
            elif isinstance(pattern, LocalePrefixPattern):
                # The site's pages in every language: walked once, in English (no prefix); the prefix changes
                # the language, not the view (lms_site/i18n.py).
                entry_parts, entry_samples = parts, samples
            else:  # pragma: no cover - Django has only these three
                raise AssertionError(f"unknown pattern type {pattern!r}")
            if isinstance(entry, URLResolver):
                walk(entry, entry_parts, entry_samples, entry_label)
            else:
                routes.append(Route(entry_label, entry_parts, entry_samples))

    walk(get_resolver(), [], None, "")
    return routes


def test_every_pattern_is_walked():
    routes = all_routes()
    unknown = [route.label for route in routes if route.samples and route.samples[0].startswith("__unknown_regex__")]
    assert not unknown, f"add sample paths to REGEX_SAMPLES for these regex URL patterns: {unknown}"
    # The walk reaches the project's own apps and Wagtail's admin alike.
    labels = " ".join(route.label for route in routes)
    for expected in ("learning/courses/<id:course_id>/enrol/", "billing/stripe/webhook/", "admin/pages/"):
        assert expected in labels
    assert len(routes) > 250


@pytest.fixture
def demo_world(demo_content, settings):
    """The demo site and the ids its URLs take, so requests with real ids reach past the 404s."""
    # Thousands of requests from one address: throttling (tested in accounts) would answer 429 to the
    # accounts forms after a few, and the walk would no longer reach them.
    settings.ACCOUNTS_THROTTLE = dict.fromkeys(settings.ACCOUNTS_THROTTLE, (10**6, 60))
    from assessments.models import AssessmentPage, Attempt
    from billing.models import Order
    from certificates.models import Certificate
    from courses.models import CoursePage, LessonPage
    from learning.models import Enrollment
    from media_pipeline.models import VideoAsset
    from scheduling.models import LiveSession

    learner2 = User.objects.get(username="learner2")
    certificate = Certificate.objects.filter(user=learner2).first()
    course = certificate.course if certificate else CoursePage.objects.first()
    attempt = Attempt.objects.order_by("pk").last()
    order = Order.objects.order_by("pk").first()
    video = VideoAsset.objects.order_by("pk").first()
    real = {
        "course_id": course.pk,
        "lesson_id": LessonPage.objects.descendant_of(course).first().pk,
        "assessment_id": AssessmentPage.objects.order_by("pk").first().pk,
        "attempt_id": attempt.pk if attempt else 1,
        "session_id": LiveSession.objects.order_by("pk").first().pk,
        "user_id": learner2.pk,
        "order_id": order.pk if order else 1,
        "enrollment_id": Enrollment.objects.filter(user=learner2).first().pk,
        "page_id": course.pk,
        "parent_page_id": course.pk,
        "page_to_move_id": course.pk,
        "page": course.pk,
        "serial": certificate.serial if certificate else "x",
        "app_label": "media_pipeline",
        "model_name": "videoasset",
        "app_name": "courses",
        "content_type_app_name": "courses",
        "content_type_model_name": "coursepage",
        "document": 1,
        "pk": video.pk if video else course.pk,
        "fallback": 1,
    }
    users = {username: User.objects.get(username=username) for username in ACTORS if username != "visitor"}
    return real, users


def _client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    client.cookies["csrftoken"] = CSRF
    return client


def _warm_image_renditions(real, users):
    """Renders the pages with pictures once, outside the rolled-back requests, so each request finds the
    image renditions made instead of resizing every picture again."""
    from courses.models import CoursePage

    visitor, learner = Client(), _client(users["learner2"])
    for url in ["/", "/courses/", *(page.url for page in CoursePage.objects.live())]:
        visitor.get(url)
        learner.get(url)
    learner.get("/learning/")


def _field_names(response) -> list[str]:
    if "html" not in response.get("Content-Type", ""):
        return []
    body = response.content.decode("utf-8", "replace")
    return list(dict.fromkeys(re.findall(r'<(?:input|select|textarea)[^>]*\sname="([^"]{1,80})"', body)))[:60]


class Walk:
    """Sends requests, each in a rolled-back transaction with the client's cookies restored, and keeps
    every 5xx (or exception) it sees."""

    def __init__(self):
        self.failures: list[str] = []
        self.count = 0

    def send(self, client: Client, actor: str, method: str, path: str, **kwargs):
        cookies = copy.deepcopy(client.cookies)
        self.count += 1
        try:
            with transaction.atomic():
                response = getattr(client, method)(path, **kwargs)
                transaction.set_rollback(True)
        except Exception as error:  # the test client re-raises a view's exception: that is a 500
            frame = traceback.extract_tb(error.__traceback__)[-1]
            self.failures.append(
                f"{method.upper()} {path[:120]} as {actor}: {type(error).__name__}: {str(error)[:160]}"
                f" at {frame.filename}:{frame.lineno}"
            )
            return None
        finally:
            client.cookies = cookies
        if response.status_code >= 500:
            self.failures.append(f"{method.upper()} {path[:120]} as {actor}: HTTP {response.status_code}")
        return response


def test_no_hostile_input_gives_a_server_error(demo_world):
    real, users = demo_world
    _warm_image_renditions(real, users)
    walk = Walk()
    routes = all_routes()
    form_values = cycle(HOSTILE_FORM_VALUES)
    for actor in ACTORS:
        client = _client(users.get(actor))
        for index, route in enumerate(routes):
            if route.label in DELIBERATE_ERRORS:
                continue
            real_path, hostile_paths = route.paths(real)
            value = next(form_values)
            query = urlencode(dict.fromkeys(COMMON_FIELDS, value))
            headers = {
                "HTTP_RANGE": "bytes=" + "9" * 5000 + "-",
                "HTTP_HX_REQUEST": "true" if index % 2 else "",
                "HTTP_HX_CURRENT_URL": value[:200],
            }
            page = walk.send(client, actor, "get", f"{real_path}?{query}", **headers)
            fields = _field_names(page) if page is not None else []
            form = dict.fromkeys(COMMON_FIELDS + fields, next(form_values))
            form["csrfmiddlewaretoken"] = CSRF
            walk.send(client, actor, "post", real_path, data=form, **headers)
            if not real_path.startswith("/admin/"):
                walk.send(
                    client,
                    actor,
                    "post",
                    real_path,
                    data=DEEP_JSON,
                    content_type="application/json",
                    HTTP_X_CSRFTOKEN=CSRF,
                    HTTP_STRIPE_SIGNATURE="t=1,v1=" + "0" * 64,
                )
            if hostile_paths:
                walk.send(client, actor, "get", hostile_paths[index % len(hostile_paths)])
    assert walk.count > 1000
    assert not walk.failures, f"{len(walk.failures)} of {walk.count} requests failed:\n" + "\n".join(walk.failures)


# Hypothesis explores the site's own parameterised URLs with generated values, beyond the fixed list above.
_SITE_PREFIXES = ("learning/", "assessments/", "billing/", "certificates/", "gamification/", "scheduling/")

hostile_text = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(min_size=0, max_size=40),
    st.sampled_from(HOSTILE_FORM_VALUES),
    st.from_regex(r"[0-9]{19,30}", fullmatch=True),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_generated_values_in_the_sites_own_urls(demo_world, data):
    real, users = demo_world
    routes = [
        route
        for route in all_routes()
        if route.samples is None
        and any(isinstance(part, tuple) for part in route.parts)
        and "".join(p for p in route.parts if isinstance(p, str)).startswith(_SITE_PREFIXES + ("media-library/",))
    ]
    route = data.draw(st.sampled_from(routes))
    actor = data.draw(st.sampled_from(ACTORS))
    values = {
        part[0]: data.draw(st.one_of(st.just(str(real.get(part[0], 1))), hostile_text))
        for part in route.parts
        if isinstance(part, tuple)
    }
    path = route._fill({name: quote(value, safe="") for name, value in values.items()})
    form = {name: data.draw(hostile_text) for name in data.draw(st.lists(st.sampled_from(COMMON_FIELDS), max_size=6))}
    form["csrfmiddlewaretoken"] = CSRF
    walk = Walk()
    client = _client(users.get(actor))
    walk.send(client, actor, "get", path + "?" + urlencode(form))
    walk.send(client, actor, "post", path, data=form)
    assert not walk.failures, "\n".join(walk.failures)


# What the prefixes /de/ and /ar/ reach (lms_site/urls.py): the site's own apps and the page tree.
_NOT_TRANSLATED = ("admin/", "api/", "lti/", "documents/", "media-library/", "healthz", "readyz", "sitemap", "robots")


@pytest.mark.parametrize("language", ["ar", "de"])
def test_every_page_answers_in_every_language(demo_world, language):
    """Each page of the site, with real ids and hostile query values, in German and in Arabic (six plural forms,
    other date and number formats, the demo's translated pages): never a server error."""
    real, users = demo_world
    walk = Walk()
    form_values = cycle(HOSTILE_FORM_VALUES)
    routes = [route for route in all_routes() if not route.label.startswith(_NOT_TRANSLATED)]
    for actor in ACTORS:
        client = _client(users.get(actor))
        for route in routes:
            real_path, _hostile = route.paths(real)
            query = urlencode(dict.fromkeys(COMMON_FIELDS, next(form_values)))
            walk.send(client, actor, "get", f"/{language}{real_path}?{query}")
    assert walk.count > 300
    assert not walk.failures, f"{len(walk.failures)} of {walk.count} requests failed:\n" + "\n".join(walk.failures)
