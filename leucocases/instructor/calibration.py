"""Calibration per learner for a quiz's cohort view: how often each stated
certainty was right, from the results grid (``results.quiz_results``), and
the certainty-based marks where the quiz uses them. No query of its own."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from leucocases.cases.grading.certainty import cbm_mark
from leucocases.quizzes.calibration import Calibration, learner_calibration

from .results import QuizResults

__all__ = ["LearnerCalibration", "cohort_calibration"]


@dataclass(frozen=True, slots=True)
class LearnerCalibration:
    learner: Any
    calibration: Calibration
    cbm_total: int | None  # None: the quiz does not use certainty-based marking


def cohort_calibration(results: QuizResults) -> tuple[LearnerCalibration, ...]:
    """One line per learner who stated a certainty on a graded case of the quiz
    (all their attempts in ``results``), in the results' order."""
    answers: dict[int, list[tuple[str, bool]]] = defaultdict(list)
    learners: dict[int, Any] = {}
    for row in results.rows:
        for cell in row.cells:
            if cell.certainty and cell.right is not None:
                answers[row.learner.pk].append((cell.certainty, cell.right))
                learners.setdefault(row.learner.pk, row.learner)
    marking = results.quiz.certainty_based_marking
    return tuple(
        LearnerCalibration(
            learner=learner,
            calibration=learner_calibration(answers[pk], title=f"How often {learner.get_username()} was right"),
            cbm_total=sum(cbm_mark(correct=right, certainty=c) for c, right in answers[pk]) if marking else None,
        )
        for pk, learner in learners.items()
    )
