"""The report page of engine 2: never choices named first, the grade beside the total, repeats numbered,
and "How this case is scored" stating every rule that graded the attempt; engine 1 reports still read.

The reports here are graded by the engine itself from a key written in the test (weights, an "any one
of" group, a second occurrence, a never choice), stored as a submission stores them, and read through
the page: what the learner sees of a stored report, whatever the case's key says today."""

import json
import re
from html import unescape
from pathlib import Path

import pytest
from django.utils import timezone

from leucocases.cases.grading import Attempt as Path_
from leucocases.cases.grading import CaseKey, DiagnosisOption, KeyedStep, OrderRule, ScoringSettings, grade
from leucocases.cases.models import GradedReport
from tests.accounts.factories import make_user

from .factories import make_attempt, make_case

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "grading" / "fixtures"


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def engine_2_key() -> CaseKey:
    """Weighted essentials, an any-of group, a keyed second occurrence, a never choice, an order rule."""
    return CaseKey(
        steps=(
            KeyedStep("peripheral-smear", "essential", "RATIONALE-SMEAR", ("test-guideline",), 1, weight=2),
            KeyedStep("prior-counts", "essential", "RATIONALE-PRIOR", ("test-guideline",), 2),
            KeyedStep("prior-counts", "essential", "RATIONALE-FOLLOW-UP", ("test-guideline",), 5, occurrence=2),
            KeyedStep("cmv-pcr", "essential", "RATIONALE-CMV", (), 3, any_of="viral-tests"),
            KeyedStep("hiv-hcv-serology", "essential", "RATIONALE-HIV", (), 4, any_of="viral-tests"),
            KeyedStep("medication-review", "never", "RATIONALE-NEVER: not here.", ("test-label",)),
            KeyedStep("bone-marrow-biopsy", "harmful", "RATIONALE-MARROW", ()),
        ),
        diagnosis_options=(DiagnosisOption("thiopurines", 1, "RATIONALE-DX", ("test-label",)),),
        order_rules=(
            OrderRule("peripheral-smear", "bone-marrow-biopsy", "RULE-SMEAR-FIRST", ("test-guideline",)),
            OrderRule("peripheral-smear", "cmv-pcr", "RULE-SMEAR-BEFORE-VIRUS", (), premature_counts_as_harmful=False),
        ),
        scoring=ScoringSettings(never_total=10, grade_bands={"A": 85, "B": 75}),
    )


def stored_report(client, steps, *, key=None, diagnosis="thiopurines"):
    """Grade ``steps`` with ``key``, store the report on a submitted attempt of a factory case owned by
    the client's learner, and return the report page's HTML."""
    bundle = make_case()
    user = make_user()
    client.force_login(user)
    attempt = make_attempt(case=bundle.case, user=user, submitted_at=timezone.now())
    report = grade(key or engine_2_key(), Path_(tuple(steps), diagnosis))
    GradedReport.objects.create(
        attempt=attempt,
        data=report.to_dict(),
        engine_version=report.engine_version,
        total=report.total,
        workup_score=report.workup_score,
        diagnosis_score=report.diagnosis_score,
    )
    response = client.get(attempt.get_absolute_url())
    assert response.status_code == 200
    return report, response.content.decode()


def test_a_never_choice_is_named_first_with_its_reason_and_the_total_held(client):
    """The never choice comes before the score, with its rationale and citation; the total is held at the
    case's never_total; the grade letter stands beside the number."""
    report, html = stored_report(
        client, ["peripheral-smear", "prior-counts", "cmv-pcr", "medication-review", "prior-counts"]
    )
    assert report.never_triggered and report.total == 10
    never = html.index('id="never-heading"')
    assert never < html.index('id="score-heading"') < html.index('id="lines-heading"')
    section = html[never : html.index("</section>", never)]
    assert "A choice no competent clinician makes in this case" in section
    assert "Medication and exposure review" in text_of(section) and "(step 4)" in section
    assert "RATIONALE-NEVER: not here." in section and 'href="#ref-test-label"' in section
    assert "held at 10 or below" in section
    assert '<span class="total-number">10.0</span> <span class="total-of">out of 100</span>' in html
    assert '<span class="grade-letter grade-f">Grade F</span>' in html
    assert ">Never</span>" in html


def test_how_this_case_is_scored_states_every_rule_that_applied(client):
    """Weights with each unit's share, the any-of group counted once, repeats graded as new orders,
    premature charged once, the harmful cap, the never ceiling, efficiency and the case's grade bands."""
    steps = ["cmv-pcr", "peripheral-smear", "hiv-hcv-serology", "prior-counts", "prior-counts", "prior-counts"]
    report, html = stored_report(client, steps)
    rules = text_of(html[html.index("How this case is scored") : html.index('id="lines-heading"')])
    # Weights: smear 2, the others 1 (the group counts as one unit): 2 + 1 + 1 + 1 = 5.
    assert "shared by weight: each earns 100 × its weight ÷ 5" in rules
    assert "Peripheral blood smear: 40" in rules and "Review of prior blood counts: 20" in rules
    assert "Review of prior blood counts (2nd time): 20" in rules and "CMV PCR: 20" in rules
    assert "any one of CMV PCR or HIV and HCV serology" in rules and "earns the group's share once" in rules
    assert "An entry ordered again is graded as a new order" in rules
    assert "is charged once, however many order rules it breaks: 25 points (5 when" in rules
    assert "caps the total at 40" in rules
    assert "holds the total at 10 or below" in rules
    assert "Efficiency" in rules and "not premature ÷ all orders" in rules
    assert "Grade: A from 85, B from 75, C from 70, D from 60, E from 50; F below 50." in rules
    # The lines: the premature CMV PCR keeps its share less one charge; HIV is the group's alternative;
    # the third count is beyond the keyed occurrences.
    lines = re.findall(r'<h3 class="report-line-heading">(.*?)</h3>\s*<p class="report-line-verdict">(.*?)</p>', html)
    shown = [(text_of(heading), text_of(verdict)) for heading, verdict in lines]
    assert shown[0] == ("1. CMV PCR", "Premature +15 points · in the expert path")
    assert shown[2] == ("3. HIV and HCV serology", "Alternative, already credited 0 points · in the expert path")
    assert shown[4] == ("5. Review of prior blood counts (2nd time)", "Essential +20 points · in the expert path")
    assert shown[5] == ("6. Review of prior blood counts (3rd time)", "Not contributory −5 points")
    expert = text_of(html[html.index("Expert path") : html.index("Your path")])
    assert "Review of prior blood counts (2nd time)" in expert
    assert report.grade in html


def test_a_missed_group_and_a_missed_weighted_essential_say_what_they_were_worth(client):
    _, html = stored_report(client, ["prior-counts"])
    missed = text_of(html[html.index('id="missed-heading"') : html.index('id="order-heading"')])
    assert "Peripheral blood smear (worth 40 points) RATIONALE-SMEAR" in missed
    assert "Any one of CMV PCR or HIV and HCV serology (worth 20 points)" in missed
    assert "Review of prior blood counts (2nd time) (worth 20 points) RATIONALE-FOLLOW-UP" in missed


def test_equal_weights_and_no_groups_keep_the_short_rules(client):
    """A case with no weights, groups or repeats states the plain rules and none of the others."""
    key = CaseKey(
        steps=(
            KeyedStep("peripheral-smear", "essential", "R1", (), 1),
            KeyedStep("prior-counts", "essential", "R2", (), 2),
        ),
        diagnosis_options=(DiagnosisOption("thiopurines", 1, "RATIONALE-DX"),),
    )
    _, html = stored_report(client, ["peripheral-smear"], key=key)
    rules = text_of(html[html.index("How this case is scored") : html.index('id="lines-heading"')])
    assert "Each of the 2 essential steps earns 50 points (100 shared among them)" in rules
    assert "weight" not in rules and "any one of" not in rules and "ordered again" not in rules
    assert "never-heading" not in html


@pytest.mark.parametrize("fixture", ["report_engine_1_0_0.json", "report_engine_1_0_0_crohns.json"])
def test_a_report_stored_by_engine_1_still_reads(client, fixture):
    """Engine 1 JSON (no occurrences, weights, groups, never choices or grade) renders: the grade is
    worked out from the default bands, and the rules are engine 1's."""
    data = json.loads((FIXTURES / fixture).read_text())
    bundle = make_case()
    user = make_user()
    client.force_login(user)
    attempt = make_attempt(case=bundle.case, user=user, submitted_at=timezone.now())
    GradedReport.objects.create(
        attempt=attempt,
        data=data,
        engine_version="1.0.0",
        total=data["total"],
        workup_score=data["workup_score"],
        diagnosis_score=data["diagnosis_score"],
    )
    response = client.get(attempt.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<span class="total-number">{data["total"]:.1f}</span>' in html
    assert re.search(r'<span class="grade-letter grade-[a-f]">Grade [A-F]</span>', html)
    rules = text_of(html[html.index("How this case is scored") : html.index('id="lines-heading"')])
    assert "it loses its essential share and is charged" in rules
    assert "steps keyed essential or useful ÷ all steps ordered" in rules
    assert "graded by engine 1.0.0" in html
