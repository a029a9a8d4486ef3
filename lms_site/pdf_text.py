"""Right-to-left text for ReportLab, which draws a string's characters left to right exactly as given.

Arabic needs two things a browser does and ReportLab does not: each letter in the form its neighbours call for
(initial, medial, final, isolated; lam and alef joined), and the line in visual order, right-to-left runs
reversed while numbers and Latin words inside them keep reading left to right. `visual` does both on one line of
logical text; wrapping and measuring are done on the logical text, and each line is made visual when drawn
(lms_site.pdf_fonts). Documents in a right-to-left language are also laid out mirrored: `Mirror`.
"""

import re
from dataclasses import dataclass
from functools import cache

from django.utils import translation

# Hebrew, Arabic, Syriac, Thaana, NKo ... and the Arabic presentation forms: any one makes a line need reordering.
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


@cache
def _reshaper():
    import arabic_reshaper  # type: ignore[import-untyped]  # no type hints shipped

    # The Allah ligature (U+FDF2) is not in DejaVu Sans, the face that draws Arabic: the word is spelled out.
    # Vowel marks are dropped (the reshaper's default): ReportLab cannot place a mark over its letter.
    return arabic_reshaper.ArabicReshaper(configuration={"ARABIC LIGATURE ALLAH": False})


def has_rtl(text: str) -> bool:
    return bool(_RTL.search(text))


def visual(text: str) -> str:
    """One line of logical text as ReportLab must draw it: Arabic letters joined and the line in visual order.
    Text without right-to-left characters comes back unchanged, so Latin documents are drawn as before."""
    if not has_rtl(text):
        return text
    from bidi import get_display  # type: ignore[import-untyped]

    return get_display(_reshaper().reshape(text))


@dataclass(frozen=True)
class Mirror:
    """A page's horizontal layout, mirrored for right-to-left languages: code places things with left-to-right
    coordinates and alignments, and draws at `x(...)` with `align(...)`.

    `Mirror.active(width)` follows the active language, so a document drawn inside `speaking_to(recipient)` is
    laid out for its reader."""

    width: float
    rtl: bool = False

    @classmethod
    def active(cls, width: float) -> "Mirror":
        return cls(width, translation.get_language_bidi())

    def x(self, x: float) -> float:
        return self.width - x if self.rtl else x

    def right(self, right: bool) -> bool:
        """Whether text placed at `x(...)` ends there (True) or starts there: a left-aligned label becomes a
        right-aligned one on a mirrored page."""
        return right != self.rtl

    def span(self, x1: float, x2: float) -> tuple[float, float]:
        """A horizontal span (a line, a box's sides) on the page."""
        return tuple(sorted((self.x(x1), self.x(x2))))  # type: ignore[return-value]
