from decimal import Decimal

import pytest
from django.http import QueryDict

from courses.models import Level
from courses.selectors import catalogue_courses, catalogue_page, course_outline
from courses.tests.factories import make_category, make_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed_catalogue(catalogue, trainer):
    programming, business = make_category("Programming"), make_category("Business")
    courses = {
        "python": make_course(catalogue, title="Python basics", category=programming, level=Level.BEGINNER),
        "django": make_course(
            catalogue, title="Django in depth", category=programming, level=Level.ADVANCED, price=Decimal("99")
        ),
        "lead": make_course(
            catalogue,
            title="Leading teams",
            category=business,
            level=Level.BEGINNER,
            price=Decimal("49.50"),
            summary="Run meetings people want to attend.",
        ),
        "draft": make_course(catalogue, title="Python drafts", category=programming, publish=False),
    }
    return catalogue, courses


def titles(courses):
    return sorted(course.title for course in courses)


def test_lists_only_live_courses(mixed_catalogue):
    catalogue, _ = mixed_catalogue
    assert titles(catalogue_courses(catalogue=catalogue)) == ["Django in depth", "Leading teams", "Python basics"]


def test_filters_by_category_level_and_price(mixed_catalogue):
    catalogue, _ = mixed_catalogue
    assert titles(catalogue_courses(catalogue=catalogue, category="business")) == ["Leading teams"]
    assert titles(catalogue_courses(catalogue=catalogue, level="beginner")) == ["Leading teams", "Python basics"]
    assert titles(catalogue_courses(catalogue=catalogue, price="free")) == ["Python basics"]
    assert titles(catalogue_courses(catalogue=catalogue, price="paid")) == ["Django in depth", "Leading teams"]
    assert titles(catalogue_courses(catalogue=catalogue, category="programming", price="paid")) == ["Django in depth"]


# MySQL/MariaDB update FULLTEXT indexes only on commit, so search tests commit their data.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_search_matches_title_and_summary_and_respects_filters(mixed_catalogue):
    catalogue, _ = mixed_catalogue
    assert titles(catalogue_courses(catalogue=catalogue, q="python")) == ["Python basics"]  # the draft is excluded
    assert titles(catalogue_courses(catalogue=catalogue, q="meetings")) == ["Leading teams"]
    assert titles(catalogue_courses(catalogue=catalogue, q="python", price="paid")) == []


def test_invalid_filter_values_are_ignored_with_an_error(mixed_catalogue):
    catalogue, _ = mixed_catalogue
    context = catalogue_page(catalogue=catalogue, params=QueryDict("level=wizard&price=free"))
    assert "level" in context["filter_form"].errors
    assert titles(context["courses"]) == ["Python basics"]


def test_pagination_keeps_filters(catalogue, settings):
    settings.LMS_CATALOGUE_PAGE_SIZE = 2
    for n in range(5):
        make_course(catalogue, title=f"Course {n}", modules=0)
    first = catalogue_page(catalogue=catalogue, params=QueryDict("price=free"))
    assert first["page_obj"].paginator.num_pages == 3
    assert first["filter_querystring"] == "price=free"
    last = catalogue_page(catalogue=catalogue, params=QueryDict("price=free&page=3"))
    assert titles(last["courses"]) == ["Course 4"]
    beyond = catalogue_page(catalogue=catalogue, params=QueryDict("page=99"))
    assert beyond["page_obj"].number == 3  # an out-of-range page shows the last one


def test_outline_lists_live_modules_and_lessons_in_tree_order(course):
    outline = course_outline(course=course)
    assert [item.module.title for item in outline] == ["Intro to Testing module 1", "Intro to Testing module 2"]
    assert [lesson.title for lesson in outline[0].lessons] == [
        "Intro to Testing lesson 1.1",
        "Intro to Testing lesson 1.2",
    ]
    hidden = outline[1].lessons[0]
    hidden.unpublish()
    outline = course_outline(course=course)
    assert [lesson.title for lesson in outline[1].lessons] == ["Intro to Testing lesson 2.2"]
