"""The quiz app's services, in one place to import from.

Finding a quiz (``listing``), where a learner stands with one (``standing``),
taking it — start, deadline, finish, the runner's progress — (``attempts``)
and the quiz report (``report``), re-exported here so that views and callers
keep one short import.
"""

from __future__ import annotations

from .attempts import (
    QuizProgress,
    quiz_attempt_case_attempt,
    quiz_attempt_deadline,
    quiz_attempt_enforce_deadline,
    quiz_attempt_finish,
    quiz_attempt_finish_if_complete,
    quiz_attempt_progress,
    quiz_attempt_start_or_resume,
    quiz_attempts_for_user,
)
from .durations import format_duration
from .listing import quiz_attempt_means, quiz_for_learner, quiz_playable_items, quiz_start_refusal, quizzes_for_list
from .report import QuizCaseLine, QuizReport, quiz_attempt_report
from .standing import PastAttempt, QuizStanding, quiz_standing

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
    "quiz_start_refusal",
    "quizzes_for_list",
]
