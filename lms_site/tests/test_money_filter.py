from decimal import Decimal

from django.template import Context, Template


def test_templates_print_amounts_with_two_decimals_and_the_currency_code():
    template = Template("{% load money %}{{ amount|money:currency }}")
    assert template.render(Context({"amount": Decimal("49"), "currency": "EUR"})) == "49.00 EUR"
    assert template.render(Context({"amount": Decimal("0.5"), "currency": "USD"})) == "0.50 USD"
