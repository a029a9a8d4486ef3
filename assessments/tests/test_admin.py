"""Editors build assessments in Wagtail's page editor; a bad setup is refused there with its message."""

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from assessments.models import AssessmentPage

pytestmark = pytest.mark.django_db


def options_data(*flags):
    items = {"count": len(flags)}
    for index, correct in enumerate(flags):
        value = {"text": f"Option {index}"}
        if correct:
            value["correct"] = "on"
        items[str(index)] = {"value": value, "deleted": "", "order": index, "id": f"opt-{index}"}
    return items


def quiz_form(*flags, pass_mark=70):
    return nested_form_data(
        {
            "title": "Checkpoint",
            "slug": "checkpoint",
            "intro": rich_text(""),
            "questions": streamfield(
                [
                    (
                        "single_choice",
                        {
                            "prompt": rich_text("<p>Pick one</p>"),
                            "points": "1",
                            "explanation": rich_text(""),
                            "options": options_data(*flags),
                        },
                    )
                ]
            ),
            "pass_mark": pass_mark,
            "display_mode": "all",
            "show_answers": "after_each_attempt",
            "is_required": "on",
            "comments": inline_formset([]),
            "action-publish": "publish",
        }
    )


def add_url(parent):
    return reverse("wagtailadmin_pages:add", args=("assessments", "assessmentpage", parent.pk))


def test_a_choice_question_without_a_right_option_is_refused(client, trainer, course):
    client.force_login(trainer)
    response = client.post(add_url(course), quiz_form(False, False))
    assert response.status_code == 200
    assert "Mark exactly one option as correct" in response.content.decode()
    assert not AssessmentPage.objects.exists()


def test_a_pass_mark_over_100_is_refused(client, trainer, course):
    client.force_login(trainer)
    response = client.post(add_url(course), quiz_form(True, False, pass_mark=120))
    assert response.status_code == 200
    assert "pass_mark" in response.context["form"].errors
    assert not AssessmentPage.objects.exists()


def test_the_trainer_builds_a_valid_quiz_in_their_course(client, trainer, course):
    client.force_login(trainer)
    response = client.post(add_url(course), quiz_form(True, False))
    assert response.status_code == 302
    quiz = AssessmentPage.objects.get(slug="checkpoint")
    assert quiz.live and quiz.get_parent().pk == course.pk
    assert [o["correct"] for o in quiz.questions_snapshot()["questions"][0]["options"]] == [True, False]


def test_another_trainer_cannot_add_a_quiz_to_the_course(client, other_trainer, course):
    client.force_login(other_trainer)
    response = client.post(add_url(course), quiz_form(True, False))
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert not AssessmentPage.objects.exists()


def test_only_the_courses_trainer_edits_its_quiz(client, trainer, other_trainer, course):
    from assessments.tests.factories import make_assessment

    quiz = make_assessment(course, slug="owned")
    edit = reverse("wagtailadmin_pages:edit", args=(quiz.pk,))
    client.force_login(other_trainer)
    response = client.get(edit)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    client.force_login(trainer)
    assert client.get(edit).status_code == 200
