"""What a higher app may hear from quizzes: a quiz attempt was finished.

``quiz_attempt_finished`` fires once per quiz attempt, when
``attempts.quiz_attempt_finish`` records it (completed or time up). See
``leucocases/hooks.py`` for how callbacks run.
"""

from __future__ import annotations

from dataclasses import dataclass

from leucocases.hooks import Hook


@dataclass(frozen=True, slots=True)
class QuizAttemptFinished:
    quiz_attempt_id: int


quiz_attempt_finished: Hook[QuizAttemptFinished] = Hook("quizzes.quiz_attempt_finished")
