"""Admins set what rules are worth, manage badges and read and add to the point ledger in Wagtail's admin;
nobody else sees any of it there, and nobody edits or deletes a ledger row."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from wagtail.images import get_image_model

from accounts.tests.factories import UserFactory
from courses.tests.factories import make_category, make_course
from gamification import services
from gamification.models import Badge, BadgeAward, BadgeRule, PointEntry, PointRule, Rule
from gamification.selectors import learner_summary
from home.tests.factories import make_image

pytestmark = pytest.mark.django_db

RULES = reverse("gamification_point_rules:index")
BADGES = reverse("gamification_badges:index")
LEDGER = reverse("gamification_ledger:index")
ADJUST = reverse("gamification_ledger:add")
NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


def url(viewset, name, obj):
    return reverse(f"gamification_{viewset}:{name}", args=[obj.pk])


def listed(client, index, **params):
    response = client.get(index, params)
    assert response.status_code == 200
    return list(response.context["object_list"])


def ledger_ids(client, **params):
    return {entry.pk for entry in listed(client, LEDGER, **params)}


def badge_form(**changes):
    data = {
        "name": "Bookworm",
        "description": "Complete five lessons.",
        "image": "",
        "rule": BadgeRule.LESSONS_COMPLETED,
        "threshold": "5",
        "category": "",
        "is_active": "on",
        "sort_order": "0",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def adjustment(**changes):
    return {
        "learner": "ada@example.com",
        "points": "30",
        "reason": "Helped others in the forum",
        "course": "",
    } | changes


def award_lesson(user, n, course=None, rule=Rule.LESSON_COMPLETED):
    return services.award(
        user=user, rule=rule, source=f"lesson:{n}", occurred_at=NOW, course_id=course.pk if course else None
    )


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def ada(db):
    return UserFactory(username="ada", email="ada@example.com", first_name="Ada", last_name="Lovelace")


@pytest.fixture
def lesson_rule(db):
    return PointRule.objects.get(rule=Rule.LESSON_COMPLETED)


@pytest.fixture
def badge(db):
    return Badge.objects.create(name="Bookworm", description="Complete five lessons.", rule=BadgeRule.LESSONS_COMPLETED)


@pytest.fixture
def entry(ada, course):
    return award_lesson(ada, 1, course)


@pytest.fixture
def pages(lesson_rule, badge, entry):
    """Every page of the three viewsets, by name."""
    return {
        "rules": RULES,
        "rule edit": url("point_rules", "edit", lesson_rule),
        "rule history": url("point_rules", "history", lesson_rule),
        "badges": BADGES,
        "badge add": reverse("gamification_badges:add"),
        "badge edit": url("badges", "edit", badge),
        "badge delete": url("badges", "delete", badge),
        "badge history": url("badges", "history", badge),
        "ledger": LEDGER,
        "ledger add": ADJUST,
        "ledger inspect": url("ledger", "inspect", entry),
    }


# Who sees the gamification admin


def test_admins_have_one_menu_item_with_the_three_listings(admin_client):
    html = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Gamification" in html
    assert RULES in html and BADGES in html and LEDGER in html


def test_admins_open_every_page(admin_client, pages):
    for name, page in pages.items():
        assert admin_client.get(page).status_code == 200, name


def test_trainers_have_no_menu_item(client, trainer):
    client.force_login(trainer)
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert RULES not in html and BADGES not in html and LEDGER not in html


def test_trainers_are_refused_every_page(client, trainer, pages):
    # Trainers are staff: even model permissions ticked on them by mistake do not open the gamification admin.
    trainer.user_permissions.add(*Permission.objects.filter(content_type__app_label="gamification"))
    client.force_login(trainer)
    for name, page in pages.items():
        for response in (client.get(page), client.post(page)):
            assert response.status_code == 302, name
            assert response["Location"] == reverse("wagtailadmin_home"), name


def test_learners_and_visitors_are_sent_to_sign_in(client, learner, pages):
    sign_in = reverse("accounts:sign_in")
    for name, page in pages.items():
        assert client.get(page)["Location"].startswith(sign_in), name
    client.force_login(learner)
    for name, page in pages.items():
        for response in (client.get(page), client.post(page)):
            assert response.status_code == 302 and response["Location"].startswith(sign_in), name


def test_refused_posts_write_nothing(client, trainer, learner, lesson_rule, badge, entry):
    for user in (trainer, learner):
        client.force_login(user)
        client.post(url("point_rules", "edit", lesson_rule), {"points": "999", "is_active": "on"})
        client.post(reverse("gamification_badges:add"), badge_form(name="Sneaky"))
        client.post(url("badges", "edit", badge), badge_form(name="Renamed"))
        client.post(url("badges", "delete", badge))
        client.post(ADJUST, adjustment(points="500"))
    lesson_rule.refresh_from_db()
    badge.refresh_from_db()
    assert lesson_rule.points == 10
    assert list(Badge.objects.values_list("name", flat=True)) == ["Bookworm"]
    assert list(PointEntry.objects.all()) == [entry]


# Point rules


def test_the_rules_listing_shows_the_six_rules_without_add_or_delete(admin_client, lesson_rule):
    rules = listed(admin_client, RULES)
    assert len(rules) == 6
    html = admin_client.get(RULES).content.decode()
    assert "Lesson completed" in html and "Live session attended" in html
    assert url("point_rules", "edit", lesson_rule) in html
    assert "Add point rule" not in html and ">Delete<" not in html
    for name in ("add", "delete", "copy", "usage"):
        with pytest.raises(NoReverseMatch):
            reverse(f"gamification_point_rules:{name}")
    for path in ("new/", f"delete/{lesson_rule.pk}/"):
        assert admin_client.get(RULES + path).status_code == 404
        assert admin_client.post(RULES + path).status_code == 404
    assert PointRule.objects.count() == 6


def test_editing_a_rules_points_changes_future_awards_only(admin_client, ada, lesson_rule):
    before = award_lesson(ada, 1)
    form = admin_client.get(url("point_rules", "edit", lesson_rule)).context["form"]
    assert form["points"].value() == 10 and form["is_active"].value() is True
    response = admin_client.post(url("point_rules", "edit", lesson_rule), {"points": "42", "is_active": "on"})
    assert response.status_code == 302 and response["Location"] == RULES
    message = admin_client.get(RULES).content.decode()
    assert "“Lesson completed” is now worth 42 points" in message

    after = award_lesson(ada, 2)
    before.refresh_from_db()
    assert before.points == 10 and after.points == 42
    assert learner_summary(user=ada).points == 52


def test_deactivating_a_rule_awards_nothing(admin_client, ada, lesson_rule):
    admin_client.post(url("point_rules", "edit", lesson_rule), {"points": "42"})  # the box unticked
    lesson_rule.refresh_from_db()
    assert lesson_rule.points == 42 and not lesson_rule.is_active
    assert award_lesson(ada, 1).points == 0


@pytest.mark.parametrize("points", ["-1", "10001", "ten", ""])
def test_points_out_of_range_are_refused(admin_client, lesson_rule, points):
    response = admin_client.post(url("point_rules", "edit", lesson_rule), {"points": points, "is_active": "on"})
    assert response.status_code == 200  # the form again, with its errors
    errors = response.context["form"].errors["points"]
    expected = {
        "ten": "Enter a whole number of points.",
        "": "This field is required.",
    }.get(points, "Enter between 0 and 10,000 points.")
    assert errors == [expected]
    assert expected in response.content.decode()
    lesson_rule.refresh_from_db()
    assert lesson_rule.points == 10


def test_the_bounds_themselves_are_accepted(admin_client, lesson_rule):
    for points in (0, 10_000):
        response = admin_client.post(url("point_rules", "edit", lesson_rule), {"points": points, "is_active": "on"})
        assert response.status_code == 302
        lesson_rule.refresh_from_db()
        assert lesson_rule.points == points


# Badges


def test_creating_a_badge_with_an_image_and_a_category(admin_client, admin_user):
    blank = admin_client.get(reverse("gamification_badges:add")).context["form"]
    assert blank["threshold"].value() == 1 and blank["is_active"].value() is True
    image, category = make_image("Trophy"), make_category("Data")
    response = admin_client.post(
        reverse("gamification_badges:add"),
        badge_form(
            name="Data graduate",
            rule=BadgeRule.COURSES_COMPLETED,
            threshold="2",
            category=category.pk,
            image=image.pk,
            sort_order="3",
        ),
    )
    assert response.status_code == 302 and response["Location"] == BADGES
    badge = Badge.objects.get(name="Data graduate")
    assert (badge.rule, badge.threshold, badge.category, badge.image, badge.sort_order) == (
        BadgeRule.COURSES_COMPLETED,
        2,
        category,
        image,
        3,
    )
    assert badge.is_active


def test_a_category_on_another_rule_is_refused_on_the_category_field(admin_client):
    response = admin_client.post(
        reverse("gamification_badges:add"), badge_form(rule=BadgeRule.LESSONS_COMPLETED, category=make_category().pk)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["category"] == ["A category only applies to the “Complete N courses” rule."]
    assert "A category only applies to the “Complete N courses” rule." in response.content.decode()
    assert not Badge.objects.exists()


def test_a_threshold_of_zero_is_refused(admin_client):
    response = admin_client.post(reverse("gamification_badges:add"), badge_form(threshold="0"))
    assert response.context["form"].errors["threshold"] == ["The threshold is at least 1."]
    assert not Badge.objects.exists()


def test_editing_a_badge(admin_client, badge):
    response = admin_client.post(url("badges", "edit", badge), badge_form(threshold="10", is_active=None))
    assert response.status_code == 302
    badge.refresh_from_db()
    assert badge.threshold == 10 and not badge.is_active


def test_the_badge_listing_counts_the_learners_who_hold_each_badge(admin_client, badge):
    other = Badge.objects.create(name="Night owl", description="Learn late.", rule=BadgeRule.STREAK_DAYS, threshold=3)
    holders = [UserFactory() for _ in range(3)]
    for user in holders:
        BadgeAward.objects.create(user=user, badge=badge, awarded_at=NOW)
    BadgeAward.objects.filter(user=holders[0]).update(revoked_at=NOW + timedelta(days=1))  # taken back by a refund
    held = {b.name: b.holders for b in listed(admin_client, BADGES)}
    assert held == {"Bookworm": 2, "Night owl": 0}
    html = admin_client.get(BADGES).content.decode()
    assert "Complete N lessons" in html and url("badges", "edit", other) in html
    assert "Add badge" in html


def test_the_badge_listing_filters_and_searches(admin_client, badge):
    streak = Badge.objects.create(
        name="Night owl", description="Learn at night.", rule=BadgeRule.STREAK_DAYS, is_active=False
    )
    assert {b.name for b in listed(admin_client, BADGES, rule=BadgeRule.STREAK_DAYS)} == {streak.name}
    assert {b.name for b in listed(admin_client, BADGES, is_active="false")} == {streak.name}
    assert {b.name for b in listed(admin_client, BADGES, q="night")} == {streak.name}
    assert {b.name for b in listed(admin_client, BADGES, q="five lessons")} == {badge.name}


def test_the_badge_listing_shows_thumbnails_in_constant_queries(admin_client, django_assert_max_num_queries):
    def add_badges(start, count):
        for n in range(start, start + count):
            Badge.objects.create(
                name=f"Badge {n}", description="…", rule=BadgeRule.POINTS, threshold=n + 1, image=make_image(f"Img {n}")
            )
            BadgeAward.objects.create(user=UserFactory(), badge=Badge.objects.get(name=f"Badge {n}"), awarded_at=NOW)

    def cold_renditions_cache():
        # Wagtail also keeps renditions in a cache; the listing must not depend on it being warm.
        get_image_model().get_rendition_model().cache_backend.clear()

    add_badges(0, 3)
    admin_client.get(BADGES)  # the first visit creates the admin's Wagtail profile and the thumbnails
    cold_renditions_cache()
    with CaptureQueriesContext(connection) as three:
        html = admin_client.get(BADGES).content.decode()
    assert html.count("fill-40x40") == 3
    baseline = len(three)  # now: the next request empties the connection's query log this counts from
    add_badges(3, 9)
    admin_client.get(BADGES)  # makes the new badges' thumbnails
    cold_renditions_cache()
    with django_assert_max_num_queries(baseline):
        html = admin_client.get(BADGES).content.decode()
    assert html.count("fill-40x40") == 12


def test_deleting_a_badge_says_who_holds_it_and_takes_it_from_them(admin_client, badge):
    for user in (UserFactory(), UserFactory()):
        BadgeAward.objects.create(user=user, badge=badge, awarded_at=NOW)
    page = admin_client.get(url("badges", "delete", badge)).content.decode()
    assert "2 learners hold the badge “Bookworm”" in page
    response = admin_client.post(url("badges", "delete", badge))
    assert response.status_code == 302 and response["Location"] == BADGES
    assert not Badge.objects.exists() and not BadgeAward.objects.exists()


def test_deleting_a_badge_nobody_holds(admin_client, badge):
    assert "No learner holds it" in admin_client.get(url("badges", "delete", badge)).content.decode()


# The point ledger


def test_the_ledger_lists_rows_newest_first(admin_client, ada, course, entry):
    services.adjust_points(user=ada, points=-5, reason="Spam in the forum", by=None)
    deduction = PointEntry.objects.get(rule=Rule.MANUAL)
    rows = listed(admin_client, LEDGER)
    assert [row.pk for row in rows] == [deduction.pk, entry.pk]
    html = admin_client.get(LEDGER).content.decode()
    assert "ada@example.com" in html and "Intro to Testing" in html and "Lesson completed" in html
    assert "+10" in html and "-5" in html and "Spam in the forum" in html
    assert "lesson:1" in html
    assert url("ledger", "inspect", entry) in html
    assert "Award or deduct points" in html and ADJUST in html


def test_the_ledger_filters_by_rule_course_and_date(admin_client, catalogue, ada, course, entry):
    other_course = make_course(catalogue, title="Advanced Testing", modules=0, with_revisions=False)
    elsewhere = award_lesson(ada, 2, other_course, rule=Rule.COURSE_COMPLETED)
    manual = services.adjust_points(user=ada, points=3, reason="Bug report", by=None)
    assert ledger_ids(admin_client, rule=Rule.COURSE_COMPLETED) == {elsewhere.pk}
    assert ledger_ids(admin_client, rule=Rule.MANUAL) == {manual.pk}
    assert ledger_ids(admin_client, course=other_course.pk) == {elsewhere.pk}
    assert ledger_ids(admin_client, course=course.pk) == {entry.pk}
    PointEntry.objects.filter(pk=entry.pk).update(created_at=datetime(2020, 5, 1, 12, tzinfo=UTC))
    assert ledger_ids(admin_client, created_at_from="2020-04-01", created_at_to="2020-05-01") == {entry.pk}
    today = timezone.localdate().isoformat()
    assert ledger_ids(admin_client, created_at_from=today) == {elsewhere.pk, manual.pk}


def test_the_ledger_searches_e_mail_addresses_usernames_and_reasons(admin_client, ada, entry):
    grace = UserFactory(username="grace", email="hopper@example.org")
    theirs = award_lesson(grace, 1)
    manual = services.adjust_points(user=grace, points=5, reason="Found a compiler bug", by=None)
    assert ledger_ids(admin_client, q="ADA@example") == {entry.pk}
    assert ledger_ids(admin_client, q="grace") == {theirs.pk, manual.pk}
    assert ledger_ids(admin_client, q="compiler") == {manual.pk}


def test_the_ledger_query_count_does_not_grow_with_rows(admin_client, catalogue, course, django_assert_max_num_queries):
    admin_client.get(LEDGER)  # the first admin visit creates the user's Wagtail profile
    courses = [course, None] + [
        make_course(catalogue, title=f"Course {n}", modules=0, with_revisions=False) for n in range(2)
    ]
    learners = [UserFactory() for _ in range(5)]

    def add_rows(start, count):
        for n in range(start, start + count):
            user, row_course = learners[n % len(learners)], courses[n % len(courses)]
            if n % 3:
                award_lesson(user, n, row_course)
            else:
                services.adjust_points(
                    user=user, points=n + 1, reason="Thanks", by=None, course_id=row_course.pk if row_course else None
                )

    add_rows(0, 5)
    with CaptureQueriesContext(connection) as five:
        assert len(listed(admin_client, LEDGER)) == 5
    add_rows(5, 35)
    with django_assert_max_num_queries(len(five)):
        assert len(listed(admin_client, LEDGER)) == 40


def test_the_ledger_inspect_page(admin_client, admin_user, ada, course, entry):
    reversal = services.reverse(entry=entry, reason="Refunded")
    html = admin_client.get(url("ledger", "inspect", entry)).content.decode()
    assert "Ada Lovelace &lt;ada@example.com&gt;" in html and "Intro to Testing" in html
    assert "+10" in html and "lesson:1" in html and "Automatic" in html
    assert url("ledger", "inspect", reversal) in html  # taken back by
    html = admin_client.get(url("ledger", "inspect", reversal)).content.decode()
    assert "-10" in html and "Refunded" in html and url("ledger", "inspect", entry) in html

    manual = services.adjust_points(user=ada, points=7, reason="Great question", by=admin_user)
    html = admin_client.get(url("ledger", "inspect", manual)).content.decode()
    assert admin_user.email in html and "Great question" in html


def test_ledger_rows_cannot_be_edited_or_deleted(admin_client, entry):
    for name in ("edit", "delete", "history", "usage", "copy"):
        with pytest.raises(NoReverseMatch):
            reverse(f"gamification_ledger:{name}", args=[entry.pk])
    for path in (f"edit/{entry.pk}/", f"delete/{entry.pk}/", f"history/{entry.pk}/", f"copy/{entry.pk}/"):
        assert admin_client.get(LEDGER + path).status_code == 404
        assert admin_client.post(LEDGER + path, {"points": "1000"}).status_code == 404
    entry.refresh_from_db()
    assert entry.points == 10 and PointEntry.objects.count() == 1
    html = (
        admin_client.get(LEDGER).content.decode() + admin_client.get(url("ledger", "inspect", entry)).content.decode()
    )
    assert ">Edit<" not in html and ">Delete<" not in html


# Awarding and deducting by hand


def test_an_admin_awards_points_by_e_mail_address(admin_client, admin_user, ada):
    response = admin_client.post(ADJUST, adjustment(), follow=True)
    assert response.redirect_chain == [(LEDGER, 302)]
    assert "Awarded 30 points to Ada Lovelace (ada@example.com)." in response.content.decode()
    entry = PointEntry.objects.get()
    assert (entry.user, entry.rule, entry.points, entry.reason, entry.created_by, entry.course) == (
        ada,
        Rule.MANUAL,
        30,
        "Helped others in the forum",
        admin_user,
        None,
    )
    assert learner_summary(user=ada).points == 30


def test_an_admin_deducts_points_by_username_for_a_course(admin_client, admin_user, ada, course):
    response = admin_client.post(ADJUST, adjustment(learner=" ADA ", points="-1", course=course.pk), follow=True)
    assert "Deducted 1 point from Ada Lovelace (ada@example.com)." in response.content.decode()
    entry = PointEntry.objects.get()
    assert (entry.user, entry.points, entry.course_id, entry.created_by) == (ada, -1, course.pk, admin_user)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"points": "0"}, "Enter a number of points other than 0: positive awards, negative deducts."),
        ({"points": "100001"}, "At most 100,000 points can be awarded or deducted at once."),
        ({"points": ""}, "Enter a number of points."),
        ({"points": "1.5"}, "Enter a whole number of points."),
        ({"reason": ""}, "Give a reason: the learner sees it and it stays in the ledger."),
        ({"reason": "   "}, "Give a reason: the learner sees it and it stays in the ledger."),
        (
            {"learner": "nobody@example.com"},
            "No active account has the e-mail address or username “nobody@example.com”.",
        ),
        ({"learner": ""}, "Enter the learner's e-mail address or username."),
    ],
)
def test_invalid_adjustments_write_nothing_and_say_why(admin_client, ada, changes, message):
    response = admin_client.post(ADJUST, adjustment(**changes))
    assert response.status_code == 400
    html = response.content.decode().replace("&#x27;", "'")
    assert message in html
    assert not PointEntry.objects.exists()


def test_an_inactive_account_cannot_be_given_points(admin_client, ada):
    ada.is_active = False
    ada.save()
    response = admin_client.post(ADJUST, adjustment())
    assert response.status_code == 400
    assert not PointEntry.objects.exists()


# Hostile input: searches, filters and numbers answer with the listing or a form error, never fail

HOSTILE = ['"', 'a"b', '");DROP TABLE', "%", "_", "\\", "\x00", "9" * 1500, str(2**64), "-1", "1e400", "NaN", "../"]


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_searches_and_filters_do_not_fail(admin_client, entry, badge, value):
    for index, params in (
        (LEDGER, ("q", "rule", "course", "created_at_after", "created_at_before", "p", "ordering")),
        (BADGES, ("q", "rule", "is_active", "p", "ordering")),
        (RULES, ("p", "ordering")),
    ):
        for param in params:
            assert admin_client.get(index, {param: value}).status_code == 200, (index, param)


@pytest.mark.parametrize("number", ["9" * 1500, str(2**64), str(-(2**64)), "1e400", "NaN", "Infinity", "1.5", "x"])
def test_hostile_numbers_in_the_admin_forms_are_form_errors(admin_client, ada, lesson_rule, badge, number):
    before = set(PointEntry.objects.values_list("pk", "points"))
    response = admin_client.post(ADJUST, adjustment(points=number))
    assert response.status_code == 400 and response.context["form"].errors
    response = admin_client.post(ADJUST, adjustment(course=number))
    assert response.status_code == 400 and "course" in response.context["form"].errors
    assert set(PointEntry.objects.values_list("pk", "points")) == before

    response = admin_client.post(url("point_rules", "edit", lesson_rule), {"points": number})
    assert response.status_code == 200 and "points" in response.context["form"].errors
    response = admin_client.post(url("badges", "edit", badge), badge_form(threshold=number))
    assert response.status_code == 200 and "threshold" in response.context["form"].errors
    response = admin_client.post(url("badges", "edit", badge), badge_form(sort_order=number))
    assert response.status_code == 200 and "sort_order" in response.context["form"].errors
    badge.refresh_from_db()
    lesson_rule.refresh_from_db()
    assert (badge.threshold, badge.sort_order, lesson_rule.points) == (1, 0, 10)
