"""Item analysis of a case, or of every case of a quiz, with discrimination.

The reads take a fixed number of queries (``report_sql`` for the reports'
digests, one for the keys, two for names, two for quiz scores, three for
the differentials and certainty: ``reasoning``); the arithmetic is the pure
``statistics`` module's. Investigations and
management actions are listed together (the kind says which), one row per
occurrence: the follow-up count is its own row beside the first count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from leucocases.cases.bar_charts import BarChart, bar_chart
from leucocases.cases.grading import DiagnosisVerdict
from leucocases.cases.models import Case, Finding, GradedReport, Tier
from leucocases.cases.verdicts import DIAGNOSIS_LABELS, occurrence_name
from leucocases.quizzes.models import Quiz, QuizAttempt, QuizItem
from leucocases.taxonomy.models import Cause, WorkupStep

from . import reasoning, sample_size, statistics
from .report_sql import report_records
from .results import quiz_cases

#: The report page's words, but a row of the item analysis's diagnosis table
#: that no cause was chosen in reads "No diagnosis", like its name.
DIAGNOSIS_VERDICT_LABELS = {**DIAGNOSIS_LABELS, DiagnosisVerdict.NONE: "No diagnosis"}


@dataclass(frozen=True, slots=True)
class OptionLine:
    stat: statistics.OptionStat
    #: The entry's name, with the occurrence after the first ("Repeat CBC (2nd time)").
    name: str
    kind: str = WorkupStep.Kind.INVESTIGATION

    @property
    def tier_label(self) -> str:
        return "Not keyed" if self.stat.tier is None else Tier(self.stat.tier).label

    @property
    def kind_label(self) -> str:
        return WorkupStep.Kind(self.kind).label


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
    grade_chart: BarChart
    discrimination: statistics.Discrimination | None = None
    quizzes: tuple[QuizDiscrimination, ...] = field(default=())
    #: The learners behind the attempts in scope (on a case's own page).
    learners: int | None = None
    #: The learners' differentials beside the expert's (None: no stored comparison in scope).
    differential: reasoning.CaseDifferential | None = None
    #: Certainty stated with the diagnosis (None: no graded attempt in scope).
    certainty: reasoning.CaseCertainty | None = None

    @property
    def small_sample_warning(self) -> str:
        if self.learners is None or not sample_size.is_small(self.learners):
            return ""
        return sample_size.small_sample_warning(self.learners)

    @property
    def summary(self) -> statistics.CaseSummary:
        return self.analysis.summary

    @property
    def id_prefix(self) -> str:
        """Keeps element ids unique on a page that shows several cases."""
        return f"case-{self.case.pk}-"


#: A key's tiers by (entry slug, occurrence).
Keyed = dict[tuple[str, int], str]


def _names(
    records: Iterable[statistics.ReportRecord], keyed: dict[int, Keyed]
) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """Each entry's name and kind, and each cause's name, for every slug the
    records and keys mention: two queries."""
    steps: set[str] = set()
    causes: set[str] = set()
    for record in records:
        steps.update(record.steps)
        steps.update(record.missed)
        if record.diagnosis:
            causes.add(record.diagnosis)
    for key in keyed.values():
        steps.update(slug for slug, _occurrence in key)
    step_names = {
        slug: (name, kind)
        for slug, name, kind in WorkupStep.objects.filter(slug__in=steps).values_list("slug", "name", "kind")
    }
    cause_names = dict(Cause.objects.filter(slug__in=causes).values_list("slug", "name")) if causes else {}
    return step_names, cause_names


def _keyed(case_ids: Iterable[int]) -> dict[int, Keyed]:
    """Each case's keyed occurrences and their tiers (the current key): one query."""
    keyed: dict[int, Keyed] = defaultdict(dict)
    for case_id, slug, occurrence, tier in Finding.objects.filter(case_id__in=list(case_ids)).values_list(
        "case_id", "step__slug", "occurrence", "tier"
    ):
        keyed[case_id][(slug, occurrence)] = tier
    return keyed


def _option_line(stat: statistics.OptionStat, step_names: dict[str, tuple[str, str]]) -> OptionLine:
    # An entry renamed or deleted since grading still shows its identifier.
    name, kind = step_names.get(stat.step, (stat.step, WorkupStep.Kind.INVESTIGATION))
    return OptionLine(stat=stat, name=occurrence_name(name, stat.occurrence), kind=kind)


def _case_analysis(
    case: Case,
    records: list[statistics.ReportRecord],
    keyed: Keyed,
    step_names: dict[str, tuple[str, str]],
    cause_names: dict[str, str],
    **extra: Any,
) -> CaseAnalysis:
    analysis = statistics.item_analysis(records, keyed=keyed)
    options = tuple(_option_line(s, step_names) for s in analysis.options)
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
            title=f"Share of attempts that ordered each entry, {case.title}",
            bars=[(o.name, o.stat.chosen_percent) for o in chosen],
            unit="%",
        ),
        diagnosis_chart=bar_chart(
            title=f"Diagnoses chosen, {case.title}", bars=[(d.name, d.share.percent) for d in diagnoses], unit="%"
        ),
        grade_chart=bar_chart(
            title=f"Grades, {case.title}",
            bars=[(g.letter, g.percent) for g in analysis.grades] if records else [],
            unit="%",
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


def _reasoning(reports) -> dict[int, dict[str, Any]]:
    """By case, the differential and certainty figures over the current
    reports in ``reports``: three queries (``reasoning``)."""
    current = reports.filter(superseded_at__isnull=True, attempt__submitted_at__isnull=False)
    found: dict[int, dict[str, Any]] = defaultdict(dict)
    comparisons = reasoning.stored_comparisons(current.values("attempt_id"))
    for case_id, differential in reasoning.case_differentials(comparisons).items():
        found[case_id]["differential"] = differential
    for case_id, certainty in reasoning.case_certainties(reports).items():
        found[case_id]["certainty"] = certainty
    return found


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
    records = report_records(reports).get(case.pk, [])
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
    return _case_analysis(
        case,
        records,
        keyed.get(case.pk, {}),
        step_names,
        cause_names,
        **_reasoning(reports).get(case.pk, {}),
        quizzes=discriminations,
        learners=sample_size.learner_count(
            reports.filter(superseded_at__isnull=True, attempt__submitted_at__isnull=False)
        ),
    )


@dataclass(frozen=True, slots=True)
class QuizAnalysis:
    quiz: Quiz
    finished_attempts: int
    cases: tuple[CaseAnalysis, ...]
    facility_chart: BarChart
    #: The learners behind the finished attempts.
    learners: int = 0

    @property
    def small_sample_warning(self) -> str:
        return sample_size.small_sample_warning(self.learners) if sample_size.is_small(self.learners) else ""


def quiz_analysis(*, quiz: Quiz) -> QuizAnalysis:
    """Item analysis of every case of ``quiz`` over its finished quiz
    attempts (Moodle's rule), with each case's discrimination index.

    Eleven queries whatever the number of attempts (three for the differentials and certainty).
    """
    cases = quiz_cases(quiz=quiz)
    reports = GradedReport.objects.filter(
        attempt__quiz_case__quiz_attempt__quiz=quiz, attempt__quiz_case__quiz_attempt__finished_at__isnull=False
    )
    by_case = report_records(reports)
    keyed = _keyed(c.pk for c in cases)
    step_names, cause_names = _names((r for records in by_case.values() for r in records), keyed)
    scores, items = _quiz_scores([quiz])
    quiz_scores = scores.get(quiz.pk, {})
    discrimination = statistics.discrimination_indices(quiz_scores, items=[c.pk for c in cases])
    reasoned = _reasoning(reports)
    analyses = tuple(
        _case_analysis(
            case,
            by_case.get(case.pk, []),
            keyed.get(case.pk, {}),
            step_names,
            cause_names,
            **reasoned.get(case.pk, {}),
            discrimination=discrimination[case.pk],
        )
        for case in cases
    )
    labels = [f"{position}. {a.case.title}" for position, a in enumerate(analyses, start=1)]
    return QuizAnalysis(
        quiz=quiz,
        finished_attempts=len(quiz_scores),
        learners=sample_size.learner_count(reports.filter(superseded_at__isnull=True)),
        cases=analyses,
        facility_chart=bar_chart(
            title=f"Facility index of each case, {quiz.title}",
            bars=[(label, a.summary.facility) for label, a in zip(labels, analyses, strict=True)],
            unit="%",
        ),
    )
