"""Cohort results of a quiz: one row per learner, one cell per case, and the CSV export.

``quiz_results`` reads every quiz attempt and its cases' reports in a fixed
number of queries (not one per attempt).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.fields.json import KT

from leucocases.cases.certainty import is_right
from leucocases.cases.grading.certainty import cbm_mark
from leucocases.cases.models import Attempt, Case, GradedReport
from leucocases.quizzes.models import Cohort, Quiz, QuizAttempt, QuizItem

from . import case_times, statistics
from .spreadsheets import UTF8_BOM
from .spreadsheets import formula_safe as _text


class CellStatus:
    SUBMITTED = "submitted"
    TIME_UP = "time_up"  # graded as it stood when the quiz's time ran out
    IN_PROGRESS = "in_progress"
    NOT_STARTED = "not_started"

    LABELS = {
        SUBMITTED: "Submitted",
        TIME_UP: "Graded when time ran out",
        IN_PROGRESS: "In progress",
        NOT_STARTED: "Not started",
    }


@dataclass(frozen=True, slots=True)
class ResultCell:
    case: Case
    status: str
    attempt_id: int | None = None
    total: float | None = None
    started_at: datetime | None = None
    submitted_at: datetime | None = None
    seconds_on_case: int | None = None
    certainty: str = ""  # stated with the diagnosis ("" : none)
    right: bool | None = None  # the diagnosis had full credit (None: no report)

    @property
    def status_label(self) -> str:
        return CellStatus.LABELS[self.status]

    @property
    def seconds_since_start(self) -> int | None:
        if self.started_at is None or self.submitted_at is None:
            return None
        return max(0, round((self.submitted_at - self.started_at).total_seconds()))

    @property
    def time_text(self) -> str:
        return case_times.format_seconds(self.seconds_on_case)

    @property
    def has_report(self) -> bool:
        return self.attempt_id is not None and self.total is not None


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One learner's quiz attempt (or, ``quiz_attempt`` None, a learner of the
    cohort who has not started the quiz), one cell per quiz case."""

    learner: Any
    quiz_attempt: QuizAttempt | None
    attempt_number: int | None
    cells: tuple[ResultCell, ...]

    @property
    def status(self) -> str:
        qa = self.quiz_attempt
        if qa is None:
            return "Not started"
        if qa.finished_at is None:
            return "In progress"
        return qa.get_finish_reason_display() or "Finished"

    @property
    def completed(self) -> int:
        return sum(1 for cell in self.cells if cell.status in (CellStatus.SUBMITTED, CellStatus.TIME_UP))

    @property
    def mean_total(self) -> float | None:
        return statistics.mean([cell.total for cell in self.cells if cell.total is not None])


@dataclass(frozen=True, slots=True)
class QuizResults:
    quiz: Quiz
    cases: tuple[Case, ...]
    rows: tuple[ResultRow, ...]
    cohort: Cohort | None

    @property
    def learner_count(self) -> int:
        return len({row.learner.pk for row in self.rows})

    @property
    def finished_count(self) -> int:
        return sum(1 for row in self.rows if row.quiz_attempt is not None and row.quiz_attempt.finished_at)


def quiz_cases(*, quiz: Quiz) -> list[Case]:
    return [item.case for item in QuizItem.objects.filter(quiz=quiz).select_related("case").order_by("position")]


def quiz_attempts_in_scope(*, quiz: Quiz, cohort: Cohort | None) -> QuerySet[QuizAttempt]:
    """Attempts at ``quiz`` (by learners of ``cohort``, if given), in the order they started, with their learner."""
    quiz_attempts = QuizAttempt.objects.filter(quiz=quiz).select_related("user").order_by("started_at", "pk")
    if cohort is not None:
        quiz_attempts = quiz_attempts.filter(user__in=cohort.learners.all())
    return quiz_attempts


def learners_expected(*, quiz: Quiz, cohort: Cohort | None) -> QuerySet[Any]:
    """Who is expected to take ``quiz``: the learners of ``cohort``, or without one of the quiz's cohorts."""
    User = get_user_model()
    expected = User.objects.filter(cohorts=cohort) if cohort is not None else User.objects.filter(cohorts__quizzes=quiz)
    return expected.distinct()


def quiz_results(*, quiz: Quiz, cohort: Cohort | None = None) -> QuizResults:
    """Learners × cases for ``quiz``: every quiz attempt (a learner who tried
    twice has two rows), plus learners of ``cohort`` (or, without one, of the
    quiz's cohorts) who have not started. Four queries."""
    cases = quiz_cases(quiz=quiz)
    quiz_attempts = list(quiz_attempts_in_scope(quiz=quiz, cohort=cohort))

    current = GradedReport.objects.filter(attempt=OuterRef("pk"), superseded_at__isnull=True)
    case_rows = (
        Attempt.objects.filter(quiz_case__quiz_attempt__in=[qa.pk for qa in quiz_attempts])
        .annotate(
            total=Subquery(current.values("total")[:1]),
            verdict=Subquery(current.annotate(verdict=KT("data__diagnosis__verdict")).values("verdict")[:1]),
            choices_made=Count("choices"),
        )
        .values(
            "pk",
            "case_id",
            "started_at",
            "submitted_at",
            "certainty",
            "total",
            "verdict",
            "choices_made",
            quiz_attempt_id=F("quiz_case__quiz_attempt_id"),
        )
    )
    by_quiz_attempt: dict[int, dict[int, dict]] = defaultdict(dict)
    for row in case_rows:
        by_quiz_attempt[row["quiz_attempt_id"]][row["case_id"]] = row

    rows: list[ResultRow] = []
    numbers: dict[int, int] = defaultdict(int)
    for qa in quiz_attempts:
        numbers[qa.user_id] += 1
        found = by_quiz_attempt.get(qa.pk, {})
        seconds = case_times.seconds_on_each_case(
            started={cid: r["started_at"] for cid, r in found.items()},
            submitted={cid: r["submitted_at"] for cid, r in found.items()},
        )
        rows.append(
            ResultRow(
                learner=qa.user,
                quiz_attempt=qa,
                attempt_number=numbers[qa.user_id],
                cells=tuple(_cell(case, qa, found.get(case.pk), seconds.get(case.pk)) for case in cases),
            )
        )

    started = {qa.user_id for qa in quiz_attempts}
    for learner in learners_expected(quiz=quiz, cohort=cohort).exclude(pk__in=started):
        rows.append(
            ResultRow(
                learner=learner,
                quiz_attempt=None,
                attempt_number=None,
                cells=tuple(ResultCell(case=case, status=CellStatus.NOT_STARTED) for case in cases),
            )
        )
    rows.sort(key=lambda r: (r.learner.get_username().lower(), r.attempt_number or 0))
    return QuizResults(quiz=quiz, cases=tuple(cases), rows=tuple(rows), cohort=cohort)


def _cell(case: Case, qa: QuizAttempt, row: dict | None, seconds: int | None) -> ResultCell:
    if row is None:
        # The case was added to the quiz after this attempt began, or was not playable then.
        return ResultCell(case=case, status=CellStatus.NOT_STARTED)
    submitted = row["submitted_at"]
    if submitted is None and not row["choices_made"]:
        # A quiz attempt opens every case's attempt when it starts: one with
        # no choice is a case the learner has not reached.
        return ResultCell(case=case, status=CellStatus.NOT_STARTED)
    if submitted is None:
        status = CellStatus.IN_PROGRESS
    elif (
        qa.finish_reason == QuizAttempt.FinishReason.TIME_UP
        and qa.finished_at is not None
        and submitted >= qa.finished_at
    ):
        status = CellStatus.TIME_UP
    else:
        status = CellStatus.SUBMITTED
    return ResultCell(
        case=case,
        status=status,
        attempt_id=row["pk"],
        total=row["total"],
        started_at=row["started_at"],
        submitted_at=submitted,
        seconds_on_case=seconds,
        certainty=row["certainty"],
        right=None if row["total"] is None else is_right(row["verdict"]),
    )


CSV_COLUMNS = (
    "quiz",
    "cohort",
    "learner",
    "learner_name",
    "quiz_attempt",
    "quiz_status",
    "case_position",
    "case",
    "case_title",
    "case_status",
    "score",
    "diagnosis_right",
    "certainty",
    "certainty_mark",
    "differential_score",
    "must_not_miss_never_considered",
    "started_at",
    "submitted_at",
    "seconds_since_start",
    "seconds_on_case",
)


def _iso(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat(timespec="seconds")


def quiz_results_csv(*, results: QuizResults, out: Any, comparisons: Mapping[int, Any] | None = None) -> None:
    """Write ``results`` to ``out`` as CSV: a header, then one row per
    learner's quiz attempt × case (learners not started: one row per case),
    after a byte order mark so that spreadsheet programs read it as UTF-8.

    ``comparisons``: the stored differential comparisons by attempt id
    (``reasoning.quiz_comparisons``), for the differential's two columns."""
    comparisons = comparisons or {}
    out.write(UTF8_BOM)
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in results.rows:
        full_name = row.learner.get_full_name() if hasattr(row.learner, "get_full_name") else ""
        for position, cell in enumerate(row.cells, start=1):
            writer.writerow(
                [
                    _text(results.quiz.slug),
                    _text(results.cohort.name if results.cohort else ""),
                    _text(row.learner.get_username()),
                    _text(full_name),
                    row.attempt_number or "",
                    _text(row.status),
                    position,
                    _text(cell.case.slug),
                    _text(cell.case.title),
                    cell.status,
                    "" if cell.total is None else f"{cell.total:.1f}",
                    "" if cell.right is None else ("yes" if cell.right else "no"),
                    cell.certainty,
                    _certainty_mark(cell, marking=results.quiz.certainty_based_marking),
                    *_differential_cells(comparisons.get(cell.attempt_id)),
                    _iso(cell.started_at),
                    _iso(cell.submitted_at),
                    "" if cell.seconds_since_start is None else cell.seconds_since_start,
                    "" if cell.seconds_on_case is None else cell.seconds_on_case,
                ]
            )


def _differential_cells(comparison: Any) -> tuple[str, str]:
    """The stored differential score (when the case scores it) and the must-not-miss
    causes never considered (slugs, "; " between), or blanks without a comparison."""
    if comparison is None:
        return "", ""
    score = comparison.score if comparison.data.get("scored") and comparison.score is not None else None
    return ("" if score is None else f"{score:.1f}"), _text("; ".join(comparison.never_considered))


def _certainty_mark(cell: ResultCell, *, marking: bool) -> int | str:
    """The cell's certainty-based mark, where the quiz uses them and a certainty was stated."""
    if not marking or cell.right is None or not cell.certainty:
        return ""
    return cbm_mark(correct=cell.right, certainty=cell.certainty)
