"""The last seats, raced for for real: assignments by a manager and invitations accepted at the same moment."""

import threading
import time

import pytest
from django.db import connection, connections

from accounts.tests.factories import UserFactory
from courses.tests.factories import make_course
from organisations import services
from organisations.models import Assignment, SeatPool

from .conftest import give_seats
from .factories import make_manager, make_member, make_organisation

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite", reason="SQLite serialises all writers; the race needs MariaDB (CI runs it)"
    ),
]


def race(actions):
    barrier = threading.Barrier(len(actions))
    outcomes = []

    def run(action):
        try:
            barrier.wait()
            action()
            outcomes.append("ok")
        except services.NoFreeSeat:
            outcomes.append("no seat")
        except Exception as error:  # noqa: BLE001 - reported by the assertion
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_never_more_seats_in_use_than_bought(catalogue, trainer, monkeypatch):
    course = make_course(catalogue, title="Race", trainer=trainer, price="50.00", modules=1, with_revisions=False)
    org = make_organisation()
    manager = make_manager(org)
    give_seats(org, course, 3)
    group = services.create_group(organisation=org, name="Sales")
    services.assign_course(membership=manager, course=course, group=group)  # one seat taken: two left

    members = [make_member(org) for _ in range(3)]
    invitations = [
        services.invite(organisation=org, email=f"new{n}@example.com", by=manager.user, groups=[group])
        for n in range(3)
    ]
    invitees = [UserFactory(email=f"new{n}@example.com") for n in range(3)]
    actions = [
        *(lambda m=m: services.assign_course(membership=m, course=course, by=manager.user) for m in members),
        *(
            lambda i=i, u=u: services.accept_invitation(invitation=i, user=u)
            for i, u in zip(invitations, invitees, strict=True)
        ),
    ]
    # Widen the window between counting the seats in use and taking one, so that without the pool's lock every
    # racer would count the same free seats (this test fails when _locked_pool does not lock).
    counted = services.seats_in_use

    def slow_count(**kwargs):
        n = counted(**kwargs)
        time.sleep(0.3)
        return n

    monkeypatch.setattr(services, "seats_in_use", slow_count)
    outcomes = race(actions)

    assert set(outcomes) <= {"ok", "no seat"}, outcomes
    in_use = Assignment.objects.filter(course=course, uses_seat=True, released_at__isnull=True).count()
    assert in_use == SeatPool.objects.get().seats == 3
    # Every invitation was accepted (joining needs no seat); only the seats are rationed.
    assert all(services.invitation_from_token(services.invitation_token(i)).accepted_at for i in invitations)
