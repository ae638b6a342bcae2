"""Checking a parsed quiz file (the format is in ``content.py``).

Every problem is collected with its path (``quizzes[2].cases[3]: unknown
case 'x'``), so an author fixes a file in one pass. The specs returned are
meaningful only when there is no problem. The exam-case rule
(``exam_cases.py``) is checked last, over the quizzes as they will be.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from leucocases.cases.models import Case
from leucocases.editorial.loading import top_level_list
from leucocases.editorial.models import ReviewStatus

from .exam_cases import memberships, plan_problems
from .models import RESERVED_SLUGS, Cohort, Quiz

__all__ = ["QuizSpec", "validate_quizzes"]

SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+$")
FIELDS = {
    "slug",
    "title",
    "status",
    "mode",
    "time_limit_minutes",
    "max_attempts",
    "certainty_based_marking",
    "available_from",
    "available_until",
    "cohorts",
    "description",
    "cases",
}


@dataclass(frozen=True)
class QuizSpec:
    """One validated quiz of the file."""

    slug: str
    status: str
    columns: dict[str, Any]
    case_slugs: tuple[str, ...]
    cohort_slugs: tuple[str, ...] | None  # None: the file does not say; leave cohorts alone


@dataclass(frozen=True)
class _Known:
    """The slugs a file may name: live and approved cases, cohorts."""

    cases: set[str]
    approved_cases: set[str]
    cohorts: set[str]


def validate_quizzes(data: Any, *, publishing: bool = False) -> tuple[list[QuizSpec], list[str]]:
    """Every problem in ``data``, and the specs (meaningful only without errors).

    ``publishing``: loaded with a publisher, so quizzes that say ``status:
    approved`` are written in place (see ``_exam_case_errors``)."""
    items, errors = top_level_list(data, "quizzes")
    if items is None:
        return [], errors
    known = _Known(
        cases=set(Case.objects.live().values_list("slug", flat=True)),
        approved_cases=set(Case.objects.published().values_list("slug", flat=True)),
        cohorts=set(Cohort.objects.values_list("slug", flat=True)),
    )
    specs: list[QuizSpec] = []
    slugs_seen: set[str] = set()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            errors.append(f"quizzes[{index}]: a mapping (slug, title, cases, …)")
            continue
        slug, where = _slug(item, index, slugs_seen, errors)
        errors += [f"{where}: unknown field '{key}'" for key in sorted(set(item) - FIELDS)]
        status, columns = _settings(item, where, errors)
        case_slugs = _cases(item, where, errors, known=known)
        cohort_slugs = None
        if "cohorts" in item:
            cohort_slugs = _slug_list(item["cohorts"], f"{where}.cohorts", errors, known=known.cohorts, what="cohort")
        if slug:
            specs.append(
                QuizSpec(slug=slug, status=status, columns=columns, case_slugs=case_slugs, cohort_slugs=cohort_slugs)
            )
    if not errors:
        errors += _exam_case_errors(specs, publishing=publishing)
    return specs, errors


def _slug(item: dict[str, Any], index: int, slugs_seen: set[str], errors: list[str]) -> tuple[str | None, str]:
    """The quiz's slug (None when unusable) and how its problems are placed:
    ``quizzes[2] (slug)`` once the slug is known to be sound."""
    where = f"quizzes[{index}]"
    slug = item.get("slug")
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        errors.append(f"{where}.slug: required, letters, digits, hyphens and underscores only")
        return None, where
    if slug in RESERVED_SLUGS:
        errors.append(f"{where}.slug: '{slug}' is reserved by the site's addresses")
    elif slug in slugs_seen:
        errors.append(f"{where}.slug: '{slug}' appears twice in the file")
    else:
        slugs_seen.add(slug)
        where = f"quizzes[{index}] ({slug})"
    return slug, where


def _settings(item: dict[str, Any], where: str, errors: list[str]) -> tuple[str, dict[str, Any]]:
    """The quiz's review status as the file asks it, and its columns."""
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
    marking = item.get("certainty_based_marking", False)
    if not isinstance(marking, bool):
        errors.append(f"{where}.certainty_based_marking: true or false")
    opens = _datetime(item.get("available_from"), f"{where}.available_from", errors)
    closes = _datetime(item.get("available_until"), f"{where}.available_until", errors)
    if opens and closes and closes <= opens:
        errors.append(f"{where}.available_until: must be after available_from")
    return status, {
        "title": title.strip() if isinstance(title, str) else "",
        "description": description if isinstance(description, str) else "",
        "mode": mode,
        "time_limit_minutes": time_limit,
        "max_attempts": max_attempts,
        "certainty_based_marking": marking is True,
        "available_from": opens,
        "available_until": closes,
    }


def _cases(item: dict[str, Any], where: str, errors: list[str], *, known: _Known) -> tuple[str, ...]:
    """The quiz's case slugs: each live, approved and listed once; at least one."""
    if "cases" not in item:
        errors.append(f"{where}.cases: required, a list of case slugs")
        return ()
    listed = item["cases"]
    case_slugs = _slug_list(listed, f"{where}.cases", errors, known=known.cases, what="case")
    if isinstance(listed, list) and not listed:
        errors.append(f"{where}.cases: a quiz needs at least one case")
    errors += [
        f"{where}.cases[{index}]: case '{slug}' is not approved; a quiz takes approved cases only"
        for index, slug in enumerate(listed if isinstance(listed, list) else [])
        if slug in case_slugs and slug not in known.approved_cases
    ]
    return case_slugs


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
