"""Loading the shipped quizzes (``fixtures/quizzes.yaml``) into the database.

The whole file is validated first, every error collected with its path
(``quizzes[2].cases[3]: unknown case 'x'``), so an author fixes a file in one
pass and a bad file writes nothing. A valid file is then upserted by slug in
one transaction; loading it again changes nothing (idempotent).

The file's ``status`` applies when a quiz is created; an existing quiz keeps
the review status an editor gave it (as ``load_taxonomy`` does). A quiz's
cases are replaced by the file's list, in the file's order, only when they
differ. Quizzes the file does not mention are left alone, and so are attempts.

The exam-case rule (``exam_cases.py``) is checked over the quizzes as they will
be: an exam's cases must not be practice cases (as imported) and must be in no
other quiz, whether in this file or already in the database.

Format::

    quizzes:
      - slug: found-by-chance           # required, unique
        title: Found by chance          # required
        status: approved                # draft | submitted | under_review | approved (default draft)
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


def validate_quizzes(data: Any) -> tuple[list[QuizSpec], list[str]]:
    """Every problem in ``data``, and the specs (meaningful only without errors)."""
    if not isinstance(data, dict) or not isinstance(data.get("quizzes"), list):
        return [], ["the file must be a mapping with a 'quizzes' list"]
    unknown_top = sorted(set(data) - {"quizzes"})
    errors = [f"unknown top-level key '{key}'" for key in unknown_top]
    known_cases = set(Case.objects.values_list("slug", flat=True))
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
        errors += _exam_case_errors(specs)
    return specs, errors


def _exam_case_errors(specs: list[QuizSpec]) -> list[str]:
    """The exam-case rule over the file's quizzes as they will be, next to the
    database's other quizzes (which keep their cases)."""
    cases = {c.slug: c for c in Case.objects.filter(slug__in={s for spec in specs for s in spec.case_slugs})}
    plan = {
        spec.slug: (spec.columns["title"], spec.columns["mode"], [cases[slug] for slug in spec.case_slugs])
        for spec in specs
    }
    kept = memberships(cases=cases.values(), excluding_slugs=plan.keys())
    problems = plan_problems(quizzes=plan, kept_elsewhere=kept)
    return [f"quizzes ({slug}).cases: {message}" for slug, messages in problems.items() for message in messages]


# --- writing ---------------------------------------------------------------------------------


def load_quizzes(data: Any) -> LoadSummary:
    """Validate ``data`` completely, then upsert every quiz in one transaction.

    Raises ``QuizFileError`` (with every error) before writing anything.
    """
    specs, errors = validate_quizzes(data)
    if errors:
        raise QuizFileError(errors)
    summary = LoadSummary()
    now = timezone.now()
    with transaction.atomic():
        cases = {c.slug: c for c in Case.objects.filter(slug__in={s for spec in specs for s in spec.case_slugs})}
        for spec in specs:
            outcome = _upsert(spec, cases=cases, now=now)
            getattr(summary, outcome).append(spec.slug)
    return summary


def load_quizzes_file(path: Path = DEFAULT_PATH) -> LoadSummary:
    return load_quizzes(read_quiz_file(path))


def _upsert(spec: QuizSpec, *, cases: dict[str, Case], now: datetime) -> str:
    quiz = Quiz.objects.filter(slug=spec.slug).first()
    if quiz is None:
        quiz = Quiz(slug=spec.slug, review_status=spec.status, **spec.columns)
        if spec.status == ReviewStatus.APPROVED:
            # Shipped content was reviewed with the file.
            quiz.reviewed_at = now
        quiz.full_clean()
        quiz.save()
        _set_items(quiz, spec, cases)
        if spec.cohort_slugs is not None:
            quiz.cohorts.set(Cohort.objects.filter(slug__in=spec.cohort_slugs))
        return "created"

    changed = False
    for name, value in spec.columns.items():
        if getattr(quiz, name) != value:
            setattr(quiz, name, value)
            changed = True
    if changed:
        quiz.full_clean()
        quiz.save()
    current = list(quiz.items.order_by("position").values_list("case__slug", flat=True))
    if current != list(spec.case_slugs):
        quiz.items.all().delete()
        _set_items(quiz, spec, cases)
        changed = True
    if spec.cohort_slugs is not None:
        have = set(quiz.cohorts.values_list("slug", flat=True))
        if have != set(spec.cohort_slugs):
            quiz.cohorts.set(Cohort.objects.filter(slug__in=spec.cohort_slugs))
            changed = True
    return "updated" if changed else "unchanged"


def _set_items(quiz: Quiz, spec: QuizSpec, cases: dict[str, Case]) -> None:
    QuizItem.objects.bulk_create(
        [QuizItem(quiz=quiz, case=cases[slug], position=position) for position, slug in enumerate(spec.case_slugs, 1)]
    )
