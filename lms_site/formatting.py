"""How numbers and money read for people: the analytics dashboard, its charts and exports, and the receipts.

Money has two styles, each for its readers:
- figures (analytics): the currency's symbol before the amount where it has a well-known one ("€1,234.50",
  "-$20.00"), else its code after it ("1,234.50 CHF"), thousands grouped;
- billing documents: the amount and the ISO code ("1234.50 EUR"), as the payment provider and the learner's
  bank statement show it.
Undefined values (no denominator, no data) read "—", never 0.
"""

import math
from decimal import ROUND_HALF_UP, Decimal

NOT_DEFINED = "—"
CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def with_unit(magnitude: str, unit: str, *, negative: bool = False) -> str:
    """A formatted number with its unit ("%", a currency code or none): "42.5 %", "-€1,234.00", "7.00 CHF"."""
    sign = "-" if negative else ""
    if unit == "%":
        return f"{sign}{magnitude} %"
    symbol = CURRENCY_SYMBOLS.get(unit)
    if symbol:
        return f"{sign}{symbol}{magnitude}"
    if unit:
        return f"{sign}{magnitude} {unit}"
    return f"{sign}{magnitude}"


def format_value(value, kind: str, currency: str = "") -> str:
    """A typed value (a Column or Kpi kind: percent, money, int, number, text) as the dashboard and reports print it.

    Percentages are percentage points with one decimal ("33.3 %"); money is rounded half up to the cent.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NOT_DEFINED
    if kind == "percent":
        return with_unit(f"{value:.1f}", "%")
    if kind == "money":
        amount = Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP)
        return with_unit(f"{abs(amount):,.2f}", currency, negative=amount < 0)
    if kind == "int":
        return f"{int(value):,}"
    if kind == "number":
        return f"{value:,.2f}"
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
    text = f"{abs(number):,.{decimals}f}"
    # An ASCII minus, never U+2212, so every font of every export has it; and none before a value that rounds to 0.
    return with_unit(text, unit, negative=number < 0 and float(text.replace(",", "")) != 0)


def money_with_code(amount: Decimal, currency: str) -> str:
    """An amount as a billing document prints it: "49.00 EUR"."""
    return f"{amount:.2f} {currency}"
