from decimal import Decimal

from billing.models import Coupon, CouponKind


def make_coupon(code: str = "WELCOME10", **fields) -> Coupon:
    """A coupon taking 10 % off any paid course unless told otherwise; pass amount_off for a fixed amount."""
    if "amount_off" in fields:
        fields.setdefault("kind", CouponKind.AMOUNT)
        fields.setdefault("currency", "EUR")
    else:
        fields.setdefault("kind", CouponKind.PERCENT)
        fields.setdefault("percent_off", Decimal("10.00"))
    return Coupon.objects.create(code=code, **fields)
