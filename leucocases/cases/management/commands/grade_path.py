"""manage.py grade_path CASE --steps STEP,STEP,... --diagnosis CAUSE [--json]

Grades a path through a case against its current key and prints the report,
without storing anything: for authors checking a key and for support
questions ("why did I get 61.7?").
"""

import difflib
import json

from django.core.management.base import BaseCommand, CommandError

from leucocases.cases.grading import InvalidKeyError, Report
from leucocases.cases.keys import grade_path
from leucocases.cases.models import Case
from leucocases.taxonomy.models import Cause, WorkupStep


def _did_you_mean(value: str, pool: list[str]) -> str:
    hint = difflib.get_close_matches(value, pool, n=1)
    return f" (did you mean {hint[0]!r}?)" if hint else ""


def _signed(points: float) -> str:
    return f"{points:+.1f}" if points else "0.0"


def format_report(report: Report) -> str:
    """The report as plain text, one fact per line."""
    out: list[str] = []
    if report.lines:
        out.append("Steps, in the order chosen:")
        width = max(len(line.step) for line in report.lines)
        for line in report.lines:
            verdict = str(line.verdict).replace("_", " ")
            out.append(f"  {line.position:>2}. {line.step:<{width}}  {verdict:<16}  {_signed(line.points):>6}")
    else:
        out.append("Steps, in the order chosen: none")
    missed = ", ".join(m.step for m in report.missed_essentials) or "none"
    out.append(f"Missed essentials: {missed}")
    if report.order_violations:
        out.append("Order violations:")
        for v in report.order_violations:
            when = "never chosen" if v.before_position is None else f"chosen at {v.before_position}"
            weight = "counts as harmful" if v.counts_as_harmful else "counts as low yield"
            out.append(f"  - {v.step} (chosen at {v.position}) before {v.before} ({when}); {weight}")
    else:
        out.append("Order violations: none")
    d = report.diagnosis
    chosen = d.chosen or "none"
    out.append(f"Diagnosis: {chosen}: {d.verdict} (credit {d.credit:g}); correct cause: {d.correct_cause}")
    out.append(f"Expert path: {', '.join(report.expert_path) or 'none'}")
    out.append("")
    out.append(f"Workup:     {report.workup_score:.1f}")
    out.append(f"Diagnosis:  {report.diagnosis_score:.1f}")
    out.append(f"Total:      {report.total:.1f}")
    if report.capped:
        out.append(f"Capped:     yes, at {report.scoring.harmful_cap:g} (uncapped total {report.uncapped_total:.1f})")
    elif report.cap_triggered:
        out.append(
            f"Capped:     no (a harmful choice caps the total at {report.scoring.harmful_cap:g}; it was not above)"
        )
    else:
        out.append("Capped:     no")
    if report.efficiency_percent is None:
        out.append("Efficiency: n/a (no steps chosen)")
    else:
        out.append(f"Efficiency: {report.efficiency_percent:.1f} %")
    return "\n".join(out)


class Command(BaseCommand):
    help = (
        "Grade a path through a case against its current key and print the report "
        "(nothing is stored). Steps are workup-step slugs in the order chosen."
    )

    def add_arguments(self, parser):
        parser.add_argument("case", metavar="CASE", help="The case's slug.")
        parser.add_argument(
            "--steps", required=True, metavar="STEP,STEP,...", help="Workup-step slugs, comma-separated, in order."
        )
        parser.add_argument("--diagnosis", required=True, metavar="CAUSE", help="The chosen cause's slug.")
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="Print the report as JSON (Report.to_dict())."
        )

    def handle(self, *args, case, steps, diagnosis, as_json, **options):
        try:
            case_obj = Case.objects.get(slug=case)
        except Case.DoesNotExist:
            pool = list(Case.objects.values_list("slug", flat=True))
            raise CommandError(f"No case with slug {case!r}{_did_you_mean(case, pool)}.") from None

        step_slugs = [s.strip() for s in steps.split(",") if s.strip()]
        known_steps = list(WorkupStep.objects.values_list("slug", flat=True))
        unknown = [s for s in step_slugs if s not in known_steps]
        if unknown:
            listed = "; ".join(f"{s!r}{_did_you_mean(s, known_steps)}" for s in unknown)
            raise CommandError(f"Unknown workup step: {listed}.")
        repeated = sorted({s for s in step_slugs if step_slugs.count(s) > 1})
        if repeated:
            raise CommandError(f"A step can be chosen once; listed more than once: {', '.join(repeated)}.")
        known_causes = list(Cause.objects.values_list("slug", flat=True))
        if diagnosis not in known_causes:
            raise CommandError(f"Unknown cause {diagnosis!r}{_did_you_mean(diagnosis, known_causes)}.")

        try:
            report = grade_path(case=case_obj, step_slugs=step_slugs, diagnosis_slug=diagnosis)
        except InvalidKeyError as exc:
            problems = "\n".join(f"  - {p.message}" for p in exc.problems)
            raise CommandError(f"The key of case {case!r} cannot be graded:\n{problems}") from None

        if as_json:
            self.stdout.write(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        else:
            self.stdout.write(f"Case {case_obj.slug}: {case_obj.title}")
            self.stdout.write(format_report(report))
