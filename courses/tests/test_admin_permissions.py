"""Who may do what in the Wagtail admin: trainers edit only their own courses, learners get no admin."""

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from courses.models import CoursePage, LessonPage, ModulePage
from courses.tests.factories import make_category, make_course

pytestmark = pytest.mark.django_db


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=(page.pk,))


def course_form_data(**overrides):
    data = {
        "title": "A course",
        "slug": "a-course",
        "summary": "A summary",
        "description": rich_text("<p>About</p>"),
        "category": make_category().pk,
        "level": "beginner",
        "estimated_minutes": 60,
        "price": "0.00",
        "currency": "EUR",
        "trainer": "",
        "comments": inline_formset([]),
        "action-publish": "publish",
    }
    data.update(overrides)
    return nested_form_data(data)


def is_denied(response):
    """Wagtail answers a forbidden page action with a redirect to the dashboard and an error message."""
    return response.status_code in (302, 403) and response.get("Location", "/admin/") == "/admin/"


def test_learner_gets_no_admin(client, learner):
    client.force_login(learner)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))
    page = client.get("/admin/", follow=True)  # no redirect loop back into the admin
    assert page.status_code == 200 and page.redirect_chain[-1][0].startswith(reverse("accounts:sign_in"))
    assert "do not have permission to access the admin" in page.content.decode()


def test_visitor_is_sent_to_the_sign_in_page(client):
    response = client.get("/admin/")
    assert response["Location"].startswith(reverse("accounts:sign_in"))


def test_trainer_sees_the_course_tree(client, trainer, course, catalogue):
    client.force_login(trainer)
    assert client.get("/admin/").status_code == 200
    response = client.get(reverse("wagtailadmin_explore", args=(catalogue.pk,)))
    assert response.status_code == 200
    assert "Intro to Testing" in response.content.decode()


def test_trainer_can_edit_their_own_course_and_its_lessons(client, trainer, course):
    client.force_login(trainer)
    lesson = LessonPage.objects.descendant_of(course).first()
    assert client.get(edit_url(course)).status_code == 200
    assert client.get(edit_url(lesson)).status_code == 200

    data = course_form_data(title="Renamed by its trainer", slug=course.slug, trainer=trainer.pk)
    response = client.post(edit_url(course), data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    assert CoursePage.objects.get(pk=course.pk).title == "Renamed by its trainer"


def test_trainer_cannot_edit_another_trainers_course(client, other_trainer, course):
    client.force_login(other_trainer)
    lesson = LessonPage.objects.descendant_of(course).first()
    module = ModulePage.objects.child_of(course).first()
    for page in (course, module, lesson):
        assert is_denied(client.get(edit_url(page)))

    response = client.post(edit_url(course), course_form_data(title="Hijacked", slug=course.slug))
    assert is_denied(response)
    assert CoursePage.objects.get(pk=course.pk).title == "Intro to Testing"

    add_lesson = reverse("wagtailadmin_pages:add", args=("courses", "lessonpage", module.pk))
    assert is_denied(client.get(add_lesson))
    assert is_denied(client.post(reverse("wagtailadmin_pages:delete", args=(lesson.pk,))))
    assert LessonPage.objects.filter(pk=lesson.pk).exists()


def test_trainer_cannot_edit_the_catalogue_itself(client, trainer, catalogue):
    client.force_login(trainer)
    assert is_denied(client.get(edit_url(catalogue)))


def test_trainer_creates_courses_as_their_own(client, trainer, other_trainer, catalogue):
    client.force_login(trainer)
    add_course = reverse("wagtailadmin_pages:add", args=("courses", "coursepage", catalogue.pk))
    assert client.get(add_course).status_code == 200

    # Naming someone else as the trainer is refused: the form only offers the trainer themself.
    response = client.post(add_course, course_form_data(title="Mine", slug="mine", trainer=other_trainer.pk))
    assert response.status_code == 200
    assert "trainer" in response.context["form"].errors
    assert not CoursePage.objects.filter(slug="mine").exists()

    response = client.post(add_course, course_form_data(title="Mine", slug="mine", trainer=trainer.pk))
    assert response.status_code == 302
    created = CoursePage.objects.get(slug="mine")
    assert created.trainer == trainer and created.live
    assert client.get(edit_url(created)).status_code == 200


def test_admin_edits_any_course(client, admin_user, catalogue, trainer):
    course = make_course(catalogue, title="Someone's course", trainer=trainer)
    client.force_login(admin_user)
    response = client.post(edit_url(course), course_form_data(title="Fixed by admin", slug=course.slug))
    assert response.status_code == 302
    assert CoursePage.objects.get(pk=course.pk).title == "Fixed by admin"


def test_course_trainer_must_have_the_trainer_role(client, admin_user, catalogue, learner):
    course = make_course(catalogue, title="Course")
    client.force_login(admin_user)
    response = client.post(edit_url(course), course_form_data(slug=course.slug, trainer=learner.pk))
    assert response.status_code == 200
    assert "trainer" in response.context["form"].errors


def test_admin_sets_roles_in_wagtails_user_admin(client, admin_user):
    from accounts.models import User

    client.force_login(admin_user)
    response = client.post(
        reverse("wagtailusers_users:add"),
        {
            "username": "newtrainer",
            "email": "newtrainer@example.com",
            "first_name": "New",
            "last_name": "Trainer",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
            "role": "trainer",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    user = User.objects.get(username="newtrainer")
    assert user.is_trainer and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["Trainers"]

    response = client.post(
        reverse("wagtailusers_users:edit", args=(user.pk,)),
        {
            "username": "newtrainer",
            "email": "newtrainer@example.com",
            "first_name": "New",
            "last_name": "Trainer",
            "role": "trainer",
            "is_active": "on",
            "is_banned": "on",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    user.refresh_from_db()
    assert user.is_banned
