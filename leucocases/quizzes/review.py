"""Review that holds after approval, for quizzes (the cases' rules are in
``leucocases.cases.review``; the same pattern, without versions).

- A quiz takes approved cases only (``QuizItem.clean``), and is approved only
  when every one of its cases is approved and not archived: learners and
  instructor results then see the same cases. The exam-case rule
  (``exam_cases``) is checked again on approval as well.
- An approved quiz is never edited in place (``Quiz.is_locked``): its changes
  go into a *draft of changes* (``Quiz.draft_of``), a copy never offered to
  learners, reviewed like any draft. Approving it copies its settings, cohorts
  and cases into the approved quiz in place and deletes it. Quiz attempts
  under way are untouched: each holds its own case attempts, made when it
  started; the next attempt gets the new cases.
- Nobody reviews or approves a quiz they wrote or edited: the editors are the
  users of the admin's change log for that quiz (admin saves, ``load_quizzes``
  and the start of a draft of changes all write one).
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from leucocases.editorial.content_version import content_changed
from leucocases.editorial.models import ReviewStatus
from leucocases.editorial.services import draft_of_changes_start, free_slug, review_row_lock, review_transition

from . import exam_cases
from .models import Quiz, QuizItem

#: Quiz fields that make a quiz itself rather than its content (identity, the
#: review record, the quiz a draft of changes belongs to).
QUIZ_IDENTITY_FIELDS = frozenset(
    {"id", "slug", "review_status", "author", "reviewer", "reviewed_at", "created_at", "updated_at", "draft_of"}
)


def quiz_editors(*, quiz: Quiz) -> set[int]:
    """Ids of the users who made or changed ``quiz`` (its admin change log)."""
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Quiz), object_id=str(quiz.pk), action_flag__in=(ADDITION, CHANGE)
    ).exclude(change_message="[]")  # "Saved without changes"
    return set(entries.values_list("user_id", flat=True))


def quiz_edit_log(*, quiz: Quiz, user: Any, message: str, added: bool = False) -> None:
    """Record an edit of ``quiz`` made outside the admin's forms, in the admin's change log."""
    if user is None:
        return
    LogEntry.objects.log_actions(
        user_id=user.pk,
        queryset=[quiz],
        action_flag=ADDITION if added else CHANGE,
        change_message=message,
        single_object=True,
    )


def quiz_case_problems(*, quiz: Quiz) -> list[str]:
    """Why ``quiz`` may not be approved as its cases stand (empty: it may)."""
    items = list(quiz.items.select_related("case").order_by("position"))
    if not items:
        return ["A quiz needs at least one case."]
    problems = []
    for item in items:
        if not item.case.is_published:
            problems.append(f"Case “{item.case}” is not approved ({item.case.get_review_status_display().lower()}).")
        elif item.case.archived_at is not None:
            problems.append(f"Case “{item.case}” is archived: learners would never see it.")
    return problems


def quiz_review_transition(*, quiz: Quiz, user: Any, to_status: str) -> Quiz:
    """Move ``quiz`` through review with the workflow's rules; approval also
    needs approved, active cases. Approving a draft of changes publishes it
    into its quiz, which is returned."""
    with transaction.atomic():
        review_row_lock(obj=quiz)
        if to_status == ReviewStatus.APPROVED and (problems := quiz_case_problems(quiz=quiz)):
            raise ValidationError(" ".join(problems), code="cases_not_approved")
        if to_status == ReviewStatus.APPROVED and (problems := exam_cases.quiz_problems(quiz=quiz)):
            raise ValidationError(" ".join(problems), code="exam_cases")
        review_transition(obj=quiz, user=user, to_status=to_status, editors=quiz_editors(quiz=quiz))
        if to_status == ReviewStatus.APPROVED and quiz.draft_of_id is not None:
            return _publish_draft(draft=quiz, user=user)
    return quiz


def quiz_draft_start(*, quiz: Quiz, user: Any) -> tuple[Quiz, bool]:
    """The draft of changes to approved ``quiz``: the one under way, or
    (``created`` True) a new copy authored by ``user``."""

    def create(live: Quiz) -> Quiz:
        draft = Quiz.objects.create(
            **_content(live),
            slug=free_slug(model=Quiz, slug=live.slug, suffix="--draft"),
            review_status=ReviewStatus.DRAFT,
            author=user,
            draft_of=live,
        )
        _copy_parts(source=live, target=draft)
        quiz_edit_log(quiz=draft, user=user, message=f"Draft of changes to “{live}” started.", added=True)
        return draft

    return draft_of_changes_start(obj=quiz, create=create)


def quiz_publish_into(*, source: Quiz, target: Quiz) -> None:
    """Make ``target`` say what ``source`` says (settings, cohorts, cases), in place."""
    for name, value in _content(source).items():
        setattr(target, name, value)
    target.save()
    target.items.all().delete()
    _copy_parts(source=source, target=target)


def _publish_draft(*, draft: Quiz, user: Any) -> Quiz:
    live = Quiz.objects.select_for_update().get(pk=draft.draft_of_id)
    quiz_publish_into(source=draft, target=live)
    Quiz.objects.filter(pk=live.pk).update(reviewer=user, reviewed_at=timezone.now())
    live.refresh_from_db()
    author = draft.author.get_username() if draft.author_id else "an unknown author"
    draft.delete()
    quiz_edit_log(
        quiz=live, user=user, message=f"Published the draft of changes by {author}, approved by {user.get_username()}."
    )
    return live


def _content(quiz: Quiz) -> dict:
    return {
        f.attname: getattr(quiz, f.attname) for f in quiz._meta.concrete_fields if f.name not in QUIZ_IDENTITY_FIELDS
    }


def _copy_parts(*, source: Quiz, target: Quiz) -> None:
    target.cohorts.set(source.cohorts.all())
    QuizItem.objects.bulk_create(
        QuizItem(quiz=target, case_id=item.case_id, position=item.position) for item in source.items.all()
    )
    content_changed()  # bulk inserts send no signal


__all__ = [
    "quiz_case_problems",
    "quiz_draft_start",
    "quiz_edit_log",
    "quiz_editors",
    "quiz_publish_into",
    "quiz_review_transition",
]
