"""Case-file schema 2 (docs/case-format.md): occurrences, weights, any-of groups,
the never tier, order rules between occurrences, the never total and grade bands.

Schema-1 files keep their meaning (test_casefile.py); these tests cover what
schema 2 adds, its checks in authors' words, the round trip through the
database, ``import_cases --dry-run`` and ``grade_path``.
"""

from __future__ import annotations

import copy
import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from leucocases.cases.casefile import case_document, dump_documents, parse_text
from leucocases.cases.casefile.exporter import case_spec, casefile_export
from leucocases.cases.grading import GradeBands, Report
from leucocases.cases.import_workflow import case_files_import
from leucocases.cases.management.commands.grade_path import format_report
from leucocases.cases.models import Case, Finding, OrderRule
from tests.cases.factories import (
    CASE_DOCUMENT,
    KNOWN_IDS,
    case_yaml,
    key_finding,
    make_casefile_catalogue,
    schema2_document,
)
from tests.cases.factories import write_case_file as write

REPORTS = Path(__file__).parent / "grading" / "fixtures"


def errors_of(document) -> list[str]:
    return [str(e) for e in parse_text(case_yaml(document), file="x.yaml", known=KNOWN_IDS).errors]


PREFIX = "x.yaml: case 'thiopurine-normal-tpmt': "


# --------------------------------------------------------------------------
# The format, without a database
# --------------------------------------------------------------------------


class TestSchema2:
    def test_every_schema_2_piece_parses_into_the_records_and_the_engine_key(self):
        """Occurrence, weight, any_of, never, rule occurrences, never_total and bands reach the key."""
        result = parse_text(case_yaml(schema2_document()), file="x.yaml", known=KNOWN_IDS)
        assert result.errors == []
        key = result.cases[0].case_key()
        follow_up = next(s for s in key.steps if s.item == ("repeat-cbc", 2))
        assert follow_up.tier == "essential"
        assert next(s for s in key.steps if s.slug == "withhold-suspected-drug").weight == 2.0
        assert {s.slug for s in key.steps if s.any_of == "viral-tests"} == {"ebv-serology", "cmv-pcr"}
        assert next(s for s in key.steps if s.slug == "continue-current-medication").tier == "never"
        assert key.order_rules[0].after_item == ("repeat-cbc", 2)
        assert key.scoring.never_total == 10.0
        assert key.scoring.grade_bands == GradeBands(a=85, b=75)  # C, D, E keep their defaults

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            (lambda d: d["findings"][0].update(occurrence=1), "findings[0].occurrence"),
            (lambda d: d["findings"][0].update(weight=2), "findings[0].weight"),
            (lambda d: d["findings"][0].update(any_of="g"), "findings[0].any_of"),
            (lambda d: d["order_rules"][0].update(after_occurrence=1), "order_rules[0].after_occurrence"),
            (lambda d: d["order_rules"][0].update(before_occurrence=1), "order_rules[0].before_occurrence"),
            (lambda d: d.update(scoring={"never_total": 0}), "scoring.never_total"),
            (lambda d: d.update(scoring={"grade_bands": {"A": 85}}), "scoring.grade_bands"),
        ],
    )
    def test_a_schema_2_field_without_schema_2_is_named(self, change, field):
        """A schema-1 case (no `schema:`) using a field of schema 2 gets an error naming that field."""
        document = copy.deepcopy(CASE_DOCUMENT)
        change(document)
        assert errors_of(document) == [
            f"{PREFIX}{field}: needs `schema: 2` at the top of the case (a field of case-file schema 2, "
            "see docs/case-format.md)"
        ]

    def test_the_never_tier_needs_schema_2(self):
        document = copy.deepcopy(CASE_DOCUMENT)
        document["findings"][4]["tier"] = "never"
        (error,) = errors_of(document)
        assert error.startswith(f"{PREFIX}findings[4].tier: 'never' needs `schema: 2`")

    def test_an_unknown_schema_version_is_an_error(self):
        assert errors_of({"schema": 3, **CASE_DOCUMENT}) == [f"{PREFIX}schema: 3 is not one of: 1, 2"]

    def test_schema_1_said_aloud_is_schema_1(self):
        assert errors_of({"schema": 1, **CASE_DOCUMENT}) == []

    def test_an_item_is_keyed_once_per_step_and_occurrence(self):
        """Occurrences 1 and 2 of one entry are two items; occurrence 2 twice is an error pointing back."""
        document = schema2_document()
        document["findings"].append(key_finding("repeat-cbc", "useful", occurrence=2))
        assert errors_of(document) == [
            f"{PREFIX}findings[8].step: occurrence 2 of step 'repeat-cbc' is keyed more than once (also findings[5])"
        ]

    def test_an_occurrence_gap_is_reported_at_the_later_occurrence_in_the_engines_words(self):
        document = schema2_document()
        document["findings"][5]["occurrence"] = 3
        document["order_rules"][0]["after_occurrence"] = 3
        assert errors_of(document) == [
            f"{PREFIX}findings[5].occurrence: step 'repeat-cbc' keys occurrence 3 but not occurrence 2; "
            "key every earlier occurrence too"
        ]

    def test_weights_and_groups_belong_to_essentials(self):
        document = schema2_document()
        document["findings"][7].update(weight=2, any_of="viral-tests")
        assert errors_of(document) == [
            f"{PREFIX}findings[7].weight: step 'bone-marrow-biopsy' is harmful but has weight 2.0; "
            "only essential steps carry a weight",
            f"{PREFIX}findings[7].any_of: step 'bone-marrow-biopsy' is harmful but is in any-of group "
            "'viral-tests'; only essential steps form any-of groups",
        ]

    def test_a_weight_is_above_zero_and_fits_its_column(self):
        document = schema2_document()
        document["findings"][1]["weight"] = 1.255
        assert errors_of(document) == [f"{PREFIX}findings[1].weight: is 1.255; use at most 2 decimal places"]
        document["findings"][1]["weight"] = 1000
        assert errors_of(document) == [f"{PREFIX}findings[1].weight: is 1000; it must be at most 999.99"]
        document["findings"][1]["weight"] = 0
        assert errors_of(document) == [
            f"{PREFIX}findings[1].weight: step 'medication-review' has weight 0.0; a weight is a finite number above 0"
        ]

    def test_an_any_of_group_needs_two_members(self):
        document = schema2_document()
        document["findings"][4]["any_of"] = "other"
        assert errors_of(document) == [
            f"{PREFIX}findings[3].any_of: any-of group 'viral-tests' has one member; a group needs at least two "
            "essential alternatives (or leave any_of empty)",
            f"{PREFIX}findings[4].any_of: any-of group 'other' has one member; a group needs at least two "
            "essential alternatives (or leave any_of empty)",
        ]

    def test_grade_bands_fall_strictly_and_lie_in_0_to_100(self):
        document = schema2_document()
        document["scoring"] = {"grade_bands": {"B": 95, "E": 101}}
        assert errors_of(document) == [
            f"{PREFIX}scoring.grade_bands.E: grade_bands.E is 101.0; a band's lowest total is a number from 0 to 100"
        ]
        document["scoring"] = {"grade_bands": {"B": 95}}
        assert errors_of(document) == [
            f"{PREFIX}scoring.grade_bands.B: grade_bands.B is 95.0, not below grade_bands.A (90.0); "
            "the bands must fall strictly from A to E",
        ]
        document["scoring"] = {"grade_bands": {"F": 10}, "never_total": 101}
        assert errors_of(document) == [
            f"{PREFIX}scoring.grade_bands.F: unknown field; known fields: A, B, C, D, E",
            f"{PREFIX}scoring.never_total: is 101; it must be at most 100",
        ]

    def test_an_order_rule_may_name_any_keyed_occurrence_and_no_other(self):
        document = schema2_document()
        document["order_rules"][0]["after_occurrence"] = 3
        document["order_rules"][1]["before"] = "spleen-ultrasound"
        assert errors_of(document) == [
            f"{PREFIX}order_rules[0].after_occurrence: occurrence 3 of step 'repeat-cbc' is not keyed in this case; "
            "order rules join keyed steps (add a finding)",
            f"{PREFIX}order_rules[1].before: step 'spleen-ultrasound' is not keyed in this case; "
            "order rules join keyed steps (add a finding)",
        ]

    def test_the_expert_path_must_obey_a_rule_on_an_occurrence(self):
        document = schema2_document()
        document["findings"][2]["expert_position"] = 6  # withhold after the follow-up count
        assert errors_of(document) == [
            f"{PREFIX}findings: the expert path puts 'repeat-cbc' (occurrence 2) before its prerequisite "
            "'withhold-suspected-drug'; adjust expert positions"
        ]

    def test_the_writer_says_schema_2_and_parses_back_to_the_same_case(self):
        spec = parse_text(case_yaml(schema2_document()), file="x.yaml").cases[0]
        text = dump_documents([case_document(spec)])
        assert text.startswith("schema: 2\nslug: ")
        assert "  - step: repeat-cbc\n    occurrence: 2\n    tier: essential\n" in text
        assert "    tier: essential\n    weight: 2\n" in text
        assert "    any_of: viral-tests\n" in text
        assert "    after: repeat-cbc\n    after_occurrence: 2\n" in text
        assert "scoring:\n  never_total: 10\n  grade_bands: {A: 85, B: 75}\n" in text
        again = parse_text(text, file="x.yaml").cases[0]
        assert again == spec
        assert dump_documents([case_document(again)]) == text


# --------------------------------------------------------------------------
# With the database: import, export, dry run, grade_path
# --------------------------------------------------------------------------


@pytest.fixture
def catalogue(db):
    make_casefile_catalogue()


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


@pytest.mark.django_db
class TestSchema2Import:
    def test_import_stores_every_schema_2_piece(self, catalogue, tmp_path):
        result = case_files_import(paths=[write(tmp_path, "a.yaml", schema2_document())])
        assert result.ok, result.errors
        case = Case.objects.get(slug="thiopurine-normal-tpmt")
        follow_up = Finding.objects.get(case=case, step__slug="repeat-cbc", occurrence=2)
        assert (follow_up.tier, follow_up.expert_position) == ("essential", 5)
        assert Finding.objects.get(case=case, step__slug="withhold-suspected-drug").weight == 2
        assert Finding.objects.get(case=case, step__slug="cmv-pcr").any_of == "viral-tests"
        assert Finding.objects.get(case=case, step__slug="continue-current-medication").tier == "never"
        rule = OrderRule.objects.get(case=case, after__slug="repeat-cbc")
        assert (rule.before_occurrence, rule.after_occurrence) == (1, 2)
        assert (case.never_total, case.grade_band_a, case.grade_band_b, case.grade_band_e) == (10, 85, 75, 50)

    def test_import_export_import_is_equal_and_export_is_byte_identical(self, catalogue, tmp_path):
        original = write(tmp_path, "a.yaml", schema2_document())
        case_files_import(paths=[original])
        assert case_files_import(paths=[original]).unchanged == ["thiopurine-normal-tpmt"]
        first = casefile_export(cases=[Case.objects.get()])
        result = case_files_import(paths=[write(tmp_path, "b.yaml", first)])
        assert result.unchanged == ["thiopurine-normal-tpmt"]
        assert casefile_export(cases=[Case.objects.get()]) == first

    def test_a_schema_1_file_still_imports_and_exports_as_schema_2_meaning_the_same(self, catalogue, tmp_path):
        case_files_import(paths=[write(tmp_path, "a.yaml", CASE_DOCUMENT)])
        case = Case.objects.get()
        before = case_spec(case)
        text = casefile_export(cases=[case])
        assert text.startswith("schema: 2\n") and "occurrence" not in text and "grade_bands" not in text
        assert case_files_import(paths=[write(tmp_path, "b.yaml", text)]).unchanged == [case.slug]
        assert case_spec(Case.objects.get()) == before

    def test_dry_run_lists_the_new_problems_and_writes_nothing(self, catalogue, tmp_path):
        document = schema2_document()
        document["findings"][4]["any_of"] = ""
        document["findings"][5]["occurrence"] = 3
        bad = write(tmp_path, "bad.yaml", document)
        err = StringIO()
        with pytest.raises(CommandError, match="3 errors found; nothing was imported"):
            call_command("import_cases", str(bad), dry_run=True, stdout=StringIO(), stderr=err)
        assert f"{bad}: case 'thiopurine-normal-tpmt': findings[3].any_of: any-of group 'viral-tests' has one" in (
            err.getvalue()
        )
        assert "findings[5].occurrence: step 'repeat-cbc' keys occurrence 3 but not occurrence 2" in err.getvalue()
        assert "order_rules[0].after_occurrence: occurrence 2 of step 'repeat-cbc' is not keyed" in err.getvalue()
        assert not Case.objects.exists()

    def test_dry_run_of_a_sound_file_shows_the_expert_path_grade_and_writes_nothing(self, catalogue, tmp_path):
        out = run("import_cases", str(write(tmp_path, "a.yaml", schema2_document())), dry_run=True)
        assert (
            "thiopurine-normal-tpmt: expert path repeat-cbc, medication-review, withhold-suspected-drug, "
            "cmv-pcr, ebv-serology, repeat-cbc grades 100.0 (A)" in out
        )
        assert "Checked 1 case in 1 file: no problems. Dry run: nothing was written." in out
        assert not Case.objects.exists()


@pytest.fixture
def schema2_case(catalogue, tmp_path):
    case_files_import(paths=[write(tmp_path, "a.yaml", schema2_document())])
    return Case.objects.get()


EXPERT = "repeat-cbc,medication-review,withhold-suspected-drug,ebv-serology,repeat-cbc"


@pytest.mark.django_db
class TestGradePath:
    def test_a_step_listed_twice_is_its_second_occurrence(self, schema2_case):
        out = run("grade_path", schema2_case.slug, "--steps", EXPERT, "--diagnosis", "thiopurines")
        assert re.search(r"^\s+1\. repeat-cbc #1\s+essential\s+\+16\.7$", out, re.M)
        assert re.search(r"^\s+5\. repeat-cbc #2\s+essential\s+\+16\.7$", out, re.M)
        assert re.search(r"^\s+3\. withhold-suspected-drug\s+essential\s+\+33\.3$", out, re.M)
        assert re.search(r"^Total:\s+100\.0$", out, re.M)
        assert re.search(r"^Grade:\s+A$", out, re.M)

    def test_a_never_choice_comes_first_with_its_reason_and_holds_the_total(self, schema2_case):
        steps = EXPERT + ",continue-current-medication"
        out = run("grade_path", schema2_case.slug, "--steps", steps, "--diagnosis", "thiopurines")
        assert out.splitlines()[1] == "Never choices (the total is held at or below 10):"
        assert out.splitlines()[2] == (
            "  - continue-current-medication (chosen at 6): Why continue-current-medication. [dmw-2017]"
        )
        assert re.search(r"^Total:\s+10\.0$", out, re.M)
        assert re.search(r"^Grade:\s+F$", out, re.M)
        assert re.search(r"^Never:\s+yes, the total is held at or below 10 \(uncapped total \d", out, re.M)

    def test_a_premature_choice_shows_the_rule_it_broke(self, schema2_case):
        steps = "repeat-cbc,repeat-cbc,medication-review,withhold-suspected-drug,cmv-pcr"
        out = run("grade_path", schema2_case.slug, "--steps", steps, "--diagnosis", "thiopurines")
        assert re.search(r"^\s+2\. repeat-cbc #2\s+premature\s+-8\.3$", out, re.M)
        assert (
            "      premature (essential): withhold-suspected-drug comes first: "
            "The follow-up count comes after the drug is withheld." in out
        )
        assert "  - repeat-cbc #2 (chosen at 2) before withhold-suspected-drug (chosen at 4); counts as harmful" in out

    def test_json_output_carries_occurrences(self, schema2_case):
        out = run("grade_path", schema2_case.slug, "--steps", EXPERT, "--diagnosis", "thiopurines", "--json")
        data = json.loads(out)
        assert [line["occurrence"] for line in data["lines"]] == [1, 1, 1, 1, 2]
        assert data["grade"] == "A"


def test_a_report_stored_by_engine_1_still_prints():
    """Old stored reports read, and grade_path's text shows them (with the default bands' letter)."""
    data = json.loads((REPORTS / "report_engine_1_0_0.json").read_text(encoding="utf-8"))
    report = Report.from_dict(data)
    text = format_report(report)
    assert f"Grade:      {GradeBands().letter_for(report.total)}" in text
    assert "Never choices" not in text
