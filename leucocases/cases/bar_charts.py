"""Horizontal bar charts as plain geometry, drawn by ``includes/bar_chart.html``.

Pure: no Django. The include writes an SVG with presentation attributes only
(the site's Content-Security-Policy forbids ``style``), with ``role="img"``
and an ``aria-label`` that says what the chart shows; the page puts a table
with the same numbers beside each chart for anyone who prefers them.

Each bar sits under its own label (not beside it), so long step names stay
readable when the chart is scaled down to a phone's width. The instructor's
item analysis and the learner's dashboard and quiz report draw theirs here;
the case pages' time series are ``charts``.
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
VALUE_SPACE = 96  # room right of the longest bar for its value ("100 / 100")
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
    maximum: float  # what a full-width bar stands for
    description: str

    @property
    def empty(self) -> bool:
        return not self.rows


def _number(value: float) -> str:
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


def bar_chart(
    *, title: str, bars: Sequence[tuple[str, float | None]], maximum: float | None = 100.0, unit: str = ""
) -> BarChart:
    """Bars from 0 to ``maximum`` (None: the largest value; values outside are
    clipped); a None value draws no bar and reads "no data"."""
    top = maximum if maximum is not None else max((v for _, v in bars if v is not None), default=0.0)
    usable = WIDTH - VALUE_SPACE
    rows = []
    y = TOP
    for label, value in bars:
        short = label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"
        fraction = 0.0 if value is None or top <= 0 else max(0.0, min(1.0, value / top))
        width = round(usable * fraction, 1)
        bar_y = y + LABEL_HEIGHT
        rows.append(
            BarRow(
                label=short,
                value=value,
                text="no data" if value is None else f"{_number(value)}{unit}",
                label_y=y + 16,
                bar_y=bar_y,
                bar_width=width,
                text_x=round(width + 6, 1),
                text_y=bar_y + 14,
            )
        )
        y = bar_y + BAR_HEIGHT + ROW_GAP
    parts = [f"{row.label}: {row.text}" for row in rows]
    description = f"{title}. " + ("; ".join(parts) + "." if parts else "No data yet.")
    return BarChart(
        title=title,
        rows=tuple(rows),
        width=WIDTH,
        height=max(y, 40),
        bar_height=BAR_HEIGHT,
        maximum=top,
        description=description,
    )
