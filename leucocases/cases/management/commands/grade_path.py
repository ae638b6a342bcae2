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


def _item(step: str, occurrence: int) -> str:
    return step if occurrence == 1 else f"{step} #{occurrence}"


def _cited(text: str, citations: tuple[str, ...]) -> str:
    text = " ".join(text.split())
    return f"{text} [{', '.join(citations)}]" if citations else text


def _line_labels(report: Report) -> list[str]:
    """Each line's entry, with ``#n`` on every line of an entry chosen more than once."""
    repeated = {line.step for line in report.lines if line.occurrence > 1}
    return [f"{line.step} #{line.occurrence}" if line.step in repeated else line.step for line in report.lines]


def _never_lines(report: Report) -> list[str]:
    """Never choices first: one of them settles the total."""
    if not report.never_choices:
        return []
    out = [f"Never choices (the total is held at or below {report.scoring.never_total:g}):"]
    for line in report.never_choices:
        out.append(f"  - {_item(line.step, line.occurrence)} (chosen at {line.position}): ")
        out[-1] += _cited(line.rationale, line.citations)
    return out


def _step_lines(report: Report) -> list[str]:
    if not report.lines:
        return ["Steps, in the order chosen: none"]
    out = ["Steps, in the order chosen:"]
    labels = _line_labels(report)
    width = max(len(label) for label in labels)
    for line, label in zip(report.lines, labels, strict=True):
        verdict = str(line.verdict).replace("_", " ")
        out.append(f"  {line.position:>2}. {label:<{width}}  {verdict:<16}  {_signed(line.points):>6}")
        for rule in line.broken_rules:
            first = _item(rule.before, rule.before_occurrence)
            out.append(f"      premature ({line.tier}): {first} comes first: {_cited(rule.rationale, rule.citations)}")
    return out


def _missed_text(report: Report) -> str:
    missed = []
    for m in report.missed_essentials:
        name = f"one of: {', '.join(m.any_of)}" if m.any_of else _item(m.step, m.occurrence)
        missed.append(name if m.weight == 1 else f"{name} (weight {m.weight:g})")
    return "; ".join(missed) or "none"


def _violation_lines(report: Report) -> list[str]:
    if not report.order_violations:
        return ["Order violations: none"]
    out = ["Order violations:"]
    for v in report.order_violations:
        when = "never chosen" if v.before_position is None else f"chosen at {v.before_position}"
        weight = "counts as harmful" if v.counts_as_harmful else "counts as low yield"
        step, before = _item(v.step, v.occurrence), _item(v.before, v.before_occurrence)
        out.append(f"  - {step} (chosen at {v.position}) before {before} ({when}); {weight}")
    return out


def _score_lines(report: Report) -> list[str]:
    out = [
        f"Workup:     {report.workup_score:.1f}",
        f"Diagnosis:  {report.diagnosis_score:.1f}",
        f"Total:      {report.total:.1f}",
        f"Grade:      {report.grade}",
    ]
    if report.never_triggered:
        out.append(
            f"Never:      yes, the total is held at or below {report.scoring.never_total:g} "
            f"(uncapped total {report.uncapped_total:.1f})"
        )
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
    return out


def format_report(report: Report) -> str:
    """The report as plain text, one fact per line: never choices first, then
    each choice (``#n`` marks the n-th time an entry was chosen) with the
    reasons any premature one broke, the scores and the grade."""
    out = [*_never_lines(report), *_step_lines(report)]
    out.append(f"Missed essentials: {_missed_text(report)}")
    out.extend(_violation_lines(report))
    d = report.diagnosis
    chosen = d.chosen or "none"
    out.append(f"Diagnosis: {chosen}: {d.verdict} (credit {d.credit:g}); correct cause: {d.correct_cause}")
    out.append(f"Expert path: {', '.join(report.expert_path) or 'none'}")
    out.append("")
    out.extend(_score_lines(report))
    return "\n".join(out)


class Command(BaseCommand):
    help = (
        "Grade a path through a case against its current key and print the report "
        "(nothing is stored). Steps are catalogue slugs in the order chosen; a slug listed "
        "twice is its second occurrence (a follow-up count, say)."
    )

    def add_arguments(self, parser):
        parser.add_argument("case", metavar="CASE", help="The case's slug.")
        parser.add_argument(
            "--steps",
            required=True,
            metavar="STEP,STEP,...",
            help="Catalogue slugs (investigations and actions), comma-separated, in order; repeats allowed.",
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
