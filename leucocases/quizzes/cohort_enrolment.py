"""Learners enter cohorts: by typing a cohort's join code, or from a roster
file an instructor uploads (a CSV of usernames or e-mail addresses).

Cohorts enrol learners only: an instructor or staff account is refused,
whichever way it comes (instructors are a cohort's teachers, set in the
admin). A roster is all or nothing: every line is checked first, each
problem reported with its line number, and nobody is enrolled unless every
line names a learner.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower

from leucocases.editorial.access import is_instructor

from .join_codes import new_join_code, normalise
from .models import Cohort

#: A roster is a class list, not a user database: past these it is refused whole.
MAX_ROSTER_BYTES = 1_000_000
MAX_ROSTER_LINES = 5_000
#: A first row holding one of these names a column: its values are read, the row itself is not.
HEADER_NAMES = frozenset({"username", "user", "login", "email", "e-mail", "email address", "e-mail address"})


def learner_refusal(user: Any) -> str:
    """Why ``user`` may not be enrolled as a learner ("" if they may)."""
    if user.is_superuser or user.is_staff or is_instructor(user):
        return "is an instructor or staff account, and cohorts enrol learners only"
    if not user.is_active:
        return "is a deactivated account"
    return ""


# --------------------------------------------------------------------------
# Join codes
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JoinOutcome:
    cohort: Cohort
    #: False: the learner was in the cohort already.
    joined: bool


def cohort_join(*, user: Any, code: str) -> JoinOutcome:
    """Enrol ``user`` in the cohort whose join code is ``code``.

    Raises ``ValidationError`` (``unknown_code``, ``not_a_learner``) with a
    message for the person who typed it.
    """
    cohort = Cohort.objects.filter(join_code=normalise(code)).first() if normalise(code) else None
    if cohort is None:
        raise ValidationError(
            "No cohort has this join code. Check it with your instructor (codes are eight letters and digits, "
            "such as ABCD-EF23).",
            code="unknown_code",
        )
    refusal = learner_refusal(user)
    if refusal:
        raise ValidationError(
            f"Your account {refusal}. Ask an administrator to add you to the cohort as one of its instructors.",
            code="not_a_learner",
        )
    if cohort.learners.filter(pk=user.pk).exists():
        return JoinOutcome(cohort=cohort, joined=False)
    cohort.learners.add(user)
    return JoinOutcome(cohort=cohort, joined=True)


def cohort_join_code_renew(*, cohort: Cohort) -> str:
    """Give ``cohort`` a new join code (the old one stops working); returns it."""
    code = new_join_code()
    while Cohort.objects.filter(join_code=code).exists():
        code = new_join_code()
    cohort.join_code = code
    cohort.save(update_fields=["join_code"])
    return code


# --------------------------------------------------------------------------
# Rosters
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RosterProblem:
    line: int | None  # None: the file as a whole
    value: str
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return (
            f"Line {self.line}: “{self.value}” {self.message}." if self.value else f"Line {self.line}: {self.message}."
        )


@dataclass(slots=True)
class RosterResult:
    """What an upload did: ``added`` and ``already`` learners, or the problems (and then nothing was done)."""

    added: list[Any] = field(default_factory=list)
    already: list[Any] = field(default_factory=list)
    problems: list[RosterProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def cohort_roster_enrol(*, cohort: Cohort, data: bytes) -> RosterResult:
    """Enrol every learner the roster ``data`` names, or, if any line is wrong, nobody."""
    lines, problems = roster_lines(data)
    result = RosterResult(problems=problems)
    if problems:
        return result
    users, result.problems = _roster_users(lines)
    if result.problems:
        return result
    if not users:
        result.problems.append(RosterProblem(None, "", "The file names nobody: put one username or e-mail per line."))
        return result
    with transaction.atomic():
        members = set(cohort.learners.filter(pk__in=[u.pk for u in users]).values_list("pk", flat=True))
        result.already = [u for u in users if u.pk in members]
        result.added = [u for u in users if u.pk not in members]
        cohort.learners.add(*result.added)
    return result


def roster_lines(data: bytes) -> tuple[list[tuple[int, str]], list[RosterProblem]]:
    """(line number, username or e-mail) for each line of a roster file.

    The first cell of each row is read, or, when the first row names its
    columns (``username``, ``email``, …), the first such column. Blank rows
    are skipped.
    """
    if len(data) > MAX_ROSTER_BYTES:
        return [], [RosterProblem(None, "", f"The file is over {MAX_ROSTER_BYTES // 1_000_000} MB: split the roster.")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        message = f"The file is not UTF-8 text (byte {error.start}): save it as “CSV UTF-8” and upload it again."
        return [], [RosterProblem(None, "", message)]
    reader = csv.reader(io.StringIO(text, newline=""))
    column: int | None = None
    lines: list[tuple[int, str]] = []
    try:
        for row in reader:
            cells = [cell.strip() for cell in row]
            if not any(cells):
                continue
            if column is None:
                names = [cell.lower() for cell in cells]
                column = next((i for i, name in enumerate(names) if name in HEADER_NAMES), -1)
                if column >= 0:
                    continue
                column = 0
            lines.append((reader.line_num, cells[column] if column < len(cells) else ""))
            if len(lines) > MAX_ROSTER_LINES:
                return [], [RosterProblem(None, "", f"The file has over {MAX_ROSTER_LINES} lines: split the roster.")]
    except csv.Error as error:
        return [], [RosterProblem(reader.line_num, "", f"cannot be read as CSV ({error})")]
    return lines, []


def _roster_users(lines: list[tuple[int, str]]) -> tuple[list[Any], list[RosterProblem]]:
    """The account each line names, in order and once each; or every line's problem."""
    User = get_user_model()
    # Usernames may hold "@" too: a value is looked up as either, each account once.
    wanted = {value.lower() for _, value in lines if value}
    accounts: dict[str, dict[int, Any]] = {}
    for user in User.objects.annotate(key=Lower(User.USERNAME_FIELD)).filter(key__in=wanted):
        accounts.setdefault(user.key, {})[user.pk] = user
    for user in User.objects.annotate(key=Lower("email")).filter(key__in={v for v in wanted if "@" in v}):
        accounts.setdefault(user.key, {})[user.pk] = user
    users: dict[int, Any] = {}
    problems = []
    for line, value in lines:
        kind = "username or e-mail address" if "@" in value else "username"
        found = list(accounts.get(value.lower(), {}).values())
        if not value:
            problem = "has no username or e-mail in the column read"
        elif not found:
            problem = f"matches no account (no such {kind})"
        elif len(found) > 1:
            problem = f"is the e-mail address of {len(found)} accounts: give the username instead"
        else:
            problem = learner_refusal(found[0])
        if problem:
            problems.append(RosterProblem(line, value, problem))
        else:
            users.setdefault(found[0].pk, found[0])
    return list(users.values()), problems
