"""Taking a quiz: where a learner stands, starting or resuming, the deadline,
finishing, the runner's progress and the quiz report.

Keyword-only ``<thing>_<action>`` functions (DESIGN §4); views only call
these. The server is the clock: a quiz attempt's deadline is stored when it
starts (the earlier of start + time limit and the end of the quiz's
availability window), and every read or write of the attempt brings it up to
date first (``quiz_attempt_enforce_deadline``): once the deadline has passed
the quiz attempt is finished with ``finish_reason=time_up`` and every case not
yet submitted is graded as it stands (no diagnosis), exactly once, through the
same ``attempt_submit`` that grades a normal submission. The case services
refuse any choice or submission after the deadline on their own (the quiz
rules registered with cases, ``policy``: ``AttemptClosed``, code ``time_up``),
so a manipulated page or a request racing the clock changes nothing either.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, OuterRef, QuerySet, Subquery
from django.utils import formats, timezone

from leucocases.cases.attempts import attempt_submit
from leucocases.cases.grading import InvalidKeyError
from leucocases.cases.models import Attempt, Case, GradedReport
from leucocases.taxonomy.models import CauseGroup

from . import hooks, progress
from .exam_lock import exam_items_in_force, items_outside
from .models import Quiz, QuizAttempt, QuizAttemptCase, QuizItem

logger = logging.getLogger(__name__)


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "j F Y, H:i") + " UTC"


# --------------------------------------------------------------------------
# Listing and standing
# --------------------------------------------------------------------------


def quiz_playable_items(*, quiz: Quiz) -> QuerySet[QuizItem]:
    """The quiz's items whose case learners may open, in quiz order: playable,
    and held by no exam in force but this quiz (``exam_lock``; a quiz
    that breaks the exam-case rule, e.g. one saved before the rule existed,
    still cannot open another exam's case)."""
    held_elsewhere = items_outside(exam_items_in_force(), quiz).values("case_id")
    return (
        quiz.items.filter(case__in=Case.objects.playable())
        .exclude(case__in=held_elsewhere)
        .select_related("case")
        .order_by("position")
    )


def quizzes_for_list(*, user: Any, now: datetime | None = None) -> QuerySet[Quiz]:
    """The quizzes open to ``user`` now, each with ``case_count`` and, for a
    learner, ``attempts_used`` and ``open_attempt_id``. One query."""
    case_count = (
        QuizItem.objects.filter(quiz=OuterRef("pk"), case__in=Case.objects.playable())
        .order_by()
        .values("quiz")
        .annotate(n=Count("pk"))
        .values("n")
    )
    quizzes = Quiz.objects.available(_now(now)).for_learner(user).annotate(case_count=Subquery(case_count))
    if user is not None and user.is_authenticated:
        mine = QuizAttempt.objects.filter(quiz=OuterRef("pk"), user=user).order_by()
        quizzes = quizzes.annotate(
            attempts_used=Subquery(mine.values("quiz").annotate(n=Count("pk")).values("n")),
            open_attempt_id=Subquery(mine.filter(finished_at__isnull=True).values("pk")[:1]),
        )
    return quizzes.order_by("title")


def quiz_for_learner(*, slug: str, user: Any) -> Quiz | None:
    """The quiz a learner may see: published and open to them (staff: any)."""
    quizzes = Quiz.objects.visible_to(user)
    if not (user is not None and user.is_authenticated and user.is_staff):
        quizzes = quizzes.for_learner(user)
    return quizzes.filter(slug=slug).first()


@dataclass(frozen=True, slots=True)
class PastAttempt:
    quiz_attempt: QuizAttempt
    mean_total: float | None


@dataclass(frozen=True, slots=True)
class QuizStanding:
    """Where a learner stands with one quiz: what its page offers them.

    ``refusal`` says why a new attempt cannot start (None: it can); an open
    attempt can always be resumed until its deadline.
    """

    case_count: int
    attempts_used: int
    attempts_allowed: int | None
    open_attempt: QuizAttempt | None
    finished_attempts: tuple[PastAttempt, ...]  # newest first
    refusal: ValidationError | None

    @property
    def can_start(self) -> bool:
        return self.open_attempt is None and self.refusal is None

    @property
    def attempts_left(self) -> int | None:
        if self.attempts_allowed is None:
            return None
        return max(self.attempts_allowed - self.attempts_used, 0)

    @property
    def refusal_message(self) -> str:
        return " ".join(self.refusal.messages) if self.refusal is not None else ""


def _start_refusal(
    *, quiz: Quiz, user: Any, attempts_used: int, case_count: int, now: datetime
) -> ValidationError | None:
    if not quiz.is_published:
        return ValidationError("This quiz is not published yet, so it cannot be taken.", code="not_published")
    if quiz.available_from is not None and now < quiz.available_from:
        return ValidationError(
            "This quiz opens on %(when)s.", code="not_open_yet", params={"when": _when(quiz.available_from)}
        )
    if quiz.available_until is not None and now >= quiz.available_until:
        return ValidationError(
            "This quiz closed on %(when)s.", code="closed", params={"when": _when(quiz.available_until)}
        )
    if not Quiz.objects.filter(pk=quiz.pk).for_learner(user).exists():
        return ValidationError("This quiz is assigned to a cohort you are not in.", code="not_assigned")
    if case_count == 0:
        return ValidationError("This quiz has no cases yet.", code="no_cases")
    if quiz.max_attempts is not None and attempts_used >= quiz.max_attempts:
        return ValidationError(
            "You have used all %(allowed)s of your attempts at this quiz.",
            code="no_attempts_left",
            params={"allowed": quiz.max_attempts},
        )
    return None


def quiz_standing(*, quiz: Quiz, user: AbstractBaseUser, now: datetime | None = None) -> QuizStanding:
    """Where ``user`` stands with ``quiz``. An open attempt whose deadline has
    passed is finished first (time up), so the page never offers to resume it."""
    now = _now(now)
    attempts = list(QuizAttempt.objects.filter(quiz=quiz, user=user).order_by("-started_at", "-pk"))
    open_attempt = next((a for a in attempts if not a.is_finished), None)
    if open_attempt is not None and quiz_attempt_enforce_deadline(quiz_attempt=open_attempt, now=now):
        open_attempt = None
    case_count = quiz_playable_items(quiz=quiz).count()
    refusal = _start_refusal(quiz=quiz, user=user, attempts_used=len(attempts), case_count=case_count, now=now)
    finished = [a for a in attempts if a.is_finished]
    means = quiz_attempt_means(quiz_attempts=finished)
    return QuizStanding(
        case_count=case_count,
        attempts_used=len(attempts),
        attempts_allowed=quiz.max_attempts,
        open_attempt=open_attempt,
        finished_attempts=tuple(PastAttempt(quiz_attempt=a, mean_total=means.get(a.pk)) for a in finished),
        refusal=refusal,
    )


def quiz_attempt_means(*, quiz_attempts: list[QuizAttempt]) -> dict[int, float]:
    """The mean case total of each quiz attempt, in one query (none for an empty list)."""
    if not quiz_attempts:
        return {}
    rows = (
        GradedReport.objects.filter(attempt__quiz_case__quiz_attempt__in=quiz_attempts, superseded_at__isnull=True)
        .values("attempt__quiz_case__quiz_attempt")
        .annotate(mean=Avg("total"))
        .order_by()
    )
    return {row["attempt__quiz_case__quiz_attempt"]: round(row["mean"], 1) for row in rows}


# --------------------------------------------------------------------------
# Starting, the deadline, finishing
# --------------------------------------------------------------------------


def quiz_attempt_deadline(*, quiz: Quiz, started_at: datetime) -> datetime | None:
    """The earlier of start + time limit and the close of the availability window."""
    candidates = []
    if quiz.time_limit_minutes:
        candidates.append(started_at + timedelta(minutes=quiz.time_limit_minutes))
    if quiz.available_until is not None:
        candidates.append(quiz.available_until)
    return min(candidates) if candidates else None


def quiz_attempt_start_or_resume(*, quiz: Quiz, user: AbstractBaseUser, now: datetime | None = None) -> QuizAttempt:
    """The learner's open attempt at ``quiz``, or a new one.

    A new attempt gets its deadline now and one case attempt per playable quiz
    item, in quiz order, all in one transaction. Raises ``ValidationError``
    (codes ``not_published``, ``not_open_yet``, ``closed``, ``not_assigned``,
    ``no_cases``, ``no_attempts_left``) when a new attempt may not start. An
    open attempt found past its deadline is finished (time up) and returned
    finished: the caller shows its report.
    """
    now = _now(now)
    open_attempt = QuizAttempt.objects.filter(quiz=quiz, user=user, finished_at__isnull=True).first()
    if open_attempt is not None:
        quiz_attempt_enforce_deadline(quiz_attempt=open_attempt, now=now)
        return open_attempt
    items = list(quiz_playable_items(quiz=quiz))
    used = QuizAttempt.objects.filter(quiz=quiz, user=user).count()
    refusal = _start_refusal(quiz=quiz, user=user, attempts_used=used, case_count=len(items), now=now)
    if refusal is not None:
        raise refusal
    try:
        with transaction.atomic():
            quiz_attempt = QuizAttempt.objects.create(
                quiz=quiz, user=user, started_at=now, deadline=quiz_attempt_deadline(quiz=quiz, started_at=now)
            )
            # Created in quiz order, so the ids keep that order even if the
            # quiz is edited while this attempt is under way.
            case_attempts = Attempt.objects.bulk_create(
                [Attempt(case=item.case, user=user, case_version=item.case.version) for item in items]
            )
            QuizAttemptCase.objects.bulk_create(
                [QuizAttemptCase(quiz_attempt=quiz_attempt, attempt=a, case_id=a.case_id) for a in case_attempts]
            )
    except IntegrityError:
        # one_open_quiz_attempt: a second tab started it a moment ago.
        return QuizAttempt.objects.get(quiz=quiz, user=user, finished_at__isnull=True)
    return quiz_attempt


def quiz_attempt_finish(*, quiz_attempt: QuizAttempt, reason: str, now: datetime | None = None) -> QuizAttempt:
    """Finish the quiz attempt once: grade every case not yet submitted as it
    stands (no diagnosis) and record when and why. Finishing again changes
    nothing. Updates ``quiz_attempt`` in place and returns it."""
    now = _now(now)
    with transaction.atomic():
        locked = QuizAttempt.objects.select_for_update().get(pk=quiz_attempt.pk)
        if not locked.is_finished:
            for case_attempt in Attempt.objects.filter(quiz_case__quiz_attempt=locked).open().order_by("pk"):
                try:
                    attempt_submit(attempt=case_attempt, diagnosis=None, even_if_closed=True)
                except InvalidKeyError:
                    # Left ungraded: the quiz report says so rather than invent a score.
                    logger.exception(
                        "Case %s cannot be graded; quiz attempt %s finishes without it", case_attempt.case_id, locked.pk
                    )
            # Time up: the attempt ended at its deadline, whenever it is recorded.
            ended = min(now, locked.deadline) if reason == QuizAttempt.FinishReason.TIME_UP and locked.deadline else now
            locked.finished_at = ended
            locked.finish_reason = reason
            locked.save(update_fields=["finished_at", "finish_reason"])
            hooks.quiz_attempt_finished.fire_on_commit(hooks.QuizAttemptFinished(locked.pk))
    quiz_attempt.finished_at = locked.finished_at
    quiz_attempt.finish_reason = locked.finish_reason
    return quiz_attempt


def quiz_attempt_enforce_deadline(*, quiz_attempt: QuizAttempt, now: datetime | None = None) -> bool:
    """Finish an open quiz attempt whose deadline has passed.

    Returns True when this call finished it (time up): the caller tells the
    learner. An attempt already finished, or still in time, is left alone.
    """
    now = _now(now)
    if quiz_attempt.is_finished or not quiz_attempt.is_past_deadline(now):
        return False
    quiz_attempt_finish(quiz_attempt=quiz_attempt, reason=QuizAttempt.FinishReason.TIME_UP, now=now)
    return quiz_attempt.finish_reason == QuizAttempt.FinishReason.TIME_UP


def quiz_attempt_finish_if_complete(*, quiz_attempt: QuizAttempt, now: datetime | None = None) -> bool:
    """Finish the quiz attempt (completed) once every case is submitted; True if it is finished."""
    if quiz_attempt.is_finished:
        return True
    if Attempt.objects.filter(quiz_case__quiz_attempt=quiz_attempt).open().exists():
        return False
    quiz_attempt_finish(quiz_attempt=quiz_attempt, reason=QuizAttempt.FinishReason.COMPLETED, now=now)
    return True


# --------------------------------------------------------------------------
# The runner: which case, how far, how long
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuizProgress:
    """The runner's view of a quiz attempt: its case attempts in quiz order
    and the first one not yet submitted (where the learner resumes)."""

    quiz_attempt: QuizAttempt
    case_attempts: tuple[Attempt, ...]
    current: Attempt | None
    seconds_left: int | None

    @property
    def total(self) -> int:
        return len(self.case_attempts)

    @property
    def submitted(self) -> int:
        return sum(1 for a in self.case_attempts if a.is_submitted)

    @property
    def position(self) -> int | None:
        """1-based number of the current case."""
        if self.current is None:
            return None
        return next(i for i, a in enumerate(self.case_attempts, start=1) if a.pk == self.current.pk)

    @property
    def is_last(self) -> bool:
        return self.current is not None and self.total - self.submitted == 1

    @property
    def time_left_text(self) -> str:
        return format_duration(self.seconds_left) if self.seconds_left is not None else ""

    def position_of(self, attempt: Attempt) -> int | None:
        return next((i for i, a in enumerate(self.case_attempts, start=1) if a.pk == attempt.pk), None)


def format_duration(seconds: int) -> str:
    """Seconds as the runner shows them: 1 h 05 min, 39 min 12 s, 45 s."""
    seconds = max(int(seconds), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


def quiz_attempt_progress(*, quiz_attempt: QuizAttempt, now: datetime | None = None) -> QuizProgress:
    """One query: the case attempts with their cases."""
    case_attempts = tuple(
        Attempt.objects.filter(quiz_case__quiz_attempt=quiz_attempt).select_related("case").order_by("pk")
    )
    current = next((a for a in case_attempts if not a.is_submitted), None)
    seconds_left = None
    if quiz_attempt.deadline is not None and not quiz_attempt.is_finished:
        seconds_left = max(int((quiz_attempt.deadline - _now(now)).total_seconds()), 0)
    return QuizProgress(
        quiz_attempt=quiz_attempt, case_attempts=case_attempts, current=current, seconds_left=seconds_left
    )


def quiz_attempt_case_attempt(*, quiz_attempt: QuizAttempt, pk: Any) -> Attempt | None:
    """The case attempt ``pk`` if it belongs to ``quiz_attempt`` (posted ids are never trusted)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return Attempt.objects.filter(quiz_case__quiz_attempt=quiz_attempt, pk=pk).select_related("case").first()


# --------------------------------------------------------------------------
# The quiz report
# --------------------------------------------------------------------------


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
    group_chart: progress.BarChart

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
        group_chart=progress.bar_chart(
            [(g.name, g.mean_total) for g in groups],
            title="Mean score by cause group in this quiz",
            unit=" / 100",
        ),
    )


def quiz_attempts_for_user(*, user: AbstractBaseUser) -> QuerySet[QuizAttempt]:
    """A learner's quiz attempts, newest first, with the quiz and the number of
    case attempts (``case_count``) in one query."""
    return (
        QuizAttempt.objects.filter(user=user)
        .select_related("quiz")
        .annotate(case_count=Count("case_attempts"))
        .order_by("-started_at", "-pk")
    )


__all__ = [
    "PastAttempt",
    "QuizCaseLine",
    "QuizProgress",
    "QuizReport",
    "QuizStanding",
    "format_duration",
    "quiz_attempt_case_attempt",
    "quiz_attempt_deadline",
    "quiz_attempt_enforce_deadline",
    "quiz_attempt_finish",
    "quiz_attempt_finish_if_complete",
    "quiz_attempt_means",
    "quiz_attempt_progress",
    "quiz_attempt_report",
    "quiz_attempt_start_or_resume",
    "quiz_attempts_for_user",
    "quiz_for_learner",
    "quiz_playable_items",
    "quiz_standing",
    "quizzes_for_list",
]
