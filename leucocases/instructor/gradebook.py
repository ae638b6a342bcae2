"""A quiz's gradebook: one row per learner, for a course director's spreadsheet.

Each row holds the learner (username, name, e-mail, cohorts), where they
stand with the quiz, each case's marks (score, workup, diagnosis, and a flag
when a harmful or never choice capped the score) and the quiz total — the
mean of the case scores of a finished attempt, as the learner's own quiz
report gives it — best, last and mean over the finished attempts — then
calibration (diagnoses stated at each certainty, and right) and, where the
quiz uses them, the certainty-based marks. A case that asks for a
differential adds the must-not-miss causes the learner never considered
(from the comparison stored at submission, ``reasoning``). Summary rows give
each column's mean and median, and each such case's most-missed must-not-miss cause.

Which attempt the case marks come from: the best finished attempt (the
highest total; of equal ones, the later), or, with none finished, the
attempt under way. A case without a report reads "Not started" (never
opened: a quiz attempt creates every case's attempt when it starts, so an
attempt with no choice is a case not reached) or "In progress".

``gradebook_table`` lays the gradebook out as a header and rows, for
``spreadsheets.csv_write`` and ``spreadsheets.xlsx_bytes``. Eleven queries
whatever the number of learners.
"""

from __future__ import annotations

import statistics as stats
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F

from leucocases.cases.certainty import is_right
from leucocases.cases.grading.certainty import CalibrationRow, calibration, cbm_mark
from leucocases.cases.models import Attempt, Case, GradedReport
from leucocases.quizzes.listing import quiz_attempt_means
from leucocases.quizzes.models import Cohort, Quiz, QuizAttempt

from . import reasoning
from .results import learners_expected, quiz_attempts_in_scope, quiz_cases
from .sample_size import is_small, small_sample_warning
from .spreadsheets import Cell, Sheet

NOT_STARTED = "Not started"
GRADED = "Graded"
IN_PROGRESS = "In progress"
FINISHED = "Finished"
#: Submitted, but the key could not be graded (the quiz report says so too).
NOT_GRADED = "Not graded"

HARMFUL = "harmful"
NEVER = "never"


@dataclass(frozen=True, slots=True)
class CaseMark:
    """One learner's result on one case: the report's scores, or why there is none."""

    state: str = NOT_STARTED
    total: float | None = None
    workup: float | None = None
    diagnosis: float | None = None
    #: "never" (a never choice held the total at or below the never total), "harmful" (a harmful
    #: or harmful-premature choice triggered the cap) or "", read from the stored report.
    flag: str = ""
    certainty: str = ""  # stated with the diagnosis ("": none)
    right: bool = False  # the diagnosis had full credit
    #: Must-not-miss causes listed at no checkpoint, by name ("none"; "": no stored differential).
    never_considered: str = ""

    @property
    def graded(self) -> bool:
        return self.total is not None


@dataclass(frozen=True, slots=True)
class LearnerRow:
    learner: Any
    cohorts: tuple[str, ...]
    attempts: int
    finished: int
    #: The number (1 = first started) of the quiz attempt the marks come from.
    shown_attempt: int | None
    marks: tuple[CaseMark, ...]
    best: float | None = None
    last: float | None = None
    mean: float | None = None
    #: Over all the learner's graded cases of the quiz: low, medium, high.
    calibration: tuple[CalibrationRow, ...] = ()
    case_ids: tuple[int, ...] = ()  # the quiz's cases, in the order of ``marks``

    @property
    def status(self) -> str:
        if not self.attempts:
            return NOT_STARTED
        return FINISHED if self.finished else IN_PROGRESS


@dataclass(frozen=True, slots=True)
class Summary:
    """Mean and median of one column over the ``n`` learners with a value."""

    n: int
    mean: float | None
    median: float | None

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        if not values:
            return cls(n=0, mean=None, median=None)
        return cls(n=len(values), mean=round(stats.fmean(values), 1), median=round(stats.median(values), 1))


@dataclass(frozen=True, slots=True)
class CaseColumns:
    case: Case
    total: Summary
    workup: Summary
    diagnosis: Summary
    flagged: int


@dataclass(frozen=True, slots=True)
class Gradebook:
    quiz: Quiz
    cohort: Cohort | None
    cases: tuple[Case, ...]
    rows: tuple[LearnerRow, ...]
    columns: tuple[CaseColumns, ...]
    best: Summary
    last: Summary
    mean: Summary
    #: By case id, the differential figures of the cases with stored comparisons.
    differentials: dict[int, reasoning.CaseDifferential] = field(default_factory=dict)

    @property
    def differential_cases(self) -> frozenset[int]:
        """The cases with a differential column: those that key one now or have stored comparisons."""
        return frozenset(c.pk for c in self.cases if c.differential or c.pk in self.differentials)

    @property
    def graded_learners(self) -> int:
        """Learners with at least one graded case: the sample behind the summary rows."""
        return sum(1 for row in self.rows if any(mark.graded for mark in row.marks))

    @property
    def small_sample(self) -> bool:
        return is_small(self.graded_learners)


def quiz_gradebook(*, quiz: Quiz, cohort: Cohort | None = None) -> Gradebook:
    """Every learner who started ``quiz`` (of ``cohort`` only, if given), and
    the learners of ``cohort`` (without one: of the quiz's cohorts) who have not."""
    cases = quiz_cases(quiz=quiz)
    quiz_attempts = quiz_attempts_in_scope(quiz=quiz, cohort=cohort)
    by_learner: dict[int, list[QuizAttempt]] = defaultdict(list)
    learners: dict[int, Any] = {}
    for qa in quiz_attempts:
        by_learner[qa.user_id].append(qa)
        learners[qa.user_id] = qa.user
    for learner in learners_expected(quiz=quiz, cohort=cohort).exclude(pk__in=list(learners)):
        learners[learner.pk] = learner
    all_attempts = [qa for attempts in by_learner.values() for qa in attempts]
    comparisons = reasoning.quiz_comparisons(quiz=quiz, cohort=cohort)
    marks = _case_marks([qa.pk for qa in all_attempts], never=reasoning.never_considered_text(comparisons))
    totals = quiz_attempt_means(quiz_attempts=[qa for qa in all_attempts if qa.is_finished])
    cohorts = _cohort_names(list(learners), quiz=quiz, cohort=cohort)
    rows = sorted(
        (
            _row(learner, by_learner.get(pk, []), marks=marks, totals=totals, cases=cases, cohorts=cohorts.get(pk, ()))
            for pk, learner in learners.items()
        ),
        key=lambda row: row.learner.get_username().lower(),
    )
    return Gradebook(
        quiz=quiz,
        cohort=cohort,
        cases=tuple(cases),
        rows=tuple(rows),
        columns=tuple(_case_columns(case, [row.marks[i] for row in rows]) for i, case in enumerate(cases)),
        best=Summary.of([row.best for row in rows if row.best is not None]),
        last=Summary.of([row.last for row in rows if row.last is not None]),
        mean=Summary.of([row.mean for row in rows if row.mean is not None]),
        differentials=reasoning.case_differentials(list(comparisons.values())),
    )


def _case_marks(quiz_attempt_ids: list[int], *, never: dict[int, str]) -> dict[int, dict[int, CaseMark]]:
    """Each quiz attempt's marks by case id: two queries (attempts, current reports);
    ``never``: the must-not-miss causes never considered, by attempt id."""
    attempts = (
        Attempt.objects.filter(quiz_case__quiz_attempt__in=quiz_attempt_ids)
        .annotate(choices_made=Count("choices"))
        .values(
            "pk",
            "case_id",
            "submitted_at",
            "certainty",
            "choices_made",
            quiz_attempt_id=F("quiz_case__quiz_attempt_id"),
        )
    )
    reports = {
        row["attempt_id"]: row
        for row in GradedReport.objects.filter(
            attempt__quiz_case__quiz_attempt__in=quiz_attempt_ids, superseded_at__isnull=True
        ).values(
            "attempt_id",
            "total",
            "workup_score",
            "diagnosis_score",
            "data__cap_triggered",
            "data__never_triggered",
            "data__diagnosis__verdict",
        )
    }
    marks: dict[int, dict[int, CaseMark]] = defaultdict(dict)
    for attempt in attempts:
        report = reports.get(attempt["pk"])
        if report is not None:
            flag = NEVER if report["data__never_triggered"] else HARMFUL if report["data__cap_triggered"] else ""
            mark = CaseMark(
                state=GRADED,
                total=report["total"],
                workup=report["workup_score"],
                diagnosis=report["diagnosis_score"],
                flag=flag,
                certainty=attempt["certainty"],
                right=is_right(report["data__diagnosis__verdict"]),
                never_considered=never.get(attempt["pk"], ""),
            )
        elif attempt["submitted_at"] is not None:
            mark = CaseMark(state=NOT_GRADED)
        else:
            mark = CaseMark(state=IN_PROGRESS if attempt["choices_made"] else NOT_STARTED)
        marks[attempt["quiz_attempt_id"]][attempt["case_id"]] = mark
    return marks


def _cohort_names(learner_ids: list[int], *, quiz: Quiz, cohort: Cohort | None) -> dict[int, tuple[str, ...]]:
    """Each learner's cohorts: ``cohort`` if given, else those the quiz is
    assigned to (a quiz open to everyone: all of the learner's cohorts)."""
    if cohort is not None:
        return {pk: (cohort.name,) for pk in learner_ids}
    memberships = Cohort.learners.through.objects.filter(user_id__in=learner_ids)
    quiz_cohorts = list(quiz.cohorts.values_list("pk", flat=True))
    if quiz_cohorts:
        memberships = memberships.filter(cohort_id__in=quiz_cohorts)
    names: dict[int, list[str]] = defaultdict(list)
    for user_id, name in memberships.order_by("cohort__name").values_list("user_id", "cohort__name"):
        names[user_id].append(name)
    return {pk: tuple(found) for pk, found in names.items()}


def _row(
    learner: Any,
    attempts: list[QuizAttempt],
    *,
    marks: dict[int, dict[int, CaseMark]],
    totals: dict[int, float],
    cases: list[Case],
    cohorts: tuple[str, ...],
) -> LearnerRow:
    """``attempts`` in the order they started."""
    finished = sorted((qa for qa in attempts if qa.is_finished), key=lambda qa: (qa.finished_at, qa.pk))
    scores = [totals[qa.pk] for qa in finished if qa.pk in totals]
    if finished:
        shown = max(finished, key=lambda qa: (totals.get(qa.pk, -1.0), qa.finished_at, qa.pk))
    else:
        shown = attempts[-1] if attempts else None
    found = marks.get(shown.pk, {}) if shown is not None else {}
    stated = [
        (mark.certainty, mark.right)
        for qa in attempts
        for mark in marks.get(qa.pk, {}).values()
        if mark.graded and mark.certainty
    ]
    return LearnerRow(
        learner=learner,
        cohorts=cohorts,
        attempts=len(attempts),
        finished=len(finished),
        shown_attempt=None if shown is None else attempts.index(shown) + 1,
        # A case added to the quiz after the attempt began has no attempt in it.
        marks=tuple(found.get(case.pk, CaseMark()) for case in cases),
        best=max(scores) if scores else None,
        last=totals.get(finished[-1].pk) if finished else None,
        mean=round(stats.fmean(scores), 1) if scores else None,
        calibration=calibration(stated),
        case_ids=tuple(case.pk for case in cases),
    )


def _case_columns(case: Case, marks: list[CaseMark]) -> CaseColumns:
    graded = [mark for mark in marks if mark.graded]
    return CaseColumns(
        case=case,
        total=Summary.of([m.total for m in graded if m.total is not None]),
        workup=Summary.of([m.workup for m in graded if m.workup is not None]),
        diagnosis=Summary.of([m.diagnosis for m in graded if m.diagnosis is not None]),
        flagged=sum(1 for m in graded if m.flag),
    )


# --------------------------------------------------------------------------
# As a table
# --------------------------------------------------------------------------

IDENTITY_COLUMNS = ("Username", "Name", "E-mail", "Cohort", "Status", "Attempts", "Case marks from attempt")
CASE_COLUMNS = ("score", "workup", "diagnosis", "harmful or never", "certainty")
TOTAL_COLUMNS = ("Quiz total (best)", "Quiz total (last)", "Quiz total (mean)")
#: Calibration over every graded case of the learner's attempts: stated and right, per level.
CALIBRATION_COLUMNS = tuple(
    f"{level.capitalize()} certainty: {part}" for level in ("high", "medium", "low") for part in ("stated", "right")
)
CBM_COLUMN = "Certainty-based marks"
#: After a case's columns, when the case asks for a differential.
DIFFERENTIAL_COLUMN = "must-not-miss never considered"
MOST_MISSED_ROW = "Most-missed must-not-miss"


def _case_parts(gradebook: Gradebook, case: Case) -> tuple[str, ...]:
    extra = (DIFFERENTIAL_COLUMN,) if case.pk in gradebook.differential_cases else ()
    return (*CASE_COLUMNS, *extra)


def gradebook_header(gradebook: Gradebook) -> list[str]:
    per_case = [
        f"{position}. {case.title}: {part}"
        for position, case in enumerate(gradebook.cases, start=1)
        for part in _case_parts(gradebook, case)
    ]
    marking = [CBM_COLUMN] if gradebook.quiz.certainty_based_marking else []
    return [*IDENTITY_COLUMNS, *per_case, *TOTAL_COLUMNS, *CALIBRATION_COLUMNS, *marking]


def gradebook_table(gradebook: Gradebook) -> Sheet:
    """The gradebook as a sheet: a row per learner, then the Mean, Median
    and "Learners graded" rows (those three in bold)."""
    marking = gradebook.quiz.certainty_based_marking
    asked = gradebook.differential_cases
    rows: list[list[Cell]] = [_learner_cells(row, marking=marking, asked=asked) for row in gradebook.rows]
    blank: list[Cell] = [None] * (len(IDENTITY_COLUMNS) - 1)
    summary_rows: list[list[Cell]] = [["Mean", *blank], ["Median", *blank], ["Learners graded", *blank]]
    if asked:
        summary_rows.append([MOST_MISSED_ROW, *blank])
    for column in gradebook.columns:
        flagged = f"{column.flagged} of {column.total.n} flagged" if column.total.n else None
        summary_rows[0] += [column.total.mean, column.workup.mean, column.diagnosis.mean, flagged, None]
        summary_rows[1] += [column.total.median, column.workup.median, column.diagnosis.median, None, None]
        summary_rows[2] += [column.total.n, column.workup.n, column.diagnosis.n, None, None]
        if asked:
            summary_rows[3] += [None] * len(CASE_COLUMNS)
        if column.case.pk in asked:
            figures = gradebook.differentials.get(column.case.pk)
            most = figures.most_missed if figures else None
            for i, summary in enumerate(summary_rows):
                summary.append((most.text if most else "none") if i == 3 and figures else None)
    totals = (gradebook.best, gradebook.last, gradebook.mean)
    summary_rows[0] += [s.mean for s in totals]
    summary_rows[1] += [s.median for s in totals]
    summary_rows[2] += [s.n for s in totals]
    if asked:
        summary_rows[3] += [None] * len(totals)
    for summary in summary_rows:  # calibration and marks are counts per learner: no mean or median
        summary += [None] * (len(CALIBRATION_COLUMNS) + int(marking))
    first_summary = len(rows)
    return Sheet(
        title="Gradebook",
        header=gradebook_header(gradebook),
        rows=[*rows, *summary_rows],
        bold_rows=frozenset(range(first_summary, first_summary + len(summary_rows))),
        frozen_columns=1,
    )


def _learner_cells(row: LearnerRow, *, marking: bool, asked: frozenset[int]) -> list[Cell]:
    learner = row.learner
    cells: list[Cell] = [
        learner.get_username(),
        learner.get_full_name() if hasattr(learner, "get_full_name") else "",
        getattr(learner, "email", ""),
        "; ".join(row.cohorts),
        row.status,
        row.attempts,
        row.shown_attempt,
    ]
    for case_id, mark in zip(row.case_ids, row.marks, strict=True):
        if mark.graded:
            cells += [mark.total, mark.workup, mark.diagnosis, mark.flag, mark.certainty]
        else:
            # The reason stands in the score's column, so a spreadsheet's
            # AVERAGE leaves it out rather than counting it as zero.
            cells += [mark.state, None, None, None, None]
        if case_id in asked:
            cells.append(mark.never_considered or None)
    cells += [row.best, row.last, row.mean]
    for level in reversed(row.calibration):  # high, medium, low
        cells += [level.stated, level.correct]
    if marking:
        # The marks of the attempt the case marks come from.
        cells.append(
            sum(cbm_mark(correct=m.right, certainty=m.certainty) for m in row.marks if m.graded and m.certainty)
        )
    return cells


def gradebook_notes(gradebook: Gradebook, *, exported_at: str) -> Sheet:
    """What the gradebook holds and how to read it: the XLSX file's second sheet."""
    who = f"cohort {gradebook.cohort.name}" if gradebook.cohort else "all learners"
    lines = [
        f"Gradebook of the quiz {gradebook.quiz.title}, {who}, exported {exported_at}.",
        "One row per learner. Scores are out of 100; the quiz total of an attempt is the mean of its case scores.",
        "Case marks come from the learner's best finished attempt (the later of equal ones), or with none "
        "finished from the attempt under way.",
        "A case without a score reads Not started (never opened), In progress, or Not graded (its key could "
        "not be graded).",
        "Harmful or never: never, the learner made a choice the key rates never, which holds the case's score "
        "at or below its never total (0 unless the case says otherwise); harmful, a choice the key rates harmful "
        "(or a premature one that counts as harmful), which caps the score at the case's harmful cap. Never "
        "wins when both were made.",
        "Certainty: what the learner stated with the diagnosis (low, medium, high). The calibration columns count, "
        "over all the learner's graded cases of the quiz, the diagnoses stated at each certainty and how many "
        "were right (full credit).",
    ]
    if gradebook.differential_cases:
        lines.append(
            "Must-not-miss never considered (cases that ask for a differential): the must-not-miss causes of the "
            "expert differential the learner listed at no checkpoint, from the comparison stored at submission; "
            f"the {MOST_MISSED_ROW} row gives the one most often missed (missed by how many of those compared)."
        )
    if gradebook.quiz.certainty_based_marking:
        lines.append(
            "Certainty-based marks (Moodle's scale: right 1, 2, 3 and wrong 0, -2, -6 at low, medium, high "
            "certainty), added up over the attempt the case marks come from."
        )
    if gradebook.small_sample:
        lines.append(small_sample_warning(gradebook.graded_learners))
    return Sheet(title="About", header=["About this gradebook"], rows=[[line] for line in lines])
