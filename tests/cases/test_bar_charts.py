"""The bar charts of the dashboard, the quiz report and the item analysis: pure geometry, no database."""

from __future__ import annotations

import pytest

from leucocases.cases import bar_charts
from leucocases.cases.bar_charts import bar_chart


def test_bars_scale_to_the_maximum_and_the_chart_describes_itself():
    """Bars scale to the maximum; the description reads the data out for the aria-label."""
    chart = bar_chart(
        title="Mastery", bars=[("Medication", 100.0), ("Infection", 25.0), ("Marrow", 0.0)], unit=" / 100"
    )
    widths = [row.bar_width for row in chart.rows]
    assert widths[0] == chart.width - bar_charts.VALUE_SPACE
    assert widths[1] == pytest.approx(widths[0] / 4, abs=0.1)
    assert widths[2] == 0
    assert chart.description == "Mastery. Medication: 100 / 100; Infection: 25 / 100; Marrow: 0 / 100."
    # Each label stands above its own bar, one row under the other.
    assert [row.label_y for row in chart.rows] == [22, 74, 126]
    assert all(row.label_y < row.bar_y for row in chart.rows)
    assert chart.height == chart.rows[-1].bar_y + bar_charts.BAR_HEIGHT + bar_charts.ROW_GAP


def test_none_draws_no_bar_and_reads_no_data():
    """Bars are proportional to the value (0 to 100 %), None draws none, and the label says it all."""
    chart = bar_chart(title="Steps", bars=[("Smear", 50.0), ("Biopsy", 100.0), ("Nothing", None)], unit="%")
    half, full, none = chart.rows
    assert full.bar_width == pytest.approx(2 * half.bar_width)
    assert none.bar_width == 0 and none.text == "no data"
    assert chart.description == "Steps. Smear: 50%; Biopsy: 100%; Nothing: no data."


def test_without_a_maximum_bars_scale_to_the_largest_value():
    chart = bar_chart(title="Counts", bars=[("A", 4.0), ("B", 2.0)], maximum=None)
    assert chart.maximum == 4.0
    assert chart.rows[1].bar_width == pytest.approx(chart.rows[0].bar_width / 2, abs=0.1)


def test_an_empty_chart_says_so():
    chart = bar_chart(title="Empty", bars=[])
    assert chart.empty
    assert chart.description == "Empty. No data yet."
