"""Numbers, money and dates in each language the site speaks; English exactly as it always read."""

from datetime import UTC, datetime
from decimal import Decimal
from importlib import import_module

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import formats, translation

from lms_site.formats import PROJECT_FORMATS
from lms_site.formatting import format_measure, format_value, money_with_code

NBSP, RLM = "\u00a0", "\u200f"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["€1,234.50", "-$20.00", "1,234.50 CHF", "42.5 %", "1,234", "1,234.50", "1234.50 EUR"]),
        (
            "de",
            [f"1.234,50{NBSP}€", f"-20,00{NBSP}$", f"1.234,50{NBSP}CHF", "42,5 %", "1.234", "1.234,50", "1234,50 EUR"],
        ),
        (
            # Latin digits (Babel's default for "ar"); a right-to-left mark keeps the sign and symbol in place.
            "ar",
            [
                f"{RLM}1,234.50{NBSP}€",
                f"{RLM}-20.00{NBSP}US$",
                f"{RLM}1,234.50{NBSP}CHF",
                "42.5 \u200e%\u200e",
                "1,234",
                "1,234.50",
                "1234.50 EUR",
            ],
        ),
    ],
)
def test_money_and_numbers_follow_the_active_language(language, expected):
    with translation.override(language):
        assert [
            format_value(Decimal("1234.5"), "money", "EUR"),
            format_value(Decimal("-20"), "money", "USD"),
            format_value(Decimal("1234.5"), "money", "CHF"),
            format_value(42.5, "percent"),
            format_value(1234, "int"),
            format_value(1234.5, "number"),
            money_with_code(Decimal("1234.50"), "EUR"),
        ] == expected


def test_chart_measures_keep_their_english_forms_and_drop_a_minus_that_rounds_away():
    with translation.override("en"):
        assert format_measure(-0.04, "%") == "0.0 %"
        assert format_measure(-1234, "EUR") == "-€1,234.00"
        assert format_measure(1234) == "1,234" and format_measure(2.5) == "2.50"
        assert format_measure(None) == "—"
    with translation.override("de"):
        assert format_measure(-1234, "EUR", decimals=0) == f"-1.234{NBSP}€"


def test_the_money_filter_prints_in_the_page_language():
    template = Template("{% load money %}{{ amount|money:'EUR' }}")
    with translation.override("de"):
        assert template.render(Context({"amount": Decimal("49.00")})) == "49,00 EUR"
    assert template.render(Context({"amount": Decimal("49.00")})) == "49.00 EUR"


def test_every_language_defines_every_project_date_format():
    for code, _name in settings.LANGUAGES:
        module = import_module(f"lms_site.formats.{code}.formats")
        assert all(isinstance(getattr(module, name, None), str) for name in PROJECT_FORMATS), code


MOMENT = datetime(2026, 12, 6, 14, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "name", "expected"),
    [
        ("en", "ABBR_DATE_FORMAT", "6 Dec 2026"),
        ("en", "LONG_DATE_FORMAT", "6 December 2026"),
        ("en", "WEEKDAY_DATETIME_FORMAT", "Sunday 6 December 2026, 14:05"),
        ("en", "ABBR_DAY_MONTH_TIME_FORMAT", "6 Dec, 14:05"),
        ("de", "ABBR_DATE_FORMAT", "6. Dez. 2026"),
        ("de", "LONG_DATE_FORMAT", "6. Dezember 2026"),
        ("de", "WEEKDAY_DATETIME_FORMAT", "Sonntag, 6. Dezember 2026, 14:05"),
        ("ar", "ABBR_DATE_FORMAT", "6 ديسمبر 2026"),
        ("ar", "WEEKDAY_DATETIME_FORMAT", "الأحد 6 ديسمبر 2026، 14:05"),
    ],
)
def test_dates_read_as_each_language_writes_them(language, name, expected):
    with translation.override(language):
        assert formats.date_format(MOMENT, name) == expected
        assert Template(f'{{{{ moment|date:"{name}" }}}}').render(Context({"moment": MOMENT})) == expected
