"""Learners see their points as they learn: toasts, the dashboard, their profile and the leaderboards."""

import json
import re
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.tests.factories import UserFactory
from gamification import services
from gamification.models import Badge, BadgeRule, LearnerStats, Rule, Visibility

pytestmark = pytest.mark.django_db

TOASTS = reverse("gamification:toasts")


def course_board(course):
    return reverse("gamification:course_leaderboard", args=[course.pk])


class TestLeaderboardAccess:
    def test_visitors_are_asked_to_sign_in(self, client, course):
        for url in (reverse("gamification:leaderboard"), course_board(course)):
            response = client.get(url)
            assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]

    @pytest.mark.parametrize(
        ("who", "status"),
        [("student", 200), ("other_learner", 403), ("trainer", 200), ("other_trainer", 403), ("admin_user", 200)],
    )
    def test_a_course_board_is_for_its_learners_and_staff(
        self, client, course, student, trainer, other_trainer, admin_user, who, status
    ):
        people = {
            "student": student,
            "other_learner": UserFactory(),
            "trainer": trainer,
            "other_trainer": other_trainer,
            "admin_user": admin_user,
        }
        client.force_login(people[who])
        assert client.get(course_board(course)).status_code == status

    def test_a_learner_who_left_loses_the_course_board(self, client, course, enrollment):
        from learning import services as learning_services

        learning_services.leave_course(enrollment=enrollment)
        client.force_login(enrollment.user)
        assert client.get(course_board(course)).status_code == 403

    def test_the_period_tabs_swap_only_the_board(self, client, student, course):
        client.force_login(student)
        response = client.get(course_board(course) + "?period=month", headers={"HX-Request": "true"})
        body = response.content.decode()
        assert response.status_code == 200 and body.lstrip().startswith('<div id="board"')
        assert 'aria-selected="true"' in body and "This month" in body and "<html" not in body

    def test_an_unknown_period_falls_back_to_this_week(self, client, student):
        client.force_login(student)
        assert client.get(reverse("gamification:leaderboard") + "?period=decade").context["period"] == "week"

    @pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
    def test_the_profile_link_in_the_sentence_is_underlined_not_only_coloured(self, client, student, htmx):
        """axe-core's link-in-text-block: a link inside text must differ from it by more than colour."""
        client.force_login(student)
        headers = {"HX-Request": "true"} if htmx else {}
        body = client.get(reverse("gamification:leaderboard"), headers=headers).content.decode()
        link = re.search(r'<p class="[^"]*">Choose how you appear [^<]*<a class="([^"]*)" href="([^"]*)">', body)
        assert link is not None and link.group(2) == reverse("accounts:profile")
        assert "underline" in link.group(1).split()  # always, not only `hover:underline`
        site_css = (settings.BASE_DIR / "static" / "css" / "site.css").read_text()
        assert re.search(r"\.underline\{text-decoration-line:underline\}", site_css)  # the class exists in the build


class TestToasts:
    def test_points_and_badges_are_shown_once(self, client, run_on_commit, enrollment, lessons):
        Badge.objects.create(name="First steps", description="Complete a lesson", rule=BadgeRule.LESSONS_COMPLETED)
        client.force_login(enrollment.user)
        assert client.post(TOASTS).status_code == 204  # nothing earned yet
        run_on_commit(
            client.post, reverse("learning:complete_lesson", args=[lessons[0].pk]), headers={"HX-Request": "true"}
        )
        response = client.post(TOASTS)
        body = response.content.decode()
        assert response.status_code == 200
        assert "+10" in body and "Lesson completed" in body and "Badge earned:" in body and "First steps" in body
        assert client.post(TOASTS).status_code == 204  # seen

    def test_completing_a_lesson_tells_the_page_to_look_for_toasts(self, client, enrollment, lessons):
        client.force_login(enrollment.user)
        response = client.post(
            reverse("learning:complete_lesson", args=[lessons[0].pk]), headers={"HX-Request": "true"}
        )
        assert "lms:progress" in json.loads(response["HX-Trigger"])

    def test_a_deduction_is_shown_with_its_reason(self, client, learner, admin_user):
        services.adjust_points(user=learner, points=-5, reason="Late submission policy", by=admin_user)
        client.force_login(learner)
        body = client.post(TOASTS).content.decode()
        assert "-5" in body and "Late submission policy" in body

    def test_visitors_get_nothing_and_get_is_refused(self, client):
        assert client.post(TOASTS).status_code == 204
        assert client.get(TOASTS).status_code == 405


class TestProfile:
    def test_a_learner_chooses_how_they_appear(self, client, learner):
        client.force_login(learner)
        response = client.post(reverse("gamification:visibility"), {"visibility": "anonymous"}, follow=True)
        assert "Anonymous learner" in response.content.decode()
        assert LearnerStats.objects.get(user=learner).visibility == Visibility.ANONYMOUS

    def test_an_unknown_choice_changes_nothing(self, client, learner):
        client.force_login(learner)
        services.set_leaderboard_visibility(user=learner, visibility=Visibility.HIDDEN)
        response = client.post(reverse("gamification:visibility"), {"visibility": "everyone"}, follow=True)
        assert "Choose how you appear" in response.content.decode()
        assert LearnerStats.objects.get(user=learner).visibility == Visibility.HIDDEN

    def test_the_time_zone_is_saved_and_checked(self, client, learner):
        client.force_login(learner)
        data = {"first_name": "Ada", "last_name": "L", "time_zone": "Asia/Tokyo", "preferred_language": "en"}
        assert client.post(reverse("accounts:profile"), data).status_code == 302
        learner.refresh_from_db()
        assert learner.time_zone == "Asia/Tokyo"
        response = client.post(reverse("accounts:profile"), {**data, "time_zone": "Mars/Olympus"})
        assert response.status_code == 400
        learner.refresh_from_db()
        assert learner.time_zone == "Asia/Tokyo"

    def test_sign_up_takes_the_browsers_time_zone_or_utc(self, client):
        form = {
            "first_name": "Kai",
            "last_name": "T",
            "username": "kai",
            "password1": "a-Long-pass-123",
            "password2": "a-Long-pass-123",
        }
        client.post(reverse("accounts:sign_up"), {**form, "email": "kai@example.com", "time_zone": "Europe/Berlin"})
        client.post(reverse("accounts:sign_out"))
        client.post(
            reverse("accounts:sign_up"),
            {**form, "username": "kai2", "email": "k2@example.com", "time_zone": "nonsense"},
        )
        from accounts.models import User

        assert dict(User.objects.values_list("username", "time_zone")) == {"kai": "Europe/Berlin", "kai2": "UTC"}

    def test_profile_and_dashboard_show_earned_badges_and_progress(self, client, run_on_commit, enrollment, lessons):
        Badge.objects.create(name="First steps", description="One lesson", rule=BadgeRule.LESSONS_COMPLETED)
        Badge.objects.create(
            name="Marathon", description="Three lessons", rule=BadgeRule.LESSONS_COMPLETED, threshold=3
        )
        run_on_commit(
            services.award,
            user=enrollment.user,
            rule=Rule.LESSON_COMPLETED,
            source="lesson:x",
            occurred_at=datetime(2026, 11, 25, tzinfo=UTC),
        )
        services.evaluate_badges(user=enrollment.user)
        client.force_login(enrollment.user)
        for url in (reverse("accounts:profile"), reverse("learning:dashboard")):
            body = client.get(url).content.decode()
            assert 'data-badge="First steps" data-earned="yes"' in body
            assert 'data-badge="Marathon" data-earned="no"' in body and "1 of 3" in body


def test_a_burst_of_awards_becomes_a_few_toasts_and_a_summary(client, learner, admin_user):
    for n in range(6):
        services.adjust_points(user=learner, points=n + 1, reason=f"Award {n + 1}", by=admin_user)
    client.force_login(learner)
    body = client.post(TOASTS).content.decode()
    assert body.count('class="toast ') == 4  # the newest three and one summary
    assert "Award 6" in body and "Award 4" in body and "Award 3" not in body
    assert "and 3 more awards (+6 points)" in body
    assert client.post(TOASTS).status_code == 204


def test_the_profile_shows_the_saved_leaderboard_choice_in_a_form_that_posts(client, learner):
    services.set_leaderboard_visibility(user=learner, visibility=Visibility.HIDDEN)
    client.force_login(learner)
    body = client.get(reverse("accounts:profile")).content.decode()
    form = body[body.index(f'action="{reverse("gamification:visibility")}"') :]
    form = form[: form.index("</form>")]
    assert 'name="csrfmiddlewaretoken"' in form
    assert re.search(r'value="hidden"\s+checked', form)
    assert not re.search(r'value="public"\s+checked', form)
