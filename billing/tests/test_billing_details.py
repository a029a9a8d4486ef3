"""The buyer's billing details (given at the checkout step or to Stripe, remembered if they wish) and the
seller's details (site settings), as receipts print them."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader
from wagtail.models import Site

from billing import selectors, services, simulator
from billing.details import BillingDetails
from billing.models import BillingProfile, Order, SellerSettings
from courses.tests.factories import make_course

from .factories import checkout_completed, make_coupon

pytestmark = pytest.mark.django_db

COMPANY = {
    "name": "Ada Lovelace",
    "company": "Analytical Engines GmbH",
    "address_line1": "Unter den Linden 1",
    "address_line2": "",
    "postal_code": "10117",
    "city": "Berlin",
    "country": "DE",
    "vat_id": "de 123.456.789",
}


@pytest.fixture
def paid_course(catalogue, trainer):
    return make_course(catalogue, title="Django in Depth", trainer=trainer, price=Decimal("49.00"))


@pytest.fixture
def seller(db):
    settings = SellerSettings.for_site(Site.objects.get(is_default_site=True))
    settings.name = "Learnwell Academy Ltd"
    settings.address = "1 Example Street\n10115 Berlin\nGermany"
    settings.vat_id = "DE999999999"
    settings.save()
    return settings


def buy(client, course, **fields):
    data = {"checkout_step": "1", "coupon_code": "", "remember": "on", **COMPANY, **fields}
    return client.post(reverse("billing:buy", args=[course.pk]), {k: v for k, v in data.items() if v is not None})


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


class TestAtCheckout:
    def test_details_go_on_the_order_and_are_remembered_for_next_time(self, client, learner, paid_course):
        client.force_login(learner)
        response = buy(client, paid_course)
        assert response.status_code == 302
        order = Order.objects.get()
        assert order.buyer == BillingDetails(
            name="Ada Lovelace",
            company="Analytical Engines GmbH",
            address_line1="Unter den Linden 1",
            postal_code="10117",
            city="Berlin",
            country="DE",
            vat_id="DE123456789",  # written as the register has it
        )
        assert selectors.saved_billing_details(user=learner) == order.buyer
        # The next checkout step starts with them filled in, and the billing part open.
        page = client.get(reverse("billing:checkout", args=[paid_course.pk])).content.decode()
        assert 'value="Analytical Engines GmbH"' in page and 'value="DE123456789"' in page
        assert "<details" in page and " open>" in page

    def test_not_remembering_keeps_the_saved_details_and_empty_ones_forget_them(self, client, learner, paid_course):
        services.remember_billing_details(user=learner, details=BillingDetails(name="Saved", country="FR"))
        client.force_login(learner)
        buy(client, paid_course, remember=None, company="Once Only Ltd")
        assert Order.objects.get().buyer.company == "Once Only Ltd"
        assert selectors.saved_billing_details(user=learner).name == "Saved"
        Order.objects.all().delete()
        empty = dict.fromkeys(COMPANY, "")
        buy(client, paid_course, **empty)
        assert Order.objects.get().buyer_details == {} and not BillingProfile.objects.exists()

    def test_the_buy_button_alone_uses_the_saved_details(self, client, learner, paid_course):
        services.remember_billing_details(user=learner, details=BillingDetails(company="Saved Ltd", country="AT"))
        client.force_login(learner)
        client.post(reverse("billing:buy", args=[paid_course.pk]))
        assert Order.objects.get().buyer.company == "Saved Ltd"

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"name": "", "company": ""}, "Enter your name or your company"),
            ({"address_line1": ""}, "Enter the street and number."),
            ({"country": "XX"}, "Choose the country from the list."),
            ({"country": "DE", "vat_id": "FR12345678901"}, "A VAT id from Germany starts with DE."),
            ({"vat_id": "123"}, "Enter the VAT id as it is registered"),
            ({"name": "A" * 101}, "Use at most 100 characters."),
            ({"city": "Berlin\nInjected line"}, "Use one line of plain text."),
            ({"company": "Evil\u202eCorp"}, "Use one line of plain text."),
            ({"postal_code": "\x00"}, "Null characters are not allowed."),
            ({"coupon_code": "C" * 33}, "Coupon codes are at most 32 characters."),
        ],
        ids=[
            "no-name",
            "no-street",
            "unknown-country",
            "vat-prefix",
            "vat-format",
            "too-long",
            "newline",
            "bidi",
            "null",
            "long-coupon",
        ],
    )
    def test_bad_details_are_refused_with_a_message_and_nothing_is_bought(
        self, client, learner, paid_course, fields, message
    ):
        client.force_login(learner)
        response = buy(client, paid_course, **fields)
        assert response.status_code == 400 and message in response.content.decode()
        assert not Order.objects.exists() and not BillingProfile.objects.exists()

    def test_greece_writes_its_vat_ids_with_el(self, client, learner, paid_course):
        client.force_login(learner)
        assert buy(client, paid_course, country="GR", vat_id="EL123456789").status_code == 302
        assert Order.objects.get().buyer.vat_id == "EL123456789"

    def test_other_terms_start_a_new_checkout_the_same_ones_reuse_it(self, client, learner, paid_course):
        make_coupon("WELCOME10")
        client.force_login(learner)
        buy(client, paid_course)
        buy(client, paid_course)
        assert Order.objects.count() == 1
        buy(client, paid_course, coupon_code="WELCOME10")
        assert Order.objects.count() == 2


class TestFromStripe:
    def customer_details(self):
        return {
            "email": "ada@example.com",
            "name": "Ada Lovelace",
            "business_name": "Analytical Engines GmbH",
            "address": {
                "line1": "Unter den Linden 1",
                "line2": None,
                "postal_code": "10117",
                "city": "Berlin",
                "state": None,
                "country": "DE",
            },
            "tax_ids": [{"type": "eu_vat", "value": "DE123456789"}],
        }

    def paid(self, order, customer_details):
        return checkout_completed(order, amount_total=4900, customer_details=customer_details)

    def test_details_the_buyer_gave_stripe_are_recorded_from_the_verified_event(self, learner, paid_course):
        order = services.start_checkout(user=learner, course=paid_course, base_url="http://testserver")
        services.apply_event(event=self.paid(order, self.customer_details()))
        order.refresh_from_db()
        assert order.buyer.company == "Analytical Engines GmbH" and order.buyer.vat_id == "DE123456789"
        assert order.buyer.city == "Berlin" and order.buyer.country == "DE"

    def test_details_given_at_our_checkout_step_are_kept(self, learner, paid_course):
        mine = BillingDetails(name="Ada", address_line1="Home 1", city="Paris", country="FR")
        order = services.start_checkout(user=learner, course=paid_course, base_url="http://testserver", buyer=mine)
        services.apply_event(event=self.paid(order, self.customer_details()))
        order.refresh_from_db()
        assert order.buyer == mine

    def test_an_e_mail_alone_records_nothing_and_hostile_values_are_made_plain(self, learner, paid_course):
        order = services.start_checkout(user=learner, course=paid_course, base_url="http://testserver")
        services.apply_event(event=self.paid(order, {"email": "ada@example.com", "address": {"country": "DE"}}))
        order.refresh_from_db()
        assert order.buyer_details == {}
        hostile = self.customer_details()
        hostile["name"] = "Ada\r\nBcc: x@example.com" + "x" * 500
        hostile["address"]["country"] = "ZZ"
        hostile["tax_ids"] = [{"value": "not a vat id!"}, "junk"]
        other = services.start_checkout(
            user=learner,
            course=make_course(paid_course.get_parent().specific, title="Second", price=Decimal("49.00")),
            base_url="http://testserver",
        )
        services.apply_event(event=self.paid(other, hostile))
        other.refresh_from_db()
        assert other.buyer.name.startswith("Ada Bcc: x@example.com") and len(other.buyer.name) == 100
        assert other.buyer.country == "" and other.buyer.vat_id == ""


class TestOnTheReceipt:
    def test_pdf_and_page_show_seller_buyer_and_coupon(self, client, learner, paid_course, seller):
        make_coupon("WELCOME10")
        client.force_login(learner)
        buy(client, paid_course, coupon_code="WELCOME10")
        order = Order.objects.get()
        simulator.pay(order=order)

        text = pdf_text(client.get(reverse("billing:receipt", args=[order.pk])).getvalue())
        for expected in (
            "Learnwell Academy Ltd",
            "1 Example Street",
            "VAT id: DE999999999",
            "Analytical Engines GmbH",
            "Unter den Linden 1",
            "10117 Berlin",
            "Germany",
            "VAT id: DE123456789",
            "Coupon WELCOME10",
            "−4.90 EUR",
            "44.10 EUR",
        ):
            assert expected in text, expected

        page = client.get(reverse("billing:receipt_page", args=[order.pk]))
        html = page.content.decode()
        assert page.status_code == 200 and "private" in page["Cache-Control"]
        for expected in ("Learnwell Academy Ltd", "VAT id: DE999999999", "Analytical Engines GmbH", "10117 Berlin"):
            assert expected in html, expected
        assert "Coupon WELCOME10" in html and "−4.90 EUR" in html and "44.10 EUR" in html
        assert reverse("billing:receipt", args=[order.pk]) in html

        purchases = client.get(reverse("billing:purchases")).content.decode()
        assert "Billed to Analytical Engines GmbH · Germany · VAT id: DE123456789" in purchases
        assert "Coupon WELCOME10 −4.90 EUR" in purchases
        assert reverse("billing:receipt_page", args=[order.pk]) in purchases

    def test_the_seller_printed_is_the_one_when_the_order_was_paid(self, client, learner, paid_course, seller):
        order = services.start_checkout(user=learner, course=paid_course, base_url="http://testserver")
        simulator.pay(order=order)
        seller.name = "Renamed Later Ltd"
        seller.save()
        client.force_login(learner)
        text = pdf_text(client.get(reverse("billing:receipt", args=[order.pk])).getvalue())
        assert "Learnwell Academy Ltd" in text and "Renamed Later" not in text

    def test_without_seller_settings_the_site_name_is_the_seller(self, client, learner, paid_course):
        order = services.start_checkout(user=learner, course=paid_course, base_url="http://testserver")
        simulator.pay(order=order)
        client.force_login(learner)
        html = client.get(reverse("billing:receipt_page", args=[order.pk])).content.decode()
        assert "Learnwell" in html and "VAT id" not in html

    def test_another_learner_and_visitors_cannot_see_the_receipt_page(self, client, learner, paid_course, trainer):
        order = services.start_checkout(user=learner, course=paid_course, base_url="http://testserver")
        simulator.pay(order=order)
        url = reverse("billing:receipt_page", args=[order.pk])
        assert client.get(url).status_code == 302
        client.force_login(trainer)
        assert client.get(url).status_code == 404


class TestSellerSettingsAdmin:
    def url(self):
        return reverse("wagtailsettings:edit", args=["billing", "sellersettings", Site.objects.get().pk])

    def test_an_admin_edits_the_seller_and_bad_input_is_refused(self, client, admin_user):
        client.force_login(admin_user)
        assert client.get(self.url()).status_code == 200
        response = client.post(
            self.url(), {"name": "Learnwell Ltd", "address": "Street 1\nCity", "vat_id": "DE111111111"}
        )
        assert response.status_code == 302
        assert selectors.seller_details().address_lines() == ["Street 1", "City"]
        response = client.post(self.url(), {"name": "Bad\x07Name", "address": "\n".join("line" * 7), "vat_id": ""})
        assert response.status_code == 200 and "Use one line of plain text." in response.content.decode()
        assert selectors.seller_details().name == "Learnwell Ltd"

    def test_trainers_cannot_even_with_the_permission_box_ticked(self, client, trainer):
        from django.contrib.auth.models import Permission

        trainer.groups.first().permissions.add(Permission.objects.get(codename="change_sellersettings"))
        client.force_login(trainer)
        response = client.get(self.url())
        assert response.status_code in (302, 403)
