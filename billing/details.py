"""Who sells and who buys, as a receipt prints them: the buyer's billing details and the seller's.

Both travel as plain dicts (an order keeps a copy of each from the moment it was paid, so a receipt never
changes when someone edits their details later) and become these dataclasses wherever they are read.
"""

import re
import unicodedata
from dataclasses import asdict, dataclass, fields
from functools import cache
from importlib import resources
from typing import Any

from django.utils.translation import gettext as _

# The longest value each billing field keeps; the forms, the webhook's copy and the PDF layout all use them.
MAX_LENGTHS = {
    "name": 100,
    "company": 100,
    "address_line1": 100,
    "address_line2": 100,
    "postal_code": 20,
    "city": 100,
    "country": 2,
    "vat_id": 20,
}

BILLING_FIELDS = tuple(MAX_LENGTHS)

# An address is a few lines; more would push the receipt's own content off its page.
SELLER_ADDRESS_LINES = 6
SELLER_ADDRESS_LINE_LENGTH = 100

# Member states of the EU, whose VAT ids start with the country's code (Greece's with "EL").
# fmt: off
EU_COUNTRIES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})
# fmt: on
VAT_PREFIXES = {"GR": "EL"}
VAT_ID = re.compile(r"[A-Z]{2}[0-9A-Z+*]{2,13}")

# Characters that would let a value change how a receipt reads: line breaks and other controls, and the
# marks that reverse the direction of the text after them.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@cache
def countries() -> dict[str, str]:
    """ISO 3166 alpha-2 codes and English names, from the tzdata package the project already depends on."""
    table = resources.files("tzdata.zoneinfo").joinpath("iso3166.tab").read_text(encoding="utf-8")
    rows = (line.split("\t") for line in table.splitlines() if line and not line.startswith("#"))
    return dict(rows)


def country_name(code: str) -> str:
    name = countries().get(code)
    return _(name) if name else code


def country_choices() -> list[tuple[str, str]]:
    return sorted(((code, country_name(code)) for code in countries()), key=lambda choice: choice[1])


def has_control_characters(text: str) -> bool:
    return any(unicodedata.category(char) == "Cc" or char in _BIDI_CONTROLS for char in text)


def plain(text: Any, max_length: int) -> str:
    """A value from outside (Stripe's copy of the details) made safe to print: controls become spaces,
    runs of spaces one, and it is cut to the field's length."""
    if not isinstance(text, str):
        return ""
    cleaned = "".join(" " if has_control_characters(char) else char for char in text)
    return " ".join(cleaned.split())[:max_length]


def normalise_vat_id(text: str) -> str:
    """VAT ids are written with spaces, dots and dashes ("DE 123.456.789"); the id is what is left."""
    return re.sub(r"[\s.\-]", "", text).upper()


def vat_id_problem(vat_id: str, country: str) -> str | None:
    """What is wrong with a (normalised) VAT id, in words for the buyer; None when nothing is."""
    if not VAT_ID.fullmatch(vat_id):
        return _("Enter the VAT id as it is registered: the country's two letters, then 2 to 13 letters or digits.")
    if country in EU_COUNTRIES:
        prefix = VAT_PREFIXES.get(country, country)
        if not vat_id.startswith(prefix):
            return _("A VAT id from %(country)s starts with %(prefix)s.") % {
                "country": country_name(country),
                "prefix": prefix,
            }
    return None


@dataclass(frozen=True)
class BillingDetails:
    """The buyer's details for the receipt; all optional, and an empty set prints nothing."""

    name: str = ""
    company: str = ""
    address_line1: str = ""
    address_line2: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""
    vat_id: str = ""

    @classmethod
    def from_dict(cls, data: Any) -> "BillingDetails":
        if not isinstance(data, dict):
            return cls()
        return cls(**{field.name: plain(data.get(field.name), MAX_LENGTHS[field.name]) for field in fields(cls)})

    @classmethod
    def from_stripe(cls, customer_details: Any) -> "BillingDetails":
        """What a Checkout Session's customer_details say, when the buyer gave Stripe more than an e-mail
        address: an address line or a tax id. A business name, when Stripe sends one, is the company."""
        if not isinstance(customer_details, dict):
            return cls()
        given_address, given_tax_ids = customer_details.get("address"), customer_details.get("tax_ids")
        address: dict[str, Any] = given_address if isinstance(given_address, dict) else {}
        tax_ids: list[Any] = given_tax_ids if isinstance(given_tax_ids, list) else []
        vat_id = next(
            (normalise_vat_id(str(tax.get("value"))) for tax in tax_ids if isinstance(tax, dict) and tax.get("value")),
            "",
        )
        if not address.get("line1") and not vat_id:
            return cls()
        country = str(address.get("country") or "").upper()
        city = ", ".join(part for part in (address.get("city"), address.get("state")) if isinstance(part, str) and part)
        return cls.from_dict(
            {
                "name": customer_details.get("name"),
                "company": customer_details.get("business_name"),
                "address_line1": address.get("line1"),
                "address_line2": address.get("line2"),
                "postal_code": address.get("postal_code"),
                "city": city,
                "country": country if country in countries() else "",
                "vat_id": vat_id if VAT_ID.fullmatch(vat_id) else "",
            }
        )

    def as_dict(self) -> dict[str, str]:
        return {key: value for key, value in asdict(self).items() if value}

    @property
    def is_empty(self) -> bool:
        return not any(asdict(self).values())

    def lines(self) -> list[str]:
        """The details as an address block: who, where, and the VAT id last."""
        place = " ".join(part for part in (self.postal_code, self.city) if part)
        lines = [self.company, self.name, self.address_line1, self.address_line2, place]
        if self.country:
            lines.append(country_name(self.country))
        if self.vat_id:
            lines.append(_("VAT id: %(vat_id)s") % {"vat_id": self.vat_id})
        return [line for line in lines if line]

    def summary(self) -> str:
        """One line for a listing: the company or name, the country and the VAT id."""
        parts = [self.company or self.name, country_name(self.country) if self.country else ""]
        if self.vat_id:
            parts.append(_("VAT id: %(vat_id)s") % {"vat_id": self.vat_id})
        return " · ".join(part for part in parts if part)


@dataclass(frozen=True)
class SellerDetails:
    """Who issues the receipt: the site's seller settings when the order was paid."""

    name: str
    address: str = ""
    vat_id: str = ""

    @classmethod
    def from_dict(cls, data: Any, *, default_name: str) -> "SellerDetails":
        data = data if isinstance(data, dict) else {}
        address_lines = str(data.get("address") or "").splitlines()
        return cls(
            name=plain(data.get("name"), 100) or default_name,
            address="\n".join(
                line for line in (plain(line, SELLER_ADDRESS_LINE_LENGTH) for line in address_lines) if line
            ),
            vat_id=plain(data.get("vat_id"), 20),
        )

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    def address_lines(self) -> list[str]:
        return self.address.splitlines()[:SELLER_ADDRESS_LINES]
