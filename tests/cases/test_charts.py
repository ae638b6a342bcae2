"""The server-rendered SVG chart of a finding's time series."""

import re

from leucocases.cases.charts import format_number, series_chart

WBC = {
    "label": "White cell count",
    "unit": "×10⁹/L",
    "low": 4.0,
    "high": 11.0,
    "points": [
        {"when": "Jan 2025", "value": 6.2},
        {"when": "Feb 2025", "value": 4.8},
        {"when": "Apr 2025", "value": 2.1},
    ],
}


def test_chart_is_an_image_with_a_description():
    """The SVG has role=img, an aria-label and a <title> naming the measure and the range."""
    chart = series_chart(WBC)
    assert chart is not None
    svg = str(chart.svg)
    assert svg.startswith("<svg")
    assert 'role="img"' in svg
    assert "<title>" in svg
    assert "White cell count (×10⁹/L)" in chart.description
    assert "from 6.2 (Jan 2025) to 2.1 (Apr 2025)" in chart.description
    assert "reference range 4–11 ×10⁹/L" in chart.description
    assert f'aria-label="{chart.description}"' in svg


def test_chart_labels_axes_points_and_draws_the_reference_band():
    """Axis titles, every value and time label, and one band rectangle appear."""
    svg = str(series_chart(WBC).svg)
    assert ">White cell count (×10⁹/L)</text>" in svg
    assert ">Time</text>" in svg
    for text in ("6.2", "4.8", "Jan 2025", "Feb 2025", "Apr 2025"):
        assert f">{text}</text>" in svg
    # The out-of-range value says so in text, not only in colour.
    assert ">2.1 low</text>" in svg
    assert svg.count('fill="#dcefe0"') == 1


def test_table_rows_match_the_chart_data_and_flags():
    """The accompanying table rows carry each time point, value and flag."""
    chart = series_chart(WBC)
    assert [(r.when, r.value, r.flag) for r in chart.rows] == [
        ("Jan 2025", "6.2", ""),
        ("Feb 2025", "4.8", ""),
        ("Apr 2025", "2.1", "low"),
    ]
    assert (chart.low, chart.high) == ("4", "11")


def test_chart_without_a_range_draws_no_band():
    """No low/high: no band, and the description mentions no range."""
    chart = series_chart({"label": "ANC", "points": [{"when": "Day 1", "value": 1}, {"when": "Day 5", "value": 0.4}]})
    assert 'fill="#dcefe0"' not in str(chart.svg)
    assert "reference range" not in chart.description
    assert all(r.flag == "" for r in chart.rows)


def test_single_point_and_flat_series_still_draw():
    """One point, or equal values, give a finite drawing."""
    for series in (
        {"points": [{"when": "Today", "value": 3}]},
        {"points": [{"when": "A", "value": 5}, {"when": "B", "value": 5}]},
    ):
        svg = str(series_chart(series).svg)
        assert "nan" not in svg.lower() and "inf" not in svg.lower()


def test_text_is_escaped():
    """Author text cannot inject markup into the SVG."""
    chart = series_chart({"label": "<script>x</script>", "points": [{"when": '"><b>', "value": 1}]})
    svg = str(chart.svg)
    assert "<script>" not in svg
    assert "<b>" not in svg
    assert "&lt;script&gt;" in svg


def test_nothing_to_draw_gives_none():
    """Empty or malformed series give no chart rather than an error."""
    assert series_chart({}) is None
    assert series_chart(None) is None
    assert series_chart({"points": []}) is None
    assert series_chart({"points": [{"when": "x", "value": "not a number"}]}) is None
    assert series_chart({"points": [{"when": "x", "value": True}]}) is None


def test_coordinates_stay_inside_the_view_box():
    """Every x/y the chart writes lies within its 640×300 view box (the
    rotated y-axis title is placed in rotated coordinates, so it is left out)."""
    svg = re.sub(r"<text[^>]*rotate\(-90\)[^>]*>[^<]*</text>", "", str(series_chart(WBC).svg))
    for name, value in re.findall(r'\b(x|y|cx|cy|x1|x2|y1|y2)="(-?[\d.]+)"', svg):
        number = float(value)
        if name.startswith("x") or name == "cx":
            assert 0 <= number <= 640, (name, number)
        else:
            assert 0 <= number <= 300, (name, number)


def test_format_number_drops_trailing_zeros():
    """Numbers are shown as authors write them: 4.0 → 4, 2.10 → 2.1."""
    assert format_number(4.0) == "4"
    assert format_number(2.10) == "2.1"
    assert format_number(0.25) == "0.25"
    assert format_number(1200000) == "1200000"
    assert format_number(-0.0) == "0"
