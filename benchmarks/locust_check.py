"""Check that every step the locust learners were told they ordered is stored, once and in order.

Usage: python -m benchmarks.locust_check TRACK.json OUT.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from benchmarks._django import setup

setup()

from leucocases.cases.models import Attempt, GradedReport  # noqa: E402


def main(track: Path, out: Path) -> None:
    records = [r for r in json.loads(track.read_text()) if r["steps"]]
    missing, mismatched, reports_wrong = 0, 0, 0
    choices = 0
    for record in records:
        choices += len(record["steps"])
        if record["attempt"]:
            attempt = Attempt.objects.filter(pk=record["attempt"]).first()
        else:
            slug = record["case"].strip("/").split("/")[-1]
            attempt = Attempt.objects.filter(session_key=record["session"], case__slug=slug).order_by("-pk").first()
        if attempt is None:
            missing += len(record["steps"])
            continue
        stored = list(attempt.choices.order_by("position").values_list("step__slug", flat=True))
        if stored != record["steps"]:
            mismatched += 1
        if record["attempt"] and GradedReport.objects.filter(attempt=attempt, superseded_at__isnull=True).count() != 1:
            reports_wrong += 1
    result = {
        "attempts_tracked": len(records),
        "submitted": sum(1 for r in records if r["attempt"]),
        "choices_tracked": choices,
        "choices_missing": missing,
        "attempts_mismatched": mismatched,
        "reports_wrong": reports_wrong,
    }
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
