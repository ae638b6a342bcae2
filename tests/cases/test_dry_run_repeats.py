"""The admin's dry run (the preview that orders entries without recording anything) takes
repeats as an attempt does: each order of an entry is its next occurrence, and nothing is stored."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from leucocases.cases.keys import grade_path
from leucocases.cases.models import Attempt, Choice, GradedReport
from tests.cases.factories import import_schema2_case

pytestmark = pytest.mark.django_db

PATH = ["repeat-cbc", "withhold-suspected-drug", "repeat-cbc", "repeat-cbc", "continue-current-medication"]


def test_a_path_with_repeats_is_graded_as_an_attempt_would_be_and_stores_nothing(admin_client, tmp_path):
    case = import_schema2_case(tmp_path)
    response = admin_client.get(
        reverse("admin:cases_case_dry_run", args=[case.pk]), {"steps": "\n".join(PATH), "diagnosis": "thiopurines"}
    )
    # Whitespace between tags is layout, not content: compare the markup without it.
    text = re.sub(r">\s+<", "><", html.unescape(response.content.decode()))
    report = grade_path(case=case, step_slugs=PATH, diagnosis_slug="thiopurines")
    # The follow-up count after the drug was withheld is the keyed occurrence 2; a third count is not keyed.
    assert '<th scope="row">repeat-cbc #2</th><td>essential</td>' in text
    assert '<th scope="row">repeat-cbc #3</th><td>not_contributory</td>' in text
    assert f'<th scope="row">Total</th><td>{report.total:.1f}</td>' in text
    assert f'<th scope="row">Grade</th><td>{report.grade}</td>' in text and report.grade == "F"
    assert "Never choices (the total is held at or below 10)" in text
    assert (Attempt.objects.count(), Choice.objects.count(), GradedReport.objects.count()) == (0, 0, 0)
