"""Dry-run a path against the key as the editor page holds it, saved or not.

The path form is the admin's (``DryRunForm``: catalogue slugs, a listed
slug twice is its second occurrence); the key is built from the posted
forms that validated and graded by the engine, and the author's differential
and certainty are set beside the page's expert differential
(``cases.dry_run``). Nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import QueryDict

from leucocases.cases.admin.tools import DryRunForm
from leucocases.cases.casefile.records import engine_key
from leucocases.cases.dry_run import DryRunReasoning, dry_run_reasoning
from leucocases.cases.grading import Attempt, InvalidKeyError, Report, ScoringSettings, grade
from leucocases.taxonomy.models import WorkupStep

from .editor import CaseEditor

__all__ = ["DryRunForm", "DryRunResult", "dry_run"]


@dataclass
class DryRunResult:
    form: DryRunForm
    report: Report | None = None
    key_problems: list[str] = field(default_factory=list)
    step_names: dict[str, str] = field(default_factory=dict)
    reasoning: DryRunReasoning | None = None


def dry_run(*, editor: CaseEditor, data: QueryDict) -> DryRunResult:
    form = DryRunForm(data, prefix="dry")
    result = DryRunResult(form=form)
    if not form.is_valid():
        return result
    editor.is_valid()  # validates every form once, so the key holds what validated
    findings, rules, diagnosis = editor.key_parts()
    key = engine_key(findings, rules, diagnosis, editor.scoring() or ScoringSettings())
    cause = form.cleaned_data["diagnosis"]
    try:
        result.report = grade(key, Attempt(steps=tuple(form.cleaned_data["steps"]), diagnosis=cause and cause.slug))
    except InvalidKeyError as exc:
        result.key_problems = [p.message for p in exc.problems]
    else:
        # The differential as the page holds it (the case form put it on its instance).
        result.reasoning = dry_run_reasoning(
            differential=editor.form.instance.differential if editor.form.is_valid() else None,
            correct_cause=next((d.cause for d in diagnosis if d.credit == 1), ""),
            lists=form.lists(),
            certainty=form.cleaned_data["certainty"],
            report=result.report,
        )
    result.step_names = dict(WorkupStep.objects.values_list("slug", "name"))
    return result
