"""Property tests: invariants of grade() over random valid keys and attempts.

The generators (``strategies.py``) build keys with repeated occurrences,
weights, any-of groups, never items and order rules naming occurrences, and
attempts that may order an entry several times.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from leucocases.cases.grading import (
    Attempt,
    Report,
    Tier,
    Verdict,
    grade,
    number_occurrences,
    round_half_up,
    validate_key,
)

from .strategies import UNKEYED, Case, cases, entries, keyed_step, keys

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)
# Never offered in generated attempts, so it is always unkeyed and new.
FRESH_UNKEYED = "fresh-unkeyed"


@PROPERTY_SETTINGS
@given(keys())
def test_generated_keys_are_valid(key) -> None:
    """The generator only produces keys validate_key accepts."""
    assert validate_key(key) == []


@PROPERTY_SETTINGS
@given(cases())
def test_scores_stay_within_bounds(case: Case) -> None:
    """Workup, diagnosis and total stay within 0..100; without a never choice
    the total never exceeds the uncapped total; efficiency is a fraction;
    every unit of essential credit is either chosen or missed; the grade is
    the band of the total."""
    report = grade(case.key, case.attempt)

    for score in (report.workup_score, report.diagnosis_score, report.total, report.uncapped_total):
        assert 0.0 <= score <= 100.0
    if not report.never_triggered:
        assert report.total <= report.uncapped_total
    if report.capped:
        assert report.cap_triggered
    if report.efficiency is None:
        assert case.attempt.steps == ()
    else:
        assert 0.0 <= report.efficiency <= 1.0
    assert report.essential_chosen + len(report.missed_essentials) == report.essential_total
    assert report.grade == case.key.scoring.grade_bands.letter_for(report.total)


@PROPERTY_SETTINGS
@given(cases(), st.data())
def test_choosing_a_never_item_always_gives_the_never_total(case: Case, data: st.DataObject) -> None:
    """Whatever else was chosen, ordering an entry at an occurrence the key
    rates never holds the total at or below never_total (the default 0 is
    the key-features zero: then it is exactly 0), and the report lists that
    choice among its never choices."""
    never_items = [s.item for s in case.key.steps if s.tier is Tier.NEVER]
    assume(never_items)
    slug, occurrence = data.draw(st.sampled_from(never_items))
    steps = list(case.attempt.steps)
    steps.insert(data.draw(st.integers(0, len(steps))), slug)
    # Order the entry often enough to reach the never occurrence.
    steps += [slug] * (occurrence - steps.count(slug))

    report = grade(case.key, Attempt(tuple(steps), case.attempt.diagnosis))

    assert report.never_triggered
    assert report.total <= round_half_up(case.key.scoring.never_total)
    if case.key.scoring.never_total == 0:
        assert report.total == 0
    assert (slug, occurrence) in {(line.step, line.occurrence) for line in report.never_choices}
    assert report.never_choices == tuple(line for line in report.lines if line.tier is Tier.NEVER)


@PROPERTY_SETTINGS
@given(cases())
def test_never_total_applies_only_after_a_never_choice(case: Case) -> None:
    """Without a never choice the report has no never choices and the total
    is the weighted sum (capped when a harmful choice was made)."""
    report = grade(case.key, case.attempt)
    chosen = set(number_occurrences(case.attempt.steps))
    if not any(s.tier is Tier.NEVER and s.item in chosen for s in case.key.steps):
        assert not report.never_triggered
        assert report.never_choices == ()
        if report.cap_triggered:
            # Rounded separately, the two may differ in the last place.
            assert abs(report.total - min(report.uncapped_total, case.key.scoring.harmful_cap)) <= 0.1
        else:
            assert report.total == report.uncapped_total


def _prerequisites_met_at(case: Case, slug: str, occurrence: int) -> int | None:
    """The earliest index at which ordering ``slug`` again makes it occurrence
    ``occurrence`` with every order-rule prerequisite already chosen, or None."""
    steps = case.attempt.steps
    if steps.count(slug) != occurrence - 1:
        return None
    at = {item: i for i, item in enumerate(number_occurrences(steps))}
    earliest = max((i + 1 for i, s in enumerate(steps) if s == slug), default=0)
    for rule in case.key.order_rules:
        if rule.after_item == (slug, occurrence):
            if rule.before_item not in at:
                return None
            earliest = max(earliest, at[rule.before_item] + 1)
    return earliest


@PROPERTY_SETTINGS
@given(cases(), st.data())
def test_adding_an_essential_never_lowers_the_score(case: Case, data: st.DataObject) -> None:
    """Adding an essential item the learner has not chosen, anywhere after its
    prerequisites, never lowers the workup or the total (an any-of member
    may pass the group's credit to it, never lose it)."""
    candidates = [
        (s.item, at)
        for s in case.key.steps
        if s.tier is Tier.ESSENTIAL and (at := _prerequisites_met_at(case, *s.item)) is not None
    ]
    assume(candidates)
    (slug, _), earliest = data.draw(st.sampled_from(candidates))
    steps = list(case.attempt.steps)
    steps.insert(data.draw(st.integers(earliest, len(steps))), slug)

    before = grade(case.key, case.attempt)
    after = grade(case.key, Attempt(tuple(steps), case.attempt.diagnosis))

    assert after.workup_score >= before.workup_score
    assert after.total >= before.total
    assert after.essential_chosen >= before.essential_chosen


@PROPERTY_SETTINGS
@given(cases())
def test_being_premature_never_raises_a_lines_points(case: Case) -> None:
    """Graded with its order rules, every line earns at most what it earns
    with the rules removed, and exactly that when it is not premature:
    timing can only cost, and a premature choice is never credited more."""
    with_rules = grade(case.key, case.attempt)
    without = grade(replace(case.key, order_rules=()), case.attempt)

    for line, free in zip(with_rules.lines, without.lines, strict=True):
        assert line.points <= free.points
        if line.verdict is not Verdict.PREMATURE:
            assert line == free
    assert with_rules.workup_score <= without.workup_score


@PROPERTY_SETTINGS
@given(keys(), st.data())
def test_moving_a_choice_after_its_prerequisites_never_lowers_its_points(key, data: st.DataObject) -> None:
    """A choice made before its prerequisite (an entry ordered once, not in
    an any-of group) is premature; moved to the end of the path, after its
    prerequisites, it earns at least what it earned where it was."""
    groups = {s.item: s.any_of for s in key.steps}
    rules = [r for r in key.order_rules if r.after_occurrence == 1 and not groups[r.after_item]]
    assume(rules)
    rule = data.draw(st.sampled_from(rules))
    others = [slug for slug in [*entries(key), *UNKEYED] if slug not in (rule.before, rule.after)]
    prefix = data.draw(st.lists(st.sampled_from(others), max_size=5))
    rest = data.draw(st.lists(st.sampled_from([*others, rule.before]), max_size=6))
    steps = [*prefix, rule.after, *rest]

    before = grade(key, Attempt(tuple(steps)))
    line = before.lines[len(prefix)]
    after = grade(key, Attempt((*prefix, *rest, rule.after)))

    assert line.verdict is Verdict.PREMATURE
    assert rule in line.broken_rules
    assert after.lines[-1].points >= line.points


@PROPERTY_SETTINGS
@given(cases(), st.data())
def test_a_repeat_of_a_low_yield_or_unkeyed_entry_costs_again(case: Case, data: st.DataObject) -> None:
    """Ordering again an entry whose next occurrence is unkeyed or low-yield
    (and no order rule's later end) costs the low-yield penalty again: the new line is not_contributory or
    low_yield at -low_yield_penalty, earlier lines are unchanged, the workup
    and the total do not rise and efficiency does not rise."""
    counts = Counter(case.attempt.steps)
    ruled = {rule.after_item for rule in case.key.order_rules}
    candidates = [FRESH_UNKEYED] + [
        slug
        for slug in [*entries(case.key), *counts]
        if (step := keyed_step(case.key, slug, counts[slug] + 1)) is None
        or (step.tier is Tier.LOW_YIELD and step.item not in ruled)
    ]
    slug = data.draw(st.sampled_from(candidates))
    twice = (*case.attempt.steps, slug, slug)

    before = grade(case.key, case.attempt)
    once = grade(case.key, Attempt((*case.attempt.steps, slug), case.attempt.diagnosis))
    again = grade(case.key, Attempt(twice, case.attempt.diagnosis))

    assert once.lines[:-1] == before.lines
    assert once.lines[-1].verdict in (Verdict.NOT_CONTRIBUTORY, Verdict.LOW_YIELD)
    assert once.lines[-1].points == round_half_up(-case.key.scoring.low_yield_penalty)
    assert_no_better(before, once)
    if keyed_step(case.key, slug, counts[slug] + 2) is None:
        # A repeat beyond the keyed occurrences costs every time.
        assert again.lines[-1].verdict is Verdict.NOT_CONTRIBUTORY
        assert again.lines[-1].points == round_half_up(-case.key.scoring.low_yield_penalty)
        assert_no_better(once, again)


def assert_no_better(earlier: Report, later: Report) -> None:
    assert later.workup_score <= earlier.workup_score
    assert later.total <= earlier.total
    if earlier.efficiency is not None:
        assert later.efficiency is not None
        assert later.efficiency <= earlier.efficiency


@PROPERTY_SETTINGS
@given(cases(), st.data())
def test_appending_a_bad_choice_never_raises_the_total(case: Case, data: st.DataObject) -> None:
    """Appending an unkeyed, low-yield or harmful choice never raises the
    workup or the total and leaves the earlier lines alone."""
    counts = Counter(case.attempt.steps)
    candidates = [FRESH_UNKEYED] + [
        slug
        for slug in entries(case.key)
        if (step := keyed_step(case.key, slug, counts[slug] + 1)) is None or step.tier in (Tier.LOW_YIELD, Tier.HARMFUL)
    ]
    slug = data.draw(st.sampled_from(candidates))

    before = grade(case.key, case.attempt)
    after = grade(case.key, Attempt((*case.attempt.steps, slug), case.attempt.diagnosis))

    assert after.workup_score <= before.workup_score
    assert after.total <= before.total
    assert after.lines[:-1] == before.lines


@PROPERTY_SETTINGS
@given(cases())
def test_premature_exactly_when_a_rule_is_broken(case: Case) -> None:
    """A line is premature iff some rule's prerequisite occurrence was not
    chosen earlier, and its broken_rules are exactly those rules; a line's
    occurrence counts the entry's appearances so far; an occurrence the key
    does not mention is not_contributory."""
    report = grade(case.key, case.attempt)
    numbered = number_occurrences(case.attempt.steps)
    chosen_at = {item: i for i, item in enumerate(numbered, start=1)}

    for line, item in zip(report.lines, numbered, strict=True):
        assert (line.step, line.occurrence) == item
        expected = tuple(
            rule
            for rule in case.key.order_rules
            if rule.after_item == item and chosen_at.get(rule.before_item, line.position + 1) > line.position
        )
        assert line.broken_rules == expected
        assert (line.verdict is Verdict.PREMATURE) == bool(expected)
        if keyed_step(case.key, *item) is None:
            assert line.verdict is Verdict.NOT_CONTRIBUTORY


@PROPERTY_SETTINGS
@given(keys())
def test_the_expert_path_earns_full_workup_credit(key) -> None:
    """Replaying the expert path breaks no rule, misses no essential unit and
    earns every essential share: workup min(essential_total_points, 100)."""
    report = grade(key, Attempt(grade(key, Attempt(())).expert_path))

    assert report.order_violations == ()
    assert report.missed_essentials == ()
    assert report.essential_credited == report.essential_total
    assert report.workup_score == round_half_up(min(key.scoring.essential_total_points, 100.0))
    assert report.efficiency == 1.0


@PROPERTY_SETTINGS
@given(cases())
def test_grading_is_deterministic_and_round_trips(case: Case) -> None:
    """The same input always gives an equal report, and the report survives
    JSON storage unchanged."""
    first = grade(case.key, case.attempt)
    again = grade(case.key, Attempt(tuple(case.attempt.steps), case.attempt.diagnosis))

    assert first == again
    stored = json.dumps(first.to_dict())
    assert Report.from_dict(json.loads(stored)) == first
    assert json.dumps(Report.from_dict(json.loads(stored)).to_dict()) == stored
