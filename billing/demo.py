"""Demo data: a welcome coupon for any paid course, and the seller's details that receipts print."""

from decimal import Decimal

from wagtail.models import Site

from .models import Coupon, CouponKind, SellerSettings

DEMO_COUPON = "WELCOME10"
DEMO_SELLER = {
    "name": "Learnwell Demo Ltd",
    "address": "1 Example Street\n10115 Berlin\nGermany",
    "vat_id": "DE000000000",
}


def seed_billing() -> None:
    """Idempotent: the coupon is found by its code and the seller's details are filled only while empty, so
    an admin's later edits are kept."""
    Coupon.objects.get_or_create(
        code=DEMO_COUPON, defaults={"kind": CouponKind.PERCENT, "percent_off": Decimal("10.00"), "is_active": True}
    )
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return
    seller = SellerSettings.for_site(site)
    if not seller.name and not seller.address and not seller.vat_id:
        for field, value in DEMO_SELLER.items():
            setattr(seller, field, value)
        seller.save()
