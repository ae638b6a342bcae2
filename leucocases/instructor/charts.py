"""Horizontal bar charts as plain geometry, drawn by ``instructor/includes/bar_chart.html``.

Pure: no Django. The template writes an SVG with presentation attributes
only (the site's Content-Security-Policy forbids ``style``), with
``role="img"`` and an ``aria-label`` that says what the chart shows; the
table beside each chart holds the same numbers for anyone who prefers them.

Each bar sits under its own label (not beside it), so long step names stay
readable when the chart is scaled down to a phone's width.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["BarChart", "BarRow", "bar_chart"]

WIDTH = 600
LABEL_HEIGHT = 22
BAR_HEIGHT = 18
ROW_GAP = 12
TOP = 6
VALUE_SPACE = 70  # room right of the longest bar for its value
MAX_LABEL = 70  # characters; longer labels are cut with an ellipsis


@dataclass(frozen=True, slots=True)
class BarRow:
    label: str
    value: float | None
    text: str  # the value as printed ("42%", "no data")
    label_y: int
    bar_y: int
    bar_width: float
    text_x: float
    text_y: int


@dataclass(frozen=True, slots=True)
class BarChart:
    title: str
    rows: tuple[BarRow, ...]
    width: int
    height: int
    bar_height: int
    description: str

    @property
    def empty(self) -> bool:
        return not self.rows


def _fmt(value: float, unit: str) -> str:
    text = f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"
    return f"{text}{unit}"


def bar_chart(
    *, title: str, bars: Sequence[tuple[str, float | None]], maximum: float = 100.0, unit: str = "%"
) -> BarChart:
    """Bars from 0 to ``maximum`` (values outside are clipped); a None value
    draws no bar and reads "no data"."""
    usable = WIDTH - VALUE_SPACE
    rows = []
    y = TOP
    for label, value in bars:
        short = label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"
        fraction = 0.0 if value is None or maximum <= 0 else max(0.0, min(1.0, value / maximum))
        width = round(usable * fraction, 1)
        bar_y = y + LABEL_HEIGHT
        rows.append(
            BarRow(
                label=short,
                value=value,
                text="no data" if value is None else _fmt(value, unit),
                label_y=y + 16,
                bar_y=bar_y,
                bar_width=width,
                text_x=width + 6,
                text_y=bar_y + 14,
            )
        )
        y = bar_y + BAR_HEIGHT + ROW_GAP
    parts = [f"{row.label}: {row.text}" for row in rows]
    description = f"{title}. " + ("; ".join(parts) + "." if parts else "No data yet.")
    return BarChart(
        title=title, rows=tuple(rows), width=WIDTH, height=max(y, 40), bar_height=BAR_HEIGHT, description=description
    )
