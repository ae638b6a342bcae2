"""Regrading attempts on a case keyed with schema 2: repeats are graded again as the
occurrences they were, and a key edit that adds a never choice changes the grade while the
earlier report stays readable."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leucocases.cases.models import Choice, Finding, GradedReport, Tier
from leucocases.instructor.services import case_regrade_apply, case_regrade_preview
from leucocases.taxonomy.models import WorkupStep
from tests.accounts.factories import make_instructor, make_user
from tests.cases.factories import current_report, import_schema2_case, make_graded_attempt
from tests.pages import visible_text

pytestmark = pytest.mark.django_db

EXPERT = ["repeat-cbc", "medication-review", "withhold-suspected-drug", "ebv-serology", "repeat-cbc"]
#: The expert path, a spleen ultrasound the key does not mention and a third count (each not
#: contributory, −5 on the workup): 94.0, A.
WITH_ULTRASOUND = [*EXPERT, "spleen-ultrasound", "repeat-cbc"]


@pytest.fixture
def case(tmp_path):
    return import_schema2_case(tmp_path)


def test_regrading_repeats_reproduces_the_stored_report(case):
    """Each stored choice is graded as the occurrence it was recorded as: with the key unchanged,
    nothing changes, and the regraded lines carry the stored occurrences."""
    attempts = [
        make_graded_attempt(case=case, user=make_user(), steps=steps, diagnosis="thiopurines")
        for steps in (WITH_ULTRASOUND, ["repeat-cbc", "repeat-cbc", "withhold-suspected-drug", "repeat-cbc"])
    ]
    preview = case_regrade_preview(case=case)
    assert (preview.changed_count, preview.unchanged_count) == (0, 2)
    for line in preview.lines:
        stored = list(Choice.objects.filter(attempt=line.attempt).values_list("step__slug", "occurrence"))
        assert [(choice.step, choice.occurrence) for choice in line.new_report.lines] == stored
        assert line.new_report.to_dict() == current_report(line.attempt).data
    second = next(line for line in preview.lines if line.attempt == attempts[1])
    assert [str(choice.verdict) for choice in second.new_report.lines] == [
        "essential",
        "premature",  # the follow-up count before the drug was withheld
        "essential",
        "not_contributory",  # a third count the key does not key
    ]
    assert case_regrade_apply(case=case, user=make_instructor()).changed == 0


def test_a_key_that_adds_a_never_choice_changes_the_grade_and_keeps_the_old_report(client, case):
    """The ultrasound becomes a never choice: the regrade preview shows A turning F with the never
    total, applying it stores a new report that names the never choice first, and the report of
    the earlier key stays readable."""
    learner = make_user(username="nell")
    attempt = make_graded_attempt(case=case, user=learner, steps=WITH_ULTRASOUND, diagnosis="thiopurines")
    before = current_report(attempt)
    assert (before.total, before.data["grade"], before.data["never_triggered"]) == (94.0, "A", False)
    Finding.objects.create(
        case=case,
        step=WorkupStep.objects.get(slug="spleen-ultrasound"),
        tier=Tier.NEVER,
        result="Normal spleen.",
        rationale="RATIONALE-NEVER-ULTRASOUND: imaging is never the next step here.",
    )

    instructor = make_instructor(username="prof")
    client.force_login(instructor)
    url = reverse("instructor:case_regrade", args=[case.slug])
    page = visible_text(client.get(url))
    assert "1 of 1 report would change" in page
    assert "nell" in page and "94.0 A 10.0 (never choice) F Changed : -84.0" in page

    client.post(url, {"fingerprint": case_regrade_preview(case=case).fingerprint})
    after = current_report(attempt)
    assert (after.total, after.data["grade"], after.data["never_triggered"]) == (10.0, "F", True)
    old = GradedReport.objects.get(pk=before.pk)
    assert old.superseded_at is not None and old.data == before.data and old.total == 94.0

    report_url = reverse("instructor:attempt_report", args=[attempt.pk])
    page = visible_text(client.get(report_url))
    assert "Total 10.0 / 100 Grade F" in page
    assert "Never choices A choice no competent clinician makes in this case holds the total at or below 10" in page
    assert "Abdominal ultrasound of the spleen (choice 6) RATIONALE-NEVER-ULTRASOUND" in page
    assert page.index("Never choices") < page.index("Score Workup")
    assert "Repeat CBC with differential and ANC (3rd time)" in page
    earlier = visible_text(client.get(report_url, {"report": before.pk}))
    assert "an earlier version" in earlier and "Total 94.0 / 100 Grade A" in earlier
    assert "Never choices" not in earlier
