"""The quiz rules cases applies: registered with ``cases.policies`` in ``apps.QuizzesConfig.ready``.

- A quiz's case attempt is played through the quiz only: never resumed or
  listed as a practice attempt.
- It takes no choice or submission once the quiz's time is up
  (``AttemptClosed``, code ``time_up``), whoever calls: the quiz runner then
  finishes the quiz attempt.
- An exam locks its cases and holds back their reports (``exam_lock``); a
  learner taking one is sent back to it from its cases.
- A case in an exam is never a practice case (``exam_cases``: the case
  admin's "practice" box).
- A quiz case's report page first brings the quiz attempt up to date with the
  clock, waits for the whole exam to finish, and shows where the learner is
  in the quiz.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from leucocases.cases.models import Attempt, Case
from leucocases.cases.policies import AttemptClosed, CaseHold, CasePolicy

from . import exam_cases, exam_lock, services
from .models import Quiz, QuizAttempt, quiz_attempt_of

TIME_UP_MESSAGE = "Time is up for this quiz: no more steps can be ordered or diagnoses submitted."
EXAM_LOCK_MESSAGE = (
    "This case is part of the exam you are taking. Its reports and scores appear once you have finished the exam."
)
REPORT_HELD_MESSAGE = "This case is part of an exam that has not closed: its reports appear when the exam closes."


class QuizPolicy(CasePolicy):
    attempt_related = ("quiz_case__quiz_attempt__quiz",)
    report_held_message = REPORT_HELD_MESSAGE

    def practice_attempts(self) -> Q:
        return Q(quiz_case__isnull=True)

    def check_accepts_answers(self, attempt: Attempt, *, now: datetime) -> None:
        quiz_attempt = quiz_attempt_of(attempt)
        if quiz_attempt is None:
            return
        if quiz_attempt.is_past_deadline(now) or quiz_attempt.finish_reason == QuizAttempt.FinishReason.TIME_UP:
            raise AttemptClosed(TIME_UP_MESSAGE, code="time_up")

    def locked_cases(self, *, now: datetime) -> Q:
        return exam_lock.exam_locked_cases(now=now)

    def visible_reports(self, *, user: Any, now: datetime) -> Q:
        return exam_lock.visible_exam_reports(user=user, now=now)

    def case_hold(self, *, case: Case, user: Any) -> CaseHold | None:
        quiz_attempt = exam_lock.exam_attempt_holding(case=case, user=user)
        return None if quiz_attempt is None else CaseHold(quiz_attempt.get_absolute_url(), EXAM_LOCK_MESSAGE)

    def case_holds(self, *, user: Any, now: datetime) -> QuerySet | None:
        if user is None or not user.is_authenticated:
            return None
        return exam_lock.exams_holding(case=OuterRef("pk"), user=user, now=now).values("pk")

    def case_hold_for(self, pk: int) -> CaseHold:
        return CaseHold(QuizAttempt(pk=pk).get_absolute_url(), EXAM_LOCK_MESSAGE)

    def report_gate(self, request: HttpRequest, attempt: Attempt) -> HttpResponse | None:
        """A quiz case's report: none while its exam is under way. Brings the
        quiz attempt up to date first (time may have run out, which finishes it
        and makes every report visible)."""
        quiz_attempt = quiz_attempt_of(attempt)
        if quiz_attempt is None:
            return None
        if services.quiz_attempt_enforce_deadline(quiz_attempt=quiz_attempt):
            attempt.refresh_from_db()
        if not attempt.is_submitted:
            return redirect(quiz_attempt.get_absolute_url())
        if quiz_attempt.quiz.mode == Quiz.Mode.EXAM and not quiz_attempt.is_finished:
            messages.info(request, "Case reports of an exam appear when you have finished the whole quiz.")
            return redirect(quiz_attempt.get_absolute_url())
        return None

    def report_context(self, attempt: Attempt) -> dict[str, Any]:
        quiz_attempt = quiz_attempt_of(attempt)
        if quiz_attempt is None:
            return {}
        progress = services.quiz_attempt_progress(quiz_attempt=quiz_attempt)
        return {
            "quiz_attempt": quiz_attempt,
            "quiz_progress": progress,
            "quiz_case_position": progress.position_of(attempt),
        }

    def practice_case_problems(self, *, case: Case) -> list[ValidationError]:
        return exam_cases.practice_flag_problems(case=case, is_practice=True)
