"""The site header's menu: the live pages under the site root shown in menus, kept in the cache until a page
or a site changes (home.selectors.site_menu)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import Page, Site

from home.models import LandingPage

pytestmark = pytest.mark.django_db

NAV = re.compile(r'<nav aria-label="Main">(.*?)</nav>', re.S)
LINK = re.compile(r'<a [^>]*href="([^"]*)"[^>]*>([^<]*)</a>')


def menu(client, url=None, **kwargs) -> list[tuple[str, str]]:
    """(title, href) of each menu entry on a page with the site header (the sign-in page: no page of the tree)."""
    response = client.get(url or reverse("accounts:sign_in"), **kwargs)
    assert response.status_code == 200
    [nav] = NAV.findall(response.content.decode())
    return [(title, href) for href, title in LINK.findall(nav)]


def landing(parent, title, slug, *, in_menu=True):
    page = parent.add_child(instance=LandingPage(title=title, slug=slug, show_in_menus=in_menu, live=False))
    page.save_revision().publish()
    return page


@pytest.fixture
def courses_in_menu(catalogue):
    catalogue.show_in_menus = True
    catalogue.save_revision().publish()
    return catalogue


def test_a_warm_header_reads_neither_the_site_nor_a_page(client, courses_in_menu):
    assert menu(client) == [("Courses", "/courses/")]
    with CaptureQueriesContext(connection) as captured:
        assert menu(client) == [("Courses", "/courses/")]
    assert [q["sql"] for q in captured.captured_queries if "wagtailcore_" in q["sql"]] == []


def test_pages_published_unpublished_renamed_or_taken_out_of_the_menu_show_at_the_next_request(
    client, home_page, courses_in_menu
):
    assert menu(client) == [("Courses", "/courses/")]

    teams = landing(home_page, "For teams", "teams")
    landing(home_page, "Not in the menu", "hidden", in_menu=False)
    assert menu(client) == [("Courses", "/courses/"), ("For teams", "/teams/")]

    teams.title = "Learnwell for teams"
    teams.save_revision().publish()
    assert menu(client) == [("Courses", "/courses/"), ("Learnwell for teams", "/teams/")]

    # A draft changes nothing a visitor sees.
    teams.title = "Draft title"
    teams.save_revision()
    assert menu(client) == [("Courses", "/courses/"), ("Learnwell for teams", "/teams/")]

    teams.refresh_from_db()
    teams.unpublish()
    assert menu(client) == [("Courses", "/courses/")]

    # Saved by code, without a revision or a publish signal.
    courses = Page.objects.get(pk=courses_in_menu.pk)
    courses.show_in_menus = False
    courses.save()
    assert menu(client) == []


def test_moved_and_deleted_pages_leave_the_menu(client, home_page, courses_in_menu):
    offer = landing(home_page, "Spring offer", "spring")
    teams = landing(home_page, "For teams", "teams")
    assert [title for title, _ in menu(client)] == ["Courses", "Spring offer", "For teams"]

    offer.move(teams, pos="last-child")
    assert [title for title, _ in menu(client)] == ["Courses", "For teams"]

    Page.objects.get(pk=teams.pk).delete()
    assert [title for title, _ in menu(client)] == ["Courses"]


def test_each_site_has_its_own_menu_and_a_changed_site_shows_at_once(client, settings, home_page, courses_in_menu):
    settings.ALLOWED_HOSTS = ["testserver", "teams.example.com"]
    teams = landing(home_page, "For teams", "teams")
    offer = landing(teams, "Team offer", "offer")
    assert menu(client) == [("Courses", "/courses/"), ("For teams", "/teams/")]

    site = Site.objects.create(hostname="teams.example.com", port=80, root_page=teams, site_name="Teams")
    assert menu(client, HTTP_HOST="teams.example.com") == [("Team offer", "/offer/")]
    assert menu(client) == [("Courses", "/courses/"), ("For teams", "/teams/")]

    site.root_page = offer
    site.save()
    assert menu(client, HTTP_HOST="teams.example.com") == []


def test_the_requests_site_is_found_once_then_read_from_the_cache_until_a_site_changes(
    rf, home_page, django_assert_num_queries
):
    """home.selectors.site_for_request: what Wagtail finds, left where {% pageurl %} looks, with no query warm."""
    from home.selectors import site_for_request

    site = Site.objects.get(is_default_site=True)
    first = rf.get("/", HTTP_HOST=site.hostname)
    assert site_for_request(first) == site  # cold: found and kept
    assert home_page.get_url(first) == "/"  # Wagtail caches the sites' root paths on its own
    with django_assert_num_queries(0):
        request = rf.get("/", HTTP_HOST=site.hostname)
        assert site_for_request(request) == site and request._wagtail_site == site
        assert home_page.get_url(request) == "/"

    site.site_name = "Renamed"
    site.save()  # a changed site is found again
    assert site_for_request(rf.get("/", HTTP_HOST=site.hostname)).site_name == "Renamed"
