"""The report page: a stored ``Report`` with names in place of slugs.

``report_display`` turns the engine's report (``Report.from_dict`` of the
stored JSON) into what the report template shows, learner's and
instructor's alike: step and cause names, numbered citations, the verdicts'
words (``verdicts``), the reasons a harmful cap applied and the scoring
settings as text. Three queries (step names, cause names, references),
however long the report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from leucocases.taxonomy.models import Cause, Reference, WorkupStep

from .charts import format_number
from .grading import ChoiceLine, DiagnosisVerdict, Report, Tier, Verdict
from .verdicts import DIAGNOSIS_LABELS, VERDICT_LABELS

__all__ = ["ReportDisplay", "report_display"]


@dataclass(frozen=True, slots=True)
class Citation:
    key: str
    number: int | None  # None: the reference has since been removed


@dataclass(frozen=True, slots=True)
class RuleLine:
    before_name: str
    rationale: str
    citations: tuple[Citation, ...]
    counts_as_harmful: bool


@dataclass(frozen=True, slots=True)
class ReportLine:
    position: int
    step_slug: str
    step_name: str
    verdict: str
    verdict_label: str
    points: float
    rationale: str
    citations: tuple[Citation, ...]
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
class MissedLine:
    step_name: str
    rationale: str
    citations: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class ViolationLine:
    step_name: str
    before_name: str
    position: int
    before_position: int | None
    rationale: str
    citations: tuple[Citation, ...]
    counts_as_harmful: bool


@dataclass(frozen=True, slots=True)
class DiagnosisLine:
    verdict: str
    verdict_label: str
    chosen_name: str | None
    correct_name: str
    credit_percent: str
    points: float
    rationale: str
    citations: tuple[Citation, ...]
    correct_rationale: str
    correct_citations: tuple[Citation, ...]
    explains_chosen: bool


@dataclass(frozen=True, slots=True)
class ScoringText:
    essential_total: int
    essential_total_points: str
    per_essential: str
    low_yield_penalty: str
    harmful_penalty: str
    workup_weight: str
    diagnosis_weight: str
    harmful_cap: str


@dataclass(frozen=True, slots=True)
class ReportDisplay:
    """Everything the report template shows, slugs already turned into names."""

    report: Report
    lines: tuple[ReportLine, ...]
    missed: tuple[MissedLine, ...]
    violations: tuple[ViolationLine, ...]
    diagnosis: DiagnosisLine
    expert_path: tuple[str, ...]
    learner_path: tuple[str, ...]
    cap_reasons: tuple[str, ...]
    relevant_chosen: int
    scoring: ScoringText
    references: tuple[Reference, ...]


class _Names:
    """Step and cause names, and reference numbers, for everything one report mentions."""

    def __init__(self, report: Report) -> None:
        step_slugs: set[str] = set(report.expert_path) | set(report.learner_path)
        step_slugs |= {m.step for m in report.missed_essentials}
        step_slugs |= {v.before for v in report.order_violations}
        for line in report.lines:
            step_slugs.add(line.step)
            step_slugs |= {r.before for r in line.broken_rules}
        self.step_names = dict(WorkupStep.objects.filter(slug__in=step_slugs).values_list("slug", "name"))
        d = report.diagnosis
        cause_slugs = {d.correct_cause} | ({d.chosen} if d.chosen else set())
        self.cause_names = dict(Cause.objects.filter(slug__in=cause_slugs).values_list("slug", "name"))

        cited: set[str] = set(d.citations) | set(d.correct_citations)
        for line in report.lines:
            cited |= set(line.citations)
            for rule in line.broken_rules:
                cited |= set(rule.citations)
        for item in (*report.missed_essentials, *report.order_violations):
            cited |= set(item.citations)
        self.references = tuple(Reference.objects.filter(key__in=cited).order_by("number"))
        self.numbers = {ref.key: ref.number for ref in self.references}

    def cite(self, keys: Iterable[str]) -> tuple[Citation, ...]:
        return tuple(Citation(key=k, number=self.numbers.get(k)) for k in keys)

    def step(self, slug: str) -> str:
        # A step renamed or deleted since grading still shows its identifier.
        return self.step_names.get(slug, slug)

    def cause(self, slug: str) -> str:
        return self.cause_names.get(slug, slug)


def _line(line: ChoiceLine, names: _Names, expert: set[str]) -> ReportLine:
    return ReportLine(
        position=line.position,
        step_slug=line.step,
        step_name=names.step(line.step),
        verdict=str(line.verdict),
        verdict_label=VERDICT_LABELS[line.verdict],
        points=line.points,
        rationale=line.rationale,
        citations=names.cite(line.citations),
        broken_rules=tuple(
            RuleLine(
                before_name=names.step(rule.before),
                rationale=rule.rationale,
                citations=names.cite(rule.citations),
                counts_as_harmful=rule.premature_counts_as_harmful,
            )
            for rule in line.broken_rules
        ),
        in_expert_path=line.step in expert,
    )


def _caps(line: ChoiceLine) -> bool:
    """Whether this choice is one the harmful cap applies for."""
    return line.verdict is Verdict.HARMFUL or (
        line.verdict is Verdict.PREMATURE
        and (line.tier is Tier.HARMFUL or any(r.premature_counts_as_harmful for r in line.broken_rules))
    )


def _diagnosis(report: Report, names: _Names) -> DiagnosisLine:
    d = report.diagnosis
    return DiagnosisLine(
        verdict=str(d.verdict),
        verdict_label=DIAGNOSIS_LABELS[d.verdict],
        chosen_name=None if d.chosen is None else names.cause(d.chosen),
        correct_name=names.cause(d.correct_cause),
        credit_percent=format_number(round(100 * d.credit, 1)),
        points=d.points,
        rationale=d.rationale,
        citations=names.cite(d.citations),
        correct_rationale=d.correct_rationale,
        correct_citations=names.cite(d.correct_citations),
        # The engine explains a chosen cause the key lists with that option's
        # rationale; one it does not list gets the correct cause's rationale.
        explains_chosen=d.verdict is not DiagnosisVerdict.CORRECT
        and d.chosen is not None
        and d.rationale != d.correct_rationale,
    )


def _scoring(report: Report) -> ScoringText:
    s = report.scoring
    per_essential = s.essential_total_points / report.essential_total if report.essential_total else 0.0
    return ScoringText(
        essential_total=report.essential_total,
        essential_total_points=format_number(s.essential_total_points),
        per_essential=format_number(round(per_essential, 1)),
        low_yield_penalty=format_number(s.low_yield_penalty),
        harmful_penalty=format_number(s.harmful_penalty),
        workup_weight=format_number(s.workup_weight),
        diagnosis_weight=format_number(s.diagnosis_weight),
        harmful_cap=format_number(s.harmful_cap),
    )


def report_display(*, report: Report) -> ReportDisplay:
    """Prepare a stored report for the page: three queries (step names, cause
    names, references), however long the report."""
    names = _Names(report)
    expert = set(report.expert_path)
    lines = tuple(_line(line, names, expert) for line in report.lines)
    return ReportDisplay(
        report=report,
        lines=lines,
        missed=tuple(
            MissedLine(step_name=names.step(m.step), rationale=m.rationale, citations=names.cite(m.citations))
            for m in report.missed_essentials
        ),
        violations=tuple(
            ViolationLine(
                step_name=names.step(v.step),
                before_name=names.step(v.before),
                position=v.position,
                before_position=v.before_position,
                rationale=v.rationale,
                citations=names.cite(v.citations),
                counts_as_harmful=v.counts_as_harmful,
            )
            for v in report.order_violations
        ),
        diagnosis=_diagnosis(report, names),
        expert_path=tuple(names.step(s) for s in report.expert_path),
        learner_path=tuple(names.step(s) for s in report.learner_path),
        cap_reasons=tuple(shown.step_name for shown, line in zip(lines, report.lines, strict=True) if _caps(line)),
        relevant_chosen=sum(1 for line in report.lines if line.tier in (Tier.ESSENTIAL, Tier.USEFUL)),
        scoring=_scoring(report),
        references=names.references,
    )
