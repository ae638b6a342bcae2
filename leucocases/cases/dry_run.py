"""What a dry run shows beyond the graded path: the author's differential at
each checkpoint beside the expert's, and the certainty stated with the
diagnosis, with the certainty-based mark a quiz using that marking would
give (issue 18).

The admin's "Dry-run a path" and the case editor's dry run both use it,
each with the expert differential and full-credit cause it grades against
(the saved case's, or the editor's unsaved forms'). Like the rest of a dry
run it stores nothing: the comparison is built as submission builds it
(``differentials.comparison_data``) and only shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .certainty import CertaintyStatement, certainty_statement
from .differentials import DifferentialDisplay, comparison_data, comparison_display
from .grading import Report
from .grading.differential import ExpertDifferential

__all__ = ["DryRunReasoning", "dry_run_reasoning"]


@dataclass(frozen=True, slots=True)
class DryRunReasoning:
    asked: tuple[str, ...]  # the checkpoints the case keys ("presentation", "final")
    differential: DifferentialDisplay | None
    certainty: CertaintyStatement | None


def dry_run_reasoning(
    *,
    differential: Mapping[str, Any] | None,
    correct_cause: str,
    lists: Mapping[str, Sequence[str]],
    certainty: str,
    report: Report,
) -> DryRunReasoning:
    """The comparison of ``lists`` (cause slugs by checkpoint) with ``differential``
    (``Case.differential``), and the certainty line with its mark under certainty-based marking."""
    expert = ExpertDifferential.from_dict(differential)
    shown = None
    if expert is not None:
        asked = {c.name for c in expert.checkpoints}
        kept = {name: tuple(causes) for name, causes in lists.items() if name in asked}
        shown = comparison_display(comparison_data(expert, kept, correct_cause=correct_cause))
    return DryRunReasoning(
        asked=tuple(c.name for c in expert.checkpoints) if expert else (),
        differential=shown,
        certainty=certainty_statement(certainty=certainty, report=report, marking=True),
    )
