"""Server-rendered SVG charts of a finding's time series.

``series_chart`` is a pure function: a finding's ``series`` JSON in, a
``SeriesChart`` out (the SVG markup plus the same data as table rows), so the
chart needs no JavaScript and works under the site's strict CSP (presentation
attributes only, no ``style``). The template shows the table beside the chart
so screen-reader users and anyone who prefers numbers get the same data.

Series format (docs/case-format.md)::

    {"label": "White cell count", "unit": "×10⁹/L", "low": 4.0, "high": 11.0,
     "points": [{"when": "Jan 2025", "value": 6.2}, ...]}
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from html import escape
from typing import Any

from django.utils.safestring import SafeString, mark_safe

__all__ = ["ChartRow", "SeriesChart", "format_number", "series_chart"]

WIDTH = 640
HEIGHT = 300
LEFT, RIGHT, TOP, BOTTOM = 72, 20, 30, 64
POINT_PAD = 28
# Colours chosen for at least 4.5:1 contrast on white (text) and 3:1 (marks).
INK = "#212529"
MUTED = "#495057"
LINE = "#1d4e89"
OUT_OF_RANGE = "#9c2a00"
BAND = "#dcefe0"
GRID = "#ced4da"


@dataclass(frozen=True, slots=True)
class ChartRow:
    when: str
    value: str
    flag: str  # "low", "high" or "" (within the range, or no range given)


@dataclass(frozen=True, slots=True)
class SeriesChart:
    label: str
    unit: str
    low: str | None
    high: str | None
    rows: tuple[ChartRow, ...]
    description: str
    svg: SafeString

    @property
    def heading(self) -> str:
        return f"{self.label} ({self.unit})" if self.unit else self.label


def format_number(value: float) -> str:
    """Plain decimal notation without trailing zeros: 4.0 → "4", 2.10 → "2.1"."""
    try:
        text = format(Decimal(repr(float(value))).normalize(), "f")
    except (InvalidOperation, ValueError):
        return str(value)
    return "0" if text in ("-0", "") else text


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an integer beyond any float
        return None
    return number if math.isfinite(number) else None


def _nice_step(span: float, target_ticks: int = 5) -> float:
    raw = span / max(target_ticks - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if raw <= multiple * magnitude:
            return multiple * magnitude
    return 10 * magnitude


def _axis_range(values: list[float]) -> tuple[float, float, float]:
    lo, hi = min(values), max(values)
    if lo == hi:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    step = _nice_step(hi - lo)
    start = math.floor(lo / step) * step
    end = math.ceil(hi / step) * step
    if start < 0 <= lo:
        start = 0.0
    return start, end, step


def _flag(value: float, low: float | None, high: float | None) -> str:
    if low is not None and value < low:
        return "low"
    if high is not None and value > high:
        return "high"
    return ""


def series_chart(series: Mapping[str, Any] | None) -> SeriesChart | None:
    """Draw ``series`` as an SVG line chart; ``None`` when there is nothing
    to draw (no series, no points, or a point without a numeric value)."""
    if not isinstance(series, Mapping):
        return None
    raw_points = series.get("points")
    if not isinstance(raw_points, list) or not raw_points:
        return None
    points: list[tuple[str, float]] = []
    for raw in raw_points:
        if not isinstance(raw, Mapping):
            return None
        value = _number(raw.get("value"))
        if value is None:
            return None
        points.append((str(raw.get("when", "")), value))

    label = str(series.get("label") or "Value")
    unit = str(series.get("unit") or "")
    low = _number(series.get("low"))
    high = _number(series.get("high"))
    rows = tuple(ChartRow(when=when, value=format_number(v), flag=_flag(v, low, high)) for when, v in points)

    heading = f"{label} ({unit})" if unit else label
    range_text = _range_text(low, high, unit)
    first, last = rows[0], rows[-1]
    description = f"Line chart of {heading} at {len(rows)} time point{'s' if len(rows) != 1 else ''}"
    if len(rows) > 1:
        description += f", from {first.value} ({first.when}) to {last.value} ({last.when})"
    else:
        description += f": {first.value} ({first.when})"
    description += f"; {range_text}." if range_text else "."

    try:
        svg = _draw(points, rows, low, high, heading, description)
    except (ArithmeticError, ValueError):
        # Values too large or too far apart for one axis (1.7e308 once made every
        # play page of its case fail): the data table still shows each value.
        svg = ""
    return SeriesChart(
        label=label,
        unit=unit,
        low=None if low is None else format_number(low),
        high=None if high is None else format_number(high),
        rows=rows,
        description=description,
        svg=mark_safe(svg),  # noqa: S308 - every interpolated text is escaped in _draw
    )


def _draw(
    points: list[tuple[str, float]],
    rows: tuple[ChartRow, ...],
    low: float | None,
    high: float | None,
    heading: str,
    description: str,
) -> str:
    """The SVG markup; raises ArithmeticError or ValueError when the values cannot share an axis."""
    start, end, step = _axis_range([v for _, v in points] + [b for b in (low, high) if b is not None])
    if not (math.isfinite(end - start) and end > start and step > 0):
        raise ValueError(f"no usable axis from {start!r} to {end!r}")
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM

    def y_of(value: float) -> float:
        return TOP + plot_h * (1 - (value - start) / (end - start))

    def x_of(index: int) -> float:
        if len(points) == 1:
            return LEFT + plot_w / 2
        return LEFT + POINT_PAD + index * (plot_w - 2 * POINT_PAD) / (len(points) - 1)

    parts: list[str] = [
        f'<svg class="series-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(description)}" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="system-ui, sans-serif" font-size="13">',
        f"<title>{escape(description)}</title>",
    ]
    # Reference band first so lines and points sit on top of it.
    if low is not None or high is not None:
        band_top = y_of(min(high, end)) if high is not None else TOP
        band_bottom = y_of(max(low, start)) if low is not None else TOP + plot_h
        parts.append(
            f'<rect x="{LEFT}" y="{band_top:.1f}" width="{plot_w}" height="{max(band_bottom - band_top, 0):.1f}" '
            f'fill="{BAND}"/>'
        )
    parts += _grid(y_of, start, end, step)
    # Axes.
    parts.append(
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="{INK}"/>'
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="{INK}"/>'
    )
    # Axis titles.
    parts.append(
        f'<text x="{-(TOP + plot_h / 2):.1f}" y="18" transform="rotate(-90)" text-anchor="middle" '
        f'fill="{INK}">{escape(heading)}</text>'
    )
    parts.append(f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle" fill="{INK}">Time</text>')
    # The line, then the points.
    coords = [(x_of(i), y_of(v)) for i, (_, v) in enumerate(points)]
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{LINE}" stroke-width="2.5"/>')
    parts += _marks(coords, rows, plot_w=plot_w, plot_h=plot_h)
    parts.append("</svg>")
    return "".join(parts)


def _grid(y_of: Callable[[float], float], start: float, end: float, step: float) -> list[str]:
    """Horizontal grid lines and the y tick labels."""
    parts = []
    tick = start
    ticks = 0
    while tick <= end + step / 1000 and ticks < 50:
        y = y_of(tick)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(
            f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">'
            f"{escape(format_number(round(tick, 10)))}</text>"
        )
        tick += step
        ticks += 1
    return parts


def _marks(coords: list[tuple[float, float]], rows: tuple[ChartRow, ...], *, plot_w: float, plot_h: float) -> list[str]:
    """Each point with its value and its time label."""
    parts = []
    # Thin out the time labels when they would overlap; the table lists all.
    every = max(1, math.ceil(len(coords) * 70 / (plot_w - 2 * POINT_PAD)))
    for index, ((x, y), row) in enumerate(zip(coords, rows, strict=True)):
        colour = OUT_OF_RANGE if row.flag else LINE
        if row.flag:
            # Out-of-range points are squares as well as a different colour.
            parts.append(f'<rect x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" fill="{colour}"/>')
        else:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour}"/>')
        value_text = f"{row.value} {row.flag}" if row.flag else row.value
        label_y = y - 10 if y - 10 > TOP - 12 else y + 20
        parts.append(
            f'<text x="{x:.1f}" y="{label_y:.1f}" text-anchor="middle" fill="{INK}" font-weight="600">'
            f"{escape(value_text)}</text>"
        )
        if index % every == 0 or index == len(coords) - 1:
            parts.append(
                f'<text x="{x:.1f}" y="{TOP + plot_h + 20}" text-anchor="middle" fill="{MUTED}">'
                f"{escape(row.when)}</text>"
            )
    return parts


def _range_text(low: float | None, high: float | None, unit: str) -> str:
    suffix = f" {unit}" if unit else ""
    if low is not None and high is not None:
        return f"reference range {format_number(low)}–{format_number(high)}{suffix} (shaded)"
    if low is not None:
        return f"reference range above {format_number(low)}{suffix} (shaded)"
    if high is not None:
        return f"reference range below {format_number(high)}{suffix} (shaded)"
    return ""
