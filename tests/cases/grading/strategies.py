"""Hypothesis strategies for valid case keys and attempts (engine 2).

Keys are valid by construction:

* each entry is keyed for one to three occurrences; those that are essential
  or useful come first (occurrences 1..m), so the expert path, which is made
  of them, orders every entry's occurrences in turn; expert positions never
  decrease from one occurrence to the next;
* order rules only ever point forward in one total order of the items, which
  starts with the expert path and keeps each entry's occurrences in turn, so
  they can neither form a cycle nor be broken by the expert path;
* weights and any-of groups only on essentials, groups of two or more.

``keys(v1=True)`` gives keys engine 1.0.0 could grade: no never tier, every
entry keyed once, weight 1, no groups.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from leucocases.cases.grading import (
    Attempt,
    CaseKey,
    DiagnosisOption,
    GradeBands,
    KeyedStep,
    OrderRule,
    ScoringSettings,
    Tier,
)

UNKEYED = tuple(f"unkeyed-{i}" for i in range(3))
RELEVANT = (Tier.ESSENTIAL, Tier.USEFUL)
PENALTY_TIERS = (Tier.LOW_YIELD, Tier.HARMFUL, Tier.NEVER)
GROUP_LABELS = ("", "", "group-1", "group-2")

penalties = st.floats(0, 50, allow_nan=False, allow_infinity=False)


def documented_expert_order(step: KeyedStep) -> tuple[bool, int, int, int, str]:
    """The expert-path order as docs/case-format.md states it, restated here
    so the generator does not lean on the engine under test."""
    position = step.expert_position
    return (
        position is None,
        0 if position is None else position,
        step.occurrence,
        0 if step.tier is Tier.ESSENTIAL else 1,
        step.slug,
    )


@st.composite
def grade_bands(draw: st.DrawFn) -> GradeBands:
    values = draw(st.lists(st.integers(0, 1000), min_size=5, max_size=5, unique=True))
    a, b, c, d, e = sorted((v / 10 for v in values), reverse=True)
    return GradeBands(a, b, c, d, e)


@st.composite
def scorings(draw: st.DrawFn, *, v1: bool = False) -> ScoringSettings:
    workup_weight = draw(st.floats(0, 1, allow_nan=False))
    extra = {} if v1 else {"never_total": draw(st.floats(0, 100, allow_nan=False)), "grade_bands": draw(grade_bands())}
    return ScoringSettings(
        essential_total_points=draw(st.floats(0, 200, allow_nan=False)),
        low_yield_penalty=draw(penalties),
        harmful_penalty=draw(penalties),
        workup_weight=workup_weight,
        diagnosis_weight=1.0 - workup_weight,
        harmful_cap=draw(st.floats(0, 100, allow_nan=False)),
        **extra,  # type: ignore[arg-type]
    )


@dataclass
class _Draft:
    slug: str
    occurrence: int
    tier: Tier
    position: int | None = None
    weight: float = 1.0
    any_of: str = ""


def _entry_drafts(draw: st.DrawFn, slug: str, *, v1: bool) -> list[_Draft]:
    count = 1 if v1 else draw(st.integers(1, 3))
    relevant = draw(st.integers(0, count))
    positions: list[int | None] = [*sorted(draw(st.lists(st.integers(0, 5), max_size=relevant)))]
    positions += [None] * (relevant - len(positions))
    others = (Tier.LOW_YIELD, Tier.HARMFUL) if v1 else PENALTY_TIERS
    drafts = []
    for occurrence in range(1, count + 1):
        if occurrence <= relevant:
            tier = draw(st.sampled_from(RELEVANT))
            drafts.append(_Draft(slug, occurrence, tier, positions[occurrence - 1]))
        else:
            drafts.append(_Draft(slug, occurrence, draw(st.sampled_from(others))))
    return drafts


@st.composite
def keys(draw: st.DrawFn, *, v1: bool = False) -> CaseKey:
    n = draw(st.integers(1, 6))
    drafts = [d for i in range(n) for d in _entry_drafts(draw, f"step-{i}", v1=v1)]
    if not any(d.tier is Tier.ESSENTIAL for d in drafts):
        # Occurrence 1 of an entry is relevant whenever any of its
        # occurrences is, so making it essential keeps the path valid.
        first = draw(st.sampled_from([d for d in drafts if d.occurrence == 1]))
        first.tier = Tier.ESSENTIAL
    if not v1:
        for d in drafts:
            if d.tier is Tier.ESSENTIAL:
                d.weight = draw(st.sampled_from((1.0, 1.0, 0.5, 2.0, 3.0)))
                d.any_of = draw(st.sampled_from(GROUP_LABELS))
        for label in GROUP_LABELS[2:]:
            members = [d for d in drafts if d.any_of == label]
            if len(members) == 1:
                members[0].any_of = ""
    steps = tuple(
        KeyedStep(
            d.slug,
            d.tier,
            f"why {d.slug} #{d.occurrence}",
            (f"ref-{d.slug}",),
            d.position,
            occurrence=d.occurrence,
            weight=d.weight,
            any_of=d.any_of,
        )
        for d in drafts
    )

    expert = [s.item for s in sorted((s for s in steps if s.tier in RELEVANT), key=documented_expert_order)]
    rest = draw(st.permutations([s.item for s in steps if s.tier not in RELEVANT]))
    # Keep each entry's remaining occurrences in turn: the k-th place an
    # entry takes in the shuffled rest gets its k-th lowest occurrence.
    pending = {slug: sorted(o for s, o in rest if s == slug) for slug, _ in rest}
    ordered_rest = [(slug, pending[slug].pop(0)) for slug, _ in rest]
    rank = {item: i for i, item in enumerate([*expert, *ordered_rest])}
    forward = [(a, b) for a in rank for b in rank if rank[a] < rank[b]]
    pairs = draw(st.lists(st.sampled_from(forward), unique=True, max_size=6)) if forward else []
    rules = tuple(
        OrderRule(
            a[0],
            b[0],
            f"{a} first",
            (),
            premature_counts_as_harmful=draw(st.booleans()),
            before_occurrence=a[1],
            after_occurrence=b[1],
        )
        for a, b in pairs
    )

    partial_credits = draw(st.lists(st.floats(0, 1, exclude_max=True, allow_nan=False), max_size=3))
    options = (DiagnosisOption("cause-full", 1.0, "right"),) + tuple(
        DiagnosisOption(f"cause-{i}", credit, f"partial {i}") for i, credit in enumerate(partial_credits)
    )
    return CaseKey(steps, options, rules, draw(scorings(v1=v1)))


@dataclass(frozen=True)
class Case:
    key: CaseKey
    attempt: Attempt


def entries(key: CaseKey) -> list[str]:
    return list(dict.fromkeys(s.slug for s in key.steps))


@st.composite
def cases(draw: st.DrawFn, *, v1: bool = False) -> Case:
    key = draw(keys(v1=v1))
    catalogue = entries(key) + list(UNKEYED)
    # Engine 1 refused an entry chosen twice.
    chosen = draw(st.lists(st.sampled_from(catalogue), unique=v1, max_size=12))
    causes = [o.cause for o in key.diagnosis_options] + ["cause-unkeyed"]
    diagnosis = draw(st.none() | st.sampled_from(causes))
    return Case(key, Attempt(tuple(chosen), diagnosis))


def keyed_step(key: CaseKey, slug: str, occurrence: int) -> KeyedStep | None:
    return next((s for s in key.steps if s.item == (slug, occurrence)), None)
