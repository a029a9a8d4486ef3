"""Visitors' pages from the cache (lms_site/page_cache.py): who gets them, what they carry, what empties them."""

import threading
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler

import pytest
from django.core.cache import cache
from django.utils import timezone

from courses.tests.factories import make_course
from home.tests import factories as home_factories
from home.tests.factories import publish_body
from lms_site import page_cache
from lms_site.tests.local_server import LocalServer
from scheduling import services as scheduling_services
from scheduling.tests.factories import make_session

pytestmark = pytest.mark.django_db

STATUS = page_cache.STATUS_HEADER


def visit(client, url, **headers):
    """A visitor's GET: no cookie of a previous answer carried over."""
    client.cookies.clear()
    return client.get(url, headers=headers)


def no_csrf(response) -> bool:
    body = response.content.decode()
    return "csrfmiddlewaretoken" not in body and "X-CSRFToken" not in body and "csrftoken" not in response.cookies


@pytest.fixture
def pages(home_page, catalogue, course):
    """The home page (with the course on a card), the catalogue and the course page."""
    publish_body(home_page, [home_factories.featured_courses([course], heading="Start here")])
    return {"home": home_page.url, "catalogue": catalogue.url, "course": course.url}


@pytest.mark.parametrize("name", ["home", "catalogue", "course"])
def test_a_visitors_second_request_is_answered_from_the_cache_without_a_query(
    client, pages, name, django_assert_num_queries
):
    first = visit(client, pages[name])
    assert first.status_code == 200
    assert first[STATUS] == "stored"

    with django_assert_num_queries(0):
        second = visit(client, pages[name])

    assert second.status_code == 200
    assert second[STATUS] == "hit"
    assert second.content == first.content


@pytest.mark.parametrize("name", ["home", "catalogue", "course"])
def test_a_cached_page_sets_no_cookie_and_carries_no_csrf_token(client, pages, name):
    stored = visit(client, pages[name])
    hit = visit(client, pages[name])

    for response in (stored, hit):
        assert not response.cookies
        assert no_csrf(response)
        assert "Set-Cookie" not in response.headers


def test_visitors_are_told_a_shared_cache_may_keep_the_page_and_people_signed_in_that_none_may(
    client, pages, learner, settings
):
    settings.PAGE_CACHE_SECONDS = 120
    for response in (visit(client, pages["course"]), visit(client, pages["course"])):
        cache_control = response["Cache-Control"]
        assert "public" in cache_control and "s-maxage=120" in cache_control and "max-age=0" in cache_control
        assert "private" not in cache_control
        # A shared cache still keeps a signed-in person's copy apart (their cookie), and fragments from pages.
        assert "Cookie" in response["Vary"]
        # nginx's micro-cache, which no publish purges, keeps it only a few seconds.
        assert response["X-Accel-Expires"] == "5"

    client.force_login(learner)
    personal = client.get(pages["course"])
    assert "private" in personal["Cache-Control"] and "s-maxage" not in personal["Cache-Control"]
    assert personal[STATUS] == "bypass"
    assert "X-Accel-Expires" not in personal


def test_nginx_keeps_a_visitors_page_no_longer_than_django_and_not_at_all_when_told_so(client, pages, settings):
    settings.PAGE_CACHE_SECONDS, settings.PAGE_CACHE_PROXY_SECONDS = 3, 60
    assert visit(client, pages["home"])["X-Accel-Expires"] == "3"
    settings.PAGE_CACHE_PROXY_SECONDS = 0
    assert "X-Accel-Expires" not in visit(client, pages["catalogue"])


def test_the_security_headers_of_a_hit_are_those_of_a_fresh_answer(client, pages):
    stored = visit(client, pages["course"])
    hit = visit(client, pages["course"])

    for name in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"):
        assert hit[name] == stored[name]
    assert hit["X-Request-ID"] != stored["X-Request-ID"]  # each answer has its own request id


@pytest.mark.parametrize("name", ["home", "catalogue", "course"])
def test_a_signed_in_person_never_gets_the_visitors_cached_page(client, pages, name, learner):
    learner.first_name, learner.last_name = "Ada", "Lovelace"
    learner.save()
    visit(client, pages[name])
    assert visit(client, pages[name])[STATUS] == "hit"

    client.force_login(learner)
    response = client.get(pages[name])

    assert response[STATUS] == "bypass"
    body = response.content.decode()
    assert "Ada Lovelace" in body
    assert "X-CSRFToken" in body  # htmx's posts carry the token for people signed in
    # And their page is not kept for the visitors either.
    assert "Ada Lovelace" not in visit(client, pages[name]).content.decode()


def test_the_catalogue_fragment_and_the_full_page_are_cached_apart(client, pages):
    url = pages["catalogue"] + "?level=beginner"
    fragment = visit(client, url, HX_Request="true")
    page = visit(client, url)
    restored = visit(client, url, HX_Request="true", HX_History_Restore_Request="true")

    assert fragment[STATUS] == page[STATUS] == restored[STATUS] == "stored"
    assert "<html" not in fragment.content.decode()
    assert "<html" in page.content.decode() and "<html" in restored.content.decode()
    assert "HX-History-Restore-Request" in page["Vary"]

    again_fragment = visit(client, url, HX_Request="true")
    again_page = visit(client, url)
    assert (again_fragment[STATUS], again_page[STATUS]) == ("hit", "hit")
    assert again_fragment.content == fragment.content
    assert again_page.content == page.content


def test_query_strings_are_cached_apart_and_the_order_of_their_names_does_not_matter(client, pages, catalogue):
    make_course(catalogue, title="Advanced Topics", level="advanced", modules=0)
    beginner = visit(client, pages["catalogue"] + "?level=beginner&q=")
    advanced = visit(client, pages["catalogue"] + "?level=advanced&q=")

    assert advanced[STATUS] == "stored"
    assert "Advanced Topics" in advanced.content.decode()
    assert "Advanced Topics" not in beginner.content.decode()

    reordered = visit(client, pages["catalogue"] + "?q=&level=advanced")
    assert reordered[STATUS] == "hit"
    assert reordered.content == advanced.content


def test_a_repeated_name_keeps_its_values_order_in_the_key(client, pages, catalogue):
    make_course(catalogue, title="Advanced Topics", level="advanced", modules=0)
    last_advanced = visit(client, pages["catalogue"] + "?level=beginner&level=advanced")
    last_beginner = visit(client, pages["catalogue"] + "?level=advanced&level=beginner")

    assert last_beginner[STATUS] == "stored"  # another page, not the cached one
    assert ("Advanced Topics" in last_advanced.content.decode()) != (
        "Advanced Topics" in last_beginner.content.decode()
    )


def test_a_visitor_with_a_messages_cookie_is_not_answered_from_the_cache(client, pages):
    visit(client, pages["course"])
    client.cookies["messages"] = "anything"

    response = client.get(pages["course"])

    assert response[STATUS] == "bypass"
    assert "private" in response["Cache-Control"]


def test_a_head_request_is_answered_from_what_a_get_stored(client, pages):
    visit(client, pages["course"])
    assert client.head(pages["course"])[STATUS] == "hit"


def test_the_cache_is_off_with_no_seconds(client, pages, settings):
    settings.PAGE_CACHE_SECONDS = 0
    visit(client, pages["course"])
    response = visit(client, pages["course"])
    assert STATUS not in response


def test_pages_that_did_not_opt_in_are_left_alone(client, pages):
    response = visit(client, "/accounts/sign-in/")
    assert STATUS not in response
    assert "csrftoken" in response.cookies  # the sign-in form still gets its token


# --- What makes them stale ---------------------------------------------------------------------------------


def cached(client, url) -> str:
    """The visitor's page, requested twice so that it is in the cache."""
    visit(client, url)
    response = visit(client, url)
    assert response[STATUS] == "hit"
    return response.content.decode()


def test_publishing_a_course_shows_its_new_price_everywhere_at_the_next_visit(client, pages, course):
    for url in pages.values():
        assert "€49.00" not in cached(client, url)

    course.price = Decimal("49.00")
    course.save_revision().publish()

    for url in pages.values():
        response = visit(client, url)
        assert response[STATUS] == "stored"
        assert "49.00" in response.content.decode()


def test_unpublishing_a_course_takes_it_off_the_cached_pages(client, pages, course):
    assert course.title in cached(client, pages["catalogue"])
    cached(client, pages["course"])

    course.unpublish()

    assert course.title not in visit(client, pages["catalogue"]).content.decode()
    assert course.title not in visit(client, pages["home"]).content.decode()
    assert visit(client, pages["course"]).status_code == 404


def test_deleting_a_course_takes_it_off_the_cached_pages(client, pages, course):
    assert course.title in cached(client, pages["catalogue"])
    cached(client, pages["course"])

    course.delete()

    assert course.title not in visit(client, pages["catalogue"]).content.decode()
    assert visit(client, pages["course"]).status_code == 404


def test_moving_a_course_shows_the_new_order_in_the_catalogue(client, pages, catalogue, course):
    other = make_course(catalogue, title="Zebra Course", modules=0)
    body = cached(client, pages["catalogue"])
    assert body.index(course.title) < body.index(other.title)

    other.move(course, pos="left")

    body = visit(client, pages["catalogue"]).content.decode()
    assert body.index(other.title) < body.index(course.title)


def test_moving_a_landing_page_answers_at_its_new_address(client, pages, home_page):
    from home.models import LandingPage

    first = home_page.add_child(instance=LandingPage(title="Teams", slug="teams"))
    first.save_revision().publish()
    second = home_page.add_child(instance=LandingPage(title="Schools", slug="schools"))
    second.save_revision().publish()
    assert "Schools" in cached(client, "/schools/")

    second.move(first, pos="last-child")

    old = visit(client, "/schools/")
    assert (old.status_code, old["Location"]) == (301, "/teams/schools/")  # Wagtail's redirect, not the old page
    assert visit(client, "/teams/schools/").status_code == 200


def test_a_page_changed_by_code_without_publishing_shows_at_once_and_a_draft_changes_nothing(
    client, pages, catalogue, course
):
    from wagtail.models import Page

    assert course.title in cached(client, pages["catalogue"])
    draft = make_course(catalogue, title="Not yet announced", modules=0, publish=False)
    draft.title = "Still a draft"
    draft.save_revision()
    course.title = "Edited draft title"
    course.save_revision()
    assert visit(client, pages["catalogue"])[STATUS] == "hit"

    row = Page.objects.get(pk=course.pk)
    row.title = "Retitled by a script"
    row.save()
    assert "Retitled by a script" in visit(client, pages["catalogue"]).content.decode()


def test_a_live_session_scheduled_or_cancelled_shows_on_the_cached_course_page(client, pages, course, trainer):
    line = "Live sessions are available to enrolled learners."
    assert line not in cached(client, pages["course"])

    session = make_session(course, by=trainer, starts_at=timezone.now() + timedelta(days=3))
    assert line in visit(client, pages["course"]).content.decode()
    assert line in cached(client, pages["course"])

    scheduling_services.cancel_session(session=session, by=trainer)
    assert line not in visit(client, pages["course"]).content.decode()


def test_a_renamed_trainer_shows_on_the_cached_course_page(client, pages, trainer):
    assert "Grace Hopper" not in cached(client, pages["course"])

    trainer.first_name, trainer.last_name = "Grace", "Hopper"
    trainer.save()

    assert "Grace Hopper" in visit(client, pages["course"]).content.decode()


def test_a_sign_in_of_the_trainer_leaves_the_cache_alone(client, pages, trainer):
    cached(client, pages["course"])
    trainer.last_login = timezone.now()
    trainer.save(update_fields=["last_login"])
    assert visit(client, pages["course"])[STATUS] == "hit"


def test_a_renamed_category_shows_on_the_cached_catalogue(client, pages, course):
    assert "Renamed Subject" not in cached(client, pages["catalogue"])

    category = course.category
    category.name = "Renamed Subject"
    category.save()

    assert "Renamed Subject" in visit(client, pages["catalogue"]).content.decode()


def test_a_page_rendered_while_a_change_was_written_is_not_served_after_it(client, pages):
    # Another process stored this page under the generation that a change has since replaced.
    visit(client, pages["course"])
    page_cache.invalidate()
    assert visit(client, pages["course"])[STATUS] == "stored"


def test_a_lost_generation_key_never_revives_old_entries(client, pages, settings):
    cached(client, pages["course"])
    cache.delete(f"{settings.PAGE_CACHE_KEY_PREFIX}:generation")  # evicted, or Redis restarted empty

    assert visit(client, pages["course"])[STATUS] == "stored"


# --- Shared caches in front of the site -----------------------------------------------------------------------


class PurgeRecorder(BaseHTTPRequestHandler):
    received: list[tuple[str, str, str]]
    lock = threading.Lock()

    def do_PURGE(self):
        with self.lock:
            self.received.append((self.command, self.path, self.headers.get("Host", "")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args):
        pass


@pytest.fixture
def purge_server():
    handler = type("Recorder", (PurgeRecorder,), {"received": []})
    server = LocalServer(handler, name="purge-recorder")
    yield server, handler.received
    server.stop()


def test_publishing_a_page_purges_it_from_the_configured_frontend_cache(pages, course, settings, purge_server):
    server, received = purge_server
    settings.WAGTAILFRONTENDCACHE = {
        "default": {"BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend", "LOCATION": server.url}
    }

    course.summary = "Now with more testing."
    course.save_revision().publish()

    assert ("PURGE", course.url, "localhost") in received


def test_without_a_purge_url_nothing_is_purged(pages, course, settings, purge_server):
    server, received = purge_server
    settings.WAGTAILFRONTENDCACHE = {}

    course.save_revision().publish()

    assert received == []
