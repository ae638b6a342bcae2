"""Instructor reads: cohort results and item analysis, in a few queries each.

Each function fetches what it needs in a fixed number of queries (not one per
attempt), turns rows into plain records and hands the arithmetic to the pure
``statistics`` module.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F, Func, JSONField, OuterRef, QuerySet, Subquery, TextField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from leucocases.cases.grading import DiagnosisVerdict
from leucocases.cases.models import Attempt, Case, Finding, GradedReport, Tier
from leucocases.cases.verdicts import DIAGNOSIS_LABELS
from leucocases.quizzes.models import Cohort, Quiz, QuizAttempt, QuizItem
from leucocases.taxonomy.models import Cause, WorkupStep

from . import statistics
from .charts import BarChart, bar_chart
from .models import ReportDigest

# --------------------------------------------------------------------------
# Cohort results
# --------------------------------------------------------------------------


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
        return statistics.format_seconds(self.seconds_on_case)

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


def quiz_results(*, quiz: Quiz, cohort: Cohort | None = None) -> QuizResults:
    """Learners × cases for ``quiz``: every quiz attempt (a learner who tried
    twice has two rows), plus learners of ``cohort`` (or, without one, of the
    quiz's cohorts) who have not started. Four queries."""
    cases = quiz_cases(quiz=quiz)
    quiz_attempts = QuizAttempt.objects.filter(quiz=quiz).select_related("user").order_by("started_at", "pk")
    if cohort is not None:
        quiz_attempts = quiz_attempts.filter(user__in=cohort.learners.all())
    quiz_attempts = list(quiz_attempts)

    current_total = GradedReport.objects.filter(attempt=OuterRef("pk"), superseded_at__isnull=True).values("total")[:1]
    case_rows = (
        Attempt.objects.filter(quiz_case__quiz_attempt__in=[qa.pk for qa in quiz_attempts])
        .annotate(total=Subquery(current_total))
        .values("pk", "case_id", "started_at", "submitted_at", "total", quiz_attempt_id=F("quiz_case__quiz_attempt_id"))
    )
    by_quiz_attempt: dict[int, dict[int, dict]] = defaultdict(dict)
    for row in case_rows:
        by_quiz_attempt[row["quiz_attempt_id"]][row["case_id"]] = row

    rows: list[ResultRow] = []
    numbers: dict[int, int] = defaultdict(int)
    for qa in quiz_attempts:
        numbers[qa.user_id] += 1
        found = by_quiz_attempt.get(qa.pk, {})
        seconds = statistics.seconds_on_each_case(
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
    User = get_user_model()
    expected = User.objects.filter(cohorts=cohort) if cohort is not None else User.objects.filter(cohorts__quizzes=quiz)
    for learner in expected.exclude(pk__in=started).distinct():
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
    "started_at",
    "submitted_at",
    "seconds_since_start",
    "seconds_on_case",
)

# Spreadsheet programs run a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def _iso(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat(timespec="seconds")


def quiz_results_csv(*, results: QuizResults, out: Any) -> None:
    """Write ``results`` to ``out`` as CSV: a header, then one row per
    learner's quiz attempt × case (learners not started: one row per case)."""
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
                    _iso(cell.started_at),
                    _iso(cell.submitted_at),
                    "" if cell.seconds_since_start is None else cell.seconds_since_start,
                    "" if cell.seconds_on_case is None else cell.seconds_on_case,
                ]
            )


# --------------------------------------------------------------------------
# Item analysis
# --------------------------------------------------------------------------


#: The report page's words, but a row of the item analysis's diagnosis table
#: that no cause was chosen in reads "No diagnosis", like its name.
DIAGNOSIS_VERDICT_LABELS = {**DIAGNOSIS_LABELS, DiagnosisVerdict.NONE: "No diagnosis"}


@dataclass(frozen=True, slots=True)
class OptionLine:
    stat: statistics.OptionStat
    name: str

    @property
    def tier_label(self) -> str:
        return "Not keyed" if self.stat.tier is None else Tier(self.stat.tier).label


@dataclass(frozen=True, slots=True)
class DiagnosisLine:
    share: statistics.DiagnosisShare
    name: str

    @property
    def verdict_label(self) -> str:
        return DIAGNOSIS_VERDICT_LABELS.get(self.share.verdict, self.share.verdict)


@dataclass(frozen=True, slots=True)
class QuizDiscrimination:
    quiz: Quiz
    discrimination: statistics.Discrimination


@dataclass(frozen=True, slots=True)
class CaseAnalysis:
    """One case's analysis over the attempts in scope."""

    case: Case
    analysis: statistics.ItemAnalysis
    options: tuple[OptionLine, ...]
    diagnoses: tuple[DiagnosisLine, ...]
    option_chart: BarChart
    diagnosis_chart: BarChart
    discrimination: statistics.Discrimination | None = None
    quizzes: tuple[QuizDiscrimination, ...] = field(default=())

    @property
    def summary(self) -> statistics.CaseSummary:
        return self.analysis.summary

    @property
    def id_prefix(self) -> str:
        """Keeps element ids unique on a page that shows several cases."""
        return f"case-{self.case.pk}-"


def _records(reports: QuerySet[GradedReport]) -> dict[int, list[statistics.ReportRecord]]:
    """Current reports of submitted attempts, by case.

    One query reads the reports' digests (``ReportDigest``); reports met for
    the first time are digested in one more query and their digests stored
    in one bulk insert. Never one query per attempt.
    """
    reports = reports.filter(superseded_at__isnull=True, attempt__submitted_at__isnull=False)
    rows = list(
        reports.order_by("attempt_id")
        # As text, decoded below in one json.loads for all rows: ten thousand
        # small decodes cost more than the query.
        .annotate(lines_text=Cast("digest__lines", TextField()), missed_text=Cast("digest__missed", TextField()))
        .values_list(
            "pk",
            "attempt_id",
            "attempt__case_id",
            "attempt__quiz_case__quiz_attempt_id",
            "total",
            "digest__report_id",
            "lines_text",
            "missed_text",
            "digest__diagnosis",
            "digest__diagnosis_verdict",
        )
    )
    fresh = _digest_missing([row[0] for row in rows if row[5] is None])
    stored = json.loads("[" + ",".join(f"[{row[6]},{row[7]}]" for row in rows if row[5] is not None) + "]")
    stored_parts = iter(stored)
    by_case: dict[int, list[statistics.ReportRecord]] = defaultdict(list)
    for pk, attempt_id, case_id, quiz_attempt_id, total, digested, _lines, _missed, diagnosis, verdict in rows:
        if digested is None:
            digest = fresh[pk]
            lines, missed, diagnosis, verdict = digest.lines, digest.missed, digest.diagnosis, digest.diagnosis_verdict
        else:
            lines, missed = next(stored_parts)
        steps, verdicts = zip(*lines, strict=True) if lines else ((), ())
        by_case[case_id].append(
            statistics.ReportRecord(
                attempt_id=attempt_id,
                total=float(total),
                steps=steps,
                verdicts=verdicts,
                missed=tuple(missed),
                diagnosis=diagnosis or None,
                diagnosis_verdict=verdict or "none",
                quiz_attempt_id=quiz_attempt_id,
            )
        )
    return by_case


def _digest_missing(report_ids: list[int]) -> dict[int, ReportDigest]:
    """Digest the given reports and store the digests (safe if another request
    stores the same ones at the same time)."""
    if not report_ids:
        return {}
    digests = {}
    reports = GradedReport.objects.filter(pk__in=report_ids)
    if connection.vendor in ("sqlite", "postgresql"):
        # The database picks the few parts out of each report's JSON, so
        # Python never decodes the rationales (most of every report).
        rows = reports.annotate(
            line_pairs=ReportLines("data"),
            missed_steps=ReportMissed("data"),
            chosen=KT("data__diagnosis__chosen"),
            verdict=KT("data__diagnosis__verdict"),
        ).values_list("pk", "line_pairs", "missed_steps", "chosen", "verdict")
        for pk, lines, missed, chosen, verdict in rows:
            digests[pk] = ReportDigest(
                report_id=pk,
                lines=[[str(step), str(verdict_)] for step, verdict_ in lines or ()],
                missed=[str(step) for step in missed or ()],
                diagnosis=chosen or "",
                diagnosis_verdict=verdict or "none",
            )
    else:
        for pk, total, data in reports.values_list("pk", "total", "data"):
            record = statistics.record_from_data(attempt_id=0, total=total, data=data or {})
            digests[pk] = ReportDigest.from_record(report_id=pk, record=record)
    ReportDigest.objects.bulk_create(digests.values(), batch_size=500, ignore_conflicts=True)
    return digests


class ReportLines(Func):
    """``[[step, verdict], …]`` of a stored report's lines, in order, built by the database."""

    arity = 1
    output_field = JSONField()
    SQLITE = (
        "(SELECT json_group_array(json_array(json_extract(j.value, '$.step'), json_extract(j.value, '$.verdict')))"
        " FROM json_each(%(expressions)s, '$.lines') AS j)"
    )
    POSTGRESQL = (
        "(SELECT coalesce(jsonb_agg(jsonb_build_array(l.value->>'step', l.value->>'verdict') ORDER BY l.ord),"
        " '[]'::jsonb) FROM jsonb_array_elements(coalesce(%(expressions)s->'lines', '[]'::jsonb))"
        " WITH ORDINALITY AS l(value, ord))"
    )

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template=self.SQLITE, **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template=self.POSTGRESQL, **extra_context)


class ReportMissed(Func):
    """``[step, …]``: a stored report's missed essentials, built by the database."""

    arity = 1
    output_field = JSONField()
    SQLITE = (
        "(SELECT json_group_array(json_extract(j.value, '$.step'))"
        " FROM json_each(%(expressions)s, '$.missed_essentials') AS j)"
    )
    POSTGRESQL = "coalesce(jsonb_path_query_array(%(expressions)s, '$.missed_essentials[*].step'), '[]'::jsonb)"

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template=self.SQLITE, **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template=self.POSTGRESQL, **extra_context)


def _names(records: Iterable[statistics.ReportRecord], keyed: dict[int, dict[str, str]]) -> tuple[dict, dict]:
    """Step and cause names for every slug the records and keys mention: two queries."""
    steps: set[str] = set()
    causes: set[str] = set()
    for record in records:
        steps.update(record.steps)
        steps.update(record.missed)
        if record.diagnosis:
            causes.add(record.diagnosis)
    for key in keyed.values():
        steps.update(key)
    step_names = dict(WorkupStep.objects.filter(slug__in=steps).values_list("slug", "name"))
    cause_names = dict(Cause.objects.filter(slug__in=causes).values_list("slug", "name")) if causes else {}
    return step_names, cause_names


def _keyed(case_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """Each case's keyed steps and tiers (the current key): one query."""
    keyed: dict[int, dict[str, str]] = defaultdict(dict)
    for case_id, slug, tier in Finding.objects.filter(case_id__in=list(case_ids)).values_list(
        "case_id", "step__slug", "tier"
    ):
        keyed[case_id][slug] = tier
    return keyed


def _case_analysis(
    case: Case,
    records: list[statistics.ReportRecord],
    keyed: dict[str, str],
    step_names: dict[str, str],
    cause_names: dict[str, str],
    **extra: Any,
) -> CaseAnalysis:
    analysis = statistics.item_analysis(records, keyed=keyed)
    options = tuple(OptionLine(stat=s, name=step_names.get(s.step, s.step)) for s in analysis.options)
    diagnoses = tuple(
        DiagnosisLine(share=d, name="No diagnosis" if d.cause is None else cause_names.get(d.cause, d.cause))
        for d in analysis.diagnoses
    )
    chosen = [o for o in options if o.stat.chosen]
    return CaseAnalysis(
        case=case,
        analysis=analysis,
        options=options,
        diagnoses=diagnoses,
        option_chart=bar_chart(
            title=f"Share of attempts that ordered each step, {case.title}",
            bars=[(o.name, o.stat.chosen_percent) for o in chosen],
        ),
        diagnosis_chart=bar_chart(
            title=f"Diagnoses chosen, {case.title}", bars=[(d.name, d.share.percent) for d in diagnoses]
        ),
        **extra,
    )


def _quiz_scores(quizzes: Iterable[Quiz]) -> tuple[dict[int, dict[int, dict[int, float]]], dict[int, list[int]]]:
    """For each quiz, each finished quiz attempt's case totals; and each
    quiz's case ids. Two queries whatever the number of attempts."""
    quiz_ids = [q.pk for q in quizzes]
    items: dict[int, list[int]] = defaultdict(list)
    for quiz_id, case_id in (
        QuizItem.objects.filter(quiz_id__in=quiz_ids).order_by("position").values_list("quiz_id", "case_id")
    ):
        items[quiz_id].append(case_id)
    scores: dict[int, dict[int, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    # Every finished quiz attempt counts, even one with no graded case (all zero).
    for quiz_id, qa_id in QuizAttempt.objects.filter(quiz_id__in=quiz_ids, finished_at__isnull=False).values_list(
        "quiz_id", "pk"
    ):
        scores[quiz_id][qa_id] = {}
    rows = GradedReport.objects.filter(
        superseded_at__isnull=True,
        attempt__quiz_case__quiz_attempt__quiz_id__in=quiz_ids,
        attempt__quiz_case__quiz_attempt__finished_at__isnull=False,
    ).values_list(
        "attempt__quiz_case__quiz_attempt__quiz_id", "attempt__quiz_case__quiz_attempt_id", "attempt__case_id", "total"
    )
    for quiz_id, qa_id, case_id, total in rows:
        scores[quiz_id][qa_id][case_id] = total
    return scores, items


#: The scopes of the case analysis page besides "quiz:<slug>".
SCOPE_ALL = "all"
SCOPE_PRACTICE = "practice"


def case_analysis(*, case: Case, scope: str = SCOPE_ALL) -> CaseAnalysis:
    """Item analysis of ``case`` over its submitted attempts: all of them,
    practice ones only (``scope="practice"``) or those of one quiz
    (``scope="quiz:<slug>"``); discrimination for every quiz holding it."""
    reports = GradedReport.objects.filter(attempt__case=case)
    if scope == SCOPE_PRACTICE:
        reports = reports.filter(attempt__quiz_case__isnull=True)
    elif scope.startswith("quiz:"):
        reports = reports.filter(attempt__quiz_case__quiz_attempt__quiz__slug=scope.removeprefix("quiz:"))
    records = _records(reports).get(case.pk, [])
    keyed = _keyed([case.pk])
    step_names, cause_names = _names(records, keyed)
    quizzes = list(Quiz.objects.filter(items__case=case).order_by("title").distinct())
    scores, items = _quiz_scores(quizzes)
    discriminations = tuple(
        QuizDiscrimination(
            quiz=quiz,
            discrimination=statistics.discrimination_indices(scores.get(quiz.pk, {}), items=items.get(quiz.pk, []))[
                case.pk
            ],
        )
        for quiz in quizzes
        if case.pk in items.get(quiz.pk, [])
    )
    return _case_analysis(case, records, keyed.get(case.pk, {}), step_names, cause_names, quizzes=discriminations)


@dataclass(frozen=True, slots=True)
class QuizAnalysis:
    quiz: Quiz
    finished_attempts: int
    cases: tuple[CaseAnalysis, ...]
    facility_chart: BarChart


def quiz_analysis(*, quiz: Quiz) -> QuizAnalysis:
    """Item analysis of every case of ``quiz`` over its finished quiz
    attempts (Moodle's rule), with each case's discrimination index.

    Seven queries whatever the number of attempts.
    """
    cases = quiz_cases(quiz=quiz)
    reports = GradedReport.objects.filter(
        attempt__quiz_case__quiz_attempt__quiz=quiz, attempt__quiz_case__quiz_attempt__finished_at__isnull=False
    )
    by_case = _records(reports)
    keyed = _keyed(c.pk for c in cases)
    step_names, cause_names = _names((r for records in by_case.values() for r in records), keyed)
    scores, items = _quiz_scores([quiz])
    quiz_scores = scores.get(quiz.pk, {})
    discrimination = statistics.discrimination_indices(quiz_scores, items=[c.pk for c in cases])
    analyses = tuple(
        _case_analysis(
            case,
            by_case.get(case.pk, []),
            keyed.get(case.pk, {}),
            step_names,
            cause_names,
            discrimination=discrimination[case.pk],
        )
        for case in cases
    )
    labels = [f"{position}. {a.case.title}" for position, a in enumerate(analyses, start=1)]
    return QuizAnalysis(
        quiz=quiz,
        finished_attempts=len(quiz_scores),
        cases=analyses,
        facility_chart=bar_chart(
            title=f"Facility index of each case, {quiz.title}",
            bars=[(label, a.summary.facility) for label, a in zip(labels, analyses, strict=True)],
        ),
    )


# --------------------------------------------------------------------------
# Index
# --------------------------------------------------------------------------


def quizzes_for_index() -> QuerySet[Quiz]:
    """Quizzes, each with its draft of changes if one is under way (not listed apart)."""
    return Quiz.objects.live().select_related("pending_draft").order_by("title").prefetch_related("cohorts")


def cases_for_index() -> QuerySet[Case]:
    """Cases, each with its draft of changes if one is under way (not listed apart)."""
    return Case.objects.live().select_related("pending_draft").order_by(F("archived_at").asc(nulls_first=True), "title")
