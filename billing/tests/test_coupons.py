"""Coupons: checked at checkout, charged at the discounted total, counted once when (and only when) a verified
payment opens the course, never beyond their limit; managed by admins in the Wagtail admin."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from billing import services, simulator
from billing.models import Coupon, CouponKind, Order, OrderStatus
from courses.tests.factories import make_course
from learning.models import Enrollment

from .factories import checkout_completed, deliver, make_coupon

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_course(catalogue, trainer):
    return make_course(catalogue, title="Django in Depth", trainer=trainer, price=Decimal("49.00"))


def checkout(user, course, code="", **kwargs) -> Order:
    return services.start_checkout(user=user, course=course, base_url="http://testserver", coupon_code=code, **kwargs)


def has_access(user, course) -> bool:
    enrollment = Enrollment.objects.filter(user=user, course=course).first()
    return enrollment is not None and enrollment.gives_access


def deliver_paid(client, order: Order, *, event_id: str, amount_total: int | None = None):
    return deliver(client, checkout_completed(order, event_id=event_id, amount_total=amount_total))


class TestTheDiscount:
    @pytest.mark.parametrize(
        ("coupon", "discount"),
        [
            ({"percent_off": Decimal("10")}, Decimal("4.90")),
            ({"percent_off": Decimal("33.33")}, Decimal("16.33")),  # 16.3317 rounds half up to the cent
            ({"amount_off": Decimal("15.00")}, Decimal("15.00")),
        ],
        ids=["percent", "percent-rounded", "fixed-amount"],
    )
    def test_the_order_records_coupon_and_discount_and_checkout_asks_for_the_total(
        self, learner, paid_course, coupon, discount
    ):
        make_coupon("SAVE", **coupon)
        order = checkout(learner, paid_course, " save ")  # as typed: spaces and lower case
        assert order.coupon.code == "SAVE" and order.coupon_code == "SAVE"
        assert order.amount == Decimal("49.00") and order.discount == discount
        assert order.total == Decimal("49.00") - discount
        assert order.coupon.times_redeemed == 0  # nothing counts before the money arrives

    def test_the_simulator_charges_the_total_and_the_course_opens(self, client, learner, paid_course):
        make_coupon("WELCOME10")
        client.force_login(learner)
        response = client.post(
            reverse("billing:buy", args=[paid_course.pk]), {"checkout_step": "1", "coupon_code": "welcome10"}
        )
        order = Order.objects.get()
        assert response["Location"] == reverse("billing:simulator", args=[order.pk])
        page = client.get(response["Location"]).content.decode()
        assert "Coupon WELCOME10" in page and "−4.90 EUR" in page and "44.10 EUR" in page
        client.post(reverse("billing:simulator", args=[order.pk]), {"outcome": "pay"})
        order.refresh_from_db()
        assert order.status == OrderStatus.PAID and order.amount_paid == Decimal("44.10")
        assert has_access(learner, paid_course)
        assert Coupon.objects.get().times_redeemed == 1

    def test_a_payment_of_the_full_price_for_a_discounted_order_is_refused(
        self, client, learner, paid_course, django_capture_on_commit_callbacks
    ):
        make_coupon("WELCOME10")
        order = checkout(learner, paid_course, "WELCOME10")
        with django_capture_on_commit_callbacks(execute=True):
            deliver_paid(client, order, event_id="evt_full_price", amount_total=4900)
        order.refresh_from_db()
        assert order.auto_refund_reason == "amount_mismatch" and order.status == OrderStatus.REFUNDED
        assert not has_access(learner, paid_course)
        assert Coupon.objects.get().times_redeemed == 0


class TestRefusedCodes:
    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"is_active": False}, "is not valid"),
            ({"valid_from": timezone.now() + timedelta(days=2)}, "can be used from"),
            ({"valid_until": timezone.now() - timedelta(minutes=1)}, "has expired"),
            ({"max_redemptions": 2, "times_redeemed": 2}, "has been used up"),
            ({"amount_off": Decimal("5.00"), "currency": "USD"}, "is for prices in USD"),
            ({"amount_off": Decimal("48.60")}, "below 0.50 EUR"),
            ({"amount_off": Decimal("49.00")}, "below 0.50 EUR"),  # free is refused: only payments open courses
        ],
        ids=["inactive", "not-yet", "expired", "used-up", "other-currency", "below-minimum", "free"],
    )
    def test_the_learner_is_told_why_and_no_order_is_made(self, learner, paid_course, fields, message):
        make_coupon("CODE1", **fields)
        with pytest.raises(services.CouponRefused, match=message):
            checkout(learner, paid_course, "CODE1")
        assert not Order.objects.exists()

    def test_a_coupon_for_another_course_is_refused(self, learner, paid_course, catalogue):
        other = make_course(catalogue, title="Other Course", price=Decimal("20.00"))
        make_coupon("ONLYOTHER", course=other)
        with pytest.raises(services.CouponRefused, match="not for this course"):
            checkout(learner, paid_course, "ONLYOTHER")
        assert checkout(learner, other, "ONLYOTHER").discount == Decimal("2.00")

    @pytest.mark.parametrize("code", ["NOPE", "x" * 200, "'; DROP TABLE", "\x00", "ÄÖÜ", "<script>"])
    def test_unknown_and_hostile_codes_are_not_valid(self, learner, paid_course, code):
        with pytest.raises(services.CouponRefused, match="is not valid"):
            checkout(learner, paid_course, code)

    def test_guessing_codes_is_stopped_after_ten_wrong_ones(self, learner, paid_course):
        make_coupon("REALCODE")
        for attempt in range(10):
            with pytest.raises(services.CouponRefused, match="not valid"):
                services.quote(user=learner, course=paid_course, coupon_code=f"GUESS{attempt}")
        with pytest.raises(services.TooManyCouponGuesses) as refused:
            services.quote(user=learner, course=paid_course, coupon_code="REALCODE")
        assert refused.value.status_code == 429
        # Another learner is not held back by this one's guesses.
        assert services.quote(user=UserFactory(), course=paid_course, coupon_code="REALCODE").coupon is not None


class TestRedemptions:
    def test_counted_once_however_often_the_payment_is_reported(self, client, learner, paid_course):
        coupon = make_coupon("ONCE", max_redemptions=5)
        order = checkout(learner, paid_course, "ONCE")
        for event_id in ("evt_a", "evt_a", "evt_b", "evt_c"):  # a replay, then two more deliveries of the fact
            assert deliver_paid(client, order, event_id=event_id).status_code == 200
        coupon.refresh_from_db()
        order.refresh_from_db()
        assert coupon.times_redeemed == 1 and order.coupon_redeemed_at is not None

    def test_checkouts_that_are_never_paid_count_nothing(self, learner, paid_course):
        coupon = make_coupon("PENDING", max_redemptions=1)
        expired = checkout(learner, paid_course, "PENDING")
        simulator.expire(order=expired)
        other = checkout(UserFactory(), paid_course, "PENDING")  # the only redemption is still free
        simulator.start_bank_transfer(order=other)
        simulator.settle_bank_transfer(order=other, succeeds=False)
        coupon.refresh_from_db()
        assert coupon.times_redeemed == 0

    def test_two_buyers_racing_for_the_last_redemption_one_gets_it_the_other_is_refunded(
        self, client, paid_course, django_capture_on_commit_callbacks
    ):
        coupon = make_coupon("LAST", max_redemptions=1)
        first_buyer, second_buyer = UserFactory(), UserFactory()
        # Both start checkout while one redemption is left; both pay.
        first = checkout(first_buyer, paid_course, "LAST")
        second = checkout(second_buyer, paid_course, "LAST")
        with django_capture_on_commit_callbacks(execute=True):
            deliver_paid(client, first, event_id="evt_first")
            deliver_paid(client, second, event_id="evt_second")
        first.refresh_from_db()
        second.refresh_from_db()
        coupon.refresh_from_db()
        assert coupon.times_redeemed == 1
        assert first.status == OrderStatus.PAID and has_access(first_buyer, paid_course)
        assert second.auto_refund_reason == "coupon_used_up" and second.status == OrderStatus.REFUNDED
        assert not has_access(second_buyer, paid_course)
        # The second buyer is told why on the return page, and may buy again without the coupon.
        client.force_login(second_buyer)
        page = client.get(reverse("billing:order_return", args=[second.pk])).content.decode()
        assert "The coupon was used up before the payment arrived" in page
        with pytest.raises(services.CouponRefused, match="used up"):
            checkout(second_buyer, paid_course, "LAST")
        assert checkout(second_buyer, paid_course).total == Decimal("49.00")

    def test_a_deleted_coupon_leaves_the_orders_code_and_discount(self, learner, paid_course):
        make_coupon("GONE")
        order = checkout(learner, paid_course, "GONE")
        simulator.pay(order=order)
        Coupon.objects.all().delete()
        order.refresh_from_db()
        assert order.coupon is None and order.coupon_code == "GONE" and order.discount == Decimal("4.90")
        assert order.status == OrderStatus.PAID


class TestTheCheckoutStep:
    def test_apply_shows_the_discounted_price_in_place(self, client, learner, paid_course):
        make_coupon("WELCOME10")
        client.force_login(learner)
        url = reverse("billing:checkout", args=[paid_course.pk])
        response = client.post(url, {"coupon_code": "welcome10"}, headers={"HX-Request": "true"})
        html = response.content.decode()
        assert response.status_code == 200 and html.lstrip().startswith('<section id="coupon-summary"')
        assert "Coupon WELCOME10" in html and "−4.90 EUR" in html and "44.10 EUR" in html
        assert not Order.objects.exists()  # applying a code is only a question

    def test_a_refused_code_says_why_next_to_the_field(self, client, learner, paid_course):
        client.force_login(learner)
        url = reverse("billing:checkout", args=[paid_course.pk])
        response = client.post(url, {"coupon_code": "NOSUCH", "name": "Ada"}, headers={"HX-Request": "true"})
        html = response.content.decode()
        assert response.status_code == 400
        assert "The coupon code “NOSUCH” is not valid." in html and 'aria-invalid="true"' in html
        assert "49.00 EUR" in html
        # Without htmx the whole page comes back, with what was typed kept.
        page = client.post(url, {"coupon_code": "NOSUCH", "name": "Ada Lovelace"}).content.decode()
        assert "is not valid" in page and 'value="Ada Lovelace"' in page

    def test_paying_with_a_refused_code_keeps_the_learner_on_the_checkout_step(self, client, learner, paid_course):
        make_coupon("OLD", valid_until=timezone.now() - timedelta(days=1))
        client.force_login(learner)
        response = client.post(
            reverse("billing:buy", args=[paid_course.pk]), {"checkout_step": "1", "coupon_code": "OLD"}
        )
        assert response.status_code == 400 and "The coupon OLD has expired." in response.content.decode()
        assert not Order.objects.exists()

    def test_the_course_page_leads_to_the_checkout_step_and_no_longer_promises_promotion_codes(
        self, client, learner, paid_course
    ):
        client.force_login(learner)
        html = client.get(paid_course.url).content.decode()
        assert f'action="{reverse("billing:checkout", args=[paid_course.pk])}"' in html
        assert "Promotion codes are accepted" not in html
        assert "Have a coupon?" in html
        checkout_page = client.get(reverse("billing:checkout", args=[paid_course.pk])).content.decode()
        assert 'name="coupon_code"' in checkout_page and "49.00 EUR" in checkout_page


class TestCouponAdmin:
    INDEX = reverse("billing_coupons:index")
    ADD = reverse("billing_coupons:add")

    def form(self, **fields):
        data = {
            "code": "spring-25",
            "kind": CouponKind.PERCENT,
            "percent_off": "25",
            "amount_off": "",
            "currency": "",
            "valid_from": "",
            "valid_until": "",
            "max_redemptions": "",
            "course": "",
            "is_active": "on",
        }
        return {**data, **fields}

    def test_only_admins_manage_coupons(self, client, admin_user, trainer, learner):
        coupon = make_coupon("ADMINSONLY")
        edit = reverse("billing_coupons:edit", args=[coupon.pk])
        for user in (trainer, learner):
            client.force_login(user)
            for url in (self.INDEX, self.ADD, edit):
                response = client.get(url)
                assert response.status_code in (302, 403), (user, url)
        client.force_login(admin_user)
        assert self.INDEX in client.get(reverse("wagtailadmin_home")).content.decode()
        listing = client.get(self.INDEX).content.decode()
        assert "ADMINSONLY" in listing and "10 %" in listing

    def test_an_admin_adds_a_coupon_stored_in_capitals(self, client, admin_user):
        client.force_login(admin_user)
        response = client.post(self.ADD, self.form())
        assert response.status_code == 302, response.context["form"].errors
        coupon = Coupon.objects.get()
        assert coupon.code == "SPRING-25" and coupon.percent_off == Decimal("25") and coupon.amount_off is None
        # Codes are unique whatever the case.
        response = client.post(self.ADD, self.form(code="Spring-25"))
        assert response.status_code == 200 and Coupon.objects.count() == 1

    @pytest.mark.parametrize(
        ("fields", "error"),
        [
            ({"percent_off": "100"}, "a coupon cannot make it free"),
            ({"percent_off": ""}, "Enter the percentage to take off."),
            ({"kind": CouponKind.AMOUNT, "percent_off": "", "amount_off": "5"}, "Choose the currency of the amount."),
            ({"code": "no spaces!"}, "Use 2 to 32 letters"),
            ({"valid_from": "2030-01-02 10:00", "valid_until": "2030-01-01 10:00"}, "The end must come after"),
            ({"max_redemptions": "0"}, "greater than or equal to 1"),
        ],
        ids=["free", "no-percent", "no-currency", "bad-code", "backwards", "zero-uses"],
    )
    def test_a_coupon_that_could_not_work_is_refused_with_a_message(self, client, admin_user, fields, error):
        client.force_login(admin_user)
        response = client.post(self.ADD, self.form(**fields))
        assert response.status_code == 200 and error in response.content.decode()
        assert not Coupon.objects.exists()

    def test_the_maximum_cannot_go_below_what_was_redeemed(self, client, admin_user):
        coupon = make_coupon("POPULAR", max_redemptions=10)
        Coupon.objects.filter(pk=coupon.pk).update(times_redeemed=4)
        client.force_login(admin_user)
        response = client.post(
            reverse("billing_coupons:edit", args=[coupon.pk]),
            self.form(code="POPULAR", percent_off="10", max_redemptions="3"),
        )
        assert "already been redeemed 4 times" in response.content.decode()
        coupon.refresh_from_db()
        assert coupon.max_redemptions == 10 and coupon.times_redeemed == 4
