"""The learner dashboard's data: read-only, a constant number of queries.

``dashboard_for`` fetches the learner's current reports in ONE query (however
many attempts there are), the catalogue it needs in a handful more, and
leaves every computation to the pure ``progress`` module. Reports the learner
may not see yet are left out everywhere (``cases.visibility`` applying
``exam_lock``: an exam under way, or an exam in force that holds the case):
they would show a score, and the case reports they link to would show the
key, before the exam is finished.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from leucocases.cases.bar_charts import BarChart, bar_chart
from leucocases.cases.models import Case, GradedReport
from leucocases.cases.visibility import attempts_with_visible_reports, without_locked_cases
from leucocases.taxonomy.models import CauseGroup, WorkupStep

from . import progress
from .calibration import Calibration, answer_from_report, learner_calibration
from .habits import StepHabits, step_habits
from .models import PracticeCard, QuizAttempt
from .weak_spots import CardDue, WeakSpotPlan, weak_spot_plan

#: How many rows of each history table the dashboard shows (newest first).
HISTORY_ROWS = 20
#: How many workup steps each habit chart shows.
HABIT_ROWS = 8
#: Where a report row says which quiz attempt (and quiz) it was played in, if any.
QUIZ_ATTEMPT_ID = "attempt__quiz_case__quiz_attempt_id"
QUIZ_TITLE = "attempt__quiz_case__quiz_attempt__quiz__title"


@dataclass(frozen=True, slots=True)
class CaseHistoryLine:
    attempt_id: int
    case_title: str
    submitted_at: datetime
    total: float
    quiz_title: str  # "" for a practice attempt


@dataclass(frozen=True, slots=True)
class QuizHistoryLine:
    quiz_attempt: QuizAttempt
    quiz_title: str
    mean_total: float | None  # None until finished (or if nothing could be graded)
    graded_cases: int


@dataclass(frozen=True, slots=True)
class Dashboard:
    case_history: tuple[CaseHistoryLine, ...]
    case_attempt_count: int
    quiz_history: tuple[QuizHistoryLine, ...]
    quiz_attempt_count: int
    mastery: tuple[progress.GroupMastery, ...]
    mastery_chart: BarChart
    habits: StepHabits
    missed_chart: BarChart
    over_chart: BarChart
    plan: WeakSpotPlan
    calibration: Calibration
    poor_total: float = progress.POOR_TOTAL


def visible_reports_for(*, user: AbstractBaseUser, now: datetime | None = None):
    """The learner's current reports they may see now (``cases.visibility``)."""
    visible = attempts_with_visible_reports(user=user, session_key=None, now=now)
    return GradedReport.objects.filter(attempt__in=visible, superseded_at__isnull=True)


def dashboard_for(*, user: AbstractBaseUser, now: datetime | None = None) -> Dashboard:
    """Everything the dashboard shows. Seven queries, whatever the number of attempts."""
    now = now or timezone.now()
    rows = _report_rows(user=user, now=now)  # 1
    groups_of = _groups_of_cases()  # 2
    # 3-4. Names, in the taxonomy's order.
    group_names = dict(CauseGroup.objects.order_by("position", "name").values_list("slug", "name"))
    step_names = dict(WorkupStep.objects.values_list("slug", "name"))
    candidates = _practice_candidates(groups_of=groups_of, now=now)  # 5
    # 6. The learner's quiz attempts.
    quiz_attempts = list(QuizAttempt.objects.filter(user=user).select_related("quiz").order_by("-started_at", "-pk"))
    # 7. When each practised case comes back (spaced_practice).
    cards = [
        CardDue(case_id=c, due=due) for c, due in PracticeCard.objects.filter(user=user).values_list("case_id", "due")
    ]

    records = [
        progress.record_from_report(
            attempt_id=row["attempt_id"],
            case_id=row["attempt__case_id"],
            submitted_at=row["attempt__submitted_at"],
            total=row["total"],
            groups=groups_of.get(row["attempt__case_id"], ()),
            data=row["data"],
        )
        for row in rows
    ]
    mastery = progress.group_mastery(records, group_names=group_names)
    habits = step_habits(records, step_names=step_names)
    return Dashboard(
        case_history=_case_history(rows),
        case_attempt_count=len(rows),
        quiz_history=_quiz_history(rows, quiz_attempts=quiz_attempts),
        quiz_attempt_count=len(quiz_attempts),
        mastery=mastery,
        habits=habits,
        plan=weak_spot_plan(records, cards=cards, candidates=candidates, mastery=mastery, now=now),
        calibration=learner_calibration(
            answer for row in rows if (answer := answer_from_report(row["attempt__certainty"], row["data"]))
        ),
        **_charts(mastery=mastery, habits=habits),
    )


def _report_rows(*, user: AbstractBaseUser, now: datetime) -> list[dict[str, Any]]:
    """Every current report of the learner: the one query that grows in rows, never in number."""
    return list(
        visible_reports_for(user=user, now=now).values(
            "attempt_id",
            "attempt__case_id",
            "attempt__case__title",
            "attempt__submitted_at",
            "attempt__certainty",
            QUIZ_ATTEMPT_ID,
            QUIZ_TITLE,
            "total",
            "data",
        )
    )


def _groups_of_cases() -> dict[int, list[str]]:
    """Which cause groups each case teaches (the whole, small, through table)."""
    groups_of: dict[int, list[str]] = {}
    for case_id, slug in Case.groups.through.objects.values_list("case_id", "causegroup__slug"):
        groups_of.setdefault(case_id, []).append(slug)
    return groups_of


def _practice_candidates(*, groups_of: dict[int, list[str]], now: datetime) -> list[progress.CaseCandidate]:
    """Cases the learner may be sent to practise: playable, and held by no exam in
    force (a subquery of the same query)."""
    return [
        progress.CaseCandidate(
            case_id=c["pk"],
            slug=c["slug"],
            title=c["title"],
            groups=tuple(groups_of.get(c["pk"], ())),
            difficulty=c["difficulty"],
        )
        for c in without_locked_cases(Case.objects.playable(), now=now).values("pk", "slug", "title", "difficulty")
    ]


def _case_history(rows: list[dict[str, Any]]) -> tuple[CaseHistoryLine, ...]:
    newest = sorted(rows, key=lambda r: (r["attempt__submitted_at"], r["attempt_id"]), reverse=True)
    return tuple(
        CaseHistoryLine(
            attempt_id=row["attempt_id"],
            case_title=row["attempt__case__title"],
            submitted_at=row["attempt__submitted_at"],
            total=row["total"],
            quiz_title=row[QUIZ_TITLE] or "",
        )
        for row in newest[:HISTORY_ROWS]
    )


def _quiz_history(rows: list[dict[str, Any]], *, quiz_attempts: list[QuizAttempt]) -> tuple[QuizHistoryLine, ...]:
    totals_by_quiz_attempt: dict[int, list[float]] = {}
    for row in rows:
        if row[QUIZ_ATTEMPT_ID] is not None:
            totals_by_quiz_attempt.setdefault(row[QUIZ_ATTEMPT_ID], []).append(row["total"])
    lines = []
    for quiz_attempt in quiz_attempts[:HISTORY_ROWS]:
        totals = totals_by_quiz_attempt.get(quiz_attempt.pk, []) if quiz_attempt.is_finished else []
        lines.append(
            QuizHistoryLine(
                quiz_attempt=quiz_attempt,
                quiz_title=quiz_attempt.quiz.title,
                mean_total=round(sum(totals) / len(totals), 1) if totals else None,
                graded_cases=len(totals),
            )
        )
    return tuple(lines)


def _charts(*, mastery: tuple[progress.GroupMastery, ...], habits: StepHabits) -> dict[str, BarChart]:
    top_missed = habits.missed[:HABIT_ROWS]
    top_over = habits.over_ordered[:HABIT_ROWS]
    return {
        "mastery_chart": bar_chart(
            title="Mastery by cause group (mean score out of 100)", bars=[(g.name, g.mean_total) for g in mastery]
        ),
        "missed_chart": bar_chart(
            title="Essential steps you miss (share of cases needing the step)",
            bars=[(m.name, m.rate_percent) for m in top_missed],
            unit="%",
        ),
        "over_chart": bar_chart(
            title="Steps you over-order (number of times)",
            bars=[(s.name, float(s.count)) for s in top_over],
            maximum=None,
        ),
    }


__all__ = ["CaseHistoryLine", "Dashboard", "QuizHistoryLine", "dashboard_for", "visible_reports_for"]
