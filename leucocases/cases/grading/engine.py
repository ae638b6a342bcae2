"""The grading engine: a pure function from (case key, attempt) to a report.

Standard library only, no Django, no database, no clock and no randomness:
the same key and attempt always give an equal ``Report``, which is what lets
stored reports be regraded and compared when ``ENGINE_VERSION`` changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .paths import Item, expert_path, expert_sort_key, number_occurrences
from .report import ChoiceLine, DiagnosisResult, DiagnosisVerdict, MissedEssential, OrderViolation, Report, Verdict
from .types import Attempt, CaseKey, DiagnosisOption, InvalidKeyError, KeyedStep, OrderRule, ScoringSettings, Tier
from .validation import validate_key

__all__ = ["ENGINE_VERSION", "grade", "round_half_up"]

#: Stored with every report; bump it whenever the same input could grade
#: differently, so old reports can be told apart from regraded ones.
#: 2.0.0: never tier, grade bands, occurrences, weights, any-of groups, a
#: premature choice penalised once (keeping its tier's points), efficiency
#: counting only timely relevant choices.
ENGINE_VERSION = "2.0.0"

_TIER_VERDICT = {
    Tier.ESSENTIAL: Verdict.ESSENTIAL,
    Tier.USEFUL: Verdict.USEFUL,
    Tier.LOW_YIELD: Verdict.LOW_YIELD,
    Tier.HARMFUL: Verdict.HARMFUL,
    Tier.NEVER: Verdict.NEVER,
}
#: Tiers whose points a premature penalty is taken from; the others are
#: penalties already, so the worse of the two applies (never twice).
_CREDITED_TIERS = (Tier.ESSENTIAL, Tier.USEFUL)
#: Verdicts that count towards efficiency.
_EFFICIENT = frozenset({Verdict.ESSENTIAL, Verdict.ESSENTIAL_ALTERNATIVE, Verdict.USEFUL})


def round_half_up(value: float, places: int = 1) -> float:
    """Round ``value`` to ``places`` decimals, halves away from zero.

    The float is first converted through its shortest decimal representation
    (``repr``), then quantized with ``decimal.ROUND_HALF_UP``. So 0.25 -> 0.3,
    2.675 -> 2.68 (places=2) and -0.25 -> -0.3, unlike the built-in
    ``round()``, which rounds halves to even and works on the binary value
    (``round(2.675, 2) == 2.67``). Negative zero is returned as 0.0 so a
    report never shows "-0.0".
    """
    quantum = Decimal(1).scaleb(-places)
    # Shares of the essential credit are summed in binary floating point:
    # 0.3 + 0.15 is 0.44999999999999996, which must still round as 0.45.
    # Nine places drop that noise and keep every real difference a score has.
    rounded = Decimal(repr(round(value, 9))).quantize(quantum, rounding=ROUND_HALF_UP)
    return float(rounded) + 0.0


@dataclass(frozen=True, slots=True)
class _Unit:
    """One unit of essential credit: a single essential, or an any-of group
    (members in expert-path order; weight the largest member's)."""

    label: str
    members: tuple[KeyedStep, ...]
    weight: float


def _essential_units(key: CaseKey) -> tuple[_Unit, ...]:
    """The key's units of essential credit, in expert-path order."""
    essentials = sorted((s for s in key.steps if s.tier is Tier.ESSENTIAL), key=expert_sort_key)
    groups: dict[str, list[KeyedStep]] = {}
    order: list[str | KeyedStep] = []
    for step in essentials:
        if not step.any_of:
            order.append(step)
        elif step.any_of not in groups:
            groups[step.any_of] = [step]
            order.append(step.any_of)
        else:
            groups[step.any_of].append(step)
    units = []
    for entry in order:
        if isinstance(entry, KeyedStep):
            units.append(_Unit("", (entry,), entry.weight))
        else:
            members = tuple(groups[entry])
            units.append(_Unit(entry, members, max(m.weight for m in members)))
    return tuple(units)


def grade(key: CaseKey, attempt: Attempt) -> Report:
    """Grade ``attempt`` against ``key``.

    Raises ``InvalidKeyError`` (a ``ValueError``) when ``validate_key`` finds
    problems.

    Each choice is occurrence n of an entry (its n-th appearance in the
    attempt) and is graded as the key item (entry, n):

    * essential: earns its unit's share, ``essential_total_points`` x unit
      weight / sum of unit weights, where a unit is a single essential or an
      "any one of" group (weight: its largest member's). The first member of
      a group chosen earns the share; later members earn 0
      (``essential_alternative``).
    * useful: 0. low_yield: ``-low_yield_penalty``. harmful and never:
      ``-harmful_penalty``.
    * not keyed (an unkeyed entry, or a repeat beyond the keyed
      occurrences): ``not_contributory``, ``-low_yield_penalty`` each time.
    * premature, when an order rule's ``before`` item has not been chosen
      earlier: charged once, however many rules it breaks, the largest of
      their penalties (``harmful_penalty`` for a rule that counts as
      harmful, else ``low_yield_penalty``). An essential or useful item
      keeps its points minus that charge (a premature group member still
      satisfies its group); a low-yield, harmful or never item takes the
      worse of its own penalty and the charge, never both.

    ``workup = clamp(sum of points, 0, 100)``, ``diagnosis = 100 * credit``,
    ``total = workup_weight * workup + diagnosis_weight * diagnosis``, capped
    at ``harmful_cap`` when any choice is harmful or premature under a rule
    that counts as harmful, and held at or below ``never_total`` (default 0)
    when any choice is keyed never. ``grade`` is the band letter of the rounded total.
    ``efficiency`` = choices graded essential, essential_alternative or
    useful / all choices. Figures are rounded only when the report is built
    (see ``round_half_up``).
    """
    problems = validate_key(key)
    if problems:
        raise InvalidKeyError(problems)
    lookup = _Lookup.of(key)
    workup = _Workup()
    chosen = number_occurrences(attempt.steps)
    chosen_at = {item: position for position, item in enumerate(chosen, start=1)}
    for position, item in enumerate(chosen, start=1):
        step = lookup.keyed.get(item)
        if step is None:
            workup.add_unkeyed(position, item, lookup.scoring)
        else:
            _grade_keyed(workup, lookup, step, item, position, chosen_at)
    diagnosis, credit = _grade_diagnosis(key.diagnosis_options, attempt.diagnosis)
    return _report(key, attempt, lookup, workup, diagnosis, credit)


@dataclass(frozen=True, slots=True)
class _Lookup:
    """What grading a choice looks up in the key, built once per ``grade``."""

    scoring: ScoringSettings
    keyed: dict[Item, KeyedStep]
    units: tuple[_Unit, ...]
    weight_total: float
    #: Each essential item -> the index of its unit.
    unit_of: dict[Item, int]
    rules_by_after: dict[Item, list[OrderRule]]

    @classmethod
    def of(cls, key: CaseKey) -> _Lookup:
        units = _essential_units(key)
        rules_by_after: dict[Item, list[OrderRule]] = {}
        for rule in key.order_rules:
            rules_by_after.setdefault(rule.after_item, []).append(rule)
        return cls(
            scoring=key.scoring,
            keyed={step.item: step for step in key.steps},
            units=units,
            weight_total=sum(unit.weight for unit in units),
            unit_of={member.item: i for i, unit in enumerate(units) for member in unit.members},
            rules_by_after=rules_by_after,
        )


@dataclass(slots=True)
class _Workup:
    """The workup graded so far, choice by choice."""

    lines: list[ChoiceLine] = field(default_factory=list)
    violations: list[OrderViolation] = field(default_factory=list)
    #: Index of each satisfied unit -> whether the choice that satisfied it was in time.
    satisfied: dict[int, bool] = field(default_factory=dict)
    raw_points: float = 0.0
    cap_triggered: bool = False
    never_triggered: bool = False

    def add_unkeyed(self, position: int, item: Item, scoring: ScoringSettings) -> None:
        slug, occurrence = item
        points = -scoring.low_yield_penalty
        self.raw_points += points
        self.lines.append(
            ChoiceLine(
                position=position,
                step=slug,
                tier=None,
                verdict=Verdict.NOT_CONTRIBUTORY,
                points=round_half_up(points),
                rationale="",
                citations=(),
                broken_rules=(),
                occurrence=occurrence,
            )
        )


def _grade_keyed(
    workup: _Workup, lookup: _Lookup, step: KeyedStep, item: Item, position: int, chosen_at: dict[Item, int]
) -> None:
    """Grade the choice of keyed ``item`` at ``position`` into ``workup``."""
    slug, occurrence = item
    scoring = lookup.scoring
    broken = tuple(
        rule for rule in lookup.rules_by_after.get(item, ()) if chosen_at.get(rule.before_item, position + 1) > position
    )
    verdict = _TIER_VERDICT[step.tier]
    if step.tier is Tier.ESSENTIAL:
        unit = lookup.unit_of[item]
        if unit in workup.satisfied:
            verdict = Verdict.ESSENTIAL_ALTERNATIVE
            points = 0.0
        else:
            workup.satisfied[unit] = not broken
            points = scoring.essential_total_points * lookup.units[unit].weight / lookup.weight_total
    else:
        points = _penalty_points(step.tier, scoring)
    workup.never_triggered = workup.never_triggered or step.tier is Tier.NEVER
    workup.cap_triggered = workup.cap_triggered or step.tier is Tier.HARMFUL

    if broken:
        counts_as_harmful = any(r.premature_counts_as_harmful for r in broken)
        # The largest penalty among the broken rules: the harmful one
        # whenever harmful_penalty >= low_yield_penalty (the defaults), and
        # never less for breaking more rules, whatever a case sets.
        charge = max(
            scoring.harmful_penalty if r.premature_counts_as_harmful else scoring.low_yield_penalty for r in broken
        )
        # Penalised once: credit is kept (the test was done, only too
        # early), and a tier that is a penalty already is not charged twice.
        points = points - charge if step.tier in _CREDITED_TIERS else min(points, -charge)
        verdict = Verdict.PREMATURE
        workup.cap_triggered = workup.cap_triggered or counts_as_harmful
        workup.violations.extend(
            OrderViolation(
                step=slug,
                before=rule.before,
                rationale=rule.rationale,
                citations=rule.citations,
                position=position,
                before_position=chosen_at.get(rule.before_item),
                counts_as_harmful=rule.premature_counts_as_harmful,
                occurrence=occurrence,
                before_occurrence=rule.before_occurrence,
            )
            for rule in broken
        )

    workup.raw_points += points
    workup.lines.append(
        ChoiceLine(
            position=position,
            step=slug,
            tier=step.tier,
            verdict=verdict,
            points=round_half_up(points),
            rationale=step.rationale,
            citations=step.citations,
            broken_rules=broken,
            occurrence=occurrence,
            any_of=step.any_of,
        )
    )


def _report(
    key: CaseKey,
    attempt: Attempt,
    lookup: _Lookup,
    workup: _Workup,
    diagnosis: DiagnosisResult,
    credit: float,
) -> Report:
    """Totals, caps and the grade from the graded workup and diagnosis."""
    scoring = key.scoring
    units, satisfied, lines = lookup.units, workup.satisfied, workup.lines
    cap_triggered, never_triggered = workup.cap_triggered, workup.never_triggered
    missed = tuple(_missed(unit) for i, unit in enumerate(units) if i not in satisfied)

    workup_score = min(max(workup.raw_points, 0.0), 100.0)
    diagnosis_score = 100.0 * credit
    uncapped = scoring.workup_weight * workup_score + scoring.diagnosis_weight * diagnosis_score
    total = min(uncapped, scoring.harmful_cap) if cap_triggered else uncapped
    if never_triggered:
        # A ceiling, not a value: a never choice can only lower the total, so
        # an author who sets never_total above 0 never lifts a poor path.
        total = min(total, scoring.never_total)
    rounded_total = round_half_up(total)

    efficient = sum(1 for line in lines if line.verdict in _EFFICIENT)
    efficiency = efficient / len(lines) if lines else None

    return Report(
        engine_version=ENGINE_VERSION,
        lines=tuple(lines),
        missed_essentials=missed,
        order_violations=tuple(workup.violations),
        diagnosis=diagnosis,
        workup_score=round_half_up(workup_score),
        diagnosis_score=round_half_up(diagnosis_score),
        total=rounded_total,
        uncapped_total=round_half_up(uncapped),
        capped=cap_triggered and not never_triggered and uncapped > scoring.harmful_cap,
        cap_triggered=cap_triggered,
        efficiency=None if efficiency is None else round_half_up(efficiency, 3),
        efficiency_percent=(None if efficiency is None else round_half_up(100.0 * efficiency, 1)),
        expert_path=expert_path(key),
        learner_path=attempt.steps,
        scoring=scoring,
        essential_total=len(units),
        essential_chosen=len(satisfied),
        essential_credited=sum(1 for in_time in satisfied.values() if in_time),
        never_choices=tuple(line for line in lines if line.tier is Tier.NEVER),
        never_triggered=never_triggered,
        grade=scoring.grade_bands.letter_for(rounded_total),
        essential_weight_total=lookup.weight_total,
        efficient_choices=efficient,
    )


def _penalty_points(tier: Tier, scoring: ScoringSettings) -> float:
    if tier is Tier.USEFUL:
        return 0.0
    if tier is Tier.LOW_YIELD:
        return -scoring.low_yield_penalty
    return -scoring.harmful_penalty  # harmful and never


def _missed(unit: _Unit) -> MissedEssential:
    first = unit.members[0]
    return MissedEssential(
        step=first.slug,
        rationale=first.rationale,
        citations=first.citations,
        occurrence=first.occurrence,
        weight=unit.weight,
        any_of=tuple(m.slug for m in unit.members) if unit.label else (),
    )


def _grade_diagnosis(options: tuple[DiagnosisOption, ...], chosen: str | None) -> tuple[DiagnosisResult, float]:
    """Return the diagnosis part of the report and the unrounded credit."""
    correct = next(o for o in options if o.credit == 1.0)
    option = None if chosen is None else next((o for o in options if o.cause == chosen), None)
    credit = 0.0 if option is None else float(option.credit)
    if chosen is None:
        verdict = DiagnosisVerdict.NONE
    elif credit == 1.0:
        verdict = DiagnosisVerdict.CORRECT
    elif credit > 0.0:
        verdict = DiagnosisVerdict.PARTIAL
    else:
        verdict = DiagnosisVerdict.INCORRECT
    explained = correct if option is None else option
    result = DiagnosisResult(
        chosen=chosen,
        credit=credit,
        verdict=verdict,
        points=round_half_up(100.0 * credit),
        rationale=explained.rationale,
        citations=explained.citations,
        correct_cause=correct.cause,
        correct_rationale=correct.rationale,
        correct_citations=correct.citations,
    )
    return result, credit
