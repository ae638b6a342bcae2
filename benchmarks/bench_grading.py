"""Time grading a 20-choice attempt with the pure grading engine.

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
    ENGINE_VERSION,
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
    """A realistic-sized key: 30 keyed items over 27 entries (three keyed
    twice), weighted essentials, an any-of group, a never item, 9 order
    rules (one naming a second occurrence) and 4 diagnosis options. The
    attempt makes 20 choices (two repeats, one beyond the keyed
    occurrences, and 2 unkeyed entries) and breaks an order rule, so
    essential, alternative, useful, low-yield, harmful, not-contributory
    and premature lines are all built."""
    steps = [
        KeyedStep(
            f"step-{i:02d}",
            TIER_CYCLE[i % len(TIER_CYCLE)],
            f"Rationale for step {i}, with **markdown**.",
            (f"ref-{i}", "ref-common"),
            i if TIER_CYCLE[i % len(TIER_CYCLE)] in (Tier.ESSENTIAL, Tier.USEFUL) else None,
            weight=2.0 if i % 10 == 0 else 1.0,
            any_of="group" if i in (15, 18) else "",
        )
        for i in range(26)
    ]
    steps.append(KeyedStep("never-step", Tier.NEVER, "Never here.", ("ref-common",)))
    # Second occurrences of a useful, an essential and a low-yield entry.
    steps += [
        KeyedStep("step-01", Tier.ESSENTIAL, "The repeat.", ("ref-1",), 40, occurrence=2),
        KeyedStep("step-03", Tier.USEFUL, "The follow-up.", ("ref-3",), 41, occurrence=2),
        KeyedStep("step-02", Tier.LOW_YIELD, "Again, no.", (), occurrence=2),
    ]
    rules = tuple(
        OrderRule(
            f"step-{a:02d}",
            f"step-{b:02d}",
            f"Do {a} before {b}.",
            ("ref-common",),
            premature_counts_as_harmful=a % 2 == 0,
        )
        for a, b in ((0, 3), (0, 5), (1, 6), (3, 8), (5, 10), (6, 11), (8, 13), (2, 4))
    ) + (OrderRule("step-05", "step-01", "Repeat after 5.", (), after_occurrence=2),)
    options = (
        DiagnosisOption("cause-a", 1.0, "Right.", ("ref-common",)),
        DiagnosisOption("cause-b", 0.5, "Close.", ()),
        DiagnosisOption("cause-c", 0.25, "Related.", ()),
        DiagnosisOption("cause-d", 0.0, "Distractor.", ()),
    )
    # Step 8 comes before step 3, breaking the rule 3 -> 8.
    order = (0, 1, 8, 3, 5, 6, 2, 10, 11, 13, 15, 16, 7, 18, 20, 24, 1, 1)
    chosen = [f"step-{i:02d}" for i in order]
    chosen += [f"unkeyed-{i}" for i in range(CHOSEN_STEPS - len(chosen))]
    return CaseKey(tuple(steps), options, rules), Attempt(tuple(chosen), "cause-b")


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

    print(f"Grading a {CHOSEN_STEPS}-choice attempt against a {len(key.steps)}-item key (engine {ENGINE_VERSION})")
    print(f"Python {sys.version.split()[0]}, best and median of {REPEATS} batches\n")
    print(f"{'operation':<26} {'best µs':>10} {'median µs':>10} {'× baseline':>11}")
    for name, (best, median) in measured.items():
        print(f"{name:<26} {best * 1e6:>10.1f} {median * 1e6:>10.1f} {best / base_best:>11.2f}")
    grade_median = measured["grade()"][1]
    print(f"\ngrade() throughput: {1 / grade_median:,.0f} attempts/s (median)")
    print(f"report for the sample attempt: total {report.total}, workup {report.workup_score}, grade {report.grade}")


if __name__ == "__main__":
    main()
