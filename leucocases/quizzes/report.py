"""The quiz report: the score per case, the mean, and the mean by cause group."""

from __future__ import annotations

from dataclasses import dataclass

from leucocases.cases.bar_charts import BarChart, bar_chart
from leucocases.cases.models import Attempt, Case, GradedReport
from leucocases.taxonomy.models import CauseGroup

from . import progress
from .models import QuizAttempt


@dataclass(frozen=True, slots=True)
class QuizCaseLine:
    position: int
    attempt: Attempt
    case: Case
    total: float | None  # None: the case could not be graded
    graded_at_time_up: bool  # submitted for the learner when time ran out


@dataclass(frozen=True, slots=True)
class QuizReport:
    quiz_attempt: QuizAttempt
    lines: tuple[QuizCaseLine, ...]
    mean_total: float | None
    groups: tuple[progress.GroupMastery, ...]
    group_chart: BarChart

    @property
    def answered(self) -> int:
        return sum(1 for line in self.lines if not line.graded_at_time_up)


def quiz_attempt_report(*, quiz_attempt: QuizAttempt) -> QuizReport:
    """Score per case, the mean, and the mean by cause group. Four queries
    (case attempts, their cases' groups, reports, group names) whatever the
    number of cases."""
    case_attempts = list(
        Attempt.objects.filter(quiz_case__quiz_attempt=quiz_attempt)
        .select_related("case")
        .prefetch_related("case__groups")
        .order_by("pk")
    )
    totals = dict(
        GradedReport.objects.filter(attempt__in=case_attempts, superseded_at__isnull=True).values_list(
            "attempt_id", "total"
        )
    )
    lines = []
    records = []
    for position, attempt in enumerate(case_attempts, start=1):
        total = totals.get(attempt.pk)
        lines.append(
            QuizCaseLine(
                position=position,
                attempt=attempt,
                case=attempt.case,
                total=total,
                graded_at_time_up=attempt.is_submitted and attempt.diagnosis_id is None,
            )
        )
        if total is not None and attempt.submitted_at is not None:
            records.append(
                progress.ReportRecord(
                    attempt_id=attempt.pk,
                    case_id=attempt.case_id,
                    submitted_at=attempt.submitted_at,
                    total=total,
                    groups=tuple(g.slug for g in attempt.case.groups.all()),
                )
            )
    group_names = dict(CauseGroup.objects.order_by("position", "name").values_list("slug", "name"))
    groups = progress.group_mastery(records, group_names=group_names)
    scored = [line.total for line in lines if line.total is not None]
    return QuizReport(
        quiz_attempt=quiz_attempt,
        lines=tuple(lines),
        mean_total=round(sum(scored) / len(scored), 1) if scored else None,
        groups=groups,
        group_chart=bar_chart(
            title="Mean score by cause group in this quiz",
            bars=[(g.name, g.mean_total) for g in groups],
            unit=" / 100",
        ),
    )
