"""How numbers and money read for people: the analytics dashboard, its charts and exports, and the receipts.

Every figure is written the way the active language writes it (Babel, with the language's CLDR data): English
"€1,234.50", German "1.234,50 €", Arabic "‏1,234.50 €". English output is what it always was, and the
language is the active one, so a document drawn inside `speaking_to(recipient)` reads in its reader's.

Money has two styles, each for its readers:
- figures (analytics): in English the currency's symbol before the amount where it has a well-known one
  ("€1,234.50", "-$20.00"), else its code after it ("1,234.50 CHF"), thousands grouped; in other languages
  the language's own currency format;
- billing documents: the amount and the ISO code ("1234.50 EUR", German "1234,50 EUR"), as the payment provider
  and the learner's bank statement show it.
Undefined values (no denominator, no data) read "—", never 0.
"""

import math
from decimal import ROUND_HALF_UP, Decimal

from babel import Locale, numbers
from django.conf import settings
from django.utils import translation

NOT_DEFINED = "—"
CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}
# Babel's locale for each site language where the code alone is not one; American English has the symbols
# above ("$", not "US$") and the same digits as British English.
LOCALES = {"en": "en_US"}


def locale() -> str:
    """The Babel locale of the active language (the site's default when none is active)."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    return LOCALES.get(language, translation.to_locale(language))


def _is_english() -> bool:
    return locale().startswith("en")


def format_decimal(value, decimals: int) -> str:
    """A number with `decimals` places and its thousands grouped: "1,234.50", "1.234,50"."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return numbers.format_decimal(value, format=pattern, locale=locale(), decimal_quantization=True)


def format_percent(points, decimals: int = 1) -> str:
    """Percentage points (42.5, not 0.425) with a space before the sign: "42.5 %", "42,5 %"."""
    sign = Locale.parse(locale()).number_symbols["latn"]["percentSign"]  # Latin digits, as format_decimal writes
    return f"{format_decimal(points, decimals)} {sign}"


def format_currency(amount, currency: str, decimals: int = 2) -> str:
    """An amount as figures print it: "€1,234.50", "1,234.50 CHF"; German "1.234,50 €"."""
    fraction = "." + "0" * decimals if decimals else ""
    if not _is_english():
        standard = Locale.parse(locale()).currency_formats["standard"].pattern  # with its negative part, if any
        pattern = standard.replace("#,##0.00", "#,##0" + fraction)
    elif currency in CURRENCY_SYMBOLS:
        pattern = "¤#,##0" + fraction
    else:
        pattern = "#,##0" + fraction + " ¤¤"
    return numbers.format_currency(amount, currency, format=pattern, locale=locale(), currency_digits=False)


def with_unit(magnitude: str, unit: str, *, negative: bool = False) -> str:
    """A formatted number with its unit ("%", a currency code or none): "42.5 %", "-€1,234.00", "7.00 CHF".

    For magnitudes already written out; `format_value` and `format_measure` write them per language."""
    sign = "-" if negative else ""
    if unit == "%":
        return f"{sign}{magnitude} %"
    symbol = CURRENCY_SYMBOLS.get(unit)
    if symbol:
        return f"{sign}{symbol}{magnitude}"
    if unit:
        return f"{sign}{magnitude} {unit}"
    return f"{sign}{magnitude}"


def _with_unit(number, unit: str, decimals: int) -> str:
    if unit == "%":
        return format_percent(number, decimals)
    if unit:
        return format_currency(number, unit, decimals)
    return format_decimal(number, decimals)


def format_value(value, kind: str, currency: str = "") -> str:
    """A typed value (a Column or Kpi kind: percent, money, int, number, text) as the dashboard and reports print it.

    Percentages are percentage points with one decimal ("33.3 %"); money is rounded half up to the cent.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NOT_DEFINED
    if kind == "percent":
        return format_percent(value, 1)
    if kind == "money":
        amount = Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP)
        return format_currency(amount, currency)
    if kind == "int":
        return format_decimal(int(value), 0)
    if kind == "number":
        return format_decimal(value, 2)
    return str(value)


def finite_float(value) -> float | None:
    """A float to plot or print, or None for a missing value (None, NaN, infinity)."""
    if value is None:
        return None
    number = float(value) if isinstance(value, Decimal | int | float) else float(str(value))
    return number if math.isfinite(number) else None


def format_measure(value, unit: str = "", *, decimals: int | None = None) -> str:
    """A value of a chart's series, by the series' unit: "1,234", "42.5 %", "€1,234.00", "1,234.00 CHF".

    Without `decimals`: one for percentages, two for money, none for whole counts; axis ticks pass the
    decimals their step needs.
    """
    number = finite_float(value)
    if number is None:
        return NOT_DEFINED
    if decimals is None:
        if unit == "%":
            decimals = 1
        elif unit:  # money
            decimals = 2
        else:
            decimals = 0 if number == int(number) else 2
    # No minus before a value that rounds to 0 ("-0.0 %").
    rounded = round(number, decimals)
    return _with_unit(rounded if rounded else 0.0, unit, decimals)


def money_with_code(amount: Decimal, currency: str) -> str:
    """An amount as a billing document prints it: "49.00 EUR", German "49,00 EUR"; never grouped, as the
    payment provider and bank statements write it."""
    return numbers.format_currency(amount, currency, format="0.00 ¤¤", locale=locale(), currency_digits=False)
