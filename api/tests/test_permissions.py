"""Who may call what, for every operation: anonymous, learner, other learner, the course's trainer, another
trainer, admin; with read and write tokens. Writes answer 403 to read tokens and to anyone but admins."""

from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from api.tests.conftest import make_token
from billing.models import Order
from courses.tests.factories import make_course
from learning import services as learning_services
from organisations.models import SeatChange
from organisations.tests.factories import make_member, make_organisation

ROLES = ["anonymous", "learner", "other_learner", "trainer", "other_trainer", "admin"]
EVERYONE = {role: 200 for role in ROLES if role != "anonymous"} | {"anonymous": 401}
STAFF = {"anonymous": 401, "learner": 404, "other_learner": 404, "trainer": 200, "other_trainer": 404, "admin": 200}
ADMIN_READ = dict.fromkeys(ROLES, 403) | {"anonymous": 401, "admin": 200}


@pytest.fixture
def people(course, learner, other_learner, trainer, other_trainer, admin_user):
    learning_services.enroll(user=learner, course=course)
    return {
        "learner": learner,
        "other_learner": other_learner,
        "trainer": trainer,
        "other_trainer": other_trainer,
        "admin": admin_user,
    }


@pytest.fixture
def ids(course, learner):
    """An order and an organisation (with a paid course to hold seats of) for the admin's paths."""
    order = Order.objects.create(user=learner, course=course, amount=Decimal("10.00"), currency="EUR")
    organisation = make_organisation()
    make_member(organisation)
    paid = make_course(course.get_parent().specific, title="Seats", price=Decimal("20.00"), modules=0)
    return {"course": course.pk, "order": order.pk, "org": organisation.pk, "paid": paid.pk}


def _token(people, role, scope):
    return None if role == "anonymous" else make_token(people[role], scope=scope)


READS = [
    ("/courses", EVERYONE),
    ("/courses/{course}", EVERYONE),
    ("/me", EVERYONE),
    ("/me/enrollments", EVERYONE),
    ("/me/certificates", EVERYONE),
    ("/me/attempts", EVERYONE),
    ("/courses/{course}/roster", STAFF),
    ("/courses/{course}/gradebook", STAFF),
    ("/courses/{course}/attendance", STAFF),
    ("/admin/users", ADMIN_READ),
    ("/admin/orders", ADMIN_READ),
    ("/admin/orders/{order}", ADMIN_READ),
    ("/admin/organisations", ADMIN_READ),
    ("/admin/organisations/{org}", ADMIN_READ),
    ("/admin/organisations/{org}/members", ADMIN_READ),
]


@pytest.mark.parametrize("scope", ["read", "write"])
@pytest.mark.parametrize(("path", "expected"), READS, ids=[path for path, _ in READS])
def test_reads(api_get, people, ids, path, expected, scope):
    for role in ROLES:
        response = api_get(path.format(**ids), _token(people, role, scope))
        assert response.status_code == expected[role], (role, scope, response.content)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("scope", ["read", "write"])
def test_writes_need_an_admin_with_a_write_token(api_send, people, course, ids, role, scope):
    target = UserFactory()
    token = _token(people, role, scope)
    allowed = role == "admin" and scope == "write"
    denied = 401 if role == "anonymous" else 403
    calls = [
        (
            "post",
            "/admin/users",
            {
                "username": f"new-{role}-{scope}",
                "email": f"{role}{scope}@example.com",
                "password": "a-long-enough-password",
            },
            201,
        ),
        ("post", "/admin/enrollments", {"course_id": course.pk, "user_ids": [target.pk]}, 200),
        ("patch", f"/admin/users/{target.pk}", {"is_banned": True}, 200),
        (
            "post",
            f"/admin/organisations/{ids['org']}/seats",
            {"course_id": ids["paid"], "delta": 2, "reason": "Contract renewed"},
            201,
        ),
    ]
    for method, path, body, success in calls:
        response = api_send(method, path, token, body)
        assert response.status_code == (success if allowed else denied), (method, path, response.content)
        assert response["Content-Type"].startswith("application/json" if allowed else "application/problem+json")
    target.refresh_from_db()
    assert target.is_banned is allowed
    assert target.enrollments.exists() is allowed
    assert SeatChange.objects.exists() is allowed


def test_me_shows_only_the_tokens_owner(api_get, people, course):
    mine = api_get("/me/enrollments", make_token(people["learner"])).json()["items"]
    theirs = api_get("/me/enrollments", make_token(people["other_learner"])).json()["items"]
    assert [row["course_id"] for row in mine] == [course.pk]
    assert theirs == []
    assert api_get("/me", make_token(people["other_learner"])).json()["id"] == people["other_learner"].pk


def test_roster_and_gradebook_list_the_course_learners(api_get, people, course):
    token = make_token(people["trainer"])
    roster = api_get(f"/courses/{course.pk}/roster", token).json()["items"]
    assert [row["user_id"] for row in roster] == [people["learner"].pk]
    book = api_get(f"/courses/{course.pk}/gradebook", token).json()
    assert [row["user_id"] for row in book["rows"]] == [people["learner"].pk]
