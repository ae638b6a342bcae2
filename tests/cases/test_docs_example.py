"""The worked example of docs/case-format.md imports and grades as the doc says.

The doc is the source: this test reads the example's YAML and the sample
``grade_path`` output out of docs/case-format.md, imports the one against the
shipped catalogue and runs the other. It is issue 13's "done means": a case
written from the doc alone keys withholding a drug as a weighted essential, a
follow-up count as a second occurrence, a never choice and an any-of group, and
``grade_path`` shows that the expert path scores at least 90; a perfect workup
that continues the drug is named and scores 0; a marrow biopsy before the drug is
withheld is premature, with the rule's reason; the same mistake is never counted
twice; and a repeat of a low-yield entry costs again.
"""

from __future__ import annotations

import re
import shlex
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from leucocases.cases.grading import Tier, Verdict, expert_path
from leucocases.cases.import_workflow import case_files_import
from leucocases.cases.keys import case_key, grade_path
from leucocases.cases.models import Case

DOC = Path(settings.BASE_DIR) / "docs" / "case-format.md"
HEADING = "## A complete example: a thiopurine case"
SLUG = "thiopurine-example"
CORE = ["repeat-cbc", "peripheral-smear", "prior-counts", "rbc-platelet-counts", "medication-review"]


def doc_section() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(HEADING)
    return text[start : text.index("\n## ", start + len(HEADING))]


def doc_yaml() -> str:
    (block,) = re.findall(r"```yaml\n(.*?)```", doc_section(), re.S)
    return block


def doc_grade_path_sample() -> tuple[list[str], str]:
    """The sample ``$ manage.py grade_path ...`` block: its arguments and its output."""
    (block,) = re.findall(r"```\n\$ manage\.py (grade_path .*?)```", doc_section(), re.S)
    command, output = block.split("\n", 1)
    return shlex.split(command), output


@pytest.fixture
def case(shipped_content, tmp_path) -> Case:
    path = tmp_path / "thiopurine-example.yaml"
    path.write_text(doc_yaml(), encoding="utf-8")
    result = case_files_import(paths=[path])
    assert result.ok, "\n".join(str(e) for e in result.errors)
    return Case.objects.get(slug=SLUG)


def graded(case: Case, steps: list[str]):
    return grade_path(case=case, step_slugs=steps, diagnosis_slug="thiopurines")


@pytest.mark.django_db
class TestTheDocsWorkedExample:
    def test_it_keys_every_piece_of_schema_2(self, case):
        key = case_key(case)
        by_item = {step.item: step for step in key.steps}
        assert by_item[("withhold-suspected-drug", 1)].tier is Tier.ESSENTIAL
        assert by_item[("withhold-suspected-drug", 1)].weight == 3
        assert by_item[("repeat-cbc", 2)].tier is Tier.ESSENTIAL
        assert by_item[("continue-current-medication", 1)].tier is Tier.NEVER
        assert {s.slug for s in key.steps if s.any_of} == {"repeat-cbc", "repeat-count-and-review"}
        rule = next(r for r in key.order_rules if r.after == "repeat-cbc")
        assert (rule.before_item, rule.after_item) == (("withhold-suspected-drug", 1), ("repeat-cbc", 2))
        assert key.scoring.grade_bands.a == 85

    def test_the_expert_path_scores_at_least_90(self, case):
        report = graded(case, list(expert_path(case_key(case))))
        assert report.total >= 90
        assert (report.total, report.grade) == (100.0, "A")

    def test_a_perfect_workup_that_continues_the_drug_is_named_first_and_scores_0(self, case):
        report = graded(case, [*CORE, "tpmt-nudt15", "continue-current-medication"])
        assert [line.step for line in report.never_choices] == ["continue-current-medication"]
        assert (report.workup_score, report.total, report.grade) == (30.6, 0.0, "F")
        out = StringIO()
        steps = ",".join([*CORE, "tpmt-nudt15", "continue-current-medication"])
        call_command("grade_path", SLUG, "--steps", steps, "--diagnosis", "thiopurines", stdout=out)
        lines = out.getvalue().splitlines()
        assert lines[1] == "Never choices (the total is held at or below 0):"
        assert lines[2].startswith("  - continue-current-medication (chosen at 7): Continuing azathioprine")

    def test_a_marrow_biopsy_before_the_drug_is_withheld_is_premature_and_counted_once(self, case):
        report = graded(case, [*CORE, "bone-marrow-biopsy", "withhold-suspected-drug", "repeat-cbc"])
        biopsy = report.lines[5]
        assert (biopsy.verdict, biopsy.tier, biopsy.points) == (Verdict.PREMATURE, Tier.HARMFUL, -25.0)
        assert [rule.before for rule in biopsy.broken_rules] == ["withhold-suspected-drug"]
        assert "withhold it and follow the count" in biopsy.broken_rules[0].rationale
        # Once: the harmful penalty alone (not harmful + premature), one violation, the cap.
        assert len(report.order_violations) == 1
        assert (report.workup_score, report.total, report.capped) == (75.0, 40.0, True)

    def test_the_docs_grade_path_sample_is_what_grade_path_prints(self, case):
        args, expected = doc_grade_path_sample()
        out = StringIO()
        call_command(*args, stdout=out)
        assert out.getvalue() == expected

    def test_a_follow_up_count_before_the_drug_is_withheld_costs_the_low_yield_penalty_once(self, case):
        report = graded(case, [*CORE, "repeat-cbc", "withhold-suspected-drug"])
        follow_up = report.lines[5]
        assert (follow_up.step, follow_up.occurrence, follow_up.verdict) == ("repeat-cbc", 2, Verdict.PREMATURE)
        assert follow_up.points == pytest.approx(100 / 9 - 5, abs=0.05)
        assert not report.cap_triggered

    def test_a_repeat_of_a_low_yield_entry_costs_again(self, case):
        expert = [s for s in expert_path(case_key(case)) if s != "repeat-count-and-review"]
        once = graded(case, [*expert, "blood-cultures"])
        twice = graded(case, [*expert, "blood-cultures", "blood-cultures"])
        assert [(line.verdict, line.points) for line in twice.lines[-2:]] == [
            (Verdict.LOW_YIELD, -5.0),
            (Verdict.NOT_CONTRIBUTORY, -5.0),
        ]
        assert (once.workup_score, twice.workup_score) == (95.0, 90.0)
        assert (twice.total, twice.grade) == (94.0, "A")
