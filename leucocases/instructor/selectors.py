"""Instructor reads, in one place to import from: cohort results and item analysis.

Each read fetches what it needs in a fixed number of queries (not one per
attempt), turns rows into plain records and hands the arithmetic to the pure
``statistics`` module. By job: ``results`` (a quiz's cohort results and their
CSV), ``item_analysis`` (a case's or a quiz's item analysis) and
``report_sql`` (the reports' digests, and the SQL that reads them out of the
stored JSON). The index pages' lists are here.
"""

from __future__ import annotations

from django.db.models import F, QuerySet

from leucocases.cases.models import Case
from leucocases.quizzes.models import Quiz

from .item_analysis import (
    SCOPE_ALL,
    SCOPE_PRACTICE,
    CaseAnalysis,
    DiagnosisLine,
    OptionLine,
    QuizAnalysis,
    QuizDiscrimination,
    case_analysis,
    quiz_analysis,
)
from .results import (
    CSV_COLUMNS,
    CellStatus,
    QuizResults,
    ResultCell,
    ResultRow,
    quiz_cases,
    quiz_results,
    quiz_results_csv,
)

__all__ = [
    "CSV_COLUMNS",
    "SCOPE_ALL",
    "SCOPE_PRACTICE",
    "CaseAnalysis",
    "CellStatus",
    "DiagnosisLine",
    "OptionLine",
    "QuizAnalysis",
    "QuizDiscrimination",
    "QuizResults",
    "ResultCell",
    "ResultRow",
    "case_analysis",
    "cases_for_index",
    "quiz_analysis",
    "quiz_cases",
    "quiz_results",
    "quiz_results_csv",
    "quizzes_for_index",
]


def quizzes_for_index() -> QuerySet[Quiz]:
    """Quizzes, each with its draft of changes if one is under way (not listed apart)."""
    return Quiz.objects.live().select_related("pending_draft").order_by("title").prefetch_related("cohorts")


def cases_for_index() -> QuerySet[Case]:
    """Cases, each with its draft of changes if one is under way (not listed apart)."""
    return Case.objects.live().select_related("pending_draft").order_by(F("archived_at").asc(nulls_first=True), "title")
