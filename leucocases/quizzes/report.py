"""The quiz report: the score per case, the mean, the mean by cause group,
and (when the quiz uses certainty-based marking) the certainty marks added up."""

from __future__ import annotations

from dataclasses import dataclass

from leucocases.cases.bar_charts import BarChart, bar_chart
from leucocases.cases.certainty import is_right
from leucocases.cases.grading.certainty import CBM_MARKS, cbm_mark
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
    cbm_mark: int | None = None  # None: no certainty-based marking, or no certainty stated


@dataclass(frozen=True, slots=True)
class QuizReport:
    quiz_attempt: QuizAttempt
    lines: tuple[QuizCaseLine, ...]
    mean_total: float | None
    groups: tuple[progress.GroupMastery, ...]
    group_chart: BarChart
    cbm_total: int | None = None  # None: the quiz does not use certainty-based marking
    cbm_best: int = 0  # the most the marked cases could earn (all right, high certainty)

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
    graded = {
        attempt_id: (total, verdict)
        for attempt_id, total, verdict in GradedReport.objects.filter(
            attempt__in=case_attempts, superseded_at__isnull=True
        ).values_list("attempt_id", "total", "data__diagnosis__verdict")
    }
    marking = quiz_attempt.quiz.certainty_based_marking
    lines = []
    records = []
    for position, attempt in enumerate(case_attempts, start=1):
        total, verdict = graded.get(attempt.pk, (None, None))
        lines.append(
            QuizCaseLine(
                position=position,
                attempt=attempt,
                case=attempt.case,
                total=total,
                graded_at_time_up=attempt.is_submitted and attempt.diagnosis_id is None,
                cbm_mark=cbm_mark(correct=is_right(verdict), certainty=attempt.certainty)
                if marking and total is not None and attempt.certainty
                else None,
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
        cbm_total=sum(line.cbm_mark or 0 for line in lines) if marking else None,
        # A case not answered in time earns 0 marks, as a wrong answer at low certainty would.
        cbm_best=max(right for right, _wrong in CBM_MARKS.values()) * len(lines),
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
