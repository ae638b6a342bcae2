"""What an import of case files did, in the words the ``import_cases``
command and the instructor's upload page both print (one wording for both)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .casefile import CaseFileError, CaseSpec
from .casefile.importer import ImportResult
from .grading import Attempt, expert_path, grade


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def import_refusal(errors: Sequence[CaseFileError]) -> str:
    """The closing line under the error lines of a refused import."""
    return f"{_plural(len(errors), 'error')} found; nothing was imported."


def import_summary(result: ImportResult, *, publisher: Any = None) -> str:
    total = len(result.created) + len(result.updated) + len(result.unchanged)
    summary = (
        f"Imported {_plural(total, 'case')} from {_plural(len(result.files), 'file')}: "
        f"{len(result.created)} created, {len(result.updated)} updated, {len(result.unchanged)} unchanged"
    )
    if publisher is not None:
        summary += f"; {len(result.published)} published as {publisher.get_username()}"
    return summary + "."


def import_drafts_note(result: ImportResult) -> str:
    """How many cases went in as drafts for review ("" if none)."""
    drafts = len(result.created) + len(result.updated) - len(result.published)
    if not drafts:
        return ""
    line = "1 case was imported as a draft" if drafts == 1 else f"{drafts} cases were imported as drafts"
    line += " for review"
    if result.pending:
        line += (
            f" ({len(result.pending)} into the draft of changes of an approved case, "
            "which learners keep playing until it is approved)"
        )
    return line + "."


def expert_path_summary(spec: CaseSpec) -> str:
    """How the case's own expert path, with the full-credit cause, grades: a key
    whose expert path falls short of an A is worth a second look."""
    key = spec.case_key()
    cause = next(option.cause for option in key.diagnosis_options if option.credit == 1)
    report = grade(key, Attempt(steps=expert_path(key), diagnosis=cause))
    return f"{spec.slug}: expert path {', '.join(report.expert_path)} grades {report.total:.1f} ({report.grade})"


def dry_run_summary(result: ImportResult) -> str:
    return (
        f"Checked {_plural(len(result.specs), 'case')} in {_plural(len(result.files), 'file')}: "
        "no problems. Dry run: nothing was written."
    )
