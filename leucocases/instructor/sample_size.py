"""How many learners stand behind a statistic, and when that is too few to lean on."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from leucocases.cases.models import GradedReport

#: Below this many learners, item statistics (means, medians, facility,
#: discrimination) move a lot with each learner: pages and exports say so.
#: Issue 20's threshold for "a small sample", a rule of thumb rather than a
#: test: a discrimination index of 0.96 from three learners says little.
SMALL_SAMPLE = 20


def is_small(learners: int) -> bool:
    return learners < SMALL_SAMPLE


def small_sample_warning(learners: int) -> str:
    return (
        f"Only {learners} learner{'s' if learners != 1 else ''} (fewer than {SMALL_SAMPLE}): means, medians and "
        "item statistics change a lot with each learner; read them as indications, not measurements."
    )


def learner_count(reports: QuerySet[GradedReport]) -> int:
    """The learners behind ``reports``: accounts, and anonymous practice
    sessions (each counted once). One query."""
    counts = reports.aggregate(
        accounts=Count("attempt__user", distinct=True),
        sessions=Count("attempt__session_key", distinct=True, filter=Q(attempt__user__isnull=True)),
    )
    return counts["accounts"] + counts["sessions"]
