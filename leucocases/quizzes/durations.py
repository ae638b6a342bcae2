"""How the site writes a length of time, in pure Python: the quiz runner's
time left and the instructor's time spent on each case (``instructor.case_times``)."""

from __future__ import annotations

__all__ = ["format_duration"]


def format_duration(seconds: int, *, padded: bool = True) -> str:
    """Seconds as the runner shows them: 1 h 05 min, 39 min 12 s, 45 s (below zero: 0 s).

    ``padded=False`` gives the results tables' form: 1 h 5 min, 39 min 2 s.
    """
    seconds = max(int(seconds), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    digits = "02d" if padded else "d"
    if hours:
        return f"{hours} h {minutes:{digits}} min"
    if minutes:
        return f"{minutes} min {secs:{digits}} s"
    return f"{secs} s"
