"""Instructor test factories: attempts with differentials and certainty, for the reasoning figures (issue 18).

The case with an expert differential they play is tests.cases.factories.make_differential_case.
"""

from __future__ import annotations

from collections.abc import Sequence

from leucocases.cases import attempts as case_attempts
from leucocases.cases.checkpoint_forms import CheckpointAnswer
from leucocases.cases.differentials import checkpoint_save
from leucocases.cases.models import Attempt, Case
from leucocases.taxonomy.models import Cause


def make_reasoned_attempt(
    *,
    case: Case,
    user,
    first: Sequence[str] = (),
    final: Sequence[str] = (),
    diagnosis: str | None = "thiopurines",
    certainty: str = "",
    quiz_attempt=None,
) -> Attempt:
    """A submitted attempt with a first differential (``first``), a final one and a stated certainty."""
    attempt = Attempt.objects.create(case=case, user=user)
    if quiz_attempt is not None:
        from leucocases.quizzes.models import QuizAttemptCase

        QuizAttemptCase.objects.create(quiz_attempt=quiz_attempt, attempt=attempt, case=case)
    if first and case.differential.get("presentation"):
        checkpoint_save(attempt=attempt, name="presentation", answer=CheckpointAnswer("", tuple(first)))
    case_attempts.attempt_submit(
        attempt=attempt,
        diagnosis=Cause.objects.get(slug=diagnosis) if diagnosis else None,
        certainty=certainty,
        final_checkpoint=CheckpointAnswer("", tuple(final)),
    )
    return attempt
