"""The report page: a stored ``Report`` with names in place of slugs.

``report_display`` turns the engine's report (``Report.from_dict`` of the
stored JSON, engine 1 or 2) into what the report template shows, learner's
and instructor's alike: step and cause names (a repeat numbered: "(2nd
time)"), numbered citations, the verdicts' words (``verdicts``), the never
choices to name first, the reasons a harmful cap applied and "How this case
is scored" (``scoring_rules``). Everything comes from the stored report,
never from the case's key as it is now: a later key edit changes nothing here.
No query: step names, cause names and references are kept per worker under
the content version (``workup_catalogue``, ``kept_names``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from leucocases.taxonomy.kept_names import cause_names as kept_cause_names
from leucocases.taxonomy.kept_names import references_for
from leucocases.taxonomy.models import Reference
from leucocases.taxonomy.workup_catalogue import workup_catalogue

from .charts import format_number
from .grading import (
    ChoiceLine,
    DiagnosisResult,
    DiagnosisVerdict,
    MissedEssential,
    OrderViolation,
    Report,
    Tier,
    Verdict,
    number_occurrences,
    round_half_up,
)
from .scoring_rules import occurrence_name, scoring_rules
from .verdicts import DIAGNOSIS_LABELS, VERDICT_LABELS

__all__ = ["ReportDisplay", "report_display"]


@dataclass(frozen=True, slots=True)
class Citation:
    key: str
    number: int | None  # None: the reference has since been removed


@dataclass(frozen=True, slots=True)
class Explained:
    """What the key says about an item of the report: why, and the references it cites."""

    rationale: str
    citations: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class RuleLine(Explained):
    before_name: str
    counts_as_harmful: bool


@dataclass(frozen=True, slots=True)
class ReportLine(Explained):
    position: int
    step_slug: str
    #: With the occurrence for a repeat: "Full blood count (2nd time)".
    step_name: str
    verdict: str
    verdict_label: str
    points: float
    broken_rules: tuple[RuleLine, ...]
    in_expert_path: bool

    @property
    def points_text(self) -> str:
        """Signed, with a true minus sign: "+33.3", "−5", "0"."""
        text = format_number(abs(self.points))
        if self.points > 0:
            return f"+{text}"
        return f"\u2212{text}" if self.points < 0 else text


@dataclass(frozen=True, slots=True)
class MissedLine(Explained):
    step_name: str
    #: The essential share it would have earned.
    points: str


@dataclass(frozen=True, slots=True)
class ViolationLine(RuleLine):
    """A broken rule where the learner broke it: ``step_name`` chosen at ``position``."""

    step_name: str
    position: int
    before_position: int | None


@dataclass(frozen=True, slots=True)
class DiagnosisLine(Explained):
    verdict: str
    verdict_label: str
    chosen_name: str | None
    correct_name: str
    credit_percent: str
    points: float
    correct_rationale: str
    correct_citations: tuple[Citation, ...]
    explains_chosen: bool


@dataclass(frozen=True, slots=True)
class ScoringText:
    harmful_cap: str
    never_total: str
    #: The sentences of "How this case is scored" (``scoring_rules``).
    rules: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReportDisplay:
    """Everything the report template shows, slugs already turned into names."""

    report: Report
    lines: tuple[ReportLine, ...]
    #: The never choices, named first on the report.
    never: tuple[ReportLine, ...]
    missed: tuple[MissedLine, ...]
    violations: tuple[ViolationLine, ...]
    diagnosis: DiagnosisLine
    expert_path: tuple[str, ...]
    learner_path: tuple[str, ...]
    cap_reasons: tuple[str, ...]
    relevant_chosen: int
    scoring: ScoringText
    references: tuple[Reference, ...]


Cite = Callable[[Iterable[str]], tuple[Citation, ...]]
StepName = Callable[[str], str]


def report_display(*, report: Report) -> ReportDisplay:
    """Prepare a stored report for the page (no query: the names and references are kept)."""
    steps = workup_catalogue().by_slug
    d = report.diagnosis
    cause_names = kept_cause_names({d.correct_cause} | ({d.chosen} if d.chosen else set()))
    references = references_for(_cited(report))
    numbers = {ref.key: ref.number for ref in references}

    def cite(keys: Iterable[str]) -> tuple[Citation, ...]:
        return tuple(Citation(key=k, number=numbers.get(k)) for k in keys)

    def step_name(slug: str) -> str:
        # A step renamed or deleted since grading still shows its identifier.
        step = steps.get(slug)
        return slug if step is None else step.name

    # A line is in the expert path when the path orders its entry at least as many times.
    expert = Counter(report.expert_path)
    lines = tuple(
        _report_line(line, step_name, cite, in_expert=expert[line.step] >= line.occurrence) for line in report.lines
    )
    never_positions = {line.position for line in report.never_choices}
    return ReportDisplay(
        report=report,
        lines=lines,
        never=tuple(line for line in lines if line.position in never_positions),
        missed=tuple(_missed_line(m, report, step_name, cite) for m in report.missed_essentials),
        violations=tuple(_violation_line(v, step_name, cite) for v in report.order_violations),
        diagnosis=_diagnosis_line(d, cause_names, cite),
        expert_path=_path_names(report.expert_path, step_name),
        learner_path=_path_names(report.learner_path, step_name),
        cap_reasons=_cap_reasons(report, lines),
        relevant_chosen=report.efficient_choices,
        scoring=ScoringText(
            harmful_cap=format_number(report.scoring.harmful_cap),
            never_total=format_number(report.scoring.never_total),
            rules=scoring_rules(report, step_name),
        ),
        references=references,
    )


def _cited(report: Report) -> set[str]:
    cited: set[str] = set(report.diagnosis.citations) | set(report.diagnosis.correct_citations)
    for line in report.lines:
        cited |= set(line.citations)
        for rule in line.broken_rules:
            cited |= set(rule.citations)
    for item in (*report.missed_essentials, *report.order_violations):
        cited |= set(item.citations)
    return cited


def _path_names(slugs: tuple[str, ...], step_name: StepName) -> tuple[str, ...]:
    return tuple(occurrence_name(step_name(slug), n) for slug, n in number_occurrences(slugs))


def _report_line(line: ChoiceLine, step_name: StepName, cite: Cite, *, in_expert: bool) -> ReportLine:
    return ReportLine(
        position=line.position,
        step_slug=line.step,
        step_name=occurrence_name(step_name(line.step), line.occurrence),
        verdict=str(line.verdict),
        verdict_label=VERDICT_LABELS[line.verdict],
        points=line.points,
        rationale=line.rationale,
        citations=cite(line.citations),
        broken_rules=tuple(
            RuleLine(
                before_name=occurrence_name(step_name(rule.before), rule.before_occurrence),
                rationale=rule.rationale,
                citations=cite(rule.citations),
                counts_as_harmful=rule.premature_counts_as_harmful,
            )
            for rule in line.broken_rules
        ),
        in_expert_path=in_expert,
    )


def _missed_line(missed: MissedEssential, report: Report, step_name: StepName, cite: Cite) -> MissedLine:
    share = report.scoring.essential_total_points * missed.weight / (report.essential_weight_total or 1.0)
    return MissedLine(
        step_name=(
            "Any one of " + " or ".join(step_name(slug) for slug in missed.any_of)
            if missed.any_of
            else occurrence_name(step_name(missed.step), missed.occurrence)
        ),
        rationale=missed.rationale,
        citations=cite(missed.citations),
        points=format_number(round_half_up(share)),
    )


def _violation_line(violation: OrderViolation, step_name: StepName, cite: Cite) -> ViolationLine:
    return ViolationLine(
        step_name=occurrence_name(step_name(violation.step), violation.occurrence),
        before_name=occurrence_name(step_name(violation.before), violation.before_occurrence),
        position=violation.position,
        before_position=violation.before_position,
        rationale=violation.rationale,
        citations=cite(violation.citations),
        counts_as_harmful=violation.counts_as_harmful,
    )


def _cap_reasons(report: Report, lines: tuple[ReportLine, ...]) -> tuple[str, ...]:
    """The names of the choices that set off the harmful cap."""
    return tuple(
        line.step_name
        for line, raw in zip(lines, report.lines, strict=True)
        if raw.verdict is Verdict.HARMFUL
        or (
            raw.verdict is Verdict.PREMATURE
            and (raw.tier is Tier.HARMFUL or any(r.premature_counts_as_harmful for r in raw.broken_rules))
        )
    )


def _diagnosis_line(d: DiagnosisResult, cause_names: dict[str, str], cite: Cite) -> DiagnosisLine:
    return DiagnosisLine(
        verdict=str(d.verdict),
        verdict_label=DIAGNOSIS_LABELS[d.verdict],
        chosen_name=None if d.chosen is None else cause_names.get(d.chosen, d.chosen),
        correct_name=cause_names.get(d.correct_cause, d.correct_cause),
        credit_percent=format_number(round(100 * d.credit, 1)),
        points=d.points,
        rationale=d.rationale,
        citations=cite(d.citations),
        correct_rationale=d.correct_rationale,
        correct_citations=cite(d.correct_citations),
        # The engine explains a chosen cause the key lists with that option's
        # rationale; one it does not list gets the correct cause's rationale.
        explains_chosen=d.verdict is not DiagnosisVerdict.CORRECT
        and d.chosen is not None
        and d.rationale != d.correct_rationale,
    )
