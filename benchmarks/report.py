"""Print the one final table of ``make bench`` from the JSON files in a results folder.

Usage: python -m benchmarks.report RESULTS_DIR
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

QUERY_BUDGET = 12
#: Throughput goals as ratios to /healthz measured in the same run (issue 19 for the signed-in pages).
GOALS = {
    "cause page": 0.5,
    "case list": 0.5,
    "cause page (logged in)": 0.20,
    "case list (logged in)": 0.10,
    "case play GET": 0.07,
    "choose POST (htmx)": 0.07,
}
#: The largest locust run: every request's p95 at most this, no failure, every choice stored.
LOCUST_P95_GOAL_MS = 150
LOCUST_GOAL_USERS = 500


def load(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def locust_summary(path: Path) -> dict:
    if not path.exists():
        return {}
    with path.open(newline="") as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    total = rows.get("Aggregated", {})
    return {
        "requests": total.get("Request Count", "?"),
        "failures": total.get("Failure Count", "?"),
        "p50": total.get("50%", "?"),
        "p95": total.get("95%", "?"),
        "rps": total.get("Requests/s", "?"),
        "by_name": {
            name: (row["50%"], row["95%"], row["Failure Count"]) for name, row in rows.items() if name != "Aggregated"
        },
    }


def main(results: Path) -> int:
    small, large = load(results / "queries_scale1.json"), load(results / "queries_scale100.json")
    http = load(results / "http.json")
    meta = load(results / "meta.json")
    problems = []

    print()
    print("=" * 78)
    print(f"LeucoCases benchmark  ({meta.get('when', '')}, {meta.get('cpus', '?')} CPUs)")
    print(f"Data: scale 1 = {small.get('attempts', '?')} attempts; scale 100 = {large.get('attempts', '?')} attempts")
    print("=" * 78)
    print(f"{'SQL queries per page':<34}{'scale 1':>10}{'scale 100':>11}   goal: equal, <= {QUERY_BUDGET}")
    for name in small.get("counts", {}):
        a, b = small["counts"][name], large.get("counts", {}).get(name, "?")
        ok = a == b and isinstance(b, int) and b <= QUERY_BUDGET
        problems += [] if ok else [f"queries: {name}"]
        print(f"  {name:<32}{a:>10}{b:>11}   {'ok' if ok else 'MISSED'}")
    print("-" * 78)
    problems += throughput_table(http)
    print("-" * 78)
    for users in str(meta.get("locust_users", "")).split():
        problems += locust_table(results, users, meta.get("locust_time", "?"), workers=meta.get("workers", 2))
    print("=" * 78)
    print("All goals met." if not problems else "Goals missed: " + "; ".join(problems))
    return 0


def throughput_table(http: dict) -> list[str]:
    """wrk's requests per second, each as a ratio to /healthz and to the realistic floor."""
    problems = []
    print(f"{'wrk -t2 -c32 -d10s, 2 gunicorn workers':<38}{'req/s':>7}{'/healthz':>9}{'/floor':>8}   goal (/healthz)")
    for name, row in http.items():
        goal = GOALS.get(name)
        ok = goal is None or (row["ratio"] >= goal and row["non_2xx_3xx"] == 0 and row["socket_errors"] == 0)
        problems += [] if ok else [f"throughput: {name}"]
        flags = "" if not (row["non_2xx_3xx"] or row["socket_errors"]) else f" errors {row['non_2xx_3xx']}"
        verdict = "" if goal is None else f">= {goal}  {'ok' if ok else 'MISSED'}{flags}"
        to_floor = row.get("to_floor")
        floor = f"{to_floor:>8.2f}" if to_floor is not None else f"{'':>8}"
        print(f"  {name:<36}{row['rps']:>7.0f}{row['ratio']:>9.3f}{floor}   {verdict}")
    return problems


def _one_decimal(value) -> str:
    try:
        return f"{float(value):.1f}"
    except (TypeError, ValueError):
        return str(value)


def locust_table(results: Path, users: str, duration: str, *, workers: int) -> list[str]:
    """One locust run: requests, failures, percentiles by request, and the stored-choice check."""
    problems = []
    loc = locust_summary(results / f"locust_{users}_stats.csv")
    check = load(results / f"locust_{users}_check.json")
    if not loc:
        return [f"locust {users}: no results"]
    goal = int(users) >= LOCUST_GOAL_USERS
    print(f"locust: {users} learners for {duration} (think time 1-3 s), {workers} gunicorn workers")
    print(f"  requests {loc['requests']}, failures {loc['failures']}, {_one_decimal(loc['rps'])} req/s")
    verdict = ""
    if goal:
        ok = str(loc["p95"]).isdigit() and int(loc["p95"]) <= LOCUST_P95_GOAL_MS
        verdict = f"   goal p95 <= {LOCUST_P95_GOAL_MS} ms  {'ok' if ok else 'MISSED'}"
        problems += [] if ok else [f"locust {users}: p95"]
    print(f"  p50 {loc['p50']} ms, p95 {loc['p95']} ms (all requests){verdict}")
    for name, (p50, p95, failures) in loc["by_name"].items():
        print(f"    {name:<40} p50 {p50:>6} ms  p95 {p95:>6} ms  failures {failures}")
    if str(loc["failures"]) != "0":
        problems.append(f"locust {users}: failures")
    if check:
        print(
            f"  stored: {check['choices_tracked']} confirmed choices in {check['attempts_tracked']} attempts "
            f"({check['submitted']} submitted): missing {check['choices_missing']}, "
            f"attempts differing {check['attempts_mismatched']}, report count wrong {check['reports_wrong']}"
        )
        if check["choices_missing"] or check["attempts_mismatched"] or check["reports_wrong"]:
            problems.append(f"locust {users}: data check")
    else:
        problems.append(f"locust {users}: no data check")
    return problems


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
