"""The course page's outline lists the assessments the player's outline shows, in their place, marked as such.

courses renders it through learning's template tag, which asks the steps registered in learning.requirements:
courses imports neither learning nor assessments.
"""

import re

import pytest

from accounts.tests.factories import UserFactory
from assessments.tests.factories import make_assessment
from courses.models import ModulePage
from courses.tests.factories import make_course
from learning import services as learning_services
from lms_site.tests.clients import as_

pytestmark = pytest.mark.django_db


def outline_section(html: str) -> str:
    return html[html.index('id="outline-heading"') :]


def test_assessments_appear_in_their_place_and_marked(client, course, lessons):
    module_1, module_2 = ModulePage.objects.child_of(course).order_by("path")
    make_assessment(module_1, title="Module quiz", slug="module-quiz", is_required=False)
    make_assessment(course, title="Final assessment", slug="final-assessment", is_required=True)
    html = outline_section(client.get(course.url).content.decode())
    # Module 1's quiz after its lessons and before module 2; the course's own assessment after every module.
    assert (
        html.index("lesson 1.2")
        < html.index("Module quiz")
        < html.index("module 2")
        < html.index("lesson 2.2")
        < html.index("Final steps")
        < html.index("Final assessment")
    )
    assert re.search(r"Module quiz</span>\s*</a>\s*<span class=\"badge[^\"]*\">Quiz</span>", html)
    assert re.search(r"Final assessment</span>\s*</a>\s*<span class=\"badge[^\"]*\">Assessment</span>", html)
    assert 'href="/courses/intro-to-testing/final-assessment/"' in html
    # Modules keep their numbers and anchors; the course-level group takes no number.
    assert f'id="module-{module_2.pk}"' in html and "Module 2: Intro to Testing module 2" in html
    assert 'id="course-steps"' in html and "Module 3" not in html


def test_the_outline_leaves_out_unpublished_assessments(client, course, lessons):
    draft = make_assessment(course, title="Draft exam", slug="draft-exam", live=False)
    assert not draft.live
    html = outline_section(client.get(course.url).content.decode())
    assert "Draft exam" not in html and "Final steps" not in html


def test_the_course_page_and_the_player_list_the_same_steps(client, course, lessons, learner):
    module_1 = ModulePage.objects.child_of(course).order_by("path").first()
    make_assessment(module_1, title="Module quiz", slug="module-quiz", is_required=False)
    make_assessment(course, title="Final assessment", slug="final-assessment", is_required=True)
    learning_services.enroll(user=learner, course=course)
    client.force_login(learner)
    course_page = outline_section(client.get(course.url).content.decode())
    player = client.get(lessons[0].url).content.decode()
    for title in ("Module quiz", "Final assessment"):
        assert title in course_page and title in player


@pytest.mark.usefixtures("pages_rendered_every_time")
@pytest.mark.parametrize("who", ["visitor", "learner"])
def test_course_page_queries_do_not_grow_with_lessons_or_assessments(
    client, catalogue, django_assert_max_num_queries, who
):
    user = UserFactory(role="learner") if who == "learner" else None
    counts = []
    for title, modules, per_module in (("Small", 1, 1), ("Large", 5, 8)):
        course = make_course(
            catalogue, title=title, modules=modules, lessons_per_module=per_module, with_revisions=False
        )
        for module in ModulePage.objects.child_of(course):
            make_assessment(module, title=f"{module.title} quiz", slug=f"quiz-{module.pk}", is_required=False)
        make_assessment(course, title=f"{title} exam", slug="exam", is_required=True)
        if user is not None:
            learning_services.enroll(user=user, course=course)
        as_(client, user)
        client.get(course.url)  # a first visit may create per-user rows (Wagtail's user profile)
        with django_assert_max_num_queries(25) as captured:
            response = client.get(course.url)
        html = outline_section(response.content.decode())
        assert html.count(">Quiz</span>") == modules and html.count(">Assessment</span>") == 1
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
