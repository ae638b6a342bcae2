"""Every verdict a stored case can give has its words on the report page."""

import pytest

from leucocases.cases.grading import Report, Verdict
from leucocases.cases.models import Finding, Tier
from leucocases.cases.services import report_display
from leucocases.cases.verdicts import VERDICT_LABELS
from tests.cases.factories import current_report, make_case, make_graded_attempt

pytestmark = pytest.mark.django_db


def test_a_never_step_reads_never_on_the_report():
    """A finding keyed "never" grades as the never verdict, and the report names it (it once had no label)."""
    bundle = make_case()
    Finding.objects.create(case=bundle.case, step=bundle.steps["cmv-pcr"], tier=Tier.NEVER, rationale="Not here.")
    attempt = make_graded_attempt(case=bundle.case, steps=["peripheral-smear", "cmv-pcr"], diagnosis="thiopurines")
    display = report_display(report=Report.from_dict(current_report(attempt).data))
    (line,) = [line for line in display.lines if line.step_slug == "cmv-pcr"]
    assert (line.verdict, line.verdict_label) == ("never", "Never")


def test_every_verdict_has_a_label():
    """Whatever the engine gives a choice, the report has words for it."""
    assert set(Verdict) <= set(VERDICT_LABELS)
