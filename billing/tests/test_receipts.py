"""The learner's purchase history and the PDF receipts of paid orders."""

import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.tests.factories import UserFactory
from billing import receipts, services, simulator
from billing.details import SellerDetails
from billing.models import Order, OrderStatus
from courses.tests.factories import make_course

PURCHASES = reverse("billing:purchases")


def receipt_url(order: Order) -> str:
    return reverse("billing:receipt", args=[order.pk])


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def day(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"


def checkout(user, course) -> Order:
    return services.start_checkout(user=user, course=course, base_url="http://testserver")


def paid_order(user, course) -> Order:
    order = checkout(user, course)
    simulator.pay(order=order)
    order.refresh_from_db()
    return order


@pytest.fixture
def paid_course(catalogue):
    return make_course(catalogue, title="Django in Depth", price=Decimal("49.00"))


@pytest.fixture
def order(learner, paid_course):
    return paid_order(learner, paid_course)


@pytest.fixture
def refunded_order(learner, catalogue, admin_user):
    course = make_course(catalogue, title="Wagtail for Editors", price=Decimal("29.00"), currency="USD")
    order = paid_order(learner, course)
    services.request_refund(order=order, by=admin_user)
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    return order


class TestPurchaseHistory:
    def test_lists_paid_and_refunded_orders_with_their_amounts_but_not_pending_ones(
        self, client, learner, catalogue, order, refunded_order
    ):
        checkout(learner, make_course(catalogue, title="Never Paid For", price=Decimal("19.00")))
        client.force_login(learner)
        response = client.get(PURCHASES)
        assert response.status_code == 200
        body = response.content.decode()
        assert "Django in Depth" in body and "49.00 EUR" in body and "Paid" in body
        assert "Wagtail for Editors" in body and "29.00 USD" in body and "Refunded" in body
        assert body.count("29.00 USD") == 2  # charged, and refunded in full
        assert "Never Paid For" not in body
        assert receipt_url(order) in body and receipt_url(refunded_order) in body
        assert order.course.url in body  # the course is linked
        assert "private" in response["Cache-Control"]

    def test_an_order_still_processing_shows_but_has_no_receipt_yet(self, client, learner, paid_course):
        order = checkout(learner, paid_course)
        Order.objects.filter(pk=order.pk).update(status=OrderStatus.PROCESSING, processing_at=timezone.now())
        client.force_login(learner)
        body = client.get(PURCHASES).content.decode()
        assert "Django in Depth" in body and "Payment processing" in body
        assert receipt_url(order) not in body and "Receipt (PDF)" not in body

    def test_shows_the_charge_a_promotion_code_lowered(self, client, learner, order):
        Order.objects.filter(pk=order.pk).update(amount_paid=Decimal("39.00"))
        client.force_login(learner)
        body = client.get(PURCHASES).content.decode()
        assert "39.00 EUR" in body and "49.00 EUR" not in body

    def test_other_learners_orders_are_not_shown(self, client, catalogue, order):
        other = UserFactory()
        paid_order(other, make_course(catalogue, title="Someone Else's Course", price=Decimal("15.00")))
        client.force_login(order.user)
        body = client.get(PURCHASES).content.decode()
        assert "Django in Depth" in body and "Someone Else" not in body
        client.force_login(other)
        body = client.get(PURCHASES).content.decode()
        assert "Someone Else" in body and "Django in Depth" not in body

    def test_without_purchases_it_points_to_the_catalogue(self, client, learner):
        client.force_login(learner)
        body = client.get(PURCHASES).content.decode()
        assert "You have not bought any course yet." in body and 'href="/courses/"' in body
        assert "<table" not in body

    def test_the_header_links_to_it_when_signed_in(self, client, learner):
        client.force_login(learner)
        assert f'href="{PURCHASES}"' in client.get(reverse("learning:dashboard")).content.decode()

    def test_anonymous_visitors_are_sent_to_sign_in(self, client):
        response = client.get(PURCHASES)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:sign_in")) and "next=" in response["Location"]

    def test_queries_do_not_grow_with_orders(self, client, learner, catalogue, django_assert_max_num_queries):
        def buy(count: int, start: int) -> None:
            for n in range(start, start + count):
                course = make_course(
                    catalogue, title=f"Course {n}", price=Decimal("10.00"), lessons_per_module=1, with_revisions=False
                )
                paid_order(learner, course)

        client.force_login(learner)
        counts = []
        for count, start in ((2, 0), (8, 2)):
            buy(count, start)
            client.get(PURCHASES)  # warm-up: caches (site root paths, ...) filled by the first request
            with django_assert_max_num_queries(20) as captured:
                body = client.get(PURCHASES).content.decode()
            counts.append(len(captured.captured_queries))
            assert body.count("Receipt (PDF)</a>") == start + count
        assert counts[0] == counts[1]


class TestReceipt:
    def test_the_owner_gets_a_pdf_with_the_payment_facts(self, client, order):
        client.force_login(order.user)
        response = client.get(receipt_url(order))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        number = f"R-{order.pk:06d}"
        assert response["Content-Disposition"] == f'attachment; filename="receipt-{number}.pdf"'
        assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]

        data = response.getvalue()
        reader = PdfReader(io.BytesIO(data))
        assert len(reader.pages) == 1
        width, height = (float(value) for value in reader.pages[0].mediabox.upper_right)
        assert (round(width), round(height)) == (595, 842)  # A4 portrait
        text = pdf_text(data)
        assert "Learnwell" in text and "Receipt" in text and number in text
        assert "Django in Depth" in text and "49.00 EUR" in text
        assert order.payment_intent_id and order.payment_intent_id in text
        assert order.user.display_name in text and order.user.email in text
        assert day(order.paid_at) in text
        assert "Refunded" not in text and "Discount" not in text

    def test_a_refunded_order_says_so_with_amount_and_date(self, client, refunded_order):
        client.force_login(refunded_order.user)
        response = client.get(receipt_url(refunded_order))
        assert response.status_code == 200
        text = pdf_text(response.getvalue())
        assert "Wagtail for Editors" in text and "29.00 USD" in text
        assert f"Refunded 29.00 USD on {day(refunded_order.refunded_at)}" in text

    def test_another_learner_gets_404(self, client, order):
        client.force_login(UserFactory())
        assert client.get(receipt_url(order)).status_code == 404

    def test_a_trainer_gets_404_too(self, client, order, trainer):
        client.force_login(trainer)
        assert client.get(receipt_url(order)).status_code == 404

    def test_an_admin_may_get_any_receipt(self, client, order, admin_user):
        client.force_login(admin_user)
        response = client.get(receipt_url(order))
        assert response.status_code == 200 and "Django in Depth" in pdf_text(response.getvalue())

    def test_anonymous_visitors_are_sent_to_sign_in(self, client, order):
        response = client.get(receipt_url(order))
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:sign_in"))

    def test_an_order_never_paid_has_no_receipt(self, client, learner, paid_course, admin_user):
        pending = checkout(learner, paid_course)
        client.force_login(learner)
        assert client.get(receipt_url(pending)).status_code == 404
        simulator.expire(order=pending)
        assert client.get(receipt_url(pending)).status_code == 404
        client.force_login(admin_user)
        assert client.get(receipt_url(pending)).status_code == 404

    def test_an_unknown_order_gets_404(self, client, learner):
        client.force_login(learner)
        assert client.get(reverse("billing:receipt", args=[999_999])).status_code == 404


class TestStoredReceipt:
    """The receipt PDF is kept in the private receipts storage once drawn, and downloads send that file."""

    def test_the_receipt_e_mailed_is_kept_so_the_download_draws_nothing(
        self, client, learner, paid_course, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
    ):
        order = checkout(learner, paid_course)
        with django_capture_on_commit_callbacks(execute=True):
            simulator.pay(order=order)
        [(_, emailed, _)] = next(message for message in mailoutbox if message.attachments).attachments

        def no_drawing(content):
            raise AssertionError("the web process drew a receipt that was already kept")

        monkeypatch.setattr(receipts, "render_receipt", no_drawing)
        client.force_login(learner)
        response = client.get(receipt_url(order))
        assert response.status_code == 200 and response.getvalue() == emailed

    def test_a_missing_receipt_is_drawn_and_kept_and_a_refund_replaces_it(self, client, order, admin_user):
        storage = receipts.receipt_storage()
        number = receipts.receipt_number(order)
        assert not storage.exists(number)  # the e-mail task did not run: nothing was kept yet
        client.force_login(order.user)
        first = client.get(receipt_url(order)).getvalue()
        [kept] = storage.listdir(number)[1]
        assert storage.open(f"{number}/{kept}").read() == first

        services.request_refund(order=order, by=admin_user)
        order.refresh_from_db()
        refunded = client.get(receipt_url(order)).getvalue()
        assert refunded != first and "Refunded" in pdf_text(refunded)
        [kept] = storage.listdir(number)[1]
        assert storage.open(f"{number}/{kept}").read() == refunded

    def test_with_nginx_the_owner_gets_an_x_accel_redirect_and_nobody_else_does(
        self, client, order, admin_user, nginx_sends_private_files
    ):
        client.force_login(order.user)
        response = client.get(receipt_url(order))
        assert response.status_code == 200 and response.content == b""
        number = receipts.receipt_number(order)
        assert response["X-Accel-Redirect"].startswith(f"/_private/receipts/{number}/")
        kept = nginx_sends_private_files / response["X-Accel-Redirect"].removeprefix("/_private/")
        assert number in pdf_text(kept.read_bytes())
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'attachment; filename="receipt-{number}.pdf"'
        assert "no-store" in response["Cache-Control"]

        client.force_login(UserFactory())
        assert client.get(receipt_url(order)).status_code == 404
        client.logout()
        anonymous = client.get(receipt_url(order))
        assert anonymous.status_code == 302 and "X-Accel-Redirect" not in anonymous
        client.force_login(admin_user)
        assert client.get(receipt_url(order))["X-Accel-Redirect"] == response["X-Accel-Redirect"]


class TestReceiptPdf:
    content = receipts.ReceiptContent(
        number="R-000042",
        seller=SellerDetails(name="Learnwell"),
        paid_at=datetime(2025, 3, 4, 10, 30, tzinfo=UTC),
        learner_name="Zoë Ørsted 王小明",
        learner_email="zoe@example.com",
        course_title="A Very Long Course Title " * 6,
        currency="GBP",
        price=Decimal("49.00"),
        charged=Decimal("39.20"),
        payment_reference="pi_3Abc",
    )

    def test_the_same_facts_give_the_same_bytes(self):
        assert receipts.render_receipt(self.content) == receipts.render_receipt(self.content)

    def test_a_promotion_code_shows_as_a_discount_off_the_price(self):
        text = pdf_text(receipts.render_receipt(self.content))
        assert "49.00 GBP" in text and "−9.80 GBP" in text and "39.20 GBP" in text
        assert "4 March 2025" in text and "王小明" in text

    def test_a_partial_refund_and_a_lost_chargeback_are_printed(self):
        from dataclasses import replace

        partial = replace(self.content, refunded=Decimal("10.00"))
        assert "Partially refunded: 10.00 GBP" in pdf_text(receipts.render_receipt(partial))
        reversed_ = replace(self.content, chargeback_at=datetime(2025, 4, 1, tzinfo=UTC))
        assert "Payment reversed by a chargeback on 1 April 2025" in pdf_text(receipts.render_receipt(reversed_))

    def test_the_longest_details_allowed_go_on_a_second_page_rather_than_overlap(self):
        from dataclasses import replace

        from billing.details import MAX_LENGTHS, BillingDetails

        longest = BillingDetails(**{name: "W" * length for name, length in MAX_LENGTHS.items()})
        longest = replace(longest, country="DE", vat_id="DE1234567890123")
        seller = SellerDetails(name="S" * 100, address="\n".join(["A" * 100] * 6), vat_id="DE000000000")
        content = replace(self.content, buyer=longest, seller=seller, coupon_code="C" * 32, discount=Decimal("9.80"))
        data = receipts.render_receipt(content)
        reader = PdfReader(io.BytesIO(data))
        assert len(reader.pages) == 2
        assert "page 1 of 2" in reader.pages[0].extract_text() and "page 2 of 2" in reader.pages[1].extract_text()
        text = pdf_text(data).replace("\n", "")
        assert "W" * 100 in text and "VAT id: DE1234567890123" in text and "39.20 GBP" in text
        # Everyday details stay on one page.
        everyday = BillingDetails(name="Ada Lovelace", address_line1="1 Main St", city="Bath", country="GB")
        assert len(PdfReader(io.BytesIO(receipts.render_receipt(replace(self.content, buyer=everyday)))).pages) == 1
