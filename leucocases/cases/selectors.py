"""What the case pages read about a learner's attempts: the play page's
results (never the key) and the case list's progress.

Nothing here returns any part of the answer key before submission:
``attempt_chosen_steps`` hands the play page the findings' results only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, Exists, FloatField, OuterRef, QuerySet, StringAgg, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from leucocases.editorial.content_version import remember
from leucocases.taxonomy.models import WorkupStep
from leucocases.taxonomy.workup_catalogue import workup_catalogue

from .charts import SeriesChart, series_chart
from .models import Attempt, Case, Choice, Finding, GradedReport
from .visibility import attempts_with_visible_reports

NEUTRAL_RESULT = "Nothing abnormal."
FINDING_BODY = "cases/includes/finding_body.html"


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
    #: The result, table and chart as markup (cases/includes/finding_body.html), kept per worker.
    body: SafeString


#: One stored choice, as the play page needs it: (position, step id, occurrence).
Pick = tuple[int, int, int]
PICK_SEPARATOR = ","


def picks_column(attempt_id: Any) -> Subquery:
    """One text column: every choice of the attempt ``attempt_id`` (an expression)
    as "position:step:occurrence", in no particular order (``parse_picks`` sorts
    them): what lets the play page read its choices inside a query it already runs."""
    item = Concat(
        Cast("position", CharField()),
        Value(":"),
        Cast("step_id", CharField()),
        Value(":"),
        Cast("occurrence", CharField()),
        output_field=CharField(),
    )
    rows = (
        Choice.objects.filter(attempt_id=attempt_id)
        .order_by()
        .values("attempt_id")
        .annotate(picks=StringAgg(item, Value(PICK_SEPARATOR)))
        .values("picks")
    )
    return Subquery(rows, output_field=CharField())


def parse_picks(text: str | None) -> tuple[Pick, ...]:
    """``picks_column``'s text as picks, in position order."""
    if not text:
        return ()
    picks = (tuple(int(n) for n in item.split(":")) for item in text.split(PICK_SEPARATOR))
    return tuple(sorted(picks))  # type: ignore[arg-type]


def attempt_picks(*, attempt: Attempt) -> tuple[Pick, ...]:
    """The attempt's choices in order. One query."""
    rows = Choice.objects.filter(attempt=attempt).order_by("position").values_list("position", "step_id", "occurrence")
    return tuple(rows)


def attempt_chosen_steps(*, attempt: Attempt) -> list[ChosenStep]:
    """The attempt's choices in order, each with what it revealed (``chosen_steps``). One query."""
    return chosen_steps(case_id=attempt.case_id, picks=attempt_picks(attempt=attempt))


@dataclass(frozen=True, slots=True)
class _Reveal:
    result: str
    table: tuple[dict[str, Any], ...]
    chart: SeriesChart | None


def _case_reveals(case_id: int) -> tuple[dict[tuple[int, int], _Reveal], dict[int, _Reveal]]:
    """What each (step id, occurrence) the case keys reveals, and each step's last
    occurrence; kept per worker and content version (findings are content)."""

    def build():
        findings: dict[tuple[int, int], _Reveal] = {}
        latest: dict[int, _Reveal] = {}
        rows = Finding.objects.filter(case_id=case_id).only("pk", "step_id", "occurrence", "result", "table", "series")
        for finding in sorted(rows, key=lambda f: f.occurrence):
            table = tuple(row for row in finding.table or () if isinstance(row, dict))
            reveal = _Reveal(result=finding.result, table=table, chart=series_chart(finding.series))
            findings[(finding.step_id, finding.occurrence)] = latest[finding.step_id] = reveal
        return findings, latest

    return remember(("case-reveals", case_id), build)


def chosen_steps(*, case_id: int, picks: Sequence[Pick]) -> list[ChosenStep]:
    """What each pick reveals in the case.

    The n-th order of an entry shows the case's finding for occurrence n; a
    repeat beyond the occurrences the case keys shows the last keyed one
    again (the patient has not changed); an entry the case does not key shows
    the catalogue's neutral default result (``WorkupStep.default_result``).
    All in the same markup, so the page never tells keyed from unkeyed.

    No query once the worker keeps the case's findings and the catalogue (read on
    the first look, choices or not, so that the next look costs what any other does).
    """
    findings, latest = _case_reveals(case_id)
    steps = workup_catalogue().by_pk
    chosen = []
    for position, step_id, occurrence in picks:
        step = steps[step_id]
        reveal = findings.get((step_id, occurrence)) or latest.get(step_id)
        result = reveal.result if reveal else (step.default_result or NEUTRAL_RESULT)
        table = reveal.table if reveal else ()
        chart = reveal.chart if reveal else None
        # The same (case, entry, occurrence) shows the same markup to everyone: rendered once per
        # worker (the tables and charts were most of a choice's answer), keyed by what it shows.
        shown = (
            (step_id, occurrence) if (step_id, occurrence) in findings else (step_id, "latest" if reveal else "default")
        )
        body = remember(
            ("finding-body", case_id, *shown),
            lambda step=step, result=result, table=table, chart=chart: render_to_string(
                FINDING_BODY, {"name": step.name, "result": result, "table": table, "chart": chart}
            ),
        )
        chosen.append(
            ChosenStep(
                position=position, step=step, occurrence=occurrence, result=result, table=table, chart=chart, body=body
            )
        )
    return chosen


def path_chosen_steps(*, case_id: int, picks: Sequence[tuple[int, WorkupStep, int]]) -> list[ChosenStep]:
    """``chosen_steps`` for picks that name their entries (position, entry,
    occurrence): a path that is not stored (the editor's learner preview)."""
    return chosen_steps(case_id=case_id, picks=[(at, step.pk, occurrence) for at, step, occurrence in picks])


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
