"""The one way to read numbers and JSON that come from outside: forms, query strings, headers, bodies.

Whatever a client sends, these answer a value or None (or raise BadInput, which views turn into a 400),
never an exception from deep inside Python or the database: an id beyond what a database column holds,
a 5,000-digit number, NaN or Infinity, or JSON nested deep enough to exhaust the parser's stack.
"""

import json
import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# The largest id a signed 64-bit primary key holds (BigAutoField on MariaDB and SQLite alike).
MAX_ID = 2**63 - 1
# Digits read at most: anything longer is not a number any field of ours holds, and converting very
# long digit strings to int is refused by Python itself (sys.int_info.default_max_str_digits).
MAX_DIGITS = 30

_INTEGER = re.compile(rf"[+-]?[0-9]{{1,{MAX_DIGITS}}}")


class BadInput(ValueError):
    """Input a client sent that cannot be read; the message is safe to show to them."""


def read_int(raw, *, min_value: int | None = None, max_value: int | None = MAX_ID) -> int | None:
    """An integer in range from a form field, query parameter or header value; None for anything else."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    else:
        if not isinstance(raw, str):
            return None
        text = raw.strip()
        if not _INTEGER.fullmatch(text):
            return None
        value = int(text)
    if min_value is not None and value < min_value:
        return None
    if max_value is not None and value > max_value:
        return None
    return value


def read_id(raw) -> int | None:
    """A primary key: a positive integer a BigAutoField can hold, or None."""
    return read_int(raw, min_value=1, max_value=MAX_ID)


def read_decimal(raw, *, max_digits: int = 12, min_value=None, max_value=None) -> Decimal | None:
    """A finite decimal with at most max_digits digits, in range; None for NaN, Infinity, junk or too long."""
    if raw is None or isinstance(raw, bool):
        return None
    text = str(raw).strip()
    if not text or len(text) > max_digits + 3:  # sign, decimal point and one exponent-free spare
        return None
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite():
        return None
    # Digits and magnitude both bounded: "1e999" has one digit but no column (or quantize) can hold it.
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # a letter ('n', 'N', 'F') only for NaN and Infinity, refused above
    if len(digits) > max_digits or not -max_digits <= exponent <= max_digits or value.adjusted() >= max_digits:
        return None
    if min_value is not None and value < Decimal(min_value):
        return None
    if max_value is not None and value > Decimal(max_value):
        return None
    return value


# Strings (with their escapes) hide brackets that do not nest; they are skipped when measuring depth.
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def json_depth(text: str) -> int:
    """How deep arrays and objects nest in a JSON text, measured without parsing it."""
    depth = deepest = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub('""', text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def read_json(body: bytes | str, *, max_bytes: int = 256 * 1024, max_depth: int = 32):
    """Parses a JSON body within size and nesting limits; raises BadInput with a message for the client."""
    if len(body) > max_bytes:
        raise BadInput(
            ngettext("The body is larger than %(limit)d byte.", "The body is larger than %(limit)d bytes.", max_bytes)
            % {"limit": max_bytes}
        )
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError:
        raise BadInput(_("The body must be UTF-8 encoded JSON.")) from None
    if json_depth(text) > max_depth:
        raise BadInput(
            ngettext(
                "The JSON nests deeper than %(limit)d level.", "The JSON nests deeper than %(limit)d levels.", max_depth
            )
            % {"limit": max_depth}
        )
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise BadInput(_("The body is not valid JSON.")) from None


def _refuse_constant(name: str):
    # NaN and Infinity are not JSON (RFC 8259), though Python's parser accepts them by default.
    raise ValueError(f"{name} is not valid JSON")
