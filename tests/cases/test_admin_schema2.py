"""The case admin with the key of schema 2: occurrences, weights, any-of groups,
the never tier, order rules between occurrences, the never total and grade
bands; the key's problems titled by the row they concern; dry runs with repeats.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from leucocases.cases.import_workflow import case_files_import
from leucocases.cases.keys import case_key
from leucocases.cases.models import Case
from tests.cases.factories import make_casefile_catalogue, schema2_document, write_case_file
from tests.pages import page_html

from .test_admin import add_form_data, finding, option, post_add, rule


@pytest.fixture
def catalogue(db):
    make_casefile_catalogue()


def schema2_findings() -> list[dict]:
    return [
        finding("repeat-cbc", "essential", 1),
        finding("withhold-suspected-drug", "essential", 2, weight="2"),
        finding("repeat-cbc", "essential", 3, occurrence="2"),
        finding("ebv-serology", "essential", 4, any_of="viral-tests"),
        finding("cmv-pcr", "essential", 4, any_of="viral-tests"),
        finding("continue-current-medication", "never"),
        finding("bone-marrow-biopsy", "harmful"),
    ]


def follow_up_rule(after_occurrence: str = "2") -> dict:
    return rule("withhold-suspected-drug", "repeat-cbc", after_occurrence=after_occurrence)


def options() -> list[dict]:
    return [option("thiopurines", "1")]


class TestTheKeyOfSchema2:
    def test_the_add_page_offers_every_field(self, admin_client, catalogue):
        text = page_html(admin_client.get(reverse("admin:cases_case_add")))
        for name in ("occurrence", "weight", "any_of"):
            assert f'name="findings-0-{name}"' in text
        assert '<option value="never">Never</option>' in text
        for name in ("before_occurrence", "after_occurrence"):
            assert f'name="order_rules-0-{name}"' in text
        assert 'name="never_total"' in text and 'name="grade_band_e"' in text
        assert "Grade bands" in text

    def test_a_case_with_every_piece_saves_and_grades(self, admin_client, catalogue):
        data = add_form_data(
            findings=schema2_findings(),
            rules=[follow_up_rule()],
            options=options(),
            never_total="10",
            grade_band_a="85",
        )
        response = post_add(admin_client, data)
        assert response.status_code == 302, page_html(response)
        key = case_key(Case.objects.get(slug="a-new-case"))
        items = {step.item: step for step in key.steps}
        assert items[("repeat-cbc", 2)].tier == "essential"
        assert items[("withhold-suspected-drug", 1)].weight == 2
        assert items[("continue-current-medication", 1)].tier == "never"
        assert {s.slug for s in key.steps if s.any_of == "viral-tests"} == {"ebv-serology", "cmv-pcr"}
        assert key.order_rules[0].after_item == ("repeat-cbc", 2)
        assert (key.scoring.never_total, key.scoring.grade_bands.a) == (10, 85)

    def test_key_problems_name_the_row_by_its_entry_and_occurrence(self, admin_client, catalogue):
        findings = schema2_findings()
        findings[2]["occurrence"] = "3"
        findings[6]["weight"] = "2"
        findings[4]["any_of"] = ""
        text = page_html(post_add(admin_client, add_form_data(findings=findings, rules=[], options=options())))
        assert (
            "Finding 3 (Repeat CBC with differential and ANC, occurrence 3): step 'repeat-cbc' keys occurrence 3 "
            "but not occurrence 2; key every earlier occurrence too" in text
        )
        assert (
            "Finding 7 (Bone-marrow aspirate and biopsy): step 'bone-marrow-biopsy' is harmful but has weight 2.0; "
            "only essential steps carry a weight" in text
        )
        assert "Finding 4 (Epstein–Barr virus (EBV) serology): any-of group 'viral-tests' has one member" in text
        assert not Case.objects.filter(slug="a-new-case").exists()

    def test_a_rule_on_an_unkeyed_occurrence_is_refused_with_its_title(self, admin_client, catalogue):
        rules = [follow_up_rule(after_occurrence="3")]
        text = page_html(
            post_add(admin_client, add_form_data(findings=schema2_findings(), rules=rules, options=options()))
        )
        assert (
            "Order rule 1 (Withhold or reduce the suspected drug, with serial counts before Repeat CBC with "
            "differential and ANC, occurrence 3): occurrence 3 of step 'repeat-cbc' is not keyed in this case" in text
        )

    def test_grade_bands_must_fall_from_a_to_e(self, admin_client, catalogue):
        data = add_form_data(findings=schema2_findings(), options=options(), grade_band_b="95")
        text = page_html(post_add(admin_client, data))
        assert "grade_bands.B is 95.0, not below grade_bands.A (90.0); the bands must fall strictly from A to E" in text
        assert not Case.objects.filter(slug="a-new-case").exists()


@pytest.fixture
def schema2_case(catalogue, tmp_path):
    assert case_files_import(paths=[write_case_file(tmp_path, "a.yaml", schema2_document())]).ok
    return Case.objects.get()


class TestDryRunWithRepeats:
    def test_a_step_listed_twice_is_its_second_occurrence(self, admin_client, schema2_case):
        steps = "repeat-cbc, repeat-cbc, withhold-suspected-drug, continue-current-medication"
        url = reverse("admin:cases_case_dry_run", args=[schema2_case.pk])
        text = page_html(admin_client.get(url, {"steps": steps, "diagnosis": "thiopurines"}))
        assert '<th scope="row">repeat-cbc #2</th>' in text
        assert "<td>premature (essential)</td>" in text
        assert "Premature: withhold-suspected-drug comes first." in text
        assert "Never choices (the total is held at or below 10)" in text
        assert '<th scope="row">Grade</th><td>F</td>' in text
        assert '<th scope="row">Total</th><td>10.0</td>' in text

    def test_the_catalogue_shows_each_keyed_occurrence(self, admin_client, schema2_case):
        text = page_html(admin_client.get(reverse("admin:cases_case_dry_run", args=[schema2_case.pk])))
        assert "<td>Essential; occurrence 2: Essential</td>" in text
        assert "<td>Never</td>" in text
