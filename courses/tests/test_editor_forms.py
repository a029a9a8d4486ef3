"""What editors meet in the page editor: one catalogue per site, trainers by name, prerequisites as checkboxes,
and a lesson's opening dates told apart from Wagtail's publishing schedule."""

import pytest
from django.urls import reverse

from courses.models import CourseIndexPage, LessonPage
from courses.tests.test_admin_permissions import edit_url

pytestmark = pytest.mark.django_db


# One catalogue


def test_a_second_catalogue_is_not_offered_under_the_home_page(client, admin_user, home_page, catalogue):
    client.force_login(admin_user)
    add_catalogue = reverse("wagtailadmin_pages:add", args=("courses", "courseindexpage", home_page.pk))

    # Landing pages are the only type left, so Wagtail goes straight to their form.
    response = client.get(reverse("wagtailadmin_pages:add_subpage", args=(home_page.pk,)))
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_pages:add", args=("home", "landingpage", home_page.pk))
    assert not CourseIndexPage.can_create_at(home_page)
    response = client.post(add_catalogue, {"title": "More courses", "slug": "more-courses"})
    assert response.status_code in (302, 403) and CourseIndexPage.objects.count() == 1


def test_the_first_catalogue_is_offered(client, admin_user, home_page):
    client.force_login(admin_user)
    html = client.get(reverse("wagtailadmin_pages:add_subpage", args=(home_page.pk,))).content.decode()
    assert reverse("wagtailadmin_pages:add", args=("courses", "courseindexpage", home_page.pk)) in html


# A lesson's opening dates


def test_the_lesson_editor_tells_opening_dates_from_the_publishing_schedule(client, admin_user, lessons):
    client.force_login(admin_user)
    html = client.get(edit_url(lessons[0])).content.decode()

    assert "This is not “Set schedule” (go-live date) in the Status panel" in html
    for name in ("drip_days", "available_from"):
        help_text = str(LessonPage._meta.get_field(name).help_text)
        assert help_text and help_text in html
