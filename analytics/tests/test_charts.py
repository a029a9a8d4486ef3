import io
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from PIL import Image

from analytics import charts
from analytics.charts import nice_ticks, render_png, render_svg, series_table
from analytics.report import Series
from lms_site.formatting import format_measure

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = [f"2026-{month:02d}" for month in range(1, 13)]


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag == f"{SVG}svg"
    return root


def series_groups(root: ET.Element) -> dict[str, ET.Element]:
    return {name: g for g in root.iter(f"{SVG}g") if (name := g.get("data-series")) is not None}


def texts(root: ET.Element) -> list[str | None]:
    return [t.text for t in root.iter(f"{SVG}text")]


def test_a_line_chart_has_a_point_per_label_for_each_line_and_a_legend():
    series = Series(
        key="enrolments",
        title="Enrolments and completions per month",
        labels=MONTHS,
        lines={"Enrolments": [float(n) for n in range(12)], "Completions": [n / 2 for n in range(12)]},
    )
    root = parse(render_svg(series))

    groups = series_groups(root)
    assert list(groups) == ["Enrolments", "Completions"]
    for group in groups.values():
        assert len(group.findall(f"{SVG}circle")) == 12
        (line,) = group.findall(f"{SVG}polyline")
        assert len(line.get("points").split()) == 12
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Enrolments and completions per month"
    assert root.find(f"{SVG}title").text == "Enrolments and completions per month"
    assert "12 points from 2026-01 to 2026-12" in root.find(f"{SVG}desc").text
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "analytics-chart__legend")
    assert [t.text for t in legend.iter(f"{SVG}text")] == ["Enrolments", "Completions"]
    # A few round ticks covering 0..11.
    assert {"0", "5", "10"} <= set(texts(root))


def test_points_sit_at_their_values():
    series = Series(key="s", title="S", labels=["a", "b", "c"], lines={"Only": [0.0, 50.0, 100.0]}, unit="%")
    root = parse(render_svg(series))
    (group,) = series_groups(root).values()
    ys = [float(c.get("cy")) for c in group.findall(f"{SVG}circle")]
    assert ys[0] > ys[1] > ys[2]
    assert ys[0] - ys[1] == pytest.approx(ys[1] - ys[2], abs=0.2)
    assert "100 %" in texts(root)
    # One line: no legend.
    assert not [g for g in root.iter(f"{SVG}g") if g.get("class") == "analytics-chart__legend"]


def test_a_bar_chart_has_a_bar_per_label_and_line_with_its_value_in_the_tooltip():
    series = Series(
        key="revenue",
        title="Revenue per month (EUR)",
        labels=MONTHS[:3],
        lines={"Gross": [100.0, 0.0, 250.5], "Refunds": [0.0, 0.0, 40.0], "Net": [100.0, 0.0, 210.5]},
        kind="bar",
        unit="EUR",
    )
    root = parse(render_svg(series))
    groups = series_groups(root)
    assert [len(g.findall(f"{SVG}rect")) for g in groups.values()] == [3, 3, 3]
    tips = [r.find(f"{SVG}title").text for r in groups["Gross"].findall(f"{SVG}rect")]
    assert tips[2] == "Gross, 2026-03: €250.50"
    assert "€300" in texts(root)


def test_every_text_from_the_series_is_escaped():
    evil = '<script>alert("x")</script> & "quotes"'
    series = Series(key="k", title=evil, labels=[evil, "b"], lines={evil: [1.0, 2.0], "Other": [2.0, 1.0]})
    svg = render_svg(series)
    assert "<script>" not in svg
    root = parse(svg)  # well-formed XML despite the markup in the names
    assert root.get("aria-label") == evil
    assert root.find(f"{SVG}title").text == evil
    assert evil in series_groups(root)
    assert evil in texts(root)


def test_missing_values_break_the_line_and_draw_no_point():
    series = Series(key="k", title="Rate", labels=MONTHS[:5], lines={"Rate": [10.0, None, 30.0, float("nan"), 50.0]})
    root = parse(render_svg(series))
    (group,) = series_groups(root).values()
    assert len(group.findall(f"{SVG}circle")) == 3
    assert [len(p.get("points").split()) for p in group.findall(f"{SVG}polyline")] == [1, 1, 1]


def test_an_empty_series_renders_a_message_not_an_error():
    root = parse(render_svg(Series(key="k", title="Nothing", labels=[], lines={})))
    assert "No data for this selection" in texts(root)
    root = parse(render_svg(Series(key="k", title="Zeros", labels=["a"], lines={"x": [None]})))
    assert "No data for this selection" in texts(root)


def test_a_line_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="3 values for 2 labels"):
        render_svg(Series(key="k", title="T", labels=["a", "b"], lines={"x": [1.0, 2.0, 3.0]}))


def test_long_period_axes_thin_their_labels_and_long_names_are_shortened():
    many = [f"{year}-{month:02d}" for year in range(2021, 2026) for month in range(1, 13)]
    root = parse(render_svg(Series(key="k", title="T", labels=many, lines={"x": [1.0] * 60})))
    shown = [t for t in texts(root) if t in many]
    assert 4 <= len(shown) <= 20
    assert shown[0] == "2021-01"

    names = ["A course with a very long title indeed", "B", "C"]
    root = parse(render_svg(Series(key="k", title="T", labels=names, lines={"x": [1.0, 2.0, 3.0]}, kind="bar")))
    assert "B" in texts(root)
    assert any(t.startswith("A course") and t.endswith("…") for t in texts(root))


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0, 0, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (0, 87.3, [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]),
        (0, 0.37, [0.0, 0.1, 0.2, 0.3, 0.4]),
        (-120, 3400, [-1000.0, 0.0, 1000.0, 2000.0, 3000.0, 4000.0]),
    ],
)
def test_nice_ticks(low, high, expected):
    assert nice_ticks(low, high) == expected


def test_format_measure():
    assert format_measure(1234.5, "EUR") == "€1,234.50"
    assert format_measure(Decimal("-149"), "USD") == "-$149.00"
    assert format_measure(12, "CHF") == "12.00 CHF"
    assert format_measure(42.25, "%") == "42.2 %" or format_measure(42.25, "%") == "42.3 %"
    assert format_measure(1500.0) == "1,500"
    assert format_measure(None, "%") == "—"


def test_series_table_pairs_each_label_with_its_formatted_values():
    series = Series(
        key="k",
        title="Revenue per week",
        labels=["2026-01-05", "2026-01-12"],
        lines={"Gross": [10.0, None]},
        kind="bar",
        unit="GBP",
    )
    assert series_table(series) == {
        "headers": ["Week starting", "Gross"],
        "rows": [["2026-01-05", "£10.00"], ["2026-01-12", "—"]],
    }
    assert charts.axis_name(MONTHS) == "Month"
    assert charts.axis_name(["Python", "Django"]) == "Item"


@pytest.mark.parametrize("kind", ["line", "bar"])
def test_render_png_is_a_png_of_the_asked_size(kind):
    series = Series(
        key="k",
        title="Enrolments <per> month",
        labels=MONTHS,
        lines={"A": [float(n) for n in range(12)], "B": [None, *range(11)]},
        kind=kind,
    )
    data = render_png(series, width=800, height=400)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    image.verify()
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    assert image.size == (800, 400)
    # Something was drawn in the series' first colour.
    blue = charts._rgb(charts.PALETTE[0])
    colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert any(all(abs(a - b) < 40 for a, b in zip(colour, blue, strict=True)) for _count, colour in colours)


def test_render_png_of_an_empty_series():
    image = Image.open(io.BytesIO(render_png(Series(key="k", title="Nothing", labels=[], lines={}))))
    assert image.size == (1200, 600)
