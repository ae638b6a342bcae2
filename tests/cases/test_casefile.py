"""Case files: the format's checks, all-or-nothing import, re-import, export."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leucocases.cases.casefile import (
    MAX_LENGTHS,
    SCORING_DECIMALS,
    KnownIds,
    case_document,
    dump_documents,
    parse_text,
)
from leucocases.cases.casefile.exporter import case_spec, casefile_export
from leucocases.cases.import_workflow import case_files_import
from leucocases.cases.models import Attempt, Case, Choice, DiagnosisOption, Finding, GradedReport, InitialLab, OrderRule
from leucocases.cases.services import attempt_submit
from leucocases.taxonomy.models import Cause, WorkupStep
from tests.cases.factories import (
    CASE_DOCUMENT,
    KNOWN_IDS,
    case_yaml,
    make_case_document,
    make_casefile_catalogue,
    write_case_file,
)

ROOT = Path(__file__).resolve().parents[2]


def errors_of(document_or_text, *, file: str = "cases/x.yaml", known: KnownIds | None = KNOWN_IDS) -> list[str]:
    text = document_or_text if isinstance(document_or_text, str) else case_yaml(document_or_text)
    return [str(e) for e in parse_text(text, file=file, known=known).errors]


def with_finding(index: int, **changes):
    document = make_case_document()
    document["findings"][index].update(changes)
    return document


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Case, InitialLab, Finding, OrderRule, DiagnosisOption, Attempt, Choice, GradedReport)
    }


# --------------------------------------------------------------------------
# The schema, without a database
# --------------------------------------------------------------------------


class TestSchema:
    def test_the_documented_case_parses_into_typed_records(self):
        """A case written as the format doc shows parses with no errors into typed records."""
        result = parse_text(case_yaml(CASE_DOCUMENT), file="x.yaml", known=KNOWN_IDS)
        assert result.errors == []
        (spec,) = result.cases
        assert spec.slug == "thiopurine-normal-tpmt"
        assert [f.step for f in spec.findings][:2] == ["peripheral-smear", "prior-counts"]
        assert spec.findings[0].table[0].unit == "×10⁹/L"
        assert spec.findings[1].series.points[1].value == 2.1
        assert spec.order_rules[0].counts_as_harmful is True
        assert spec.scoring.workup_weight == 0.6

    def test_an_unknown_field_is_named_with_its_path_and_a_suggestion(self):
        """A misspelt field is reported with file, case and path, and the likely intended name."""
        assert errors_of(with_finding(2, rationalle="x"), file="cases/a.yaml") == [
            "cases/a.yaml: case 'thiopurine-normal-tpmt': findings[2].rationalle: unknown field "
            "(did you mean 'rationale'?); known fields: step, occurrence, tier, weight, any_of, expert_position, "
            "result, table, series, rationale, citations"
        ]

    def test_a_missing_required_field_is_named(self):
        """A finding without a rationale is reported at findings[n].rationale."""
        document = make_case_document()
        del document["findings"][1]["rationale"]
        assert errors_of(document) == [
            "cases/x.yaml: case 'thiopurine-normal-tpmt': findings[1].rationale: required field is missing"
        ]

    def test_a_bad_tier_lists_the_allowed_tiers(self):
        """An unknown tier names the five tiers."""
        assert errors_of(with_finding(0, tier="critical")) == [
            "cases/x.yaml: case 'thiopurine-normal-tpmt': findings[0].tier: 'critical' is not one of: "
            "essential, useful, low_yield, harmful, never"
        ]

    def test_a_case_without_a_slug_is_named_by_its_position(self):
        """Cases in a list are numbered from one when they have no slug to go by."""
        second = make_case_document()
        del second["slug"]
        errors = errors_of(case_yaml(make_case_document(slug="first"), second))
        assert errors == ["cases/x.yaml: case #2: slug: required field is missing"]

    def test_wrong_types_say_what_was_found(self):
        """A number where text is expected, and an unquoted date, say what they are."""
        document = make_case_document(title=12)
        document["findings"][1]["series"]["points"][0]["when"] = "2025-01-15"
        text = case_yaml(document).replace("'2025-01-15'", "2025-01-15")
        assert errors_of(text) == [
            "cases/x.yaml: case 'thiopurine-normal-tpmt': findings[1].series.points[0].when: must be text, "
            "found a date (2025-01-15); put it in quotes to keep it as text",
            "cases/x.yaml: case 'thiopurine-normal-tpmt': title: must be text, found a number (12)",
        ]

    def test_bad_yaml_syntax_gives_line_and_column(self):
        """Broken YAML is reported with its line and column, and nothing else is checked."""
        text = "slug: a\ntitle: [unclosed\nfindings: []\n"
        (error,) = errors_of(text, file="cases/broken.yaml")
        assert error.startswith("cases/broken.yaml: invalid YAML at line 3, column ")
        assert "expected ',' or ']'" in error

    def test_a_key_given_twice_is_an_error(self):
        """A repeated key would silently drop the first value in plain YAML; here it is an error."""
        text = case_yaml(CASE_DOCUMENT) + "findings: []\n"
        (error,) = errors_of(text)
        assert re.match(
            r"cases/x\.yaml: invalid YAML at line \d+, column 1: .*the key 'findings' is given twice", error
        )

    def test_json_files_are_read_as_json(self):
        """A .json case file is accepted, and its syntax errors give line and column."""
        import json

        assert errors_of(json.dumps(CASE_DOCUMENT), file="x.json") == []
        (error,) = errors_of('{"slug": "a",\n "title": }', file="x.json")
        assert error == "x.json: invalid JSON at line 2, column 11: Expecting value"

    def test_an_empty_file_or_a_scalar_is_not_a_case(self):
        """An empty file, or one holding a bare value, says what a case file should hold."""
        assert errors_of("") == ["cases/x.yaml: the file is empty; expected a case (a mapping) or a list of cases"]
        assert errors_of("42\n") == [
            "cases/x.yaml: expected a case (a mapping) or a list of cases, found a number (42)"
        ]

    def test_unknown_identifiers_are_named_with_suggestions(self):
        """Unknown steps, causes, groups and references are each reported at their own path."""
        document = make_case_document(groups=["medicaton"])
        document["findings"][2]["step"] = "smear"
        document["findings"][0]["citations"] = ["dmw-2017", "dmw-2018"]
        document["diagnosis"][1]["cause"] = "thiopurine"
        assert errors_of(document) == [
            "cases/x.yaml: case 'thiopurine-normal-tpmt': groups[0]: unknown cause group 'medicaton' "
            "(did you mean 'medication'?)",
            "cases/x.yaml: case 'thiopurine-normal-tpmt': findings[0].citations[1]: unknown reference 'dmw-2018' "
            "(did you mean 'dmw-2017'?)",
            "cases/x.yaml: case 'thiopurine-normal-tpmt': findings[2].step: unknown workup step 'smear'",
            "cases/x.yaml: case 'thiopurine-normal-tpmt': diagnosis[1].cause: unknown cause 'thiopurine' "
            "(did you mean 'thiopurines'?)",
        ]

    def test_two_full_credit_options_are_an_error(self):
        """Exactly one cause has credit 1."""
        document = make_case_document()
        document["diagnosis"][1]["credit"] = 1
        assert errors_of(document) == [
            "cases/x.yaml: case 'thiopurine-normal-tpmt': diagnosis: exactly one cause may have full credit, "
            "found: 'thiopurines', 'drugs-and-environmental-toxins'"
        ]

    def test_credit_outside_zero_to_one_is_an_error(self):
        """Credit lies between 0 and 1, with at most three decimal places."""
        document = make_case_document()
        document["diagnosis"][1]["credit"] = 1.5
        assert errors_of(document) == [
            "cases/x.yaml: case 'thiopurine-normal-tpmt': diagnosis[1].credit: is 1.5; it must be at most 1"
        ]
        document["diagnosis"][1]["credit"] = 0.3333
        assert errors_of(document) == [
            "cases/x.yaml: case 'thiopurine-normal-tpmt': diagnosis[1].credit: is 0.3333; use at most 3 decimal places"
        ]

    def test_no_essential_step_is_an_error(self):
        """A key needs at least one essential step."""
        document = make_case_document(order_rules=[])
        for finding in document["findings"]:
            finding["tier"] = "useful" if finding["tier"] == "essential" else finding["tier"]
        assert errors_of(document) == [
            "cases/x.yaml: case 'thiopurine-normal-tpmt': findings: the key has no essential step, "
            "so workup credit cannot be shared out"
        ]

    def test_a_step_keyed_twice_is_named(self):
        """The second finding for a step points back at the first."""
        document = make_case_document()
        document["findings"][3]["step"] = "prior-counts"
        assert errors_of(document) == [
            "cases/x.yaml: case 'thiopurine-normal-tpmt': findings[3].step: step 'prior-counts' is keyed more "
            "than once (also findings[1])"
        ]

    def test_an_order_rule_on_an_unkeyed_step_is_an_error(self):
        """Order rules join keyed steps only; the unkeyed end is named."""
        document = make_case_document()
        document["order_rules"][0]["after"] = "spleen-ultrasound"
        assert errors_of(document) == [
            "cases/x.yaml: case 'thiopurine-normal-tpmt': order_rules[0].after: step 'spleen-ultrasound' is not "
            "keyed in this case; order rules join keyed steps (add a finding)"
        ]

    def test_an_order_rule_from_a_step_to_itself_is_an_error(self):
        """A rule joins two different steps."""
        document = make_case_document()
        document["order_rules"][0]["after"] = "peripheral-smear"
        assert errors_of(document) == [
            "cases/x.yaml: case 'thiopurine-normal-tpmt': order_rules[0].after: an order rule joins two different steps"
        ]

    def test_a_cycle_of_order_rules_is_an_error(self):
        """Rules that no path could obey (A before B before A) are reported as a cycle."""
        document = make_case_document()
        document["order_rules"] = [
            {"before": "bone-marrow-biopsy", "after": "tpmt-nudt15", "rationale": "r"},
            {"before": "tpmt-nudt15", "after": "bone-marrow-biopsy", "rationale": "r"},
        ]
        assert errors_of(document) == [
            "cases/x.yaml: case 'thiopurine-normal-tpmt': order_rules: order rules form a cycle among steps: "
            "'bone-marrow-biopsy', 'tpmt-nudt15'"
        ]

    def test_an_expert_path_that_breaks_a_rule_is_an_error(self):
        """The expert path (by expert_position) must obey the order rules."""
        document = make_case_document()
        document["order_rules"].append(
            {"before": "tpmt-nudt15", "after": "prior-counts", "rationale": "TPMT first (for the test)."}
        )
        assert errors_of(document) == [
            "cases/x.yaml: case 'thiopurine-normal-tpmt': findings: the expert path puts 'prior-counts' before "
            "its prerequisite 'tpmt-nudt15'; adjust expert positions"
        ]

    def test_expert_position_belongs_to_essential_and_useful_steps(self):
        """A harmful step has no place in the expert path."""
        assert errors_of(with_finding(4, expert_position=5)) == [
            "cases/x.yaml: case 'thiopurine-normal-tpmt': findings[4].expert_position: step 'bone-marrow-biopsy' "
            "is harmful but has an expert position; only essential and useful steps have a place in the expert path"
        ]

    def test_scoring_weights_must_sum_to_one(self):
        """Weights lie in 0..1 and sum to 1 (the engine's rule), reported under scoring."""
        assert errors_of(make_case_document(scoring={"workup_weight": 0.7})) == [
            "cases/x.yaml: case 'thiopurine-normal-tpmt': scoring: workup_weight + diagnosis_weight is "
            "1.1; it must be 1"
        ]
        assert errors_of(make_case_document(scoring={"workup_weight": 2, "diagnosis_weight": -1})) == [
            "cases/x.yaml: case 'thiopurine-normal-tpmt': scoring.diagnosis_weight: is -1; it must be at least 0",
            "cases/x.yaml: case 'thiopurine-normal-tpmt': scoring.workup_weight: is 2; it must be at most 1",
        ]

    def test_without_known_ids_only_the_file_is_checked(self):
        """Identifiers are not resolved when no catalogue is given (a pure check of the file)."""
        assert errors_of(make_case_document(groups=["anything"]), known=None) == []

    def test_canonical_output_parses_back_to_the_same_case(self):
        """dump -> parse gives an equal case, and dumping that again gives the same text."""
        spec = parse_text(case_yaml(CASE_DOCUMENT), file="x.yaml").cases[0]
        text = dump_documents([case_document(spec)])
        again = parse_text(text, file="x.yaml").cases[0]
        assert again == spec
        assert dump_documents([case_document(again)]) == text
        assert "presentation: |\n  A 46-year-old woman" in text
        assert "  - {name: White cell count, value: '2.1', unit: ×10⁹/L, range: 4.0–11.0, flag: low}" in text
        assert "groups: [medication]" in text

    @settings(max_examples=200, deadline=None)
    @given(text=st.text(st.characters(exclude_categories=("Cs",)), min_size=1))
    def test_any_markdown_text_survives_a_round_trip(self, text):
        """Whatever an author writes in a markdown field comes back byte for byte."""
        document = make_case_document(presentation=text)
        spec = parse_text(case_yaml(document), file="x.yaml").cases
        if not spec:  # characters YAML cannot carry at all (e.g. some control codes)
            return
        again = parse_text(dump_documents([case_document(spec[0])]), file="x.yaml")
        assert again.errors == []
        assert again.cases[0].presentation == spec[0].presentation

    def test_schema_lengths_match_the_model_fields(self):
        """What the schema accepts always fits the columns it is stored in."""
        assert MAX_LENGTHS["case.slug"] == Case._meta.get_field("slug").max_length
        assert MAX_LENGTHS["case.title"] == Case._meta.get_field("title").max_length
        for name, column in (("name", "name"), ("value", "value"), ("unit", "unit"), ("range", "reference_range")):
            assert MAX_LENGTHS[f"lab.{name}"] == InitialLab._meta.get_field(column).max_length
        for name, (places, _largest) in SCORING_DECIMALS.items():
            assert places == Case._meta.get_field(name).decimal_places
        assert DiagnosisOption._meta.get_field("credit").decimal_places == 3


# --------------------------------------------------------------------------
# Import and export, with the database
# --------------------------------------------------------------------------


@pytest.fixture
def catalogue(db):
    make_casefile_catalogue()


@pytest.mark.django_db
class TestImport:
    def test_a_case_file_creates_the_case_and_its_key(self, catalogue, tmp_path):
        """Importing the documented case stores every part of it, as a draft for review
        (its file says ``status: approved``: a request, published only with a publisher)."""
        result = case_files_import(paths=[write_case_file(tmp_path, "a.yaml", CASE_DOCUMENT)])
        assert result.errors == []
        assert result.created == ["thiopurine-normal-tpmt"]
        case = Case.objects.get(slug="thiopurine-normal-tpmt")
        assert (case.review_status, case.version, case.reviewer) == ("draft", 0, None)
        assert list(case.groups.values_list("slug", flat=True)) == ["medication"]
        assert [(lab.name, lab.flag) for lab in case.initial_labs.all()] == [
            ("White cell count", "low"),
            ("Haemoglobin", ""),
        ]
        smear = case.findings.get(step__slug="peripheral-smear")
        assert smear.table == [{"label": "Neutrophils", "value": "0.9", "unit": "×10⁹/L", "range": "2.0–7.5"}]
        assert sorted(smear.references.values_list("key", flat=True)) == ["dmw-2017", "praxis-leukocytopenia"]
        prior = case.findings.get(step__slug="prior-counts")
        assert prior.series["points"] == [{"when": "Jan 2025", "value": 6.2}, {"when": "Apr 2025", "value": 2.1}]
        rule = case.order_rules.get()
        assert (rule.before.slug, rule.after.slug, rule.premature_counts_as_harmful) == (
            "peripheral-smear",
            "bone-marrow-biopsy",
            True,
        )
        assert [(o.cause.slug, str(o.credit)) for o in case.diagnosis_options.all()] == [
            ("thiopurines", "1.000"),
            ("drugs-and-environmental-toxins", "0.500"),
        ]

    def test_a_bad_file_among_good_ones_writes_nothing(self, catalogue, tmp_path):
        """One error in one file and not a single row is written, for any file."""
        write_case_file(tmp_path, "a-good.yaml", make_case_document(slug="good-one"))
        write_case_file(tmp_path, "b-bad.yaml", with_finding(3, step="no-such-step"))
        write_case_file(tmp_path, "c-good.yaml", make_case_document(slug="good-two"))
        before = row_counts()
        result = case_files_import(paths=[tmp_path])
        assert [str(e) for e in result.errors] == [
            f"{tmp_path / 'b-bad.yaml'}: case 'thiopurine-normal-tpmt': findings[3].step: unknown workup step "
            "'no-such-step'"
        ]
        assert result.created == []
        assert row_counts() == before

    def test_errors_from_every_file_are_collected(self, catalogue, tmp_path):
        """All files are checked before reporting, so one run lists every error."""
        write_case_file(tmp_path, "a.yaml", with_finding(0, tier="critical"))
        write_case_file(tmp_path, "b.yaml", "slug: [\n")
        result = case_files_import(paths=[tmp_path / "a.yaml", tmp_path / "b.yaml", tmp_path / "missing.yaml"])
        files = [Path(e.file).name for e in result.errors]
        assert files == ["missing.yaml", "a.yaml", "b.yaml"]
        assert str(result.errors[0]).endswith("missing.yaml: no such file or directory")
        assert Case.objects.count() == 0

    def test_a_slug_defined_twice_is_an_error(self, catalogue, tmp_path):
        """Two files may not define the same case."""
        write_case_file(tmp_path, "a.yaml", CASE_DOCUMENT)
        write_case_file(tmp_path, "b.yaml", CASE_DOCUMENT)
        result = case_files_import(paths=[tmp_path])
        assert [str(e) for e in result.errors] == [
            f"{tmp_path / 'b.yaml'}: case 'thiopurine-normal-tpmt': slug: the slug is also used by a case in "
            f"{tmp_path / 'a.yaml'}"
        ]

    def test_reimport_updates_in_place_and_keeps_past_reports(self, catalogue, tmp_path):
        """Re-importing a slug replaces the key in the same case row; a past attempt's report is unchanged."""
        path = write_case_file(tmp_path, "a.yaml", CASE_DOCUMENT)
        case_files_import(paths=[path])
        case = Case.objects.get()
        attempt = Attempt.objects.create(case=case, session_key="s" * 32)
        for position, slug in enumerate(["peripheral-smear", "bone-marrow-biopsy"], start=1):
            Choice.objects.create(attempt=attempt, step=WorkupStep.objects.get(slug=slug), position=position)
        stored = attempt_submit(attempt=attempt, diagnosis=Cause.objects.get(slug="thiopurines"))
        stored_data = GradedReport.objects.get(pk=stored.pk).data
        finding_pks = set(case.findings.values_list("pk", flat=True))

        changed = make_case_document(title="Renamed")
        changed["findings"][4]["tier"] = "low_yield"
        changed["findings"][0]["rationale"] = "A new rationale."
        changed["initial_labs"] = changed["initial_labs"][:1]
        write_case_file(tmp_path, "a.yaml", changed)
        result = case_files_import(paths=[path])

        assert result.updated == ["thiopurine-normal-tpmt"]
        assert Case.objects.count() == 1
        case.refresh_from_db()
        assert case.title == "Renamed"
        assert case.findings.get(step__slug="bone-marrow-biopsy").tier == "low_yield"
        assert case.initial_labs.count() == 1
        assert case.findings.count() == 5
        assert finding_pks.isdisjoint(case.findings.values_list("pk", flat=True))
        # The attempt, its choices and its stored report are exactly as they were.
        assert list(attempt.choices.values_list("step__slug", flat=True)) == ["peripheral-smear", "bone-marrow-biopsy"]
        assert GradedReport.objects.get(pk=stored.pk).data == stored_data
        assert GradedReport.objects.filter(attempt=attempt).count() == 1
        assert stored_data["lines"][1]["verdict"] == "harmful"

    def test_reimporting_the_same_file_changes_nothing(self, catalogue, tmp_path):
        """An identical re-import reports the case unchanged and keeps its rows."""
        path = write_case_file(tmp_path, "a.yaml", CASE_DOCUMENT)
        case_files_import(paths=[path])
        finding_pks = sorted(Finding.objects.values_list("pk", flat=True))
        result = case_files_import(paths=[path])
        assert (result.created, result.updated, result.unchanged) == ([], [], ["thiopurine-normal-tpmt"])
        assert sorted(Finding.objects.values_list("pk", flat=True)) == finding_pks

    def test_export_import_export_is_byte_identical(self, catalogue, tmp_path):
        """Exported YAML re-imports to the same rows and exports to the same bytes."""
        second = make_case_document(slug="second-case", scoring={"harmful_cap": 30, "low_yield_penalty": 2.5})
        second["order_rules"][0]["counts_as_harmful"] = False
        case_files_import(paths=[write_case_file(tmp_path, "in.yaml", case_yaml(CASE_DOCUMENT, second))])
        first_export = casefile_export(cases=Case.objects.order_by("slug"))

        Case.objects.all().delete()
        result = case_files_import(paths=[write_case_file(tmp_path, "out.yaml", first_export)])
        assert result.created == ["second-case", "thiopurine-normal-tpmt"]
        assert casefile_export(cases=Case.objects.order_by("slug")) == first_export
        assert "  scoring:\n    low_yield_penalty: 2.5\n    harmful_cap: 30\n" in first_export
        assert "counts_as_harmful: false" in first_export

    def test_exported_case_matches_the_imported_spec(self, catalogue, tmp_path):
        """What is read back from the database is what the file said."""
        case_files_import(paths=[write_case_file(tmp_path, "a.yaml", CASE_DOCUMENT)])
        expected = parse_text(case_yaml(CASE_DOCUMENT), file="a.yaml").cases[0]
        assert case_spec(Case.objects.get()) == replace(expected, status="draft")
