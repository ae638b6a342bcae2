"""Differential checkpoints on a played case: what the learner wrote, and
their differential compared with the expert's (``grading.differential``).

A case that keys a differential (``Case.differential``) asks the learner,
after the presentation and before any workup, for a one-line problem summary
and up to five causes, ranked; and again with the final diagnosis. The
presentation checkpoint is taken only before the first step is ordered: once
a result is on the page, a "first impression" would no longer be one.

At submission (``attempts.attempt_submit``) the comparison is stored
(``DifferentialReport``), frozen like the graded report: a later edit of the
key changes nothing the learner reads. Nothing here shows the expert's
differential before submission.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from leucocases.taxonomy.kept_names import cause_names

from . import policies
from .checkpoint_forms import CheckpointAnswer, CheckpointForm
from .grading.differential import ExpertDifferential, compare_differentials
from .models import Attempt, AttemptCheckpoint, Case, Choice, DiagnosisOption, DifferentialReport

__all__ = [
    "CHECKPOINT_LABELS",
    "PresentationCheckpoint",
    "checkpoint_save",
    "comparison_data",
    "comparison_display",
    "differential_display",
    "differential_report_store",
    "expert_differential",
    "presentation_checkpoint",
]

CHECKPOINT_LABELS = {"presentation": "After the presentation", "final": "With the final diagnosis"}


def expert_differential(case: Case) -> ExpertDifferential | None:
    return ExpertDifferential.from_dict(case.differential)


def checkpoint_save(*, attempt: Attempt, name: str, answer: CheckpointAnswer) -> AttemptCheckpoint:
    """Store the learner's list at checkpoint ``name`` (again: replaces it).

    Refused (``ValidationError``) on a submitted attempt (code
    ``attempt_submitted``), a checkpoint the case does not ask for
    (``no_checkpoint``), and the presentation checkpoint once a step has been
    ordered (``after_workup``); ``policies.AttemptClosed`` when a higher app's
    rule closed the attempt (a quiz's time is up).
    """
    policies.check_accepts_answers(attempt, now=timezone.now())
    if attempt.is_submitted:
        raise ValidationError("This attempt has been submitted.", code="attempt_submitted")
    expert = expert_differential(attempt.case)
    if expert is None or expert.checkpoint(name) is None:
        raise ValidationError("This case asks for no differential here.", code="no_checkpoint")
    if name == "presentation" and Choice.objects.filter(attempt=attempt).exists():
        raise ValidationError(
            "Your first differential is taken before any workup: you have already ordered a step.",
            code="after_workup",
        )
    checkpoint, _ = AttemptCheckpoint.objects.update_or_create(
        attempt=attempt, name=name, defaults={"summary": answer.summary, "causes": list(answer.causes)}
    )
    return checkpoint


def differential_report_store(*, attempt: Attempt, final: CheckpointAnswer | None) -> DifferentialReport | None:
    """At submission: keep the final checkpoint and store the comparison (None:
    the case keys no differential). Runs inside ``attempt_submit``'s transaction,
    once per attempt."""
    expert = expert_differential(attempt.case)
    if expert is None:
        return None
    if final is not None and expert.checkpoint("final") is not None:
        AttemptCheckpoint.objects.update_or_create(
            attempt=attempt, name="final", defaults={"summary": final.summary, "causes": list(final.causes)}
        )
    written = {c.name: c for c in AttemptCheckpoint.objects.filter(attempt=attempt)}
    correct = (
        DiagnosisOption.objects.filter(case_id=attempt.case_id, credit=1).values_list("cause__slug", flat=True).first()
    )
    data = comparison_data(
        expert,
        {name: tuple(c.causes) for name, c in written.items()},
        correct_cause=correct or "",
        summaries={name: c.summary for name, c in written.items()},
    )
    # A plain insert: the caller holds the attempt's row lock and found it not yet submitted,
    # so no comparison is stored for it (update_or_create cost five round trips more).
    return DifferentialReport.objects.create(attempt=attempt, data=data)


def comparison_data(
    expert: ExpertDifferential,
    lists: Mapping[str, Sequence[str]],
    *,
    correct_cause: str,
    summaries: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The comparison as stored (``DifferentialReport.data``): the engine's, with whether
    it is scored and the expert differential it was made against. Stores nothing."""
    comparison = compare_differentials(
        expert.checkpoints, lists, correct_cause=correct_cause, summaries=summaries or {}
    )
    return {**comparison.to_dict(), "scored": expert.scored, "expert": expert.to_dict()}


@dataclass(frozen=True, slots=True)
class PresentationCheckpoint:
    """The play page's first checkpoint: whether the case asks for it, the
    form (filled with what was saved), and whether it is closed (a step ordered)."""

    asked: bool
    form: CheckpointForm | None = None
    saved: AttemptCheckpoint | None = None
    saved_names: tuple[str, ...] = ()
    closed: bool = False


def presentation_checkpoint(*, case: Case, saved: AttemptCheckpoint | None, ordered: bool) -> PresentationCheckpoint:
    """The first checkpoint as the play page shows it, with what the learner ``saved``
    there (read with their choices: ``learner_state``)."""
    expert = expert_differential(case)
    if expert is None or expert.checkpoint("presentation") is None:
        return PresentationCheckpoint(asked=False)
    initial = {}
    if saved is not None:
        initial = {"summary": saved.summary} | {f"cause_{i}": slug for i, slug in enumerate(saved.causes, start=1)}
    form = CheckpointForm(initial=initial, prefix="presentation")
    names = cause_names(set(saved.causes)) if saved is not None else {}
    saved_names = tuple(names.get(slug, slug) for slug in saved.causes) if saved is not None else ()
    return PresentationCheckpoint(asked=True, form=form, saved=saved, saved_names=saved_names, closed=ordered)


# --------------------------------------------------------------------------
# The report: the learner's differential beside the expert's
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LearnerItem:
    name: str
    in_expert: bool  # the expert lists it at this checkpoint
    added: bool  # new since the previous checkpoint


@dataclass(frozen=True, slots=True)
class ExpertItem:
    name: str
    must_not_miss: bool
    listed: bool  # the learner listed it at this checkpoint


@dataclass(frozen=True, slots=True)
class CheckpointDisplay:
    name: str
    label: str
    summary: str
    learner: tuple[LearnerItem, ...]
    expert: tuple[ExpertItem, ...]
    dropped: tuple[str, ...]
    score: float


@dataclass(frozen=True, slots=True)
class DifferentialDisplay:
    checkpoints: tuple[CheckpointDisplay, ...]
    correct_name: str
    entered_label: str | None  # the checkpoint where the expected cause entered the learner's list
    correct_rank: int | None
    never_considered: tuple[str, ...]  # must-not-miss causes listed at no checkpoint
    scored: bool
    score: float


def differential_display(*, attempt: Attempt) -> DifferentialDisplay | None:
    """The stored comparison with names in place of slugs (None: no differential). One query."""
    report = DifferentialReport.objects.filter(attempt=attempt).first()
    return None if report is None else comparison_display(report.data)


def comparison_display(data: Mapping[str, Any]) -> DifferentialDisplay:
    """A comparison (``comparison_data``) with names in place of slugs (kept names: no query)."""
    expert = ExpertDifferential.from_dict(data.get("expert"))
    slugs = {data.get("correct_cause", "")} | set(data.get("never_considered", ()))
    for checkpoint in data.get("checkpoints", ()):
        slugs |= set(checkpoint["learner"]) | set(checkpoint["dropped"])
    for checkpoint in expert.checkpoints if expert else ():
        slugs |= {c.cause for c in checkpoint.causes}
    names = cause_names(slugs)

    def name(slug: str) -> str:
        return names.get(slug, slug)

    shown = []
    for compared in data.get("checkpoints", ()):
        keyed = expert.checkpoint(compared["name"]) if expert else None
        expert_causes = keyed.causes if keyed else ()
        expert_slugs = {c.cause for c in expert_causes}
        shown.append(
            CheckpointDisplay(
                name=compared["name"],
                label=CHECKPOINT_LABELS.get(compared["name"], compared["name"]),
                summary=compared.get("summary", ""),
                learner=tuple(
                    LearnerItem(name(s), in_expert=s in expert_slugs, added=s in compared["added"])
                    for s in compared["learner"]
                ),
                expert=tuple(
                    ExpertItem(name(c.cause), must_not_miss=c.must_not_miss, listed=c.cause in compared["learner"])
                    for c in expert_causes
                ),
                dropped=tuple(name(s) for s in compared["dropped"]),
                score=compared["score"],
            )
        )
    entered = data.get("correct_entered_at")
    return DifferentialDisplay(
        checkpoints=tuple(shown),
        correct_name=name(data.get("correct_cause", "")),
        entered_label=None if entered is None else shown[entered].label.lower(),
        correct_rank=data.get("correct_rank"),
        never_considered=tuple(name(s) for s in data.get("never_considered", ())),
        scored=bool(data.get("scored")),
        score=data.get("score", 0.0),
    )
