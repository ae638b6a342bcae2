"""Loading the shipped quizzes (``fixtures/quizzes.yaml``) into the database.

The whole file is validated first (``content_validation.py``), every error
collected with its path (``quizzes[2].cases[3]: unknown case 'x'``), so an
author fixes a file in one pass and a bad file writes nothing. A valid file
is then upserted by slug in one transaction; loading it again changes nothing
(idempotent).

Loading goes through the review workflow (``review``), as ``import_cases``
does: a file's ``status`` is a request, never an override. Without a
publisher every quiz is loaded as a draft: a new quiz as a new draft, a quiz
not yet approved is updated in place and keeps its review status, an approved
quiz is left as learners take it and the file goes into its draft of changes.
With a publisher (``load_quizzes --publish-as USERNAME``, an instructor),
quizzes that say ``status: approved`` are published as that person's
approval, unless they wrote or edited the quiz, or an approved quiz has a
draft of changes under way. Every case must be approved (a quiz takes
approved cases only). A quiz's cases are replaced by the file's list, in the
file's order, only when they differ. Quizzes the file does not mention are
left alone, and so are attempts. Each write is logged, with its author, in
the admin's change log.

The exam-case rule (``exam_cases.py``) is checked over the quizzes as they will
be: an exam's cases must not be practice cases (as imported) and must be in no
other quiz, whether in this file or already in the database (where an approved
quiz loaded without being published keeps its cases until its draft of changes
is approved).

Format::

    quizzes:
      - slug: found-by-chance           # required, unique
        title: Found by chance          # required
        status: approved                # approved: publish with --publish-as; else a draft (default draft)
        mode: practice                  # practice | exam (default practice)
        time_limit_minutes: 40          # optional, a whole number of minutes
        max_attempts: 3                 # optional
        certainty_based_marking: true   # optional (default false): Moodle's certainty-based marks
        available_from: 2027-01-01T09:00:00Z   # optional, ISO 8601 with a time zone
        available_until: 2027-02-01T09:00:00Z  # optional, after available_from
        cohorts: [year-3-2027]          # optional, slugs of existing cohorts
        description: |                  # optional, markdown
          ...
        cases: [case-slug, ...]         # required, at least one, each once; an exam's cases are no
                                        # practice cases and in no other quiz (exam_cases.py)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from leucocases.cases.models import Case
from leucocases.editorial.content_version import content_changed
from leucocases.editorial.loading import ContentFileError, LoadSummary, read_yaml_file, write_all_or_nothing
from leucocases.editorial.models import ReviewStatus

from . import review
from .content_validation import QuizSpec, validate_quizzes
from .models import Cohort, Quiz, QuizItem

DEFAULT_PATH = Path(settings.BASE_DIR) / "fixtures" / "quizzes.yaml"


class QuizFileError(ContentFileError):
    """The file cannot be loaded; ``errors`` lists every problem with its path."""

    file_kind = "quiz"


@dataclass
class QuizLoadSummary(LoadSummary):
    #: Created or updated quizzes that went live (approved) with this load.
    published: list[str] = field(default_factory=list)
    #: Approved quizzes whose update went into their draft of changes.
    pending: list[str] = field(default_factory=list)


def read_quiz_file(path: Path) -> Any:
    """Parse with ``yaml.safe_load`` (no object construction)."""
    return read_yaml_file(path, error=QuizFileError)


# --- writing ---------------------------------------------------------------------------------


def load_quizzes(data: Any, *, author: Any = None, publisher: Any = None) -> QuizLoadSummary:
    """Validate ``data`` completely, then write every quiz in one transaction,
    through the review workflow (see the module's docstring).

    Raises ``QuizFileError`` (with every error) and writes nothing when the
    file is wrong or the workflow refuses a quiz.
    """
    if author is not None and publisher is not None and author.pk == publisher.pk:
        raise QuizFileError(["name two people: nobody publishes their own work"])
    specs, errors = validate_quizzes(data, publishing=publisher is not None)
    return write_all_or_nothing(
        errors, lambda: _Writer(author=author, publisher=publisher).save_all(specs), error=QuizFileError
    )


def load_quizzes_file(path: Path = DEFAULT_PATH, *, author: Any = None, publisher: Any = None) -> QuizLoadSummary:
    return load_quizzes(read_quiz_file(path), author=author, publisher=publisher)


class _Writer:
    def __init__(self, *, author: Any, publisher: Any) -> None:
        self.summary = QuizLoadSummary()
        self.author = author
        self.publisher = publisher
        self.errors: list[str] = []
        self.now = timezone.now()

    def save_all(self, specs: list[QuizSpec]) -> QuizLoadSummary:
        """Write every quiz; raise ``QuizFileError`` with each one the workflow
        refused, after trying them all (the caller's transaction undoes every write)."""
        for spec in specs:
            self.save(spec)
        if self.errors:
            raise QuizFileError(self.errors)
        return self.summary

    def save(self, spec: QuizSpec) -> None:
        publish = self.publisher is not None and spec.status == ReviewStatus.APPROVED
        live = Quiz.objects.live().filter(slug=spec.slug).first()
        if live is None:
            quiz = Quiz(slug=spec.slug, review_status=ReviewStatus.DRAFT, author=self.author, **spec.columns)
            quiz.full_clean()
            quiz.save()
            _write(quiz, spec)
            self._done(quiz, "created", publish=publish, added=True)
        elif not live.is_locked:
            if publish and (self.publisher.pk == live.author_id or self.publisher.pk in review.quiz_editors(quiz=live)):
                self.errors.append(
                    f"quiz '{spec.slug}': {self.publisher.get_username()} wrote or edited it, so may not publish it: "
                    "nobody approves their own work"
                )
                return
            if not _differs(live, spec) and not publish:
                self.summary.unchanged.append(spec.slug)
                return
            _write(live, spec)
            self._done(live, "updated", publish=publish)
        elif not _differs(live, spec):
            self.summary.unchanged.append(spec.slug)
        elif publish:
            if Quiz.objects.filter(draft_of=live).exists():
                self.errors.append(
                    f"quiz '{spec.slug}': this approved quiz has a draft of changes under way; approve or delete it "
                    "before publishing a file over it"
                )
                return
            _write(live, spec)
            self._done(live, "updated", publish=True)
        else:
            draft = Quiz.objects.filter(draft_of=live).first()
            if draft is not None and not _differs(draft, spec):
                self.summary.unchanged.append(spec.slug)
                return
            if draft is None:
                draft, _ = review.quiz_draft_start(quiz=live, user=self.author)
            _write(draft, spec)
            self.summary.pending.append(spec.slug)
            self._done(draft, "updated", publish=False)

    def _done(self, quiz: Quiz, outcome: str, *, publish: bool, added: bool = False) -> None:
        getattr(self.summary, outcome).append(quiz.draft_of.slug if quiz.draft_of_id else quiz.slug)
        message = "Loaded from a quiz file"
        if publish:
            if problems := review.quiz_case_problems(quiz=quiz):
                self.errors.append(f"quiz '{quiz.slug}': " + " ".join(problems))
                return
            Quiz.objects.filter(pk=quiz.pk).update(
                review_status=ReviewStatus.APPROVED, reviewer=self.publisher, reviewed_at=self.now
            )
            content_changed()  # an update sends no signal
            message += f" and published by {self.publisher.get_username()}"
            self.summary.published.append(quiz.slug)
        # Logged as the file's author's edit (if named); the publisher approves, and is not an editor.
        review.quiz_edit_log(quiz=quiz, user=self.author, message=f"{message}.", added=added)


def _differs(quiz: Quiz, spec: QuizSpec) -> bool:
    """Whether ``quiz``'s settings, cases or cohorts differ from ``spec``'s."""
    if any(getattr(quiz, name) != value for name, value in spec.columns.items()):
        return True
    if list(quiz.items.order_by("position").values_list("case__slug", flat=True)) != list(spec.case_slugs):
        return True
    return spec.cohort_slugs is not None and set(quiz.cohorts.values_list("slug", flat=True)) != set(spec.cohort_slugs)


def _write(quiz: Quiz, spec: QuizSpec) -> None:
    """Make ``quiz`` say what ``spec`` says, in place (status and record left alone)."""
    for name, value in spec.columns.items():
        setattr(quiz, name, value)
    quiz.full_clean()
    quiz.save()
    cases = dict(Case.objects.live().filter(slug__in=spec.case_slugs).values_list("slug", "pk"))
    current = list(quiz.items.order_by("position").values_list("case__slug", flat=True))
    if current != list(spec.case_slugs):
        quiz.items.all().delete()
        QuizItem.objects.bulk_create(
            QuizItem(quiz=quiz, case_id=cases[slug], position=position)
            for position, slug in enumerate(spec.case_slugs, 1)
        )
    if spec.cohort_slugs is not None:
        quiz.cohorts.set(Cohort.objects.filter(slug__in=spec.cohort_slugs))
