from decimal import Decimal

import pytest
from django.urls import reverse

from courses.models import CourseIndexPage, CoursePage, LessonPage, ModulePage
from home.models import HomePage, LandingPage

pytestmark = pytest.mark.django_db


def test_page_tree_rules(home_page, catalogue, course):
    module = ModulePage.objects.child_of(course).first()
    # Each content type fits in exactly one place: Home > Catalogue > Course > Module > Lesson.
    assert CourseIndexPage in HomePage.allowed_subpage_models()
    assert not CourseIndexPage.can_create_at(home_page)  # once: there is a catalogue already
    assert CoursePage.can_create_at(catalogue)
    assert ModulePage.can_create_at(course)
    assert LessonPage.can_create_at(module)

    assert not LessonPage.can_create_at(catalogue)
    assert not LessonPage.can_create_at(course)
    assert not ModulePage.can_create_at(catalogue)
    assert not CoursePage.can_create_at(home_page)
    assert not CourseIndexPage.can_create_at(course)
    assert not HomePage.can_create_at(catalogue)
    assert not LandingPage.can_create_at(catalogue)
    assert LessonPage.allowed_subpage_models() == []


def test_admin_refuses_a_lesson_under_the_catalogue(client, admin_user, catalogue):
    client.force_login(admin_user)
    url = reverse("wagtailadmin_pages:add", args=("courses", "lessonpage", catalogue.pk))
    response = client.get(url, follow=True)
    assert "permission" in str(list(response.context["messages"])[0]).lower()
    response = client.post(url, {"title": "Lost lesson", "slug": "lost-lesson", "action-publish": "1"})
    assert not LessonPage.objects.filter(slug="lost-lesson").exists()


def test_a_lesson_cannot_be_moved_under_the_catalogue(course, catalogue):
    lesson = LessonPage.objects.descendant_of(course).first()
    assert not lesson.can_move_to(catalogue)


def test_course_price_and_duration_helpers(catalogue):
    course = CoursePage(title="x", price=Decimal("0.00"), estimated_minutes=90)
    assert course.is_free
    assert course.duration_display == "1 h 30 min"
    course.price = Decimal("10.00")
    course.estimated_minutes = 45
    assert not course.is_free
    assert course.duration_display == "45 min"


def test_negative_price_is_refused(catalogue):
    from django.core.exceptions import ValidationError

    course = CoursePage(title="Bad", slug="bad", summary="s", price=Decimal("-1.00"))
    with pytest.raises(ValidationError) as error:
        course.full_clean(exclude=["path", "depth", "content_type", "locale", "translation_key"])
    assert "price" in error.value.message_dict
