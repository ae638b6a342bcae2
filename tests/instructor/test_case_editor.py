"""The case editor (/instructor/cases/…/edit/): rights, saving, validation all at once, drafts of changes,
dry run and learner preview."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from leucocases.cases.casefile.exporter import case_spec
from leucocases.cases.models import Attempt, Case, CaseRevision, Choice, Tier
from leucocases.editorial.models import ReviewStatus
from tests.accounts.factories import log_in, make_instructor, make_user
from tests.cases.factories import make_case

pytestmark = pytest.mark.django_db


class _FormFields(HTMLParser):
    """The values a browser would post from the editor's form, with no button pressed."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self.inside = False
        self.select: tuple[str, list[str]] | None = None  # name, [first option, selected option]
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == "case-editor"
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "search"):
            if a.get("type") == "checkbox" and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value") or ("on" if a.get("type") == "checkbox" else ""))
        elif tag == "textarea" and name:
            self.textarea = name
            self.data.setdefault(name, []).append("")
        elif tag == "select" and name:
            self.select = (name, [])
        elif tag == "option" and self.select is not None:
            options = self.select[1]
            if not options or "selected" in a:
                options[:] = [a.get("value", "")] if not options else [options[0], a.get("value", "")]

    def handle_data(self, data):
        if self.textarea is not None:
            self.data[self.textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self.textarea = None
        elif tag == "select" and self.select is not None:
            name, options = self.select
            self.data.setdefault(name, []).append(options[-1] if options else "")
            self.select = None
        elif tag == "form":
            self.inside = False


def page_data(response) -> dict[str, list[str]]:
    parser = _FormFields()
    parser.feed(response.content.decode())
    parser.close()
    return parser.data


@pytest.fixture
def instructor(client):
    return log_in(client, make_instructor())


def edit_url(case) -> str:
    return reverse("instructor:case_edit", kwargs={"slug": case.slug})


def test_learners_are_refused_and_visitors_sent_to_log_in(client):
    bundle = make_case(status=ReviewStatus.DRAFT)
    assert client.get(edit_url(bundle.case)).status_code == 302
    client.force_login(make_user())
    for url in (
        edit_url(bundle.case),
        reverse("instructor:case_new"),
        reverse("instructor:case_preview", kwargs={"slug": bundle.case.slug}),
    ):
        assert client.get(url).status_code == 403
    assert client.post(reverse("instructor:case_dry_run", kwargs={"slug": bundle.case.slug})).status_code == 403


def test_saving_the_page_unchanged_stores_the_same_case(client, instructor):
    bundle = make_case(status=ReviewStatus.DRAFT)
    before = case_spec(bundle.case)
    response = client.get(edit_url(bundle.case))
    assert response.status_code == 200
    data = page_data(response)
    response = client.post(edit_url(bundle.case), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert case_spec(Case.objects.get(pk=bundle.case.pk)) == before


def one(data: dict, name: str, value: str) -> None:
    data[name] = [value]


def test_every_problem_is_listed_after_one_save_by_entry_name(client, instructor):
    bundle = make_case(status=ReviewStatus.DRAFT)
    data = page_data(client.get(edit_url(bundle.case)))
    one(data, "e-peripheral-smear-1-result", "")  # a field rule
    one(data, "e-hiv-hcv-serology-1-tier", Tier.ESSENTIAL)  # keyed with no result, rationale or citation
    one(data, "e-tpmt-nudt15-1-weight", "2")  # a key rule: weights are for essentials
    one(data, "e-peripheral-smear-1-table-0-value", "")  # a table row without its value
    one(data, "case-workup_weight", "0.9")  # a scoring rule
    response = client.post(edit_url(bundle.case), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was saved: " in page
    summary = re.sub(r"<[^>]+>", "", page.split('id="editor-errors"', 1)[1].split("</div>", 1)[0])
    for expected in (
        "Peripheral blood smear: Result",
        "HIV and HCV serology: Rationale",
        "HIV and HCV serology: Citations",
        "TPMT and NUDT15 testing: Weight",
        "Peripheral blood smear: Table row 1",
        "Case: Workup weight",
    ):
        assert expected in summary, expected
    assert "tpmt-nudt15" not in summary  # entries by name, never by slug
    assert case_spec(Case.objects.get(pk=bundle.case.pk)) == case_spec(bundle.case)


def test_an_order_rule_problem_names_the_entries_once(client, instructor):
    bundle = make_case(status=ReviewStatus.DRAFT)
    data = page_data(client.get(edit_url(bundle.case)))
    one(data, "rules-0-after", str(bundle.steps["cmv-pcr"].pk))  # not keyed
    summary = client.post(edit_url(bundle.case), data).content.decode().split('id="editor-errors"', 1)[1]
    summary = re.sub(r"<[^>]+>", "", summary.split("</div>", 1)[0])
    assert summary.count("is not keyed in this case") == 1
    assert "“CMV PCR”" in summary and "cmv-pcr" not in summary


def test_editing_an_approved_case_writes_its_draft_of_changes(client, instructor):
    bundle = make_case(status=ReviewStatus.APPROVED)
    Case.objects.filter(pk=bundle.case.pk).update(version=1)
    live_before = case_spec(bundle.case)
    data = page_data(client.get(edit_url(bundle.case)))
    one(data, "case-title", "A changed title")
    one(data, "e-cmv-pcr-1-tier", Tier.LOW_YIELD)
    one(data, "e-cmv-pcr-1-result", "CMV PCR negative.")
    one(data, "e-cmv-pcr-1-rationale", "Not indicated here.")
    data["e-cmv-pcr-1-references"] = ["test-guideline"]
    response = client.post(edit_url(bundle.case), data)
    draft = Case.objects.get(draft_of=bundle.case)
    assert response.status_code == 302 and response.url == edit_url(draft)
    assert case_spec(Case.objects.get(pk=bundle.case.pk)) == live_before  # learners keep version 1
    assert draft.title == "A changed title" and draft.review_status == ReviewStatus.DRAFT
    assert draft.findings.get(step__slug="cmv-pcr").tier == Tier.LOW_YIELD
    # The live case's editor now leads to its draft.
    assert client.get(edit_url(bundle.case)).url == edit_url(draft)


def test_a_new_case_is_a_draft_by_its_author_and_submitted_for_review(client, instructor):
    bundle = make_case(status=ReviewStatus.DRAFT)
    data = page_data(client.get(edit_url(bundle.case)))
    data["action"] = ["submit"]
    one(data, "case-title", "A brand-new case")
    response = client.post(reverse("instructor:case_new"), data)
    new = Case.objects.get(title="A brand-new case")
    assert response.status_code == 302 and response.url == edit_url(new)
    assert new.slug == "a-brand-new-case" and new.author == instructor
    assert new.review_status == ReviewStatus.SUBMITTED
    assert case_spec(new).findings == case_spec(bundle.case).findings
    assert CaseRevision.objects.filter(case=new, user=instructor).exists()


def test_add_occurrence_offers_a_second_row_without_saving(client, instructor):
    bundle = make_case(status=ReviewStatus.DRAFT)
    data = page_data(client.get(edit_url(bundle.case)))
    data["add_occurrence"] = ["prior-counts"]
    response = client.post(edit_url(bundle.case), data)
    assert response.status_code == 200
    assert 'name="e-prior-counts-2-tier"' in response.content.decode()
    assert not Case.objects.get(pk=bundle.case.pk).findings.filter(occurrence=2).exists()


def test_the_author_cannot_approve_a_colleague_can(client, instructor):
    bundle = make_case(status=ReviewStatus.DRAFT)
    Case.objects.filter(pk=bundle.case.pk).update(author=instructor, review_status=ReviewStatus.UNDER_REVIEW)
    review = reverse("instructor:case_review", kwargs={"slug": bundle.case.slug})
    client.post(review, {"to_status": ReviewStatus.APPROVED})
    assert Case.objects.get(pk=bundle.case.pk).review_status == ReviewStatus.UNDER_REVIEW
    client.force_login(make_instructor())
    client.post(review, {"to_status": ReviewStatus.APPROVED})
    case = Case.objects.get(pk=bundle.case.pk)
    assert case.review_status == ReviewStatus.APPROVED and case.version == 1


def test_dry_run_grades_the_unsaved_key_and_stores_nothing(client, instructor):
    bundle = make_case(status=ReviewStatus.DRAFT)
    data = page_data(client.get(edit_url(bundle.case)))
    one(data, "e-b12-folate-1-tier", Tier.ESSENTIAL)  # unsaved: now a fourth essential
    data["dry-steps"] = ["peripheral-smear, prior-counts, medication-review"]
    data["dry-diagnosis"] = ["thiopurines"]
    url = reverse("instructor:case_dry_run", kwargs={"slug": bundle.case.slug})
    plain = client.post(url, data).content.decode()
    assert "Total 85.0, grade B" in plain  # 3 of 4 essentials: 0.6 × 75 + 0.4 × 100
    partial = client.post(url, data, HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith("<p") and "Total 85.0" in partial and "<html" not in partial
    assert Case.objects.get(pk=bundle.case.pk).findings.get(step__slug="b12-folate").tier == Tier.LOW_YIELD
    assert not Attempt.objects.exists()


def test_the_preview_orders_entries_and_records_nothing(client, instructor):
    bundle = make_case(status=ReviewStatus.DRAFT)
    url = reverse("instructor:case_preview", kwargs={"slug": bundle.case.slug})
    page = client.get(url, {"path": "peripheral-smear", "order": "peripheral-smear"}).content.decode()
    assert page.count("RESULT-PERIPHERAL-SMEAR") == 2 and "(2nd time)" in page
    assert 'value="peripheral-smear,peripheral-smear"' in page
    assert "RATIONALE-" not in page and "Essential" not in page
    assert not Attempt.objects.exists() and not Choice.objects.exists()
