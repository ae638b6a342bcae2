"""The cases app's services, in one place to import from.

The writes a learner's attempt goes through are ``attempts``; what the play
page and the case list read is ``selectors``; how other learners chose is
``peer_stats``. They are re-exported here so that callers keep one short
import. The report page's display of a stored report is below.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from leucocases.taxonomy.models import Cause, Reference, WorkupStep

from .attempts import (
    ANON_ATTEMPTS_SESSION_KEY,
    ChoiceOutcome,
    attempt_choose_step,
    attempt_current_report,
    attempt_find_open,
    attempt_start_or_resume,
    attempt_submit,
    attempts_claim_for_user,
    attempts_claim_on_login,
)
from .charts import format_number
from .grading import DiagnosisVerdict, Report, Tier, Verdict
from .peer_stats import (
    PEER_STATS_CACHE_SECONDS,
    PEER_STATS_MINIMUM,
    PeerShare,
    PeerStats,
    peer_choice_stats,
    peer_stats_cache_key,
)
from .selectors import NEUTRAL_RESULT, ChosenStep, attempt_chosen_steps, cases_with_progress
from .verdicts import DIAGNOSIS_LABELS, VERDICT_LABELS

__all__ = [
    "ANON_ATTEMPTS_SESSION_KEY",
    "NEUTRAL_RESULT",
    "PEER_STATS_CACHE_SECONDS",
    "PEER_STATS_MINIMUM",
    "ChoiceOutcome",
    "ChosenStep",
    "PeerShare",
    "PeerStats",
    "ReportDisplay",
    "attempt_choose_step",
    "attempt_chosen_steps",
    "attempt_current_report",
    "attempt_find_open",
    "attempt_start_or_resume",
    "attempt_submit",
    "attempts_claim_for_user",
    "attempts_claim_on_login",
    "cases_with_progress",
    "peer_choice_stats",
    "peer_stats_cache_key",
    "report_display",
]


# --------------------------------------------------------------------------
# The report page: a stored Report with names in place of slugs
# --------------------------------------------------------------------------


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


def report_display(*, report: Report) -> ReportDisplay:
    """Prepare a stored report for the page: three queries (step names, cause
    names, references), however long the report."""
    step_slugs: set[str] = set(report.expert_path) | set(report.learner_path)
    step_slugs |= {m.step for m in report.missed_essentials}
    step_slugs |= {v.before for v in report.order_violations}
    for line in report.lines:
        step_slugs.add(line.step)
        step_slugs |= {r.before for r in line.broken_rules}
    step_names = dict(WorkupStep.objects.filter(slug__in=step_slugs).values_list("slug", "name"))
    cause_slugs = {report.diagnosis.correct_cause} | ({report.diagnosis.chosen} if report.diagnosis.chosen else set())
    cause_names = dict(Cause.objects.filter(slug__in=cause_slugs).values_list("slug", "name"))

    cited: set[str] = set(report.diagnosis.citations) | set(report.diagnosis.correct_citations)
    for line in report.lines:
        cited |= set(line.citations)
        for rule in line.broken_rules:
            cited |= set(rule.citations)
    for item in (*report.missed_essentials, *report.order_violations):
        cited |= set(item.citations)
    references = tuple(Reference.objects.filter(key__in=cited).order_by("number"))
    numbers = {ref.key: ref.number for ref in references}

    def cite(keys: Iterable[str]) -> tuple[Citation, ...]:
        return tuple(Citation(key=k, number=numbers.get(k)) for k in keys)

    def step_name(slug: str) -> str:
        # A step renamed or deleted since grading still shows its identifier.
        return step_names.get(slug, slug)

    expert = set(report.expert_path)
    lines = tuple(
        ReportLine(
            position=line.position,
            step_slug=line.step,
            step_name=step_name(line.step),
            verdict=str(line.verdict),
            verdict_label=VERDICT_LABELS[line.verdict],
            points=line.points,
            rationale=line.rationale,
            citations=cite(line.citations),
            broken_rules=tuple(
                RuleLine(
                    before_name=step_name(rule.before),
                    rationale=rule.rationale,
                    citations=cite(rule.citations),
                    counts_as_harmful=rule.premature_counts_as_harmful,
                )
                for rule in line.broken_rules
            ),
            in_expert_path=line.step in expert,
        )
        for line in report.lines
    )
    cap_reasons = tuple(
        line.step_name
        for line, raw in zip(lines, report.lines, strict=True)
        if raw.verdict is Verdict.HARMFUL
        or (
            raw.verdict is Verdict.PREMATURE
            and (raw.tier is Tier.HARMFUL or any(r.premature_counts_as_harmful for r in raw.broken_rules))
        )
    )
    d = report.diagnosis
    diagnosis = DiagnosisLine(
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
    s = report.scoring
    per_essential = s.essential_total_points / report.essential_total if report.essential_total else 0.0
    scoring = ScoringText(
        essential_total=report.essential_total,
        essential_total_points=format_number(s.essential_total_points),
        per_essential=format_number(round(per_essential, 1)),
        low_yield_penalty=format_number(s.low_yield_penalty),
        harmful_penalty=format_number(s.harmful_penalty),
        workup_weight=format_number(s.workup_weight),
        diagnosis_weight=format_number(s.diagnosis_weight),
        harmful_cap=format_number(s.harmful_cap),
    )
    return ReportDisplay(
        report=report,
        lines=lines,
        missed=tuple(
            MissedLine(step_name=step_name(m.step), rationale=m.rationale, citations=cite(m.citations))
            for m in report.missed_essentials
        ),
        violations=tuple(
            ViolationLine(
                step_name=step_name(v.step),
                before_name=step_name(v.before),
                position=v.position,
                before_position=v.before_position,
                rationale=v.rationale,
                citations=cite(v.citations),
                counts_as_harmful=v.counts_as_harmful,
            )
            for v in report.order_violations
        ),
        diagnosis=diagnosis,
        expert_path=tuple(step_name(s) for s in report.expert_path),
        learner_path=tuple(step_name(s) for s in report.learner_path),
        cap_reasons=cap_reasons,
        relevant_chosen=sum(1 for line in report.lines if line.tier in (Tier.ESSENTIAL, Tier.USEFUL)),
        scoring=scoring,
        references=references,
    )
