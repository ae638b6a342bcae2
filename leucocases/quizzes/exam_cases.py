"""The authoring rule for exam cases (docs/quizzes.md, "Exam cases").

A case in an exam-mode quiz is never a practice case and is in no other quiz:
otherwise the exam's cases could be played, and their reports (with the key)
read, outside the exam. Checked wherever quizzes and cases are edited: the
quiz admin's case list, the case admin's "practice" box and ``load_quizzes``.
While an exam is in force its cases are locked at run time as well
(``exam_lock``), whatever the data says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q

from leucocases.cases.models import Case

from .models import Quiz, QuizItem


@dataclass(frozen=True, slots=True)
class Membership:
    """A quiz a case belongs to. ``family`` is the quiz's slug, or for a draft
    of changes its quiz's: the two are one quiz, which never conflicts with itself."""

    quiz_title: str
    is_exam: bool
    family: str = ""


def memberships(
    *,
    cases: Iterable[Case],
    excluding_pk: int | None = None,
    excluding_slugs: Iterable[str] = (),
    excluding_drafts_of: Iterable[str] = (),
) -> dict[int, list[Membership]]:
    """The quizzes each case is in, from the database, but the quiz ``excluding_pk``
    and those ``excluding_slugs`` (the ones being edited), and the drafts of
    changes to ``excluding_slugs`` and ``excluding_drafts_of`` (the ones a quiz
    file rewrites while their quiz keeps its cases). A quiz and its draft of
    changes (``Quiz.draft_of``) are one quiz: excluding either by ``excluding_pk``
    excludes both. One query."""
    items = (
        QuizItem.objects.filter(case__in=[c.pk for c in cases]).select_related("quiz__draft_of").order_by("quiz__title")
    )
    excluding_slugs = list(excluding_slugs)
    items = items.exclude(quiz__slug__in=excluding_slugs).exclude(
        quiz__draft_of__slug__in=[*excluding_slugs, *excluding_drafts_of]
    )
    if excluding_pk is not None:
        family = Q(quiz_id=excluding_pk) | Q(quiz__draft_of_id=excluding_pk) | Q(quiz__pending_draft__id=excluding_pk)
        items = items.exclude(family)
    found: dict[int, list[Membership]] = {}
    for item in items:
        quiz = item.quiz
        found.setdefault(item.case_id, []).append(
            Membership(
                quiz_title=quiz.title,
                is_exam=quiz.mode == Quiz.Mode.EXAM,
                family=quiz.draft_of.slug if quiz.draft_of_id else quiz.slug,
            )
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
    # An exam and its draft of changes (same title, as a rule) are named once.
    titles = dict.fromkeys(exams.values_list("title", flat=True))
    return [
        ValidationError(
            "This case is in the exam “%(quiz)s”, so it cannot be a practice case: anyone could play it "
            "and read its report. Remove it from the exam first.",
            code="exam_case_is_practice",
            params={"quiz": title},
        )
        for title in titles
    ]


def plan_problems(
    *, quizzes: Mapping[str, tuple[str, str, list[Case]]], kept_elsewhere: Mapping[int, list[Membership]]
) -> dict[str, list[str]]:
    """The rule over a set of quizzes about to be saved together (``load_quizzes``).

    ``quizzes``: slug -> (title, mode, cases) as they will be; ``kept_elsewhere``:
    the memberships in quizzes that keep their cases (outside the set, or an
    approved quiz of the set whose changes go into its draft of changes: the
    same quiz as its slug's entry, so never in conflict with it).
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
            elsewhere = [m for other, m in in_plan[case.pk] if other != slug] + [
                m for m in kept_elsewhere.get(case.pk, ()) if m.family != slug
            ]
            for error in exam_case_problems(
                mode=mode, case_name=case.slug, is_practice=case.is_practice, elsewhere=elsewhere
            ):
                problems.setdefault(slug, []).extend(error.messages)
    return problems


def quiz_problems(*, quiz: Quiz) -> list[str]:
    """The rule over ``quiz``'s cases as they stand, against every other quiz
    (its draft of changes, or the quiz it is a draft of, aside): checked again
    when a quiz is approved, since other quizzes may have changed since it was
    edited."""
    cases = [item.case for item in quiz.items.select_related("case").order_by("position")]
    elsewhere = memberships(cases=cases, excluding_pk=quiz.pk)
    return [
        message
        for case in cases
        for error in exam_case_problems(
            mode=quiz.mode, case_name=case.title, is_practice=case.is_practice, elsewhere=elsewhere.get(case.pk, ())
        )
        for message in error.messages
    ]
