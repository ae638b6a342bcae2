"""How other learners chose, on a case keyed with schema 2: a repeat is counted per occurrence,
and the spread of grade letters and never choices comes from the stored reports."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from leucocases.cases.models import Attempt, GradedReport
from leucocases.cases.peer_stats import peer_choice_stats
from tests.accounts.factories import make_user
from tests.cases.factories import import_schema2_case, make_graded_attempt

pytestmark = pytest.mark.django_db

EXPERT = ["repeat-cbc", "medication-review", "withhold-suspected-drug", "ebv-serology", "repeat-cbc"]
PATHS = [
    (EXPERT, "thiopurines"),  # 100: A
    (EXPERT, None),  # 60: D
    (["repeat-cbc", "medication-review", "continue-current-medication"], "thiopurines"),  # never: 10, F
    (["repeat-cbc", "repeat-cbc", "repeat-cbc"], None),  # F
    (["medication-review"], None),  # F
]


@pytest.fixture
def case(tmp_path):
    case = import_schema2_case(tmp_path)
    for steps, diagnosis in PATHS:
        make_graded_attempt(case=case, user=make_user(), steps=steps, diagnosis=diagnosis)
    return case


def test_a_repeat_is_its_own_share(case):
    """Four of five ordered the count; three ordered it a second time, one a third."""
    stats = peer_choice_stats(case=case)
    shares = {(s.slug, s.occurrence): s for s in stats.steps}
    assert [(s.name, s.count, s.percent) for s in stats.steps if s.slug == "repeat-cbc"] == [
        ("Repeat CBC with differential and ANC", 4, 80.0),
        ("Repeat CBC with differential and ANC (2nd time)", 3, 60.0),
        ("Repeat CBC with differential and ANC (3rd time)", 1, 20.0),
    ]
    assert shares[("continue-current-medication", 1)].count == 1


def test_grades_and_never_choices_are_shared(case):
    """Every letter from A to F with its attempts; the share of attempts with a never choice."""
    stats = peer_choice_stats(case=case)
    assert [(g.name, g.count, g.percent) for g in stats.grades] == [
        ("A", 1, 20.0),
        ("B", 0, 0.0),
        ("C", 0, 0.0),
        ("D", 1, 20.0),
        ("E", 0, 0.0),
        ("F", 3, 60.0),
    ]
    assert (stats.never.count, stats.never.percent) == (1, 20.0)


def test_an_engine_1_report_gets_the_letter_its_total_earns(case):
    """A report stored before grade letters (no grade, no bands) reads with the default bands."""
    report = GradedReport.objects.filter(attempt__case=case, total=60).get()
    data = {k: v for k, v in report.data.items() if k not in ("grade", "never_triggered")}
    data["scoring"] = {k: v for k, v in data["scoring"].items() if k != "grade_bands"}
    GradedReport.objects.filter(pk=report.pk).update(data=data, total=72)
    stats = peer_choice_stats(case=case)
    assert [(g.name, g.count) for g in stats.grades if g.count] == [("A", 1), ("C", 1), ("F", 3)]


def report_text(client, attempt) -> str:
    """The learner's report as the words on the page, tags dropped."""
    client.force_login(attempt.user)
    page = html.unescape(client.get(reverse("cases:report", args=[attempt.pk])).content.decode())
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def test_the_learners_report_shows_the_repeat_as_its_own_row(client, case):
    """On a learner's report, "How other learners chose" lists the follow-up count apart."""
    page = report_text(client, Attempt.objects.filter(case=case, submitted_at__isnull=False).first())
    assert "Repeat CBC with differential and ANC 4 80.0%" in page
    assert "Repeat CBC with differential and ANC (2nd time) 3 60.0%" in page
    assert "Repeat CBC with differential and ANC (3rd time) 1 20.0%" in page


def test_the_learners_report_shows_the_peers_grades_and_never_choices(client, case):
    """After submitting, the learner reads every grade letter's share in a captioned table (text, not
    colour) and the share of attempts with a never choice."""
    page = report_text(client, Attempt.objects.filter(case=case, submitted_at__isnull=False).first())
    assert "Grades earned Grade Attempts Share A 1 20.0% B 0 0.0% C 0 0.0% D 1 20.0% E 0 0.0% F 3 60.0%" in page
    assert "1 of 5 attempts (20.0%) made a choice no competent clinician makes in this case." in page


def test_too_few_attempts_show_no_grades_or_never_choices(client, tmp_path):
    """Below the peer statistics' minimum (five attempts) the report shows no grade spread and no never share."""
    case = import_schema2_case(tmp_path)
    attempts = [make_graded_attempt(case=case, user=make_user(), steps=steps, diagnosis=d) for steps, d in PATHS[:4]]
    page = report_text(client, attempts[2])  # the never choice's own report
    assert "appears here once 5 attempts on this case have been submitted (4 so far)" in page
    assert "Grades earned" not in page and "attempts (" not in page
    assert "made a choice no competent clinician makes in this case." not in page
