"""Print the one final table of ``make bench`` from the JSON files in a results folder.

Usage: python -m benchmarks.report RESULTS_DIR
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

QUERY_BUDGET = 12
GOALS = {
    "cause page": 0.5,
    "case list": 0.5,
    "cause page (logged in)": 0.5,
    "case list (logged in)": 0.5,
    "case play GET": 0.5,
    "choose POST (htmx)": 0.25,
}


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
    loc = locust_summary(results / "locust_stats.csv")
    check = load(results / "locust_check.json")
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
    print(f"{'wrk -t2 -c32 -d10s, 2 gunicorn workers':<34}{'req/s':>10}{'ratio':>11}   goal")
    for name, row in http.items():
        goal = GOALS.get(name)
        ok = goal is None or (row["ratio"] >= goal and row["non_2xx_3xx"] == 0 and row["socket_errors"] == 0)
        problems += [] if ok else [f"throughput: {name}"]
        flags = "" if not (row["non_2xx_3xx"] or row["socket_errors"]) else f" errors {row['non_2xx_3xx']}"
        verdict = "baseline" if goal is None else f">= {goal}  {'ok' if ok else 'MISSED'}{flags}"
        print(f"  {name:<32}{row['rps']:>10.0f}{row['ratio']:>11.3f}   {verdict}")
    print("-" * 78)
    if loc:
        users = meta.get("locust_users", "?")
        print(f"locust: {users} learners for {meta.get('locust_time', '?')} (think time 1-3 s)")
        print(f"  requests {loc['requests']}, failures {loc['failures']}, {loc['rps']} req/s")
        print(f"  p50 {loc['p50']} ms, p95 {loc['p95']} ms (all requests)")
        for name, (p50, p95, failures) in loc["by_name"].items():
            print(f"    {name:<40} p50 {p50:>6} ms  p95 {p95:>6} ms  failures {failures}")
        if str(loc["failures"]) != "0":
            problems.append("locust failures")
    if check:
        print(
            f"  stored: {check['choices_tracked']} confirmed choices in {check['attempts_tracked']} attempts "
            f"({check['submitted']} submitted): missing {check['choices_missing']}, "
            f"attempts differing {check['attempts_mismatched']}, report count wrong {check['reports_wrong']}"
        )
        if check["choices_missing"] or check["attempts_mismatched"] or check["reports_wrong"]:
            problems.append("locust data check")
    print("=" * 78)
    print("All goals met." if not problems else "Goals missed: " + "; ".join(problems))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
