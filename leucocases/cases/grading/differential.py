"""Differential checkpoints: the learner's ranked causes at each checkpoint
compared with the expert's, as a pure function.

A case keys a differential at each checkpoint (after the presentation,
before the final diagnosis, optionally after a finding): the causes an
expert keeps in mind there, some flagged *must not miss*. The learner ranks
up to ``MAX_CAUSES`` causes at the same checkpoints. The comparison says,
per checkpoint, which expert causes the learner had, which they added and
dropped since the previous checkpoint, when the right cause first entered
the list, and which must-not-miss cause was never considered at all.

The optional score (shown in "How this case is scored" when the case turns
it on) is the mean over checkpoints of the share of the expert's causes the
learner listed, a must-not-miss cause counting twice. Listing a cause never
lowers it, so adding the correct cause never lowers it either; rank order is
reported but not scored, because a ranking of near-equals is a matter of
taste the source does not settle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

__all__ = [
    "MAX_CAUSES",
    "MUST_NOT_MISS_WEIGHT",
    "CheckpointComparison",
    "DifferentialComparison",
    "ExpertCause",
    "ExpertCheckpoint",
    "compare_differentials",
    "differential_problems",
]

#: The most causes a learner ranks at one checkpoint.
MAX_CAUSES = 5
#: How much more a must-not-miss cause counts than another expert cause.
MUST_NOT_MISS_WEIGHT = 2


@dataclass(frozen=True, slots=True)
class ExpertCause:
    cause: str
    must_not_miss: bool = False


@dataclass(frozen=True, slots=True)
class ExpertCheckpoint:
    """The expert's differential at one checkpoint (``name``: "presentation",
    "final", or the slug of the finding after which it is asked)."""

    name: str
    causes: tuple[ExpertCause, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "causes", tuple(self.causes))


@dataclass(frozen=True, slots=True)
class CheckpointComparison:
    name: str
    learner: tuple[str, ...]
    summary: str
    matched: tuple[str, ...]  # expert causes the learner listed, in the learner's order
    missed: tuple[str, ...]  # expert causes not listed, in the expert's order
    missed_must_not_miss: tuple[str, ...]
    added: tuple[str, ...]  # listed here, not at the previous checkpoint
    dropped: tuple[str, ...]  # listed at the previous checkpoint, not here
    score: float  # 0..100, this checkpoint's share of the expert's weighted causes

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "learner": list(self.learner),
            "summary": self.summary,
            "matched": list(self.matched),
            "missed": list(self.missed),
            "missed_must_not_miss": list(self.missed_must_not_miss),
            "added": list(self.added),
            "dropped": list(self.dropped),
            "score": self.score,
        }


@dataclass(frozen=True, slots=True)
class DifferentialComparison:
    checkpoints: tuple[CheckpointComparison, ...]
    correct_cause: str
    #: Index (0-based) of the first checkpoint listing the correct cause, and
    #: its rank (1-based) there; None when it was never listed.
    correct_entered_at: int | None
    correct_rank: int | None
    #: Must-not-miss causes the learner listed at no checkpoint.
    never_considered: tuple[str, ...]
    score: float = field(default=0.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "checkpoints": [c.to_dict() for c in self.checkpoints],
            "correct_cause": self.correct_cause,
            "correct_entered_at": self.correct_entered_at,
            "correct_rank": self.correct_rank,
            "never_considered": list(self.never_considered),
            "score": self.score,
        }


def differential_problems(expert: Sequence[ExpertCheckpoint], *, correct_cause: str) -> list[str]:
    """Why an expert differential cannot be compared against (empty if fine)."""
    problems = []
    names = [c.name for c in expert]
    if not expert:
        problems.append("a differential needs at least one checkpoint")
    if len(set(names)) != len(names):
        problems.append("each checkpoint appears once")
    for checkpoint in expert:
        causes = [c.cause for c in checkpoint.causes]
        if not causes:
            problems.append(f"checkpoint {checkpoint.name!r} lists no cause")
        if len(set(causes)) != len(causes):
            problems.append(f"checkpoint {checkpoint.name!r} lists a cause twice")
        if len(causes) > MAX_CAUSES:
            problems.append(f"checkpoint {checkpoint.name!r} lists more than {MAX_CAUSES} causes")
    if expert and correct_cause not in {c.cause for c in expert[-1].causes}:
        problems.append(f"the last checkpoint's differential must include the full-credit cause {correct_cause!r}")
    return problems


def _round(value: float) -> float:
    return float(Decimal(repr(round(value, 9))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)) + 0.0


def _compare_one(
    expert: ExpertCheckpoint, learner: Sequence[str], summary: str, previous: Sequence[str] | None
) -> CheckpointComparison:
    listed = set(learner)
    weights = {c.cause: MUST_NOT_MISS_WEIGHT if c.must_not_miss else 1 for c in expert.causes}
    earned = sum(weight for cause, weight in weights.items() if cause in listed)
    earlier = set(previous) if previous is not None else set()
    return CheckpointComparison(
        name=expert.name,
        learner=tuple(learner),
        summary=summary,
        matched=tuple(cause for cause in learner if cause in weights),
        missed=tuple(c.cause for c in expert.causes if c.cause not in listed),
        missed_must_not_miss=tuple(c.cause for c in expert.causes if c.must_not_miss and c.cause not in listed),
        added=tuple(cause for cause in learner if previous is not None and cause not in earlier),
        dropped=tuple(cause for cause in (previous or ()) if cause not in listed),
        score=_round(100.0 * earned / sum(weights.values())) if weights else 0.0,
    )


def compare_differentials(
    expert: Sequence[ExpertCheckpoint],
    learner: Mapping[str, Sequence[str]],
    *,
    correct_cause: str,
    summaries: Mapping[str, str] | None = None,
) -> DifferentialComparison:
    """Compare the learner's lists (by checkpoint name; a missing checkpoint is
    an empty list) with the expert's. Raises ``ValueError`` on a learner list
    longer than ``MAX_CAUSES`` or listing a cause twice."""
    summaries = summaries or {}
    compared: list[CheckpointComparison] = []
    previous: Sequence[str] | None = None
    for checkpoint in expert:
        ranked = tuple(learner.get(checkpoint.name, ()))
        if len(ranked) > MAX_CAUSES or len(set(ranked)) != len(ranked):
            raise ValueError(f"checkpoint {checkpoint.name!r}: up to {MAX_CAUSES} different causes")
        compared.append(_compare_one(checkpoint, ranked, summaries.get(checkpoint.name, ""), previous))
        previous = ranked
    entered = next((i for i, c in enumerate(compared) if correct_cause in c.learner), None)
    considered = {cause for c in compared for cause in c.learner}
    must_not_miss = dict.fromkeys(c.cause for cp in expert for c in cp.causes if c.must_not_miss)
    return DifferentialComparison(
        checkpoints=tuple(compared),
        correct_cause=correct_cause,
        correct_entered_at=entered,
        correct_rank=None if entered is None else compared[entered].learner.index(correct_cause) + 1,
        never_considered=tuple(cause for cause in must_not_miss if cause not in considered),
        score=_round(sum(c.score for c in compared) / len(compared)) if compared else 0.0,
    )
