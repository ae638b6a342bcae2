"""The service that turns a case's key rows into the grading engine's input."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leucocases.cases.grading import (
    CaseKey,
    DiagnosisOption,
    InvalidKeyError,
    KeyedStep,
    OrderRule,
    ScoringSettings,
    Tier,
    Verdict,
    validate_key,
)
from leucocases.cases.keys import case_key, case_key_prefetches, grade_path
from leucocases.cases.models import Case
from tests.cases.factories import CORRECT_RATIONALE, RULE_RATIONALE, make_case, rationale_for

pytestmark = pytest.mark.django_db


def test_case_key_carries_every_keyed_step_rule_and_option():
    """Findings, order rules and diagnosis options become the engine's records,
    with citations as reference keys in reference-list order."""
    bundle = make_case()
    key = case_key(bundle.case)

    assert isinstance(key, CaseKey)
    assert validate_key(key) == []
    smear = next(s for s in key.steps if s.slug == "peripheral-smear")
    assert smear == KeyedStep(
        slug="peripheral-smear",
        tier=Tier.ESSENTIAL,
        rationale=rationale_for("peripheral-smear"),
        citations=("test-guideline",),
        expert_position=1,
    )
    assert {s.slug: s.tier for s in key.steps}["bone-marrow-biopsy"] is Tier.HARMFUL
    assert len(key.steps) == 6
    assert key.order_rules == (
        OrderRule(
            before="peripheral-smear",
            after="bone-marrow-biopsy",
            rationale=RULE_RATIONALE,
            citations=("test-guideline",),
            premature_counts_as_harmful=True,
        ),
    )
    full = key.diagnosis_options[0]
    # Guideline is number 901 and the label 907: the list order, not the order added.
    assert full == DiagnosisOption(
        cause="thiopurines", credit=1.0, rationale=CORRECT_RATIONALE, citations=("test-guideline", "test-label")
    )
    assert key.diagnosis_options[1].credit == 0.5


def test_scoring_settings_come_from_the_case():
    """Each scoring number on the case reaches the engine."""
    bundle = make_case(
        essential_total_points=Decimal("90"),
        low_yield_penalty=Decimal("4"),
        harmful_penalty=Decimal("30"),
        workup_weight=Decimal("0.5"),
        diagnosis_weight=Decimal("0.5"),
        harmful_cap=Decimal("35"),
    )
    assert case_key(bundle.case).scoring == ScoringSettings(
        essential_total_points=90,
        low_yield_penalty=4,
        harmful_penalty=30,
        workup_weight=0.5,
        diagnosis_weight=0.5,
        harmful_cap=35,
    )


def test_case_key_is_the_same_however_often_it_is_built():
    """Two builds of the same rows give equal keys (the engine's determinism starts here)."""
    bundle = make_case()
    assert case_key(bundle.case) == case_key(Case.objects.get(pk=bundle.case.pk))


def test_prefetched_cases_build_keys_without_further_queries():
    """With case_key_prefetches, building many keys costs no query per case."""
    make_case()
    make_case()
    cases = list(Case.objects.prefetch_related(*case_key_prefetches()))
    with CaptureQueriesContext(connection) as queries:
        keys = [case_key(case) for case in cases]
    assert len(queries) == 0
    assert all(len(k.steps) == 6 for k in keys)


def test_grade_path_grades_a_path_without_an_attempt():
    """grade_path: the three essentials in order plus the full-credit cause scores 100."""
    bundle = make_case()
    report = grade_path(
        case=bundle.case,
        step_slugs=["peripheral-smear", "prior-counts", "medication-review"],
        diagnosis_slug="thiopurines",
    )
    assert report.total == 100.0
    assert [line.verdict for line in report.lines] == [Verdict.ESSENTIAL] * 3


def test_grade_path_marks_the_marrow_before_the_smear_premature():
    """A marrow biopsy before the smear is premature and caps the total."""
    bundle = make_case()
    report = grade_path(
        case=bundle.case, step_slugs=["bone-marrow-biopsy", "peripheral-smear"], diagnosis_slug="thiopurines"
    )
    assert report.lines[0].verdict is Verdict.PREMATURE
    assert report.cap_triggered


def test_grade_path_refuses_an_unusable_key():
    """A case whose key has no full-credit cause cannot be graded."""
    bundle = make_case()
    bundle.case.diagnosis_options.filter(credit=1).delete()
    with pytest.raises(InvalidKeyError):
        grade_path(case=Case.objects.get(pk=bundle.case.pk), step_slugs=[], diagnosis_slug=None)
