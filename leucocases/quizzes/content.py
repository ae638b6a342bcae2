"""Loading the shipped quizzes (``fixtures/quizzes.yaml``) into the database.

The whole file is validated first, every error collected with its path
(``quizzes[2].cases[3]: unknown case 'x'``), so an author fixes a file in one
pass and a bad file writes nothing. A valid file is then upserted by slug in
one transaction; loading it again changes nothing (idempotent).

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
        available_from: 2027-01-01T09:00:00Z   # optional, ISO 8601 with a time zone
        available_until: 2027-02-01T09:00:00Z  # optional, after available_from
        cohorts: [year-3-2027]          # optional, slugs of existing cohorts
        description: |                  # optional, markdown
          ...
        cases: [case-slug, ...]         # required, at least one, each once; an exam's cases are no
                                        # practice cases and in no other quiz (exam_cases.py)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from leucocases.cases.models import Case
from leucocases.editorial.models import ReviewStatus

from . import review
from .exam_cases import memberships, plan_problems
from .models import RESERVED_SLUGS, Cohort, Quiz, QuizItem

DEFAULT_PATH = Path(settings.BASE_DIR) / "fixtures" / "quizzes.yaml"
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+$")
FIELDS = {
    "slug",
    "title",
    "status",
    "mode",
    "time_limit_minutes",
    "max_attempts",
    "available_from",
    "available_until",
    "cohorts",
    "description",
    "cases",
}
COLUMNS = ("title", "description", "mode", "time_limit_minutes", "max_attempts", "available_from", "available_until")


class QuizFileError(Exception):
    """The file cannot be loaded; ``errors`` lists every problem with its path."""

    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} error(s) in the quiz file: " + "; ".join(errors))
        self.errors = errors


@dataclass
class LoadSummary:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    #: Created or updated quizzes that went live (approved) with this load.
    published: list[str] = field(default_factory=list)
    #: Approved quizzes whose update went into their draft of changes.
    pending: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.created) + len(self.updated) + len(self.unchanged)


@dataclass(frozen=True)
class QuizSpec:
    """One validated quiz of the file."""

    slug: str
    status: str
    columns: dict[str, Any]
    case_slugs: tuple[str, ...]
    cohort_slugs: tuple[str, ...] | None  # None: the file does not say; leave cohorts alone


# --- reading and validating ----------------------------------------------------------------


def read_quiz_file(path: Path) -> Any:
    """Parse with ``yaml.safe_load`` (no object construction)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise QuizFileError([f"cannot read the file: {exc}"]) from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise QuizFileError([f"not valid YAML: {exc}"]) from exc


def _datetime(value: Any, where: str, errors: list[str]) -> datetime | None:
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        errors.append(f"{where}: not a date and time (use ISO 8601, e.g. 2027-01-31T09:00:00Z)")
        return None
    if timezone.is_naive(parsed):
        errors.append(f"{where}: give a time zone (e.g. a trailing Z for UTC)")
        return None
    return parsed


def _positive_int(value: Any, where: str, errors: list[str]) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1 or value > 32767:
        errors.append(f"{where}: a whole number from 1 to 32767, or leave it out")
        return None
    return value


def _slug_list(value: Any, where: str, errors: list[str], *, known: set[str], what: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        errors.append(f"{where}: a list of {what} slugs")
        return ()
    seen: set[str] = set()
    slugs = []
    for index, slug in enumerate(value):
        at = f"{where}[{index}]"
        if not isinstance(slug, str):
            errors.append(f"{at}: a {what} slug (text)")
        elif slug in seen:
            errors.append(f"{at}: {what} '{slug}' is listed twice")
        elif slug not in known:
            errors.append(f"{at}: unknown {what} '{slug}'")
        else:
            seen.add(slug)
            slugs.append(slug)
    return tuple(slugs)


def validate_quizzes(data: Any, *, publishing: bool = False) -> tuple[list[QuizSpec], list[str]]:
    """Every problem in ``data``, and the specs (meaningful only without errors).

    ``publishing``: loaded with a publisher, so quizzes that say ``status:
    approved`` are written in place (see ``_exam_case_errors``)."""
    if not isinstance(data, dict) or not isinstance(data.get("quizzes"), list):
        return [], ["the file must be a mapping with a 'quizzes' list"]
    unknown_top = sorted(set(data) - {"quizzes"})
    errors = [f"unknown top-level key '{key}'" for key in unknown_top]
    known_cases = set(Case.objects.live().values_list("slug", flat=True))
    approved_cases = set(Case.objects.published().values_list("slug", flat=True))
    known_cohorts = set(Cohort.objects.values_list("slug", flat=True))
    specs: list[QuizSpec] = []
    slugs_seen: set[str] = set()
    for index, item in enumerate(data["quizzes"]):
        where = f"quizzes[{index}]"
        if not isinstance(item, dict):
            errors.append(f"{where}: a mapping (slug, title, cases, …)")
            continue
        slug = item.get("slug")
        if not isinstance(slug, str) or not SLUG_RE.match(slug):
            errors.append(f"{where}.slug: required, letters, digits, hyphens and underscores only")
            slug = None
        elif slug in RESERVED_SLUGS:
            errors.append(f"{where}.slug: '{slug}' is reserved by the site's addresses")
        elif slug in slugs_seen:
            errors.append(f"{where}.slug: '{slug}' appears twice in the file")
        else:
            slugs_seen.add(slug)
            where = f"quizzes[{index}] ({slug})"
        errors += [f"{where}: unknown field '{key}'" for key in sorted(set(item) - FIELDS)]
        title = item.get("title")
        if not isinstance(title, str) or not title.strip() or len(title) > 200:
            errors.append(f"{where}.title: required text, at most 200 characters")
        description = item.get("description") or ""
        if not isinstance(description, str):
            errors.append(f"{where}.description: text (markdown)")
        status = item.get("status", ReviewStatus.DRAFT)
        if status not in ReviewStatus.values:
            errors.append(f"{where}.status: one of {', '.join(ReviewStatus.values)}")
        mode = item.get("mode", Quiz.Mode.PRACTICE)
        if mode not in Quiz.Mode.values:
            errors.append(f"{where}.mode: one of {', '.join(Quiz.Mode.values)}")
        time_limit = _positive_int(item.get("time_limit_minutes"), f"{where}.time_limit_minutes", errors)
        max_attempts = _positive_int(item.get("max_attempts"), f"{where}.max_attempts", errors)
        opens = _datetime(item.get("available_from"), f"{where}.available_from", errors)
        closes = _datetime(item.get("available_until"), f"{where}.available_until", errors)
        if opens and closes and closes <= opens:
            errors.append(f"{where}.available_until: must be after available_from")
        if "cases" not in item:
            errors.append(f"{where}.cases: required, a list of case slugs")
            case_slugs: tuple[str, ...] = ()
        else:
            case_slugs = _slug_list(item["cases"], f"{where}.cases", errors, known=known_cases, what="case")
            if isinstance(item["cases"], list) and not item["cases"]:
                errors.append(f"{where}.cases: a quiz needs at least one case")
            errors += [
                f"{where}.cases[{index}]: case '{slug}' is not approved; a quiz takes approved cases only"
                for index, slug in enumerate(item["cases"] if isinstance(item["cases"], list) else [])
                if slug in case_slugs and slug not in approved_cases
            ]
        cohort_slugs = None
        if "cohorts" in item:
            cohort_slugs = _slug_list(item["cohorts"], f"{where}.cohorts", errors, known=known_cohorts, what="cohort")
        if slug:
            specs.append(
                QuizSpec(
                    slug=slug,
                    status=status,
                    columns={
                        "title": title.strip() if isinstance(title, str) else "",
                        "description": description if isinstance(description, str) else "",
                        "mode": mode,
                        "time_limit_minutes": time_limit,
                        "max_attempts": max_attempts,
                        "available_from": opens,
                        "available_until": closes,
                    },
                    case_slugs=case_slugs,
                    cohort_slugs=cohort_slugs,
                )
            )
    if not errors:
        errors += _exam_case_errors(specs, publishing=publishing)
    return specs, errors


def _exam_case_errors(specs: list[QuizSpec], *, publishing: bool) -> list[str]:
    """The exam-case rule over the file's quizzes as they will be, next to the
    database's other quizzes (which keep their cases). An approved quiz the
    file changes without publishing it keeps its cases too, until its draft of
    changes (which takes the file's) is approved."""
    cases = {c.slug: c for c in Case.objects.live().filter(slug__in={s for spec in specs for s in spec.case_slugs})}
    plan = {
        spec.slug: (spec.columns["title"], spec.columns["mode"], [cases[slug] for slug in spec.case_slugs])
        for spec in specs
    }
    published = {spec.slug for spec in specs if publishing and spec.status == ReviewStatus.APPROVED}
    held = {quiz.slug for quiz in Quiz.objects.live().filter(slug__in=plan.keys()) if quiz.is_locked} - published
    kept = memberships(cases=cases.values(), excluding_slugs=plan.keys() - held, excluding_drafts_of=held)
    problems = plan_problems(quizzes=plan, kept_elsewhere=kept)
    return [f"quizzes ({slug}).cases: {message}" for slug, messages in problems.items() for message in messages]


# --- writing ---------------------------------------------------------------------------------


def load_quizzes(data: Any, *, author: Any = None, publisher: Any = None) -> LoadSummary:
    """Validate ``data`` completely, then write every quiz in one transaction,
    through the review workflow (see the module's docstring).

    Raises ``QuizFileError`` (with every error) and writes nothing when the
    file is wrong or the workflow refuses a quiz.
    """
    if author is not None and publisher is not None and author.pk == publisher.pk:
        raise QuizFileError(["name two people: nobody publishes their own work"])
    specs, errors = validate_quizzes(data, publishing=publisher is not None)
    if errors:
        raise QuizFileError(errors)
    summary = LoadSummary()
    with transaction.atomic():
        writer = _Writer(summary=summary, author=author, publisher=publisher)
        for spec in specs:
            writer.save(spec)
        if writer.errors:
            # Undo every write: all or nothing.
            transaction.set_rollback(True)
    if writer.errors:
        raise QuizFileError(writer.errors)
    return summary


def load_quizzes_file(path: Path = DEFAULT_PATH, *, author: Any = None, publisher: Any = None) -> LoadSummary:
    return load_quizzes(read_quiz_file(path), author=author, publisher=publisher)


class _Writer:
    def __init__(self, *, summary: LoadSummary, author: Any, publisher: Any) -> None:
        self.summary = summary
        self.author = author
        self.publisher = publisher
        self.errors: list[str] = []
        self.now = timezone.now()

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
