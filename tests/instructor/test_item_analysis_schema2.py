"""Item analysis of a case keyed with schema 2: actions beside investigations,
one row per occurrence (the follow-up count apart from the first count), never
choices counted and listed first, and the grade letters' distribution."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leucocases.cases.models import GradedReport
from leucocases.instructor.models import ReportDigest
from leucocases.instructor.selectors import case_analysis
from tests.accounts.factories import make_instructor, make_user
from tests.cases.factories import import_schema2_case, make_graded_attempt
from tests.pages import visible_text

pytestmark = pytest.mark.django_db

EXPERT = ["repeat-cbc", "medication-review", "withhold-suspected-drug", "ebv-serology", "repeat-cbc"]
PATHS = {
    "expert": (EXPERT, "thiopurines"),  # 100, A
    "no diagnosis": (EXPERT, None),  # 60, D
    "never": (["repeat-cbc", "medication-review", "continue-current-medication"], "thiopurines"),  # 10, F
    "early follow-up": (["repeat-cbc", "repeat-cbc", "withhold-suspected-drug"], "drugs-and-environmental-toxins"),
    "three counts": (["repeat-cbc", "repeat-cbc", "repeat-cbc", "bone-marrow-biopsy"], None),
}


@pytest.fixture
def case(tmp_path):
    case = import_schema2_case(tmp_path)
    for steps, diagnosis in PATHS.values():
        make_graded_attempt(case=case, user=make_user(), steps=steps, diagnosis=diagnosis)
    return case


def test_the_page_lists_each_occurrence_actions_and_never_choices_first(client, case):
    """The instructor reads one row per order of an entry, the kind of each, the never choice on top."""
    client.force_login(make_instructor())
    page = visible_text(client.get(reverse("instructor:case_analysis", args=[case.slug])))
    rows = [
        "Continue current medication unchanged Management action Never 1 (20%) 0 (0%) 1 (20%) 0 0 —",
        "Repeat CBC with differential and ANC Investigation Essential 5 (100%) 5 (100%) 0 0 0 0 (0%)",
        "Repeat CBC with differential and ANC (2nd time) Investigation Essential 4 (80%) — 0 0 2 (40%) 1 (20%)",
        "Repeat CBC with differential and ANC (3rd time) Investigation Not keyed 1 (20%) — 0 1 (20%) 0 —",
        "Withhold or reduce the suspected drug, with serial counts Management action Essential 3 (60%) 0 (0%) 0 0 0"
        " 2 (40%)",
        "Bone-marrow aspirate and biopsy Investigation Harmful 1 (20%) 0 (0%) 0 0 1 (20%) —",
    ]
    for row in rows:
        assert row in page
    positions = [page.index(row) for row in rows[:4]]
    assert positions == sorted(positions)  # never first; a repeat right after its first order
    assert page.index(rows[3]) < page.index(rows[4])
    assert "Chose a never option 20%" in page
    assert "1 attempt chose a never option" in page


def test_the_page_shows_the_grade_distribution(client, case):
    """Each report's letter (this case's bands: A from 85) is counted, every letter listed."""
    client.force_login(make_instructor())
    response = client.get(reverse("instructor:case_analysis", args=[case.slug]))
    page = visible_text(response)
    assert "Grade Attempts Share A 1 20% B 0 0% C 0 0% D 1 20% E 0 0% F 3 60%" in page
    assert 'aria-label="Grades, A low white count on azathioprine.' in response.content.decode()


def test_counts_come_from_the_stored_reports_not_the_current_key(case):
    """A key edited later changes the tier column (the current key) but not what the reports graded."""
    case.findings.filter(step__slug="continue-current-medication").update(tier="harmful")
    options = {(o.stat.step, o.stat.occurrence): o for o in case_analysis(case=case).options}
    never = options[("continue-current-medication", 1)]
    assert (never.tier_label, never.stat.never, never.stat.harmful) == ("Harmful", 1, 0)


def test_digests_keep_missed_occurrences_and_the_grade(case):
    """The digest the database builds says which occurrence was missed and the report's letter,
    as the pure reading of the stored report does."""
    from leucocases.cases.report_outline import occurrence_pairs
    from leucocases.instructor.statistics import record_from_data

    case_analysis(case=case)
    never = GradedReport.objects.get(attempt__choices__step__slug="continue-current-medication")
    digest = ReportDigest.objects.get(report=never)
    assert ["repeat-cbc", 2] in digest.missed and digest.grade == "F"
    for report in GradedReport.objects.filter(attempt__case=case):
        digest = ReportDigest.objects.get(report=report)
        record = record_from_data(attempt_id=0, total=report.total, data=report.data)
        assert [tuple(pair) for pair in digest.missed] == occurrence_pairs(record.missed, record.missed_occurrences)
        assert [tuple(pair) for pair in digest.lines] == list(zip(record.steps, record.verdicts, strict=True))
        assert digest.grade == record.grade == report.data["grade"]


def test_a_schema2_case_takes_a_fixed_number_of_queries(case, django_assert_max_num_queries):
    """Repeats, actions and grades add no query: the same bound as any case."""
    case_analysis(case=case)
    for steps, diagnosis in PATHS.values():
        make_graded_attempt(case=case, user=make_user(), steps=steps, diagnosis=diagnosis)
    with django_assert_max_num_queries(12):
        case_analysis(case=case)
