"""Property tests: invariants of grade() over random valid keys and attempts.

Keys are generated valid by construction: order rules only ever point
forward in one total order of the steps, which starts with the expert path,
so they can neither form a cycle nor be broken by the expert path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from leucocases.cases.grading import (
    Attempt,
    CaseKey,
    DiagnosisOption,
    KeyedStep,
    OrderRule,
    Report,
    ScoringSettings,
    Tier,
    Verdict,
    grade,
    validate_key,
)

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)

UNKEYED = tuple(f"unkeyed-{i}" for i in range(4))
# Never offered in generated attempts, so it can always be appended.
FRESH_UNKEYED = "fresh-unkeyed"
RELEVANT = (Tier.ESSENTIAL, Tier.USEFUL)


def documented_expert_order(step: KeyedStep) -> tuple[bool, int, int, str]:
    """The expert-path sort order as the design doc states it, restated here
    so the generator does not lean on the engine under test."""
    position = step.expert_position
    return (
        position is None,
        0 if position is None else position,
        0 if step.tier is Tier.ESSENTIAL else 1,
        step.slug,
    )


penalties = st.floats(0, 50, allow_nan=False, allow_infinity=False)


@st.composite
def scorings(draw: st.DrawFn) -> ScoringSettings:
    workup_weight = draw(st.floats(0, 1, allow_nan=False))
    return ScoringSettings(
        essential_total_points=draw(st.floats(0, 200, allow_nan=False)),
        low_yield_penalty=draw(penalties),
        harmful_penalty=draw(penalties),
        workup_weight=workup_weight,
        diagnosis_weight=1.0 - workup_weight,
        harmful_cap=draw(st.floats(0, 100, allow_nan=False)),
    )


@st.composite
def keys(draw: st.DrawFn) -> CaseKey:
    n = draw(st.integers(1, 10))
    slugs = [f"step-{i}" for i in range(n)]
    tiers = draw(st.lists(st.sampled_from(Tier), min_size=n, max_size=n))
    tiers[draw(st.integers(0, n - 1))] = Tier.ESSENTIAL
    positions = draw(st.lists(st.none() | st.integers(0, 5), min_size=n, max_size=n))
    steps = tuple(
        KeyedStep(slug, tier, f"why {slug}", (f"ref-{slug}",), position)
        for slug, tier, position in zip(slugs, tiers, positions, strict=True)
    )

    expert = sorted((s for s in steps if s.tier in RELEVANT), key=documented_expert_order)
    rest = draw(st.permutations([s for s in steps if s.tier not in RELEVANT]))
    rank = {step.slug: i for i, step in enumerate([*expert, *rest])}
    forward = [(a, b) for a in slugs for b in slugs if rank[a] < rank[b]]
    pairs = draw(st.lists(st.sampled_from(forward), unique=True, max_size=6)) if forward else []
    rules = tuple(OrderRule(a, b, f"{a} first", (), premature_counts_as_harmful=draw(st.booleans())) for a, b in pairs)

    partial_credits = draw(st.lists(st.floats(0, 1, exclude_max=True, allow_nan=False), max_size=3))
    options = (DiagnosisOption("cause-full", 1.0, "right"),) + tuple(
        DiagnosisOption(f"cause-{i}", credit, f"partial {i}") for i, credit in enumerate(partial_credits)
    )
    return CaseKey(steps, options, rules, draw(scorings()))


@dataclass(frozen=True)
class Case:
    key: CaseKey
    attempt: Attempt


@st.composite
def cases(draw: st.DrawFn) -> Case:
    key = draw(keys())
    catalogue = [s.slug for s in key.steps] + list(UNKEYED)
    chosen = draw(st.lists(st.sampled_from(catalogue), unique=True, max_size=12))
    causes = [o.cause for o in key.diagnosis_options] + ["cause-unkeyed"]
    diagnosis = draw(st.none() | st.sampled_from(causes))
    return Case(key, Attempt(tuple(chosen), diagnosis))


def tier_of(key: CaseKey, slug: str) -> Tier | None:
    return next((s.tier for s in key.steps if s.slug == slug), None)


@PROPERTY_SETTINGS
@given(keys())
def test_generated_keys_are_valid(key: CaseKey) -> None:
    """The generator only produces keys validate_key accepts."""
    assert validate_key(key) == []


@PROPERTY_SETTINGS
@given(cases())
def test_scores_stay_within_bounds(case: Case) -> None:
    """Workup, diagnosis and total stay within 0..100; the total never
    exceeds the uncapped total; efficiency is a fraction."""
    report = grade(case.key, case.attempt)

    for score in (
        report.workup_score,
        report.diagnosis_score,
        report.total,
        report.uncapped_total,
    ):
        assert 0.0 <= score <= 100.0
    assert report.total <= report.uncapped_total
    if report.capped:
        assert report.cap_triggered
    if report.efficiency is None:
        assert case.attempt.steps == ()
    else:
        assert 0.0 <= report.efficiency <= 1.0
    assert report.essential_chosen + len(report.missed_essentials) == (report.essential_total)


@PROPERTY_SETTINGS
@given(cases(), st.data())
def test_appending_a_bad_step_never_raises_the_total(case: Case, data: st.DataObject) -> None:
    """Appending a low-yield, not-contributory or harmful step never raises
    the workup or the total."""
    chosen = set(case.attempt.steps)
    candidates = [
        s.slug for s in case.key.steps if s.tier in (Tier.LOW_YIELD, Tier.HARMFUL) and s.slug not in chosen
    ] + [FRESH_UNKEYED]
    extra = data.draw(st.sampled_from(candidates))

    before = grade(case.key, case.attempt)
    after = grade(case.key, Attempt((*case.attempt.steps, extra), case.attempt.diagnosis))

    assert after.workup_score <= before.workup_score
    assert after.total <= before.total
    assert after.lines[:-1] == before.lines


@PROPERTY_SETTINGS
@given(cases(), st.data())
def test_appending_a_timely_missing_essential_never_lowers_the_total(case: Case, data: st.DataObject) -> None:
    """Appending a missing essential whose prerequisites are all already
    chosen never lowers the workup or the total, and earns its credit."""
    chosen = set(case.attempt.steps)
    prerequisites: dict[str, set[str]] = {}
    for rule in case.key.order_rules:
        prerequisites.setdefault(rule.after, set()).add(rule.before)
    candidates = [
        s.slug
        for s in case.key.steps
        if s.tier is Tier.ESSENTIAL and s.slug not in chosen and prerequisites.get(s.slug, set()) <= chosen
    ]
    assume(candidates)
    extra = data.draw(st.sampled_from(candidates))

    before = grade(case.key, case.attempt)
    after = grade(case.key, Attempt((*case.attempt.steps, extra), case.attempt.diagnosis))

    assert after.workup_score >= before.workup_score
    assert after.total >= before.total
    assert after.lines[-1].verdict is Verdict.ESSENTIAL
    assert after.essential_credited == before.essential_credited + 1


@PROPERTY_SETTINGS
@given(keys(), st.data())
def test_step_chosen_without_its_prerequisite_first_is_premature(key: CaseKey, data: st.DataObject) -> None:
    """For a rule A -> B, choosing B while A is absent or chosen later marks
    B premature and reports the rule."""
    assume(key.order_rules)
    rule = data.draw(st.sampled_from(key.order_rules))
    others = [s.slug for s in key.steps if s.slug not in (rule.before, rule.after)]
    prefix = data.draw(st.lists(st.sampled_from(others), unique=True)) if others else []
    a_later = data.draw(st.booleans())
    steps = (*prefix, rule.after, *((rule.before,) if a_later else ()))

    report = grade(key, Attempt(steps))
    line = report.lines[len(prefix)]

    assert line.step == rule.after
    assert line.verdict is Verdict.PREMATURE
    assert rule in line.broken_rules
    assert any(v.step == rule.after and v.before == rule.before for v in report.order_violations)
    assert rule.after not in {m.step for m in report.missed_essentials}


@PROPERTY_SETTINGS
@given(cases())
def test_premature_exactly_when_a_rule_is_broken(case: Case) -> None:
    """A line is premature iff some rule's prerequisite was not chosen
    earlier, and its broken_rules are exactly those rules."""
    report = grade(case.key, case.attempt)
    chosen_at = {slug: i for i, slug in enumerate(case.attempt.steps, start=1)}

    for line in report.lines:
        expected = tuple(
            rule
            for rule in case.key.order_rules
            if rule.after == line.step and chosen_at.get(rule.before, line.position + 1) > line.position
        )
        assert line.broken_rules == expected
        assert (line.verdict is Verdict.PREMATURE) == bool(expected)
        if tier_of(case.key, line.step) is None:
            assert line.verdict is Verdict.NOT_CONTRIBUTORY


@PROPERTY_SETTINGS
@given(cases())
def test_grading_is_deterministic_and_round_trips(case: Case) -> None:
    """The same input always gives an equal report, and the report survives
    JSON storage unchanged."""
    first = grade(case.key, case.attempt)
    again = grade(case.key, Attempt(tuple(case.attempt.steps), case.attempt.diagnosis))

    assert first == again
    assert Report.from_dict(json.loads(json.dumps(first.to_dict()))) == first
