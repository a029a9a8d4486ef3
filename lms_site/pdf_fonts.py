"""The fonts of every document the site generates: certificates, receipts, report PDFs and chart pictures.

The font files ship with the code in `fonts/` (licences beside them) instead of coming from the machine, so a
document rebuilt years later on another server comes out the same: a certificate's hash depends on it.

Each face is registered with ReportLab once per process under one name, whichever document needs it first.
Text is drawn in runs (`runs`): the design face where it has the glyph, else DejaVu Sans of the same weight
(the serif faces have no Arabic), else the fallback face (DejaVu has no Chinese, Japanese or Korean). The
fallback file is large, so it is read only when some text needs a glyph DejaVu lacks. Right-to-left text is
joined and put in visual order before it is measured or drawn (lms_site/pdf_text.py).
"""

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from .pdf_text import visual

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

# ReportLab is imported inside the functions that draw: the dashboard's charts (Pillow) need only the font
# files, and a web worker should not load ReportLab at start-up for them.

FONTS_DIR = Path(__file__).resolve().parent / "fonts"

SERIF = "LearnwellSerif"
SERIF_BOLD = "LearnwellSerifBold"
SANS = "LearnwellSans"
SANS_BOLD = "LearnwellSansBold"  # Arabic in the bold serif's text (names, titles)
FALLBACK = "LearnwellFallback"  # CJK and other scripts the DejaVu faces lack

FILES = {
    SERIF: "DejaVuSerif.ttf",
    SERIF_BOLD: "DejaVuSerif-Bold.ttf",
    SANS: "DejaVuSans.ttf",
    SANS_BOLD: "DejaVuSans-Bold.ttf",
    FALLBACK: "DroidSansFallbackFull.ttf",
}


def font_path(name: str) -> Path:
    """The file of a face, for code that draws outside ReportLab (Pillow's charts)."""
    return FONTS_DIR / FILES[name]


@cache
def register(name: str) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(name, str(font_path(name))))
    return name


def register_fonts() -> None:
    """The DejaVu faces, which a document's styles name before any text is drawn; the fallback waits for `runs`."""
    for name in (SERIF, SERIF_BOLD, SANS):
        register(name)


@cache
def glyphs(name: str) -> frozenset[int]:
    """The code points a face can draw; a set, as one lookup per character is the hot path of a long report."""
    from reportlab.pdfbase import pdfmetrics

    register(name)
    return frozenset(pdfmetrics.getFont(name).face.charToGlyph)


# The DejaVu Sans face tried before the fallback for a character the design face lacks.
SECOND = {SERIF: SANS, SERIF_BOLD: SANS_BOLD}


def runs(text: str, font_name: str) -> list[tuple[str, str]]:
    """Splits text (already visual: see `draw_text`) into (font, chunk) runs: the design font where it has the
    glyph, else DejaVu Sans, else the fallback.

    A character no face has stays in the design font, which prints its "missing glyph" box.
    """
    own = glyphs(font_name)
    second = SECOND.get(font_name)
    result: list[tuple[str, str]] = []
    for char in text:
        chosen = font_name
        if ord(char) not in own:
            if second and ord(char) in glyphs(second):
                chosen = second
            elif ord(char) in glyphs(FALLBACK):
                chosen = FALLBACK
        if result and result[-1][0] == chosen:
            result[-1] = (chosen, result[-1][1] + char)
        else:
            result.append((chosen, char))
    return result


def text_width(text: str, font_name: str, size: float) -> float:
    from reportlab.pdfbase import pdfmetrics

    return sum(pdfmetrics.stringWidth(chunk, font, size) for font, chunk in runs(visual(text), font_name))


def draw_text(canvas: "Canvas", text: str, x: float, y: float, font_name: str, size: float) -> None:
    """Draws one line of logical text from x on the baseline y, in visual order, switching faces for the runs
    that need it."""
    from reportlab.pdfbase import pdfmetrics

    for font, chunk in runs(visual(text), font_name):
        canvas.setFont(font, size)
        canvas.drawString(x, y, chunk)
        x += pdfmetrics.stringWidth(chunk, font, size)
