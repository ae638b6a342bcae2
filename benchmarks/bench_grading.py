"""Time grading a 20-step attempt with the pure grading engine.

Run from the repository root:  python benchmarks/bench_grading.py

Prints the per-call time of three operations, best and median over several
repeats, measured in this one run:

* baseline   building the key and attempt dataclasses (the engine's inputs)
* grade      grade() on prebuilt inputs, key validation included
* store      grade() plus Report.to_dict() and json.dumps(), as the service does

and the ratio of each best time to the baseline's best (the minimum is the
least noisy statistic on a shared machine). Absolute times depend on the machine;
the ratio is the figure to compare between runs and machines.
"""

from __future__ import annotations

import json
import statistics
import sys
import timeit
from collections.abc import Callable
from pathlib import Path

# A plain script run as benchmarks/bench_grading.py has benchmarks/ on the
# path, not the repository root the package lives under.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from leucocases.cases.grading import (  # noqa: E402
    Attempt,
    CaseKey,
    DiagnosisOption,
    KeyedStep,
    OrderRule,
    Tier,
    grade,
)

REPEATS = 7
CHOSEN_STEPS = 20
TIER_CYCLE = (Tier.ESSENTIAL, Tier.USEFUL, Tier.LOW_YIELD, Tier.ESSENTIAL, Tier.HARMFUL)


def build_inputs() -> tuple[CaseKey, Attempt]:
    """A realistic-sized key: 30 keyed steps, 8 order rules, 4 diagnosis
    options; the attempt chooses 20 steps (18 keyed, 2 unkeyed) and breaks
    an order rule, so essential, useful, low-yield, not-contributory and
    premature lines are all built."""
    steps = tuple(
        KeyedStep(
            f"step-{i:02d}",
            TIER_CYCLE[i % len(TIER_CYCLE)],
            f"Rationale for step {i}, with **markdown**.",
            (f"ref-{i}", "ref-common"),
            i if TIER_CYCLE[i % len(TIER_CYCLE)] in (Tier.ESSENTIAL, Tier.USEFUL) else None,
        )
        for i in range(30)
    )
    rules = tuple(
        OrderRule(
            f"step-{a:02d}",
            f"step-{b:02d}",
            f"Do {a} before {b}.",
            ("ref-common",),
            premature_counts_as_harmful=a % 2 == 0,
        )
        for a, b in ((0, 3), (0, 5), (1, 6), (3, 8), (5, 10), (6, 11), (8, 13), (2, 4))
    )
    options = (
        DiagnosisOption("cause-a", 1.0, "Right.", ("ref-common",)),
        DiagnosisOption("cause-b", 0.5, "Close.", ()),
        DiagnosisOption("cause-c", 0.25, "Related.", ()),
        DiagnosisOption("cause-d", 0.0, "Distractor.", ()),
    )
    # Step 8 comes before step 3, breaking the rule 3 -> 8.
    order = (0, 1, 8, 3, 5, 6, 2, 10, 11, 13, 15, 16, 7, 18, 20, 23, 25, 28)
    chosen = [f"step-{i:02d}" for i in order]
    chosen += [f"unkeyed-{i}" for i in range(CHOSEN_STEPS - len(chosen))]
    return CaseKey(steps, options, rules), Attempt(tuple(chosen), "cause-b")


def per_call_seconds(func: Callable[[], object]) -> tuple[float, float]:
    """Best and median seconds per call over REPEATS timed batches."""
    timer = timeit.Timer(func)
    number, _ = timer.autorange()
    samples = [t / number for t in timer.repeat(repeat=REPEATS, number=number)]
    return min(samples), statistics.median(samples)


def main() -> None:
    key, attempt = build_inputs()
    report = grade(key, attempt)
    assert len(report.lines) == CHOSEN_STEPS

    def store() -> str:
        return json.dumps(grade(key, attempt).to_dict())

    measured = {
        "baseline (build inputs)": per_call_seconds(build_inputs),
        "grade()": per_call_seconds(lambda: grade(key, attempt)),
        "grade() + to_dict + json": per_call_seconds(store),
    }
    base_best, _ = measured["baseline (build inputs)"]

    print(f"Grading a {CHOSEN_STEPS}-step attempt against a {len(key.steps)}-step key")
    print(f"Python {sys.version.split()[0]}, best and median of {REPEATS} batches\n")
    print(f"{'operation':<26} {'best µs':>10} {'median µs':>10} {'× baseline':>11}")
    for name, (best, median) in measured.items():
        print(f"{name:<26} {best * 1e6:>10.1f} {median * 1e6:>10.1f} {best / base_best:>11.2f}")
    grade_median = measured["grade()"][1]
    print(f"\ngrade() throughput: {1 / grade_median:,.0f} attempts/s (median)")
    print(f"report total for the sample attempt: {report.total} (workup {report.workup_score})")


if __name__ == "__main__":
    main()
