"""Every shipped case (fixtures/cases) imports, and its own expert path grades at least 90.

The expert path is what the case says a competent clinician does; a key
whose expert path, with the correct cause, falls below an A is a key to fix.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from leucocases.cases.grading import expert_path
from leucocases.cases.import_workflow import case_files_import
from leucocases.cases.keys import case_key, grade_path
from leucocases.cases.models import Case

SHIPPED = sorted((Path(settings.BASE_DIR) / "fixtures" / "cases").glob("*.yaml"))


@pytest.mark.django_db
def test_every_shipped_case_imports_and_its_expert_path_grades_at_least_90(shipped_content):
    result = case_files_import(paths=SHIPPED)
    assert result.ok, "\n".join(str(e) for e in result.errors)
    assert Case.objects.count() == len(SHIPPED) > 0
    totals = {}
    for case in Case.objects.all():
        key = case_key(case)
        cause = next(option.cause for option in key.diagnosis_options if option.credit == 1)
        totals[case.slug] = grade_path(case=case, step_slugs=expert_path(key), diagnosis_slug=cause).total
    assert {slug: total for slug, total in totals.items() if total < 90} == {}
