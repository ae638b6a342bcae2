"""What the case pages read about a learner's attempts: the play page's
results (never the key) and the case list's progress.

Nothing here returns any part of the answer key before submission:
``attempt_chosen_steps`` hands the play page the findings' results only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, FloatField, OuterRef, QuerySet, Subquery, Value

from leucocases.taxonomy.models import WorkupStep

from .charts import SeriesChart, series_chart
from .models import Attempt, Case, Choice, Finding, GradedReport
from .visibility import attempts_with_visible_reports

NEUTRAL_RESULT = "Nothing abnormal."


@dataclass(frozen=True, slots=True)
class ChosenStep:
    """One ordered entry and what it revealed. Deliberately holds no tier,
    rationale or citation, nor whether the case keys the entry at all, so a
    template cannot leak them. ``occurrence``: the n-th time this attempt
    ordered the entry."""

    position: int
    step: WorkupStep
    occurrence: int
    result: str
    table: tuple[dict[str, Any], ...]
    chart: SeriesChart | None


def attempt_chosen_steps(*, attempt: Attempt) -> list[ChosenStep]:
    """The attempt's choices in order, each with what it revealed.

    The n-th order of an entry shows the case's finding for occurrence n; a
    repeat beyond the occurrences the case keys shows the last keyed one
    again (the patient has not changed); an entry the case does not key shows
    the catalogue's neutral default result (``WorkupStep.default_result``).
    All in the same markup, so the page never tells keyed from unkeyed.

    Two queries whatever the number of choices.
    """
    choices = list(Choice.objects.filter(attempt=attempt).select_related("step").order_by("position"))
    return path_chosen_steps(case_id=attempt.case_id, picks=[(c.position, c.step, c.occurrence) for c in choices])


def path_chosen_steps(*, case_id: int, picks: Sequence[tuple[int, WorkupStep, int]]) -> list[ChosenStep]:
    """What each pick (position, entry, occurrence) reveals in the case, as
    ``attempt_chosen_steps`` says; also for a path that is not stored (the
    editor's learner preview). One query."""
    if not picks:
        return []
    findings: dict[tuple[int, int], Finding] = {}
    latest: dict[int, Finding] = {}
    rows = Finding.objects.filter(case_id=case_id, step_id__in={step.pk for _, step, _ in picks}).only(
        "pk", "step_id", "occurrence", "result", "table", "series"
    )
    for finding in sorted(rows, key=lambda f: f.occurrence):
        findings[(finding.step_id, finding.occurrence)] = finding
        latest[finding.step_id] = finding
    chosen = []
    for position, step, occurrence in picks:
        finding = findings.get((step.pk, occurrence)) or latest.get(step.pk)
        table = tuple(row for row in (finding.table if finding else None) or () if isinstance(row, dict))
        chosen.append(
            ChosenStep(
                position=position,
                step=step,
                occurrence=occurrence,
                result=finding.result if finding else (step.default_result or NEUTRAL_RESULT),
                table=table,
                chart=series_chart(finding.series) if finding else None,
            )
        )
    return chosen


# --------------------------------------------------------------------------
# The case list: the learner's progress on each case, without N+1 queries
# --------------------------------------------------------------------------


def cases_with_progress(*, cases: QuerySet[Case], user: Any, session_key: str | None) -> QuerySet[Case]:
    """Annotate each case with the learner's ``best_score`` (highest current
    report total they may see now, or None) and ``in_progress`` (an open
    practice attempt exists)."""
    owned = Attempt.objects.owned_by(user=user, session_key=session_key)
    if not ((user is not None and user.is_authenticated) or session_key):
        return cases.annotate(best_score=Value(None, output_field=FloatField()), in_progress=Value(False))
    # A score is a report's summary: exams in force keep theirs to themselves
    # (visibility.py); quiz case attempts are played in the quiz, so they do
    # not make the practice case "in progress" (practice()).
    visible = attempts_with_visible_reports(user=user, session_key=session_key)
    best = (
        GradedReport.objects.filter(attempt__in=visible, attempt__case=OuterRef("pk"), superseded_at__isnull=True)
        .order_by("-total")
        .values("total")[:1]
    )
    return cases.annotate(
        best_score=Subquery(best, output_field=FloatField()),
        in_progress=Exists(owned.open().practice().filter(case=OuterRef("pk"))),
    )
