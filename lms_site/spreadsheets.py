"""Cells that a spreadsheet program shows as text and never runs as a formula (CSV injection).

Every writer of a file people open in Excel, LibreOffice or Google Sheets (the gradebook and attendance CSVs,
analytics exports) defuses text cells here, so the guarded set cannot drift between them.
"""

# A cell starting with one of these is run as a formula; the full-width forms are normalised to ASCII by
# some spreadsheet programs before they decide, and a leading newline or tab hides the sign after it.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def defuse(text: str) -> str:
    """Text a spreadsheet shows as text, never runs: a formula-like cell gets a leading apostrophe."""
    return "'" + text if looks_like_formula(text) else text


def text_cell(value) -> str:
    """Any value as a defused text cell; None is an empty cell."""
    return "" if value is None else defuse(str(value))
