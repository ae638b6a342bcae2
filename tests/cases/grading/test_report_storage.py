"""Stored reports: the JSON round trip, reports stored by engine 1.0.0, and
what engine 2 changes for a key engine 1 could grade.

``fixtures/report_engine_1_0_0.json`` was written by engine 1.0.0 grading
``V1_ATTEMPT`` against ``make_key(rules=V1_RULES)`` (test_engine.py);
``fixtures/report_engine_1_0_0_crohns.json`` by engine 1.0.0 through
``manage.py grade_path --json`` on the shipped case
crohns-azathioprine-routine-count.

What engine 2 changes for a v1 key and a v1 attempt (no entry twice), and
nothing else:

1. A premature essential keeps its share less the premature charge
   (engine 1: lost its share and was charged, i.e. ``-charge``). A
   premature useful, low-yield or harmful choice scores as before. The
   charge is the largest penalty of the rules broken, which is engine 1's
   (harmful_penalty if any rule counts as harmful) unless a case sets
   low_yield_penalty above harmful_penalty and a choice breaks both kinds.
2. Efficiency counts only choices graded essential or useful, so a premature
   essential or useful choice no longer counts (engine 1 counted every
   chosen essential or useful step).
3. The workup, total, cap and grade follow from 1.
4. An expert position on a low-yield or harmful step is a key problem
   (engine 1 ignored it; the case files and the admin never allowed it).
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings

from leucocases.cases.grading import (
    ENGINE_VERSION,
    Attempt,
    CaseKey,
    GradeBands,
    OrderRule,
    Report,
    ScoringSettings,
    Tier,
    Verdict,
    grade,
    round_half_up,
)

from .strategies import Case, cases
from .test_engine import BCR_ABL, CBC, CMML, CRP, LDH, MARROW, PET, SMEAR, SMEAR_BEFORE_MARROW, make_key
from .test_rules_v2 import CONTINUE, THIOPURINE, WORKUP, drug_key

FIXTURES = Path(__file__).parent / "fixtures"
V1_RULES = (
    SMEAR_BEFORE_MARROW,
    OrderRule(SMEAR, BCR_ABL, "Morphology first.", ("BSH-2022",), premature_counts_as_harmful=False),
)
V1_ATTEMPT = Attempt((CBC, BCR_ABL, "ferritin", MARROW, SMEAR, LDH, CRP, PET), CMML)


def stored(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def through_json(report: Report) -> Report:
    return Report.from_dict(json.loads(json.dumps(report.to_dict())))


# --------------------------------------------------------------------------
# Round trip
# --------------------------------------------------------------------------


def test_a_report_with_every_engine_2_part_round_trips_through_json() -> None:
    """Occurrences, a never choice, an any-of alternative, a missed group,
    an occurrence rule's violation, grade bands and the never total all come
    back equal, and the JSON of the copy is the same text."""
    key = drug_key(scoring=ScoringSettings(never_total=5, grade_bands=GradeBands(95, 85, 75, 65, 55)))
    report = grade(key, Attempt(("repeat-cbc", "repeat-cbc", "withhold-azathioprine", CONTINUE, "cmv-pcr", "x", "x")))
    text = json.dumps(report.to_dict(), sort_keys=True)
    copy = Report.from_dict(json.loads(text))

    assert copy == report
    assert json.dumps(copy.to_dict(), sort_keys=True) == text
    assert report.never_choices and report.order_violations and report.missed_essentials
    assert {line.occurrence for line in report.lines} == {1, 2}


def test_stored_json_carries_the_new_fields_as_plain_values() -> None:
    """Verdicts and tiers are their strings; bands are {letter: threshold}."""
    data = grade(drug_key(), Attempt((*WORKUP, "ebv-serology", "cmv-pcr", CONTINUE), THIOPURINE)).to_dict()

    assert data["engine_version"] == ENGINE_VERSION == "2.0.0"
    assert data["grade"] == "F"
    assert data["never_triggered"] is True
    assert data["never_choices"][0]["tier"] == "never"
    assert data["lines"][-2]["verdict"] == "essential_alternative"
    assert data["lines"][5]["occurrence"] == 2
    assert data["scoring"]["never_total"] == 0.0
    assert data["scoring"]["grade_bands"] == {"A": 90.0, "B": 80.0, "C": 70.0, "D": 60.0, "E": 50.0}
    assert data["missed_essentials"] == []


# --------------------------------------------------------------------------
# Reports stored by engine 1.0.0
# --------------------------------------------------------------------------


def test_a_report_stored_by_engine_1_reads_with_the_meaning_it_had() -> None:
    """Every v1 field reads as stored; what v1 did not store takes what v1
    meant: occurrence 1, weight 1, no group or never choice, default bands
    and never total, efficient choices as v1 counted them, and the grade of
    the stored total. The stored engine version is kept."""
    data = stored("report_engine_1_0_0.json")
    report = Report.from_dict(data)

    assert report.engine_version == "1.0.0"
    assert report.total == 21.0
    assert report.grade == "F"
    assert [line.step for line in report.lines] == list(V1_ATTEMPT.steps)
    assert [line.points for line in report.lines] == [33.3, -5.0, -5.0, -25.0, 33.3, 0.0, -5.0, -25.0]
    assert {line.occurrence for line in report.lines} == {1}
    assert {line.any_of for line in report.lines} == {""}
    assert [(v.occurrence, v.before_occurrence) for v in report.order_violations] == [(1, 1), (1, 1)]
    assert report.lines[1].broken_rules == (V1_RULES[1],)
    assert (report.never_choices, report.never_triggered) == ((), False)
    assert report.scoring == ScoringSettings()
    assert report.essential_weight_total == 3.0
    assert report.efficient_choices == 4  # cbc, bcr-abl (premature), smear, ldh
    assert report.efficiency == 0.5
    # Written back, it is a complete engine 2 document that reads the same.
    assert through_json(report) == report


def test_every_v1_field_is_written_back_unchanged() -> None:
    """to_dict() of a v1 report keeps every value v1 stored (lines and
    violations gain occurrence fields, nothing else moves)."""
    data = stored("report_engine_1_0_0.json")
    again = Report.from_dict(data).to_dict()

    for name, value in data.items():
        if name in ("lines", "order_violations", "missed_essentials", "scoring"):
            continue
        assert again[name] == value, name
    assert again["scoring"] | data["scoring"] == again["scoring"]
    for old, new in zip(data["lines"], again["lines"], strict=True):
        assert {k: new[k] for k in old if k != "broken_rules"} == {k: v for k, v in old.items() if k != "broken_rules"}
        assert [{k: r[k] for k in o} for o, r in zip(old["broken_rules"], new["broken_rules"], strict=True)] == (
            old["broken_rules"]
        )
    for old, new in zip(data["order_violations"], again["order_violations"], strict=True):
        assert {k: new[k] for k in old} == old


def test_a_real_stored_report_of_a_shipped_case_reads() -> None:
    """A v1 report of the Crohn's case, as grade_path --json stored it,
    reads: premature marrow biopsy, an unkeyed ultrasound, partial credit."""
    data = stored("report_engine_1_0_0_crohns.json")
    report = Report.from_dict(data)

    assert report.engine_version == "1.0.0"
    assert [(line.step, line.verdict) for line in report.lines][:2] == [
        ("bone-marrow-biopsy", Verdict.PREMATURE),
        ("peripheral-smear", Verdict.ESSENTIAL),
    ]
    assert report.grade == GradeBands().letter_for(data["total"])
    assert [m.step for m in report.missed_essentials] == ["rbc-platelet-counts", "medication-review"]
    assert all(m.weight == 1.0 and m.any_of == () for m in report.missed_essentials)
    assert through_json(report) == report


def test_regrading_the_v1_fixture_changes_only_what_is_documented() -> None:
    """The stored v1 report's key and attempt graded by engine 2: the one
    premature essential (BCR-ABL, mild rule) now keeps its share, 33.3 - 5 =
    28.3 (v1: -5); so the workup is 35.0 (v1: 1.7), the total 0.6 x 35 +
    0.4 x 50 = 41 is capped at 40 (v1: 21.0, below the cap); efficiency
    drops the premature essential, 3/8 (v1: 4/8). Everything else is as
    stored."""
    old = Report.from_dict(stored("report_engine_1_0_0.json"))
    new = grade(make_key(rules=V1_RULES), V1_ATTEMPT)

    changed = [i for i, (a, b) in enumerate(zip(old.lines, new.lines, strict=True)) if a != b]
    assert changed == [1]
    assert (old.lines[1].points, new.lines[1].points) == (-5.0, 28.3)
    assert (old.workup_score, new.workup_score) == (1.7, 35.0)
    assert (old.uncapped_total, new.uncapped_total) == (21.0, 41.0)
    assert (old.total, new.total) == (21.0, 40.0)
    assert (old.capped, new.capped) == (False, True)
    assert (old.efficiency, new.efficiency) == (0.5, 0.375)
    for name in ("missed_essentials", "order_violations", "diagnosis", "diagnosis_score", "cap_triggered"):
        assert getattr(old, name) == getattr(new, name), name
    for name in ("expert_path", "learner_path", "scoring", "essential_total", "essential_chosen"):
        assert getattr(old, name) == getattr(new, name), name
    assert (old.essential_credited, new.essential_credited) == (2, 2)


# --------------------------------------------------------------------------
# A v1 key grades as engine 1 did, but for the documented changes
# --------------------------------------------------------------------------


def engine_1_points(key: CaseKey, attempt: Attempt) -> list[float]:
    """Unrounded line points by engine 1.0.0's rules, restated (a premature
    step took the worse of its tier's points and the charge), with engine
    2's charge for the rare case of change 1."""
    keyed = {s.slug: s for s in key.steps}
    share = key.scoring.essential_total_points / sum(1 for s in key.steps if s.tier is Tier.ESSENTIAL)
    chosen_at = {slug: i for i, slug in enumerate(attempt.steps, start=1)}
    tier_points = {
        Tier.ESSENTIAL: share,
        Tier.USEFUL: 0.0,
        Tier.LOW_YIELD: -key.scoring.low_yield_penalty,
        Tier.HARMFUL: -key.scoring.harmful_penalty,
    }
    result = []
    for position, slug in enumerate(attempt.steps, start=1):
        step = keyed.get(slug)
        if step is None:
            result.append(-key.scoring.low_yield_penalty)
            continue
        broken = [r for r in key.order_rules if r.after == slug and chosen_at.get(r.before, position + 1) > position]
        if broken:
            harmful = any(r.premature_counts_as_harmful for r in broken)
            charge = key.scoring.harmful_penalty if harmful else key.scoring.low_yield_penalty
            if not all(r.premature_counts_as_harmful for r in broken):
                # Engine 2 charges the largest penalty of the broken rules,
                # which differs only when a case sets low_yield_penalty above
                # harmful_penalty (documented change 1).
                charge = max(charge, key.scoring.low_yield_penalty)
            result.append(min(-charge, tier_points[step.tier]))
        else:
            result.append(tier_points[step.tier])
    return result


@settings(max_examples=300, deadline=None)
@given(cases(v1=True))
def test_a_v1_key_grades_as_engine_1_did_but_for_the_documented_changes(case: Case) -> None:
    """Against engine 1's rules restated: every line that is not a premature
    essential scores exactly as in engine 1; a premature essential scores
    engine 1's points plus its share; workup, total and cap follow; and
    efficiency counts engine 1's relevant steps less the premature ones. With
    no premature essential the figures are engine 1's exactly."""
    key, attempt = case.key, case.attempt
    report = grade(key, attempt)
    v1 = engine_1_points(key, attempt)
    share = key.scoring.essential_total_points / report.essential_total

    expected = []
    for line, old in zip(report.lines, v1, strict=True):
        early_essential = line.verdict is Verdict.PREMATURE and line.tier is Tier.ESSENTIAL
        expected.append(old + share if early_essential else old)
        assert line.points == round_half_up(expected[-1])
    cap = any(
        line.tier is Tier.HARMFUL or any(r.premature_counts_as_harmful for r in line.broken_rules)
        for line in report.lines
    )
    assert report.cap_triggered == cap
    workup = min(max(sum(expected), 0.0), 100.0)
    uncapped = key.scoring.workup_weight * workup + key.scoring.diagnosis_weight * 100.0 * report.diagnosis.credit
    total = min(uncapped, key.scoring.harmful_cap) if cap else uncapped
    assert report.workup_score == round_half_up(workup)
    assert report.total == round_half_up(total)
    assert not report.never_triggered

    relevant_v1 = sum(1 for line in report.lines if line.tier in (Tier.ESSENTIAL, Tier.USEFUL))
    premature_relevant = sum(
        1 for line in report.lines if line.tier in (Tier.ESSENTIAL, Tier.USEFUL) and line.verdict is Verdict.PREMATURE
    )
    assert report.efficient_choices == relevant_v1 - premature_relevant
    if attempt.steps:
        assert report.efficiency == round_half_up(report.efficient_choices / len(attempt.steps), 3)
    if not any(line.verdict is Verdict.PREMATURE and line.tier is Tier.ESSENTIAL for line in report.lines):
        assert [line.points for line in report.lines] == [round_half_up(p) for p in v1]
        assert report.workup_score == round_half_up(min(max(sum(v1), 0.0), 100.0))
