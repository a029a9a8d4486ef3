"""`{{ amount|money:currency }}`: templates print amounts the way receipts and the admin do (lms_site.formatting),
in the page's language: "49.00 EUR", "49,00 EUR"."""

from django import template

from lms_site.formatting import money_with_code

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    return money_with_code(amount, currency)
