"""What editors meet in the page editor: one catalogue per site, trainers by name, prerequisites as checkboxes,
and a lesson's opening dates told apart from Wagtail's publishing schedule."""

import re

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from courses.models import CourseIndexPage, CoursePage, LessonPage
from courses.tests.factories import make_course
from courses.tests.test_admin_permissions import course_form_data, edit_url

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


# The trainer drop-down


def option_labels(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, flags=re.S)
    assert select, name
    return [label.strip() for label in re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1))]


def test_trainers_are_listed_by_full_name_with_the_username_only_where_needed(client, admin_user, catalogue):
    UserFactory(role="trainer", username="ada", first_name="Ada", last_name="Lovelace")
    UserFactory(role="trainer", username="ada2", first_name="ada", last_name="lovelace")
    UserFactory(role="trainer", username="grace", first_name="Grace", last_name="Hopper")
    UserFactory(role="trainer", username="nameless", first_name="", last_name="")
    UserFactory(role="learner", username="bob", first_name="Bob", last_name="Learner")
    course = make_course(catalogue, title="Labels", modules=0)
    client.force_login(admin_user)

    labels = option_labels(client.get(edit_url(course)).content.decode(), "trainer")

    assert labels == ["---------", "Ada Lovelace (ada)", "ada lovelace (ada2)", "Grace Hopper", "nameless"]


def test_a_trainer_sees_their_own_name(client, trainer, catalogue):
    trainer.first_name, trainer.last_name = "Margaret", "Hamilton"
    trainer.save()
    client.force_login(trainer)
    add_course = reverse("wagtailadmin_pages:add", args=("courses", "coursepage", catalogue.pk))
    assert option_labels(client.get(add_course).content.decode(), "trainer") == ["Margaret Hamilton"]


# Prerequisites


def test_prerequisites_are_checkboxes_without_the_course_itself_and_are_saved(client, admin_user, catalogue):
    first = make_course(catalogue, title="Basics", modules=0)
    second = make_course(catalogue, title="Data", modules=0)
    last = make_course(catalogue, title="Zebra course", modules=0)  # the one a list box used to cut off
    course = make_course(catalogue, title="Advanced", modules=0)
    client.force_login(admin_user)

    html = client.get(edit_url(course)).content.decode()
    offered = re.findall(r'<input type="checkbox" name="prerequisites" value="(\d+)"', html)
    assert offered == [str(first.pk), str(second.pk), str(last.pk)]  # by title, itself left out
    assert '<select name="prerequisites"' not in html

    data = course_form_data(title="Advanced", slug=course.slug)
    data["prerequisites"] = [first.pk, last.pk]  # a multiple value, which nested_form_data would number
    response = client.post(edit_url(course), data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    assert set(CoursePage.objects.get(pk=course.pk).prerequisites.all()) == {first, last}

    response = client.post(edit_url(course), {**course_form_data(slug=course.slug), "prerequisites": [course.pk]})
    assert response.status_code == 200 and "prerequisites" in response.context["form"].errors


# A lesson's opening dates


def test_the_lesson_editor_tells_opening_dates_from_the_publishing_schedule(client, admin_user, lessons):
    client.force_login(admin_user)
    html = client.get(edit_url(lessons[0])).content.decode()

    assert "This is not “Set schedule” (go-live date) in the Status panel" in html
    for name in ("drip_days", "available_from"):
        help_text = str(LessonPage._meta.get_field(name).help_text)
        assert help_text and help_text in html
