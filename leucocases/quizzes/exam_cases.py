"""The authoring rule for exam cases (docs/quizzes.md, "Exam cases").

A case in an exam-mode quiz is never a practice case and is in no other quiz:
otherwise the exam's cases could be played, and their reports (with the key)
read, outside the exam. Checked wherever quizzes and cases are edited: the
quiz admin's case list, the case admin's "practice" box and ``load_quizzes``.
While an exam is in force its cases are locked at run time as well
(``cases.visibility``), whatever the data says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from leucocases.cases.models import Case

from .models import Quiz, QuizItem


@dataclass(frozen=True, slots=True)
class Membership:
    """A quiz a case belongs to."""

    quiz_title: str
    is_exam: bool


def memberships(
    *, cases: Iterable[Case], excluding_pk: int | None = None, excluding_slugs: Iterable[str] = ()
) -> dict[int, list[Membership]]:
    """The quizzes each case is in, from the database, but the quiz ``excluding_pk``
    and those ``excluding_slugs`` (the ones being edited). One query."""
    items = QuizItem.objects.filter(case__in=[c.pk for c in cases]).select_related("quiz").order_by("quiz__title")
    items = items.exclude(quiz__slug__in=list(excluding_slugs))
    if excluding_pk is not None:
        items = items.exclude(quiz_id=excluding_pk)
    found: dict[int, list[Membership]] = {}
    for item in items:
        found.setdefault(item.case_id, []).append(
            Membership(quiz_title=item.quiz.title, is_exam=item.quiz.mode == Quiz.Mode.EXAM)
        )
    return found


def exam_case_problems(
    *, mode: str, case_name: str, is_practice: bool, elsewhere: Iterable[Membership]
) -> list[ValidationError]:
    """What is wrong with a case (called ``case_name`` in the messages) in a
    quiz of ``mode``, given the other quizzes it is in (``elsewhere``)."""
    problems = []
    elsewhere = list(elsewhere)
    params = {"case": case_name}
    if mode == Quiz.Mode.EXAM:
        if is_practice:
            problems.append(
                ValidationError(
                    "“%(case)s” is a practice case, so it cannot be in an exam: anyone could play it and read "
                    "its report. Untick “practice” on the case, or choose another case.",
                    code="exam_case_is_practice",
                    params=params,
                )
            )
        for other in elsewhere:
            problems.append(
                ValidationError(
                    "“%(case)s” is also in the quiz “%(quiz)s”: an exam's cases are in no other quiz.",
                    code="exam_case_shared",
                    params={**params, "quiz": other.quiz_title},
                )
            )
    else:
        for other in elsewhere:
            if other.is_exam:
                problems.append(
                    ValidationError(
                        "“%(case)s” belongs to the exam “%(quiz)s”: an exam's cases are in no other quiz.",
                        code="case_in_exam",
                        params={**params, "quiz": other.quiz_title},
                    )
                )
    return problems


def practice_flag_problems(*, case: Case, is_practice: bool) -> list[ValidationError]:
    """Marking ``case`` a practice case is refused while it is in an exam."""
    if not is_practice or case.pk is None:
        return []
    exams = Quiz.objects.filter(mode=Quiz.Mode.EXAM, items__case=case).order_by("title")
    return [
        ValidationError(
            "This case is in the exam “%(quiz)s”, so it cannot be a practice case: anyone could play it "
            "and read its report. Remove it from the exam first.",
            code="exam_case_is_practice",
            params={"quiz": exam.title},
        )
        for exam in exams
    ]


def plan_problems(
    *, quizzes: Mapping[str, tuple[str, str, list[Case]]], kept_elsewhere: Mapping[int, list[Membership]]
) -> dict[str, list[str]]:
    """The rule over a set of quizzes about to be saved together (``load_quizzes``).

    ``quizzes``: slug -> (title, mode, cases) as they will be; ``kept_elsewhere``:
    the memberships in quizzes outside the set, which keep their cases.
    Returns slug -> messages (empty when all is well).
    """
    in_plan: dict[int, list[tuple[str, Membership]]] = {}
    for slug, (title, mode, cases) in quizzes.items():
        for case in cases:
            membership = Membership(quiz_title=title, is_exam=mode == Quiz.Mode.EXAM)
            in_plan.setdefault(case.pk, []).append((slug, membership))
    problems: dict[str, list[str]] = {}
    for slug, (_title, mode, cases) in quizzes.items():
        for case in cases:
            elsewhere = [m for other, m in in_plan[case.pk] if other != slug] + list(kept_elsewhere.get(case.pk, ()))
            for error in exam_case_problems(
                mode=mode, case_name=case.slug, is_practice=case.is_practice, elsewhere=elsewhere
            ):
                problems.setdefault(slug, []).extend(error.messages)
    return problems
