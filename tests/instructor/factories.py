"""Instructor test factories: attempts with differentials and certainty, for the reasoning figures (issue 18)."""

from __future__ import annotations

from collections.abc import Sequence

from leucocases.cases import attempts as case_attempts
from leucocases.cases.checkpoint_forms import CheckpointAnswer
from leucocases.cases.differentials import checkpoint_save
from leucocases.cases.models import Attempt, Case
from leucocases.taxonomy.models import Cause
from tests.cases.factories import make_case

#: The expert's differential (slugs of tests.cases.factories.make_taxonomy): aplastic anaemia must not be missed.
DIFFERENTIAL = {
    "scored": True,
    "presentation": [
        {"cause": "drugs-and-environmental-toxins"},
        {"cause": "aplastic-anaemia", "must_not_miss": True},
    ],
    "final": [{"cause": "thiopurines"}, {"cause": "aplastic-anaemia", "must_not_miss": True}],
}


def make_differential_case(*, title: str = "A case with a differential") -> Case:
    case = make_case(title=title).case
    Case.objects.filter(pk=case.pk).update(differential=DIFFERENTIAL)
    case.refresh_from_db()
    return case


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
