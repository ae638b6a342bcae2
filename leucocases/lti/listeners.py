"""What this app does when a lower app fires a hook (connected in ``apps.py``).

Both run after the submission's or the quiz's transaction committed; they
only queue work (score deliveries, xAPI statements) for the task worker.
"""

from __future__ import annotations

from leucocases.cases import hooks as case_hooks
from leucocases.cases.models import Attempt, GradedReport
from leucocases.quizzes.hooks import QuizAttemptFinished
from leucocases.quizzes.models import QuizAttempt, quiz_attempt_of

from . import grades, xapi
from .models import ActivityLearner, ScoreDelivery


def on_report_stored(event: case_hooks.ReportStored) -> None:
    """A case was submitted, or a regrade stored a new report."""
    attempt = (
        Attempt.objects.select_related("case", "diagnosis", "quiz_case__quiz_attempt")
        .filter(pk=event.attempt_id)
        .first()
    )
    if attempt is None or attempt.user_id is None:
        return  # anonymous practice reaches no gradebook and no learning record
    if event.reason == case_hooks.SUBMISSION and xapi.enabled():
        report = GradedReport.objects.filter(pk=event.report_id).first()
        if report is not None:
            xapi.statements_queue(statements=xapi.submission_statements(attempt=attempt, report=report))
    quiz_attempt = quiz_attempt_of(attempt)
    if quiz_attempt is None:
        learners = ActivityLearner.objects.filter(activity__case_id=attempt.case_id, user_id=attempt.user_id)
    elif event.reason == case_hooks.REGRADE and quiz_attempt.is_finished:
        # A regraded case changes the mean of a finished quiz attempt.
        learners = ActivityLearner.objects.filter(activity__quiz_id=quiz_attempt.quiz_id, user_id=attempt.user_id)
    else:
        return  # a quiz's case: the quiz's score goes out when the quiz is finished
    reason = ScoreDelivery.Reason.REGRADE if event.reason == case_hooks.REGRADE else ScoreDelivery.Reason.SUBMISSION
    grades.scores_queue(learners=learners.select_related("activity"), reason=reason)


def on_quiz_attempt_finished(event: QuizAttemptFinished) -> None:
    quiz_attempt = QuizAttempt.objects.select_related("quiz").filter(pk=event.quiz_attempt_id).first()
    if quiz_attempt is None:
        return
    if xapi.enabled() and (statement := xapi.quiz_statement(quiz_attempt=quiz_attempt)) is not None:
        xapi.statements_queue(statements=[statement])
    learners = ActivityLearner.objects.filter(activity__quiz_id=quiz_attempt.quiz_id, user_id=quiz_attempt.user_id)
    grades.scores_queue(learners=learners.select_related("activity"), reason=ScoreDelivery.Reason.QUIZ_FINISHED)
