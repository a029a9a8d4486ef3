"""Charts drawn on the server from a report Series: SVG for the dashboard, PNG for the DOCX and PDF exports.

No chart library and no JavaScript: the numbers are few (a point per month, a bar per course) and a chart
must read the same in every export. Both renderings share one layout (`_layout`), so the SVG on the screen
and the PNG in a report show the same axes, ticks and colours. Every chart is paired on the page with a
table of its numbers (`series_table`): the SVG is a picture for those who can see it, not the only copy.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from html import escape

from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from lms_site import pdf_fonts
from lms_site.formatting import finite_float, format_measure

from .report import Series

# Tailwind 600s: distinguishable from each other and readable on the admin's light and dark themes.
PALETTE = ("#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2", "#65a30d", "#dc2626")
# A second cue besides colour, so lines stay apart for people who do not tell the colours apart.
DASHES = ("", "7 4", "2 3", "9 3 2 3")

FONT_SIZE = 12
CHAR_WIDTH = 0.6 * FONT_SIZE  # an average glyph of a sans-serif font; enough to keep labels apart


def _nice(span: float, *, round_: bool) -> float:
    """The 1-2-5 number closest to span (Heckbert, "Nice numbers for graph labels")."""
    exponent = math.floor(math.log10(span))
    fraction = span / 10**exponent
    if round_:
        nice = 1 if fraction < 1.5 else 2 if fraction < 3 else 5 if fraction < 7 else 10
    else:
        nice = 1 if fraction <= 1 else 2 if fraction <= 2 else 5 if fraction <= 5 else 10
    return nice * 10**exponent


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]: about `count` of them, spaced 1, 2 or 5 times a power of ten."""
    if high < low:
        low, high = high, low
    if high == low:  # one value, often 0: room above it (below a negative one)
        if low >= 0:
            high = low * 2 or 1
        else:
            low = high * 2
    step = _nice(_nice(high - low, round_=False) / max(count - 1, 1), round_=True)
    first = math.floor(low / step) * step
    last = math.ceil(high / step) * step
    ticks = []
    value = first
    while value <= last + step / 2:
        ticks.append(round(value, 10) + 0.0)  # + 0.0 turns -0.0 into 0.0
        value += step
    return ticks


def _tick_decimals(ticks: list[float]) -> int:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
    return max(0, -math.floor(math.log10(step))) if step < 1 else 0


def axis_kind(labels: list[str]) -> str:
    """What the x labels are: "month", "week", "week_starting", "day" (periods) or "item" (names)."""
    if labels and all(re.fullmatch(r"\d{4}-\d{2}", label) for label in labels):
        return "month"
    if labels and all(re.fullmatch(r"\d{4}-W\d{2}", label) for label in labels):
        return "week"
    if labels and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", label) for label in labels):
        # Weekly buckets are labelled by their Monday (see kpis.time_buckets); read off the labels, not the
        # title, which is in the reader's language.
        return "week_starting" if all(_is_monday(label) for label in labels) else "day"
    return "item"


def _is_monday(label: str) -> bool:
    try:
        return date.fromisoformat(label).weekday() == 0
    except ValueError:
        return False


def axis_name(labels: list[str]) -> str:
    """What the x labels are, for the header of the numbers table: periods, or "Item" for names."""
    names = {
        "month": _("Month"),
        "week": _("Week"),
        "week_starting": _("Week starting"),
        "day": _("Day"),
        "item": _("Item"),
    }
    return names[axis_kind(labels)]


def series_table(series: Series) -> dict:
    """The chart's numbers as a table: a row per label, a column per line, values formatted with the unit."""
    names = list(series.lines)
    return {
        "headers": [axis_name(series.labels), *names],
        "rows": [
            [label, *(format_measure(_at(series.lines[name], index), series.unit) for name in names)]
            for index, label in enumerate(series.labels)
        ],
    }


def _at(values: list, index: int):
    return values[index] if index < len(values) else None


# --- Layout ---------------------------------------------------------------------------------------------------


@dataclass
class _Mark:
    """A point of a line or a bar, with what its tooltip says."""

    x: float
    y: float
    label: str
    value: float
    width: float = 0.0  # bars only
    height: float = 0.0


@dataclass
class _Drawn:
    name: str
    colour: str
    dash: str
    marks: list[_Mark] = field(default_factory=list)
    segments: list[list[tuple[float, float]]] = field(default_factory=list)  # lines: runs of points without gaps


@dataclass
class _Layout:
    width: float
    height: float
    left: float
    top: float
    right: float
    bottom: float
    title: tuple[float, float] | None
    y_ticks: list[tuple[float, str]]  # y position, text
    x_labels: list[tuple[float, str]]  # x position, text
    zero_y: float
    legend: list[tuple[float, float, _Drawn]]  # x, y of the swatch, line
    drawn: list[_Drawn]
    empty: bool


def _text_width(text: str, scale: float = 1.0) -> float:
    return len(text) * CHAR_WIDTH * scale


def _layout(series: Series, width: float, height: float, *, scale: float = 1.0, with_title: bool = False) -> _Layout:
    """Where everything goes. `scale` enlarges text and strokes for the PNG; positions are in pixels."""
    for name, values in series.lines.items():
        if len(values) != len(series.labels):
            raise ValueError(
                f"Series {series.key!r}: line {name!r} has {len(values)} values for {len(series.labels)} labels"
            )
    font = FONT_SIZE * scale
    line_height = font * 1.5
    drawn = [
        _Drawn(name=name, colour=PALETTE[index % len(PALETTE)], dash=DASHES[index % len(DASHES)])
        for index, name in enumerate(series.lines)
    ]
    numbers = [[finite_float(value) for value in values] for values in series.lines.values()]
    present = [number for values in numbers for number in values if number is not None]
    empty = not series.labels or not present

    top = font * 0.8
    title = None
    if with_title:
        title = (font * 0.8, top + font * 1.2)
        top += line_height * 1.4

    # The legend: only when there is more than one line to tell apart; rows wrap at the chart's width.
    legend = []
    if len(drawn) > 1:
        x, y = font, top
        for item in drawn:
            item_width = font * 2.4 + _text_width(item.name, scale) + font * 1.5
            if x + item_width > width - font and x > font:
                x, y = font, y + line_height
            legend.append((x, y + line_height / 2, item))
            x += item_width
        top = y + line_height * 1.5
    else:
        top += font * 0.5

    ticks = nice_ticks(min([0.0, *present]), max([0.0, *present])) if present else [0.0, 1.0]
    decimals = _tick_decimals(ticks)
    tick_texts = [format_measure(tick, series.unit, decimals=decimals) for tick in ticks]
    left = max(_text_width(text, scale) for text in tick_texts) + font * 1.2
    right = width - font * 1.2
    bottom = height - line_height * 1.6
    low, high = ticks[0], ticks[-1]

    def y_of(value: float) -> float:
        return bottom - (value - low) / (high - low) * (bottom - top)

    y_ticks = [(y_of(tick), text) for tick, text in zip(ticks, tick_texts, strict=True)]

    count = max(len(series.labels), 1)
    band = (right - left) / count
    axis = axis_kind(series.labels)
    if axis == "item":
        # Names (of courses, trainers): every bar needs its own, so a long one is shortened to its band; the
        # whole name is in the bar's tooltip and in the numbers table.
        fits = max(int((band - font) / (CHAR_WIDTH * scale)), 4)
        labels = [label if len(label) <= fits else label[: fits - 1].rstrip() + "…" for label in series.labels]
    else:
        labels = list(series.labels)
    longest = max((_text_width(label, scale) for label in labels), default=0) + font
    every = max(1, math.ceil(longest / band))  # periods: thin the labels until they no longer overlap
    if axis == "month" and every > 1:  # every quarter, half or whole year rather than every fifth month
        every = next(step for step in (2, 3, 4, 6, 12, 24, 60, 120, every) if step >= every)
    x_labels = [(left + band * (index + 0.5), label) for index, label in enumerate(labels) if index % every == 0]

    zero_y = y_of(0.0)
    for item, line_numbers in zip(drawn, numbers, strict=True):
        segment: list[tuple[float, float]] = []
        for index, (label, value) in enumerate(zip(series.labels, line_numbers, strict=True)):
            if value is None:  # a gap, not a zero: the line breaks here
                if segment:
                    item.segments.append(segment)
                segment = []
                continue
            if series.kind == "bar":
                group = band * 0.8
                bar = group / len(drawn)
                x = left + band * index + (band - group) / 2 + bar * drawn.index(item)
                y = min(y_of(value), zero_y)
                item.marks.append(_Mark(x, y, label, value, width=bar, height=abs(y_of(value) - zero_y)))
            else:
                point = (left + band * (index + 0.5), y_of(value))
                segment.append(point)
                item.marks.append(_Mark(*point, label, value))
        if segment:
            item.segments.append(segment)

    return _Layout(
        width=width,
        height=height,
        left=left,
        top=top,
        right=right,
        bottom=bottom,
        title=title,
        y_ticks=y_ticks,
        x_labels=x_labels,
        zero_y=zero_y,
        legend=legend,
        drawn=drawn,
        empty=empty,
    )


def describe(series: Series) -> str:
    """One sentence for the chart's <desc>: what it shows and where its numbers are."""
    bar = series.kind == "bar"
    lines = ", ".join(series.lines) or _("no lines")
    if not series.labels:
        if bar:
            return _("Bar chart of %(title)s: no data for this selection.") % {"title": series.title}
        return _("Line chart of %(title)s: no data for this selection.") % {"title": series.title}
    if len(series.labels) == 1:
        span = series.labels[0]
    else:
        span = _("%(first)s to %(last)s") % {"first": series.labels[0], "last": series.labels[-1]}
    values = {"title": series.title, "lines": lines, "count": len(series.labels), "span": span}
    if bar:
        return (
            _("Bar chart of %(title)s (%(lines)s), %(count)d points from %(span)s. The numbers are in the table.")
            % values
        )
    return (
        _("Line chart of %(title)s (%(lines)s), %(count)d points from %(span)s. The numbers are in the table.") % values
    )


# --- SVG --------------------------------------------------------------------------------------------------------


def _f(number: float) -> str:
    return f"{number:.1f}".removesuffix(".0")


def render_svg(series: Series, width: int = 640, height: int = 280) -> str:
    """The chart as an accessible SVG element; every text from the series is escaped."""
    layout = _layout(series, width, height)
    title = escape(series.title)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{title}" class="analytics-chart analytics-chart--{escape(series.kind)}" '
        f'font-family="system-ui, -apple-system, \'Segoe UI\', Roboto, sans-serif" font-size="{FONT_SIZE}" '
        f'style="max-width: 100%; height: auto">',
        f"<title>{title}</title>",
        f"<desc>{escape(describe(series))}</desc>",
    ]

    parts.append('<g class="analytics-chart__grid" stroke="currentColor" stroke-opacity="0.15">')
    for y, _text in layout.y_ticks:
        parts.append(f'<line x1="{_f(layout.left)}" x2="{_f(layout.right)}" y1="{_f(y)}" y2="{_f(y)}"/>')
    parts.append("</g>")

    parts.append('<g class="analytics-chart__axes" fill="currentColor">')
    for y, text in layout.y_ticks:
        parts.append(
            f'<text x="{_f(layout.left - FONT_SIZE * 0.6)}" y="{_f(y)}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(text)}</text>'
        )
    for x, text in layout.x_labels:
        parts.append(
            f'<text x="{_f(x)}" y="{_f(layout.bottom + FONT_SIZE * 1.5)}" text-anchor="middle">{escape(text)}</text>'
        )
    parts.append(
        f'<line x1="{_f(layout.left)}" x2="{_f(layout.right)}" y1="{_f(layout.zero_y)}" y2="{_f(layout.zero_y)}" '
        f'stroke="currentColor" stroke-opacity="0.6"/>'
    )
    parts.append("</g>")

    if layout.empty:
        parts.append(
            f'<text x="{_f((layout.left + layout.right) / 2)}" y="{_f((layout.top + layout.bottom) / 2)}" '
            f'text-anchor="middle" fill="currentColor">{escape(_("No data for this selection"))}</text>'
        )

    for item in layout.drawn:
        name = escape(item.name)
        parts.append(f'<g class="analytics-chart__series" data-series="{name}">')
        if series.kind == "bar":
            for mark in item.marks:
                tip = escape(f"{item.name}, {mark.label}: {format_measure(mark.value, series.unit)}")
                parts.append(
                    f'<rect x="{_f(mark.x)}" y="{_f(mark.y)}" width="{_f(mark.width)}" '
                    f'height="{_f(mark.height)}" fill="{item.colour}"><title>{tip}</title></rect>'
                )
        else:
            dash = f' stroke-dasharray="{item.dash}"' if item.dash else ""
            for segment in item.segments:
                points = " ".join(f"{_f(x)},{_f(y)}" for x, y in segment)
                parts.append(
                    f'<polyline points="{points}" fill="none" stroke="{item.colour}" stroke-width="2" '
                    f'stroke-linejoin="round" stroke-linecap="round"{dash}/>'
                )
            for mark in item.marks:
                tip = escape(f"{item.name}, {mark.label}: {format_measure(mark.value, series.unit)}")
                parts.append(
                    f'<circle cx="{_f(mark.x)}" cy="{_f(mark.y)}" r="3" fill="{item.colour}"><title>{tip}</title>'
                    f"</circle>"
                )
        parts.append("</g>")

    if layout.legend:
        parts.append('<g class="analytics-chart__legend" fill="currentColor">')
        for x, y, item in layout.legend:
            if series.kind == "bar":
                parts.append(
                    f'<rect x="{_f(x)}" y="{_f(y - FONT_SIZE / 2)}" width="{FONT_SIZE}" height="{FONT_SIZE}" '
                    f'fill="{item.colour}"/>'
                )
            else:
                dash = f' stroke-dasharray="{item.dash}"' if item.dash else ""
                parts.append(
                    f'<line x1="{_f(x)}" x2="{_f(x + FONT_SIZE * 2)}" y1="{_f(y)}" y2="{_f(y)}" '
                    f'stroke="{item.colour}" stroke-width="2"{dash}/>'
                )
            text_x = x + FONT_SIZE * (1.6 if series.kind == "bar" else 2.4)
            parts.append(f'<text x="{_f(text_x)}" y="{_f(y)}" dominant-baseline="middle">{escape(item.name)}</text>')
        parts.append("</g>")

    parts.append("</svg>")
    return "".join(parts)


# --- PNG --------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _font(size: int):
    """The DejaVu Sans the PDFs use, shipped with the code, so a chart looks the same on every machine."""
    return ImageFont.truetype(str(pdf_fonts.font_path(pdf_fonts.SANS)), size)


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def render_png(series: Series, width: int = 1200, height: int = 600) -> bytes:
    """The chart as a PNG for the DOCX and PDF reports: title, axes, legend and the same layout as the SVG.

    Drawn at twice the size and scaled down, which smooths the lines Pillow draws without anti-aliasing.
    """
    supersample = 2
    scale = width / 640 * supersample
    canvas_width, canvas_height = width * supersample, height * supersample
    layout = _layout(series, canvas_width, canvas_height, scale=scale, with_title=True)
    image = Image.new("RGB", (canvas_width, canvas_height), "white")
    draw = ImageDraw.Draw(image)
    font = _font(round(FONT_SIZE * scale))
    title_font = _font(round(FONT_SIZE * scale * 1.4))
    ink, grid, axis = (31, 41, 55), (229, 231, 235), (107, 114, 128)

    if layout.title:
        draw.text(layout.title, series.title, fill=ink, font=title_font, anchor="ls")
    for y, text in layout.y_ticks:
        draw.line([(layout.left, y), (layout.right, y)], fill=grid, width=max(1, round(scale)))
        draw.text((layout.left - FONT_SIZE * scale * 0.6, y), text, fill=ink, font=font, anchor="rm")
    for x, text in layout.x_labels:
        draw.text((x, layout.bottom + FONT_SIZE * scale * 0.6), text, fill=ink, font=font, anchor="mt")
    draw.line([(layout.left, layout.zero_y), (layout.right, layout.zero_y)], fill=axis, width=max(1, round(scale)))

    if layout.empty:
        centre = ((layout.left + layout.right) / 2, (layout.top + layout.bottom) / 2)
        draw.text(centre, _("No data for this selection"), fill=axis, font=font, anchor="mm")

    stroke = max(2, round(2 * scale))
    radius = 3 * scale
    for item in layout.drawn:
        colour = _rgb(item.colour)
        if series.kind == "bar":
            for mark in item.marks:
                draw.rectangle([mark.x, mark.y, mark.x + mark.width, mark.y + max(mark.height, 1)], fill=colour)
        else:
            for segment in item.segments:
                if len(segment) > 1:
                    draw.line(segment, fill=colour, width=stroke, joint="curve")
            for mark in item.marks:
                draw.ellipse([mark.x - radius, mark.y - radius, mark.x + radius, mark.y + radius], fill=colour)

    size = FONT_SIZE * scale
    for x, y, item in layout.legend:
        colour = _rgb(item.colour)
        if series.kind == "bar":
            draw.rectangle([x, y - size / 2, x + size, y + size / 2], fill=colour)
        else:
            draw.line([(x, y), (x + size * 2, y)], fill=colour, width=stroke)
        draw.text((x + size * (1.6 if series.kind == "bar" else 2.4), y), item.name, fill=ink, font=font, anchor="lm")

    image = image.resize((width, height), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
