"""The report's "How this case is scored": every rule that graded this attempt, with the case's numbers.

Written from the stored report alone (its scoring settings, lines, missed
essentials and grade), never from the case's key as it is today, so the text
matches the grading shown beside it after any later key edit. A rule that
did not come into play (weights when every essential weighs the same, "any
one of" groups when the case has none, repeats when nothing was ordered
twice) is left out; the rules that hold for every case are always stated.
"""

from __future__ import annotations

from collections.abc import Callable

from .charts import format_number
from .grading import GradeBands, Report, Tier, Verdict, round_half_up
from .verdicts import occurrence_name

__all__ = ["occurrence_name", "scoring_rules"]

StepName = Callable[[str], str]


def _number(value: float) -> str:
    return format_number(round_half_up(value, 1))


def _charge(report: Report, line_rules_harmful: tuple[bool, ...]) -> float:
    s = report.scoring
    return max((s.harmful_penalty if harmful else s.low_yield_penalty for harmful in line_rules_harmful), default=0.0)


def _essential_shares(report: Report, step_name: StepName) -> list[tuple[str, float]]:
    """(what, points) for each unit of essential credit the report shows: the
    essentials chosen (their share is their points plus any premature charge,
    which the engine took once from the share) and those missed (share from
    their weight). An alternative of a group already credited is left out."""
    s = report.scoring
    shares = []
    for line in report.lines:
        if line.tier is not Tier.ESSENTIAL or line.verdict is Verdict.ESSENTIAL_ALTERNATIVE:
            continue
        share = line.points + _charge(report, tuple(r.premature_counts_as_harmful for r in line.broken_rules))
        if share > 0:
            shares.append((occurrence_name(step_name(line.step), line.occurrence), share))
    total_weight = report.essential_weight_total or 1.0
    for missed in report.missed_essentials:
        what = (
            "any one of " + " or ".join(step_name(slug) for slug in missed.any_of)
            if missed.any_of
            else occurrence_name(step_name(missed.step), missed.occurrence)
        )
        shares.append((what, s.essential_total_points * missed.weight / total_weight))
    return shares


def _essential_rule(report: Report, step_name: StepName) -> str:
    s = report.scoring
    units = report.essential_total
    if not units:
        return "This case keys no essential step."
    shares = _essential_shares(report, step_name)
    equal = s.essential_total_points / units
    # Every unit is either chosen (its first line) or missed, so equal shares mean equal weights.
    if all(abs(points - equal) < 0.06 for _, points in shares):
        plural = "s" if units != 1 else ""
        return (
            f"Each of the {units} essential step{plural} earns {_number(equal)} points "
            f"({_number(s.essential_total_points)} shared among them). Useful steps earn 0."
        )
    listed = "; ".join(f"{what}: {_number(points)}" for what, points in shares)
    return (
        f"The {_number(s.essential_total_points)} points for essential steps are shared by weight: each earns "
        f"{_number(s.essential_total_points)} × its weight ÷ {_number(report.essential_weight_total)} (the weights "
        f"of the case's {units} essential units added up), so the steps that matter most earn most. In this case: "
        f"{listed}. Useful steps earn 0."
    )


def _groups_rule(report: Report, step_name: StepName) -> str | None:
    groups: dict[str, list[str]] = {}
    for line in report.lines:
        if line.any_of:
            groups.setdefault(line.any_of, []).append(step_name(line.step))
    missed = [" or ".join(step_name(slug) for slug in m.any_of) for m in report.missed_essentials if m.any_of]
    if not groups and not missed:
        return None
    named = [" or ".join(dict.fromkeys(names)) for names in groups.values()] + missed
    return (
        "Some essential steps are alternatives, “any one of” a group: the first member ordered earns the group's "
        "share once; another member ordered afterwards earns nothing more and costs nothing. Groups here: "
        + "; ".join(f"any one of {names}" for names in named)
        + "."
    )


def _repeats_rule(report: Report) -> str | None:
    repeated = any(line.occurrence > 1 for line in report.lines)
    keyed_repeat = len(set(report.expert_path)) != len(report.expert_path) or any(
        m.occurrence > 1 for m in report.missed_essentials
    )
    if not (repeated or keyed_repeat):
        return None
    return (
        "An entry ordered again is graded as a new order: the case may key the second order of an entry apart "
        "from the first (a follow-up count, say); an order it does not key, a repeat beyond the keyed ones "
        f"included, is not contributory and costs {_number(report.scoring.low_yield_penalty)} points each time."
    )


def _bands_rule(bands: GradeBands) -> str:
    letters = ", ".join(f"{letter} from {_number(low)}" for letter, low in bands.thresholds())
    return f"Grade: {letters}; {GradeBands.FAIL} below {_number(bands.e)}."


def scoring_rules(report: Report, step_name: StepName) -> tuple[str, ...]:
    """The sentences of "How this case is scored", in the order grading applies them."""
    s = report.scoring
    engine_1 = report.engine_version.startswith("1.")
    premature = (
        "A step ordered before one that must come first is premature: it loses its essential share and is "
        f"charged {_number(s.harmful_penalty)} points"
        if engine_1
        else "A step ordered before one that must come first is premature: it keeps its own points and is charged "
        f"once, however many order rules it breaks: {_number(s.harmful_penalty)} points"
    )
    efficiency = (
        "steps keyed essential or useful ÷ all steps ordered"
        if engine_1
        else "orders graded essential (an alternative of a group included) or useful, not premature ÷ all orders"
    )
    rules = [
        _essential_rule(report, step_name),
        _groups_rule(report, step_name),
        f"Each low-yield step, and each step this case does not need (not contributory), costs "
        f"{_number(s.low_yield_penalty)} points.",
        _repeats_rule(report),
        f"Each harmful step costs {_number(s.harmful_penalty)} points.",
        f"{premature} ({_number(s.low_yield_penalty)} when the case says the rule is not about harm).",
        "Workup score = the sum of those points, kept between 0 and 100.",
        "Diagnosis score = 100 × the credit of the cause you chose.",
        f"Total = {_number(s.workup_weight)} × workup + {_number(s.diagnosis_weight)} × diagnosis.",
        f"A harmful choice, or a premature one under a rule about harm, caps the total at {_number(s.harmful_cap)}.",
        "A choice no competent clinician makes in this case (a never choice) holds the total at "
        f"{_number(s.never_total)} or below, whatever else was done.",
        f"Efficiency (shown beside the score, not part of it) = {efficiency}.",
        _bands_rule(s.grade_bands),
    ]
    return tuple(rule for rule in rules if rule)
