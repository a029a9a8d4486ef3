"""Seat orders: bought by a team's managers, paid only through billing's verified webhook, refunded without taking
seats in use, invoiced."""

import io
import itertools
import json
import uuid
from decimal import Decimal

import pytest
import stripe
from django.conf import settings
from django.urls import reverse
from pypdf import PdfReader

from accounts.tests.factories import UserFactory
from billing import services as billing_services
from billing import simulator
from billing.models import Order, OrderStatus
from courses.tests.factories import make_course
from learning.models import Enrollment
from organisations import services
from organisations.forms import OrganisationForm
from organisations.models import MemberRole, Membership, Organisation, OrganisationOrder, SeatChange, SeatPool

from .factories import make_manager, make_member, make_organisation

WEBHOOK = "/billing/stripe/webhook/"


@pytest.fixture
def second_course(catalogue, trainer):
    return make_course(catalogue, title="Second paid course", trainer=trainer, price="40.00", modules=1)


@pytest.fixture(autouse=True)
def _invoices_in_tmp(settings, tmp_path):
    from lms_site.tests.stores import local_store

    local_store(settings, "receipts", tmp_path / "receipts")


def place(org, manager, lines, method="card") -> Order:
    return services.buy_seats(
        organisation=org, by=manager.user, lines=lines, payment_method=method, base_url="http://testserver"
    )


def seats(org, course) -> int:
    pool = SeatPool.objects.filter(organisation=org, course=course).first()
    return pool.seats if pool else 0


def event(event_type: str, data: dict, *, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "type": event_type,
        "created": 1_800_000_000,
        "data": {"object": data},
    }


def session(order: Order, payment_status="paid") -> dict:
    return {
        "id": order.checkout_session_id,
        "object": "checkout.session",
        "payment_status": payment_status,
        "amount_total": int(order.total * 100),
        "currency": order.currency.lower(),
        "payment_intent": f"pi_{order.pk}",
        "client_reference_id": str(order.pk),
        "metadata": {"order_id": str(order.pk)},
    }


def charge(order: Order, *, with_metadata=True) -> dict:
    cents = int(order.total * 100)
    return {
        "id": f"ch_{order.pk}",
        "object": "charge",
        "amount": cents,
        "amount_refunded": cents,
        "refunded": True,
        "currency": order.currency.lower(),
        "payment_intent": f"pi_{order.pk}",
        "metadata": {"order_id": str(order.pk)} if with_metadata else {},
    }


def deliver(client, body: dict, *, secret: str | None = None, signed: bool = True):
    payload = json.dumps(body)
    headers = {}
    if signed:
        headers["Stripe-Signature"] = stripe.WebhookSignature.generate_signature_header(
            payload, secret or settings.STRIPE_WEBHOOK_SECRET
        )
    return client.post(WEBHOOK, payload, content_type="application/json", headers=headers)


def pdf_text(data: bytes) -> str:
    """The PDF's words, one space apart (long titles wrap)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


class TestBuying:
    def test_an_order_is_linked_to_the_team_priced_per_line_and_gives_no_seat_yet(
        self, org, manager, paid_course, second_course
    ):
        order = place(org, manager, [(paid_course, 3), (second_course, 2)])
        assert order.is_seat_order and order.course is None and order.status == OrderStatus.PENDING
        assert [(line.course, line.quantity, line.unit_price, line.amount) for line in order.lines.all()] == [
            (paid_course, 3, Decimal("99.00"), Decimal("297.00")),
            (second_course, 2, Decimal("40.00"), Decimal("80.00")),
        ]
        assert order.total == Decimal("377.00")
        assert OrganisationOrder.objects.get(order=order).organisation == org
        assert order.checkout_url == reverse("billing:simulator", args=[order.pk])
        assert order.buyer_details["company"] == org.name
        assert seats(org, paid_course) == 0 and not SeatChange.objects.exists()

    @pytest.mark.parametrize(
        "lines_of, message",
        [
            (lambda paid, free: [], "at least one course"),
            (lambda paid, free: [(paid, 0)], "between 1 and 1000"),
            (lambda paid, free: [(paid, 1001)], "between 1 and 1000"),
            (lambda paid, free: [(free, 2)], "not for sale"),
            (lambda paid, free: [(paid, 1), (paid, 2)], "chosen twice"),
        ],
    )
    def test_the_service_refuses_bad_lines(self, org, manager, paid_course, free_course, lines_of, message):
        with pytest.raises(services.OrganisationError, match=message):
            place(org, manager, lines_of(paid_course, free_course))
        assert not Order.objects.exists() and not OrganisationOrder.objects.exists()

    def test_courses_in_two_currencies_are_bought_separately(self, org, manager, catalogue, paid_course):
        dollars = make_course(catalogue, title="Dollar course", price="10.00", currency="USD", modules=1)
        with pytest.raises(services.OrganisationError, match="different currencies"):
            place(org, manager, [(paid_course, 1), (dollars, 1)])

    def test_only_current_managers_may_buy(self, org, member, paid_course):
        former = make_manager(org)
        make_manager(org)
        services.remove_member(membership=former)
        other_manager = make_manager(make_organisation())
        for membership in (member, former, other_manager):
            with pytest.raises(services.NotAllowed):
                place(org, membership, [(paid_course, 1)])
        assert not Order.objects.exists()


class TestWebhook:
    def test_seats_arrive_only_with_a_verified_webhook(self, client, org, manager, paid_course):
        order = place(org, manager, [(paid_course, 5)])
        paid = event("checkout.session.completed", session(order))
        assert deliver(client, paid, secret="whsec_forged").status_code == 400
        assert deliver(client, paid, signed=False).status_code == 400
        assert seats(org, paid_course) == 0 and not SeatChange.objects.exists()
        order.refresh_from_db()
        assert order.status == OrderStatus.PENDING

        assert deliver(client, paid).status_code == 200
        assert deliver(client, paid).status_code == 200  # the same delivery again
        assert deliver(client, event("checkout.session.completed", session(order))).status_code == 200  # a replay
        assert seats(org, paid_course) == 5
        change = SeatChange.objects.get()
        assert (change.delta, change.reason, change.order_id) == (5, "order_paid", order.pk)
        # The buyer was not enrolled: the seats are the team's to assign.
        assert not Enrollment.objects.filter(user=manager.user).exists()

    @pytest.mark.parametrize(
        "kinds, expected_seats",
        [
            (("completed_unpaid", "async_succeeded", "refunded"), 0),
            (("completed_unpaid", "async_succeeded", "async_succeeded_again"), 4),
            (("completed_paid", "refunded", "refunded_again"), 0),
            (("completed_unpaid", "async_failed"), 0),
            (("completed_unpaid", "async_succeeded", "expired"), 4),
        ],
    )
    def test_every_delivery_order_ends_in_the_same_seats(
        self, client, paid_course, second_course, kinds, expected_seats
    ):
        finals = set()
        for permutation in itertools.permutations(kinds):
            org = make_organisation()
            manager = make_manager(org)
            order = place(org, manager, [(paid_course, 4), (second_course, 1)])
            refund = event("charge.refunded", charge(order, with_metadata=False))
            succeeded = event("checkout.session.async_payment_succeeded", session(order))
            bodies = {
                "completed_unpaid": event("checkout.session.completed", session(order, "unpaid")),
                "completed_paid": event("checkout.session.completed", session(order)),
                "async_succeeded": succeeded,
                "async_succeeded_again": succeeded,
                "async_failed": event("checkout.session.async_payment_failed", session(order, "unpaid")),
                "expired": event("checkout.session.expired", session(order, "unpaid")),
                "refunded": refund,
                "refunded_again": refund,
            }
            for kind in permutation:
                assert deliver(client, bodies[kind]).status_code == 200
            order.refresh_from_db()
            final = (order.status, seats(org, paid_course), seats(org, second_course))
            assert final[1] == expected_seats, permutation
            assert final[2] == (1 if expected_seats else 0), permutation
            finals.add(final)
        assert len(finals) == 1, finals

    def test_a_refund_takes_back_only_free_seats_and_the_ledger_says_so(self, client, org, manager, paid_course):
        order = place(org, manager, [(paid_course, 3)])
        simulator.pay(order=order)
        people = [make_member(org) for _ in range(2)]
        for membership in people:
            services.assign_course(membership=membership, course=paid_course, by=manager.user)
        order.refresh_from_db()
        refund = event("charge.refunded", charge(order))
        deliver(client, refund)
        deliver(client, event("charge.refunded", charge(order)))  # a second delivery of the same fact
        order.refresh_from_db()
        assert order.status == OrderStatus.REFUNDED
        assert seats(org, paid_course) == 2  # the free seat went back; the two in use stay with their members
        taken = SeatChange.objects.get(reason="order_refunded")
        assert taken.delta == -1 and taken.order_id == order.pk
        assert "2 of the seats were in use and stay with their members" in taken.note
        for membership in people:
            assert Enrollment.objects.get(user=membership.user, course=paid_course).gives_access


class TestManagerPage:
    def test_the_page_shows_seats_orders_and_invoice_links(self, client, org, manager, paid_course, second_course):
        paid = place(org, manager, [(paid_course, 3)])
        simulator.pay(order=paid)
        transfer = place(org, manager, [(second_course, 2)], method="bank_transfer")
        simulator.start_bank_transfer(order=transfer)
        pending = place(org, manager, [(second_course, 7)])
        services.assign_course(membership=make_member(org), course=paid_course, by=manager.user)
        other = make_organisation()
        hidden = place(other, make_manager(other), [(paid_course, 9)])

        client.force_login(manager.user)
        response = client.get(reverse("organisations:seats", args=[org.slug]))
        body = response.content.decode()
        assert "3 × Paid course" in body and "2 × Second paid course" in body and "7 × Second paid course" in body
        assert "9 × Paid course" not in body and f"#{hidden.pk}" not in body
        assert reverse("organisations:invoice", args=[org.slug, paid.pk]) in body
        assert reverse("organisations:invoice", args=[org.slug, transfer.pk]) in body
        assert reverse("organisations:invoice", args=[org.slug, pending.pk]) not in body
        assert "Waiting for your bank transfer" in body
        count = next(count for count in response.context["seat_counts"] if count.course == paid_course)
        assert (count.seats, count.in_use, count.free) == (3, 1, 2)

    def test_the_page_costs_the_same_queries_with_more_orders(
        self, client, org, manager, paid_course, second_course, django_assert_max_num_queries
    ):
        client.force_login(manager.user)
        url = reverse("organisations:seats", args=[org.slug])
        simulator.pay(order=place(org, manager, [(paid_course, 1)]))
        client.get(url)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as few:
            client.get(url)
        for _ in range(4):
            simulator.pay(order=place(org, manager, [(paid_course, 1), (second_course, 2)]))
        with django_assert_max_num_queries(len(few)):
            assert client.get(url).status_code == 200

    def test_buying_through_the_form_and_the_simulator_by_bank_transfer(
        self, client, org, manager, paid_course, second_course
    ):
        client.force_login(manager.user)
        response = client.post(
            reverse("organisations:buy_seats", args=[org.slug]),
            {f"seats-{paid_course.pk}": "2", f"seats-{second_course.pk}": "", "payment_method": "bank_transfer"},
        )
        order = Order.objects.get()
        assert response.status_code == 302 and response["Location"] == reverse("billing:simulator", args=[order.pk])
        assert order.payment_method == "bank_transfer" and [line.quantity for line in order.lines.all()] == [2]
        page = client.get(response["Location"]).content.decode()
        assert "Pay for seats" in page and "2 × Paid course" in page

        simulator_url = reverse("billing:simulator", args=[order.pk])
        client.post(simulator_url, {"outcome": "bank_transfer"})
        order.refresh_from_db()
        assert order.status == OrderStatus.PROCESSING and seats(org, paid_course) == 0
        invoice = client.get(reverse("organisations:invoice", args=[org.slug, order.pk]))
        text = pdf_text(b"".join(invoice.streaming_content) if invoice.streaming else invoice.content)
        assert "Payment due" in text and "bank transfer" in text

        client.post(simulator_url, {"outcome": "bank_confirms"})
        order.refresh_from_db()
        assert order.status == OrderStatus.PAID and seats(org, paid_course) == 2
        back = client.get(reverse("billing:order_return", args=[order.pk]))
        assert back.status_code == 302 and back["Location"] == reverse("organisations:seats", args=[org.slug])

    def test_the_simulator_expires_and_refunds_and_the_admin_refunds_a_seat_order(
        self, client, org, manager, paid_course
    ):
        client.force_login(manager.user)
        expiring = place(org, manager, [(paid_course, 1)])
        client.post(reverse("billing:simulator", args=[expiring.pk]), {"outcome": "expire"})
        expiring.refresh_from_db()
        assert expiring.status == OrderStatus.EXPIRED
        order = place(org, manager, [(paid_course, 4)])
        client.post(reverse("billing:simulator", args=[order.pk]), {"outcome": "pay"})
        assert seats(org, paid_course) == 4
        billing_services.request_refund(order=order, by=None)
        order.refresh_from_db()
        assert order.status == OrderStatus.REFUNDED and seats(org, paid_course) == 0
        # A refund made in Stripe's dashboard, played on the simulator page.
        dashboard = place(org, manager, [(paid_course, 2)])
        client.post(reverse("billing:simulator", args=[dashboard.pk]), {"outcome": "pay"})
        assert "Refund it in full" in client.get(reverse("billing:simulator", args=[dashboard.pk])).content.decode()
        client.post(reverse("billing:simulator", args=[dashboard.pk]), {"outcome": "refund"})
        dashboard.refresh_from_db()
        assert dashboard.status == OrderStatus.REFUNDED and seats(org, paid_course) == 0
        assert client.post(reverse("billing:simulator", args=[order.pk]), {"outcome": "cancel"}).status_code == 302

    @pytest.mark.parametrize(
        "data, message",
        [
            ({}, "Choose at least one course"),
            ({"seats-{paid}": "0"}, "Choose at least one course"),
            ({"seats-{paid}": "1001"}, "from 1 to 1000"),
            ({"seats-{paid}": "-3"}, "from 1 to 1000"),
            ({"seats-{paid}": "2.5"}, "from 1 to 1000"),
            ({"seats-{paid}": "lots"}, "from 1 to 1000"),
            ({"seats-{free}": "2"}, "no longer for sale"),
            ({"seats-{paid}": "2", "seats-99999999": "1"}, "no longer for sale"),
            ({"seats-abc": "1"}, "no longer for sale"),
            ({"seats-{paid}": "2", "payment_method": "cheque"}, "Choose card or bank transfer"),
        ],
    )
    def test_the_buy_form_says_what_is_wrong(self, client, org, manager, paid_course, free_course, data, message):
        client.force_login(manager.user)
        posted = {"payment_method": "card"}
        for key, value in data.items():
            posted[key.format(paid=paid_course.pk, free=free_course.pk)] = value
        response = client.post(reverse("organisations:buy_seats", args=[org.slug]), posted)
        assert response.status_code == 400
        assert message in response.content.decode()
        assert not Order.objects.exists()

    def test_an_unpublished_course_is_not_for_sale(self, client, org, manager, paid_course):
        client.force_login(manager.user)
        paid_course.unpublish()
        response = client.post(
            reverse("organisations:buy_seats", args=[org.slug]),
            {f"seats-{paid_course.pk}": "1", "payment_method": "card"},
        )
        assert response.status_code == 400 and "no longer for sale" in response.content.decode()

    def test_others_cannot_buy_for_the_team(self, client, org, member, paid_course, admin_user):
        url = reverse("organisations:buy_seats", args=[org.slug])
        data = {f"seats-{paid_course.pk}": "1", "payment_method": "card"}
        assert client.post(url, data).status_code == 302  # to sign in
        for user in (member.user, make_manager(make_organisation()).user, UserFactory(), admin_user):
            client.force_login(user)
            assert client.post(url, data).status_code == 404
        assert not Order.objects.exists()


class TestInvoice:
    def test_the_invoice_bills_the_team_line_by_line(self, client, org, manager, paid_course, second_course):
        Organisation.objects.filter(pk=org.pk).update(
            billing_contact="Ada Lovelace", tax_id="NL123456789B01", address="Keizersgracht 1\n1015 CJ Amsterdam"
        )
        org.refresh_from_db()
        order = place(org, manager, [(paid_course, 3), (second_course, 12)])
        simulator.pay(order=order)
        client.force_login(manager.user)
        response = client.get(reverse("organisations:invoice", args=[org.slug, order.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert f"invoice-INV-{order.pk:06d}.pdf" in response["Content-Disposition"]
        text = pdf_text(b"".join(response.streaming_content) if response.streaming else response.content)
        for expected in (
            f"INV-{order.pk:06d}",
            "Invoice date",
            org.name,
            "Ada Lovelace",
            "NL123456789B01",
            "Keizersgracht 1",
            "1015 CJ Amsterdam",
            org.billing_email,
            "Paid course",
            "Second paid course",
            "99.00 EUR",
            "297.00 EUR",
            "40.00 EUR",
            "480.00 EUR",
            "777.00 EUR",
            "Paid on",
        ):
            assert expected in text, expected
        assert "Payment due" not in text

    def test_a_refunded_order_says_so_on_its_invoice(self, client, org, manager, paid_course):
        order = place(org, manager, [(paid_course, 1)])
        simulator.pay(order=order)
        billing_services.request_refund(order=order, by=None)
        client.force_login(manager.user)
        response = client.get(reverse("organisations:invoice", args=[org.slug, order.pk]))
        assert "Refunded 99.00 EUR" in pdf_text(b"".join(response.streaming_content))

    def test_only_the_teams_managers_and_admins_download_it(
        self, client, org, manager, member, paid_course, admin_user
    ):
        order = place(org, manager, [(paid_course, 1)])
        url = reverse("organisations:invoice", args=[org.slug, order.pk])
        client.force_login(manager.user)
        assert client.get(url).status_code == 404  # not paid yet: no invoice
        simulator.pay(order=order)
        other = make_organisation()
        other_manager = make_manager(other)
        former = make_manager(org)
        services.remove_member(membership=former)
        client.logout()
        assert client.get(url).status_code == 302
        for user in (member.user, other_manager.user, former.user, UserFactory()):
            client.force_login(user)
            assert client.get(url).status_code == 404, user
        # Another team's slug does not reach this order, even for that team's manager.
        client.force_login(other_manager.user)
        assert client.get(reverse("organisations:invoice", args=[other.slug, order.pk])).status_code == 404
        for user in (manager.user, admin_user):
            client.force_login(user)
            assert client.get(url).status_code == 200


class TestCreateOrganisation:
    URL = reverse("organisations:create")

    def test_visitors_sign_in_first(self, client, db):
        response = client.get(self.URL)
        assert response.status_code == 302 and "/accounts/" in response["Location"]

    def test_a_user_creates_a_team_manages_it_and_lands_on_buy_seats(self, client, learner):
        client.force_login(learner)
        assert client.get(self.URL).status_code == 200
        data = {
            "name": "  New   Team ",
            "billing_contact": "Grace Hopper",
            "billing_email": "billing@newteam.example",
            "tax_id": "DE123456789",
            "address": "Street 1\nBerlin",
        }
        response = client.post(self.URL, data)
        org = Organisation.objects.get()
        assert (org.name, org.slug, org.tax_id) == ("New Team", "new-team", "DE123456789")
        assert response.status_code == 302 and response["Location"] == reverse("organisations:seats", args=[org.slug])
        membership = Membership.objects.get(organisation=org)
        assert membership.user == learner and membership.role == MemberRole.MANAGER
        assert "Buy seats" in client.get(response["Location"]).content.decode()
        # The same name again, and the reserved "new", get slugs of their own.
        client.post(self.URL, data)
        client.post(self.URL, {**data, "name": "New"})
        assert set(Organisation.objects.values_list("slug", flat=True)) == {"new-team", "new-team-2", "new-2"}

    def test_the_form_needs_a_name_and_a_billing_email(self, client, learner):
        client.force_login(learner)
        response = client.post(self.URL, {"name": " ", "billing_email": "not-an-address"})
        assert response.status_code == 400 and not Organisation.objects.exists()


def test_hostile_values_in_the_forms_are_refused_without_a_server_error(client, org, manager, paid_course):
    from lms_site.tests.test_hostile_input import HOSTILE_FORM_VALUES

    client.force_login(manager.user)
    buy = reverse("organisations:buy_seats", args=[org.slug])
    for value in HOSTILE_FORM_VALUES:
        data = {f"seats-{paid_course.pk}": value, "payment_method": value, f"seats-{value[:50]}": value}
        assert client.post(buy, data).status_code == 400, value
        created = client.post(reverse("organisations:create"), dict.fromkeys(OrganisationForm.base_fields, value))
        assert created.status_code in (302, 400), value
    assert not Order.objects.exists()
    url = reverse("organisations:invoice", args=[org.slug, 1])
    assert client.get(url.replace("/1/", "/99999999999999999999/")).status_code == 404


def test_a_paid_course_page_leads_to_buying_for_a_team_and_managers_to_their_teams(client, org, manager, paid_course):
    assert reverse("organisations:create") in client.get(paid_course.url).content.decode()
    client.force_login(manager.user)
    page = client.get(reverse("organisations:create")).content.decode()
    assert reverse("organisations:seats", args=[org.slug]) in page
