import pytest

from courses.tests.factories import make_course
from organisations import services
from organisations.models import SeatChangeReason

from .factories import make_manager, make_member, make_organisation


@pytest.fixture
def org():
    return make_organisation("Acme")


@pytest.fixture
def manager(org):
    return make_manager(org)


@pytest.fixture
def member(org):
    return make_member(org)


@pytest.fixture
def paid_course(catalogue, trainer):
    return make_course(catalogue, title="Paid course", trainer=trainer, price="99.00", modules=1)


@pytest.fixture
def free_course(catalogue, trainer):
    return make_course(catalogue, title="Free course", trainer=trainer, modules=1)


def give_seats(org, course, n, *, by=None):
    """Seats as an admin adjusts them (seat orders go through billing's webhook: test_seat_orders)."""
    return services.change_seats(
        organisation=org, course=course, delta=n, reason=SeatChangeReason.ADMIN, by=by, note="test seats"
    )
