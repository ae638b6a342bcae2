"""The case admin: pages load, key rules show on the page, dry run, preview."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from leucocases.cases.import_workflow import case_files_import
from leucocases.cases.models import Attempt, Case, Choice, GradedReport
from leucocases.cases.services import attempt_submit
from leucocases.taxonomy.models import Cause, CauseGroup, Reference, WorkupStep
from tests.cases.factories import CASE_DOCUMENT, make_casefile_catalogue, write_case_file
from tests.pages import page_html

INLINES = ("initial_labs", "findings", "order_rules", "diagnosis_options")


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_superuser("editor", "editor@example.com", "pw-for-tests-only")


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def case(db, tmp_path):
    make_casefile_catalogue()
    result = case_files_import(paths=[write_case_file(tmp_path, "a.yaml", CASE_DOCUMENT)])
    assert result.ok, result.errors
    return Case.objects.get()


def step(slug: str) -> str:
    return str(WorkupStep.objects.get(slug=slug).pk)


def cause(slug: str) -> str:
    return str(Cause.objects.get(slug=slug).pk)


def ref(key: str) -> str:
    return str(Reference.objects.get(key=key).pk)


def finding(slug: str, tier: str, position: int | None = None, **more: str) -> dict[str, Any]:
    return {
        "step": step(slug),
        "occurrence": "1",
        "tier": tier,
        "weight": "1",
        "any_of": "",
        "expert_position": "" if position is None else str(position),
        "result": f"Result of {slug}.",
        "table": "[]",
        "series": "{}",
        "rationale": f"Why {slug}.",
        "references": [ref("dmw-2017")],
        **more,
    }


def rule(before: str, after: str, **more: str) -> dict[str, Any]:
    return {
        "before": step(before),
        "before_occurrence": "1",
        "after": step(after),
        "after_occurrence": "1",
        "premature_counts_as_harmful": "on",
        "rationale": "First things first.",
        "references": [ref("dmw-2017")],
        **more,
    }


def option(slug: str, credit: str) -> dict[str, Any]:
    return {"cause": cause(slug), "credit": credit, "rationale": f"About {slug}.", "references": []}


def add_form_data(*, findings, rules=(), options=(), **fields) -> dict[str, Any]:
    """POST data for the add page, every inline row new."""
    data: dict[str, Any] = {
        "title": "A new case",
        "slug": "a-new-case",
        "presentation": "A 30-year-old man.",
        "groups": [str(CauseGroup.objects.get(slug="medication").pk)],
        "difficulty": "2",
        "is_practice": "on",
        "archived_at_0": "",
        "archived_at_1": "",
        "learning_objectives": "",
        "essential_total_points": "100",
        "low_yield_penalty": "5",
        "harmful_penalty": "25",
        "workup_weight": "0.6",
        "diagnosis_weight": "0.4",
        "harmful_cap": "40",
        "never_total": "0",
        **{f"grade_band_{letter}": str(low) for letter, low in zip("abcde", (90, 80, 70, 60, 50), strict=True)},
        **fields,
    }
    rows = {"initial_labs": [], "findings": list(findings), "order_rules": list(rules), "diagnosis_options": options}
    for prefix in INLINES:
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows[prefix]))
        data[f"{prefix}-INITIAL_FORMS"] = "0"
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
        for i, row in enumerate(rows[prefix]):
            for name, value in row.items():
                data[f"{prefix}-{i}-{name}"] = value
    return data


def post_add(client, data):
    return client.post(reverse("admin:cases_case_add"), data)


def good_findings() -> list[dict[str, Any]]:
    return [
        finding("peripheral-smear", "essential", 1),
        finding("medication-review", "useful", 2),
        finding("bone-marrow-biopsy", "harmful"),
    ]


def good_options() -> list[dict[str, Any]]:
    return [option("thiopurines", "1"), option("drugs-and-environmental-toxins", "0.5")]


class TestPagesLoad:
    def test_changelist_lists_cases_with_the_filters(self, admin_client, case):
        """The list shows the case and offers the group, difficulty, status, practice and archived filters."""
        response = admin_client.get(reverse("admin:cases_case_changelist"))
        text = page_html(response)
        assert response.status_code == 200
        assert "A low white count on azathioprine" in text
        for heading in ("By groups", "By difficulty", "By review status", "By is practice", "By archived"):
            assert heading in text

    def test_changelist_search_and_archived_filter(self, admin_client, case):
        """Search finds a case by its presentation; the archived filter hides active cases."""
        url = reverse("admin:cases_case_changelist")
        assert "A low white count" in page_html(admin_client.get(url, {"q": "rheumatoid"}))
        assert "A low white count" not in page_html(admin_client.get(url, {"archived": "yes"}))

    def test_add_page_loads_with_the_key_inlines(self, admin_client, case):
        """The add page has the content, teaching, scoring and review sections and the four inlines."""
        response = admin_client.get(reverse("admin:cases_case_add"))
        text = page_html(response)
        assert response.status_code == 200
        for heading in ("Content", "Teaching", "Scoring", "Review", "Initial labs", "Findings: the key"):
            assert heading in text
        assert "Diagnosis key: exactly one cause with credit 1" in text

    def test_change_page_has_preview_and_dry_run_links(self, admin_client, case):
        """The change page links to the learner's play page and to the dry run."""
        response = admin_client.get(reverse("admin:cases_case_change", args=[case.pk]))
        text = page_html(response)
        assert response.status_code == 200
        assert f'<a href="{case.get_absolute_url()}" class="viewsitelink">Preview as a learner</a>' in text
        assert f'<a href="{reverse("admin:cases_case_dry_run", args=[case.pk])}">Dry-run a path</a>' in text
        assert "View on site" not in text


class TestKeyValidation:
    def test_a_sound_case_is_saved_with_its_key(self, admin_client, case):
        """A case with an essential step, a rule between keyed steps and one full-credit cause saves."""
        data = add_form_data(
            findings=good_findings(), rules=[rule("peripheral-smear", "bone-marrow-biopsy")], options=good_options()
        )
        response = post_add(admin_client, data)
        assert response.status_code == 302, page_html(response)
        saved = Case.objects.get(slug="a-new-case")
        assert saved.findings.count() == 3
        assert saved.order_rules.get().after.slug == "bone-marrow-biopsy"
        assert saved.author.username == "editor"

    def test_browser_line_breaks_are_stored_as_newlines(self, admin_client, case):
        """Textareas post CRLF; markdown is stored with plain newlines, as in case files."""
        findings = good_findings()
        findings[0]["rationale"] = "First line.\r\nSecond line."
        data = add_form_data(findings=findings, options=good_options(), presentation="A man.\r\n\r\nUnwell.")
        assert post_add(admin_client, data).status_code == 302
        saved = Case.objects.get(slug="a-new-case")
        assert saved.presentation == "A man.\n\nUnwell."
        assert saved.findings.get(step__slug="peripheral-smear").rationale == "First line.\nSecond line."

    def test_no_essential_step_is_refused_with_a_message(self, admin_client, case):
        """Without an essential finding the page says so and nothing is saved."""
        findings = [finding("peripheral-smear", "useful", 1)]
        response = post_add(admin_client, add_form_data(findings=findings, options=good_options()))
        assert response.status_code == 200
        assert "the key has no essential step, so workup credit cannot be shared out" in page_html(response)
        assert not Case.objects.filter(slug="a-new-case").exists()

    def test_an_order_rule_on_an_unkeyed_step_is_refused(self, admin_client, case):
        """A rule naming a step with no finding in this case is refused on the rule's field."""
        data = add_form_data(
            findings=good_findings(), rules=[rule("peripheral-smear", "spleen-ultrasound")], options=good_options()
        )
        text = page_html(post_add(admin_client, data))
        assert (
            "Order rule 1 (Peripheral blood smear before Abdominal ultrasound of the spleen): step "
            "'spleen-ultrasound' is not keyed in this case; order rules join keyed steps (add a finding)" in text
        )
        assert not Case.objects.filter(slug="a-new-case").exists()

    def test_a_rule_from_a_step_to_itself_is_refused(self, admin_client, case):
        """Before and after must differ, said in words rather than by the constraint's name."""
        data = add_form_data(
            findings=good_findings(), rules=[rule("peripheral-smear", "peripheral-smear")], options=good_options()
        )
        text = page_html(post_add(admin_client, data))
        assert "An order rule joins two different steps." in text
        assert "rule_between_two_steps" not in text

    def test_a_cycle_is_refused(self, admin_client, case):
        """Two rules that contradict each other are reported as a cycle."""
        rules = [rule("peripheral-smear", "medication-review"), rule("medication-review", "peripheral-smear")]
        text = page_html(
            post_add(admin_client, add_form_data(findings=good_findings(), rules=rules, options=good_options()))
        )
        assert "order rules form a cycle among steps: 'medication-review', 'peripheral-smear'" in text

    def test_two_full_credit_causes_are_refused(self, admin_client, case):
        """Exactly one diagnosis option has credit 1."""
        options = [option("thiopurines", "1"), option("aplastic-anaemia", "1.000")]
        text = page_html(post_add(admin_client, add_form_data(findings=good_findings(), options=options)))
        assert "exactly one cause may have full credit, found: 'thiopurines', 'aplastic-anaemia'" in text

    def test_no_full_credit_cause_is_refused(self, admin_client, case):
        """A key whose best option earns partial credit is refused."""
        options = [option("thiopurines", "0.9")]
        text = page_html(post_add(admin_client, add_form_data(findings=good_findings(), options=options)))
        assert "no diagnosis option has full credit (1.0)" in text

    def test_credit_above_one_is_refused(self, admin_client, case):
        """Credit lies between 0 and 1."""
        options = [option("thiopurines", "1"), option("aplastic-anaemia", "1.5")]
        text = page_html(post_add(admin_client, add_form_data(findings=good_findings(), options=options)))
        assert "Ensure this value is less than or equal to 1." in text

    def test_weights_that_do_not_sum_to_one_are_refused(self, admin_client, case):
        """The engine's scoring rule appears by the weight fields."""
        data = add_form_data(findings=good_findings(), options=good_options(), workup_weight="0.7")
        text = page_html(post_add(admin_client, data))
        assert "workup_weight + diagnosis_weight is 1.1; it must be 1" in text

    def test_a_malformed_table_is_refused_with_the_row_named(self, admin_client, case):
        """Finding tables follow the case-file format; the bad row is named counting from one."""
        findings = [{**good_findings()[0], "table": '[{"label": "Neutrophils"}]'}, *good_findings()[1:]]
        text = page_html(post_add(admin_client, add_form_data(findings=findings, options=good_options())))
        assert "row 1, value: required field is missing" in text

    def test_deleting_a_finding_that_a_rule_needs_is_refused(self, admin_client, case):
        """On the change page, deleting the marrow finding while a rule names it is refused."""
        url = reverse("admin:cases_case_change", args=[case.pk])
        data = change_form_data(admin_client, url)
        marrow = next(k for k, v in data.items() if k.endswith("-step") and v == step("bone-marrow-biopsy"))
        data[marrow.replace("-step", "-DELETE")] = "on"
        text = page_html(admin_client.post(url, data))
        assert "step 'bone-marrow-biopsy' is not keyed in this case" in text
        assert case.findings.filter(step__slug="bone-marrow-biopsy").exists()

    def test_an_unchanged_case_saves_from_its_change_page(self, admin_client, case):
        """Saving an imported case without edits succeeds (the imported key passes the admin's checks)."""
        url = reverse("admin:cases_case_change", args=[case.pk])
        response = admin_client.post(url, change_form_data(admin_client, url))
        assert response.status_code == 302, page_html(response)


def change_form_data(client, url: str) -> dict[str, Any]:
    """The POST data the change page's form would send as it stands."""
    context = client.get(url).context
    form = context["adminform"].form
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if name == "archived_at":
            data["archived_at_0"] = data["archived_at_1"] = ""
        elif isinstance(value, list):
            data[name] = [str(v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = str(value)
    for formset in context["inline_admin_formsets"]:
        fs = formset.formset
        for key, value in fs.management_form.initial.items():
            data[f"{fs.prefix}-{key}"] = str(value)
        data[f"{fs.prefix}-TOTAL_FORMS"] = str(fs.initial_form_count())
        for inner in fs.initial_forms:
            for name in inner.fields:
                value = inner[name].value()
                if isinstance(value, list):
                    data[inner.add_prefix(name)] = [str(getattr(v, "pk", v)) for v in value]
                elif isinstance(value, bool):
                    if value:
                        data[inner.add_prefix(name)] = "on"
                elif value is not None:
                    data[inner.add_prefix(name)] = inner[name].field.widget.format_value(value) or str(value)
    return data


class TestDryRun:
    def test_dry_run_shows_a_report_and_stores_nothing(self, admin_client, case):
        """Grading a path in the admin shows its scores and creates no attempt or report."""
        url = reverse("admin:cases_case_dry_run", args=[case.pk])
        response = admin_client.get(
            url, {"steps": "peripheral-smear, prior-counts\nspleen-ultrasound", "diagnosis": "thiopurines"}
        )
        text = page_html(response)
        assert response.status_code == 200
        # three essentials: 33.3 + 33.3 - 5 = 61.7; 0.6 * 61.67 + 40 = 77.0
        assert '<th scope="row">Workup</th><td>61.7</td>' in text
        assert '<th scope="row">Total</th><td>77.0</td>' in text
        assert '<th scope="row">Efficiency</th><td>66.7 %</td>' in text
        assert '<th scope="row">spleen-ultrasound</th>' in text
        assert "not_contributory" in text
        assert Attempt.objects.count() == 0
        assert GradedReport.objects.count() == 0

    def test_dry_run_form_loads_with_the_catalogue(self, admin_client, case):
        """Before grading, the page offers the form and lists every step with its tier in this case."""
        text = page_html(admin_client.get(reverse("admin:cases_case_dry_run", args=[case.pk])))
        assert '<label for="id_steps">Steps, in the order chosen:</label>' in text
        assert '<label for="id_diagnosis">Chosen cause:</label>' in text
        assert "<code>spleen-ultrasound</code></th><td>Abdominal ultrasound of the spleen</td>" in text
        assert "<td>not keyed</td>" in text
        assert "Report</h2>" not in text

    def test_dry_run_names_an_unknown_step(self, admin_client, case):
        """An unknown slug is an error on the form, not a crash."""
        response = admin_client.get(
            reverse("admin:cases_case_dry_run", args=[case.pk]), {"steps": "peripheral-smear,smear"}
        )
        assert "Unknown workup step: smear." in page_html(response)

    def test_dry_run_needs_staff(self, client, case):
        """Visitors are sent to the admin login."""
        response = client.get(reverse("admin:cases_case_dry_run", args=[case.pk]))
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


class TestAttemptsAndReports:
    @pytest.fixture
    def report(self, case):
        attempt = Attempt.objects.create(case=case, session_key="k" * 32)
        Choice.objects.create(attempt=attempt, step=WorkupStep.objects.get(slug="peripheral-smear"), position=1)
        return attempt_submit(attempt=attempt, diagnosis=Cause.objects.get(slug="thiopurines"))

    def test_attempts_are_listed_read_only(self, admin_client, report):
        """Instructors can list and open attempts but not add, change or delete them."""
        changelist = admin_client.get(reverse("admin:cases_attempt_changelist"))
        assert changelist.status_code == 200
        assert "anonymous (session)" in page_html(changelist)
        assert admin_client.get(reverse("admin:cases_attempt_add")).status_code == 403
        detail = admin_client.get(reverse("admin:cases_attempt_change", args=[report.attempt_id]))
        text = page_html(detail)
        assert detail.status_code == 200
        assert 'name="_save"' not in text
        assert "peripheral-smear" in text or "Peripheral blood smear" in text

    def test_reports_are_shown_read_only(self, admin_client, report):
        """A stored report shows its scores and its JSON, with no save button."""
        assert admin_client.get(reverse("admin:cases_gradedreport_changelist")).status_code == 200
        detail = admin_client.get(reverse("admin:cases_gradedreport_change", args=[report.pk]))
        text = page_html(detail)
        assert detail.status_code == 200
        assert '"engine_version"' in text
        assert 'name="_save"' not in text
