"""generate_load_data: N copies of the content and graded attempts, made once unless forced."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from leucocases.cases.grading import Attempt as GradingAttempt
from leucocases.cases.grading import grade
from leucocases.cases.keys import case_key
from leucocases.cases.models import Attempt, Case, Choice, GradedReport
from leucocases.taxonomy.models import Cause, Fact

pytestmark = pytest.mark.django_db


def test_scale_two_doubles_the_content_and_grades_every_attempt():
    """Scale 2 holds twice the shipped cases and causes, and each stored report is the engine's grade
    of the stored choices, in order."""
    out = StringIO()
    call_command("generate_load_data", "--scale", "2", "--attempts", "60", stdout=out)
    shipped_cases = Case.objects.exclude(slug__regex=r"-x[0-9]+$").count()
    assert Case.objects.count() == 2 * shipped_cases
    assert Cause.objects.filter(slug__endswith="-x1").count() == Cause.objects.exclude(slug__endswith="-x1").count()
    assert Fact.objects.filter(key__endswith="-x1").exists()
    assert Attempt.objects.submitted().count() == 60
    assert GradedReport.objects.count() == 60
    assert "100 %" in out.getvalue()
    for attempt in Attempt.objects.submitted().select_related("case", "diagnosis")[:10]:
        steps = list(Choice.objects.filter(attempt=attempt).order_by("position").values_list("step__slug", flat=True))
        assert [c.position for c in attempt.choices.order_by("position")] == list(range(1, len(steps) + 1))
        expected = grade(
            case_key(attempt.case),
            GradingAttempt(steps=tuple(steps), diagnosis=attempt.diagnosis.slug if attempt.diagnosis else None),
        )
        assert attempt.reports.get().data == expected.to_dict()


def test_it_refuses_to_run_twice_unless_forced():
    """A second run is refused; --force replaces the load data and leaves the shipped content."""
    call_command("generate_load_data", "--scale", "1", "--attempts", "10", stdout=StringIO())
    with pytest.raises(CommandError, match="already present"):
        call_command("generate_load_data", "--scale", "1", stdout=StringIO())
    call_command("generate_load_data", "--scale", "2", "--attempts", "20", "--force", stdout=StringIO())
    assert Attempt.objects.submitted().count() == 20
    assert not Case.objects.filter(slug__endswith="-x2").exists()


def test_it_leaves_the_planner_statistics_up_to_date():
    """The benchmark measures the plans a live database would use: right after the bulk
    load the database's own statistics count the attempts it made (ANALYZE ran)."""
    call_command("generate_load_data", "--scale", "1", "--attempts", "30", stdout=StringIO())
    attempts = Attempt.objects.count()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'cases_attempt'")
            estimated = int(cursor.fetchone()[0])
        else:  # SQLite keeps "rows [rows per index key ...]" in sqlite_stat1
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'cases_attempt' LIMIT 1")
            estimated = int(cursor.fetchone()[0].split()[0])
    assert estimated == attempts
