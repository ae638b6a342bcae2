"""Time spent on each case of a quiz attempt, and how the results pages write it.

Pure Python, like ``statistics`` (item analysis): datetimes in, seconds and text out.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from datetime import datetime

from leucocases.quizzes.durations import format_duration

__all__ = ["format_seconds", "seconds_on_each_case"]


def seconds_on_each_case(
    *, started: Mapping[Hashable, datetime], submitted: Mapping[Hashable, datetime | None]
) -> dict[Hashable, int | None]:
    """Seconds spent on each submitted case: from the later of its start and
    the previous submission (in submission order) to its own submission.

    A quiz creates all its case attempts when it starts, so ``submitted_at −
    started_at`` of its third case also counts the time spent on the first
    two; a practice attempt (one case) gets exactly ``submitted_at −
    started_at``. Unsubmitted cases get None.
    """
    result: dict[Hashable, int | None] = {key: None for key in started}
    order = sorted(((when, key) for key, when in submitted.items() if when is not None), key=lambda pair: pair[0])
    previous: datetime | None = None
    for when, key in order:
        begin = started[key] if previous is None else max(started[key], previous)
        result[key] = max(0, round((when - begin).total_seconds()))
        previous = when
    return result


def format_seconds(seconds: int | None) -> str:
    """``75`` -> "1 min 15 s", ``3725`` -> "1 h 2 min"; None -> "—"."""
    return "—" if seconds is None else format_duration(seconds, padded=False)
