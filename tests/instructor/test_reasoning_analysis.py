"""Item analysis learns the differential and certainty (issue 18): per checkpoint, how often each of the
expert's causes was listed; the must-not-miss cause most often never considered; certainty stated and
right per level. Read from the comparisons stored at submission, in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leucocases.cases.models import Case
from leucocases.instructor.selectors import case_analysis
from tests.accounts.factories import make_instructor, make_user
from tests.cases.factories import APLASTIC, THIOPURINES, TOXINS, make_differential_case
from tests.pages import visible_text

from .factories import make_reasoned_attempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    case = make_differential_case()
    # Four learners: two never consider aplastic anaemia; three list the expected cause at the end.
    make_reasoned_attempt(case=case, user=make_user(), first=[TOXINS], final=[THIOPURINES], certainty="high")
    make_reasoned_attempt(case=case, user=make_user(), first=[TOXINS, APLASTIC], final=[THIOPURINES], certainty="high")
    make_reasoned_attempt(case=case, user=make_user(), first=[], final=[TOXINS], diagnosis=TOXINS, certainty="high")
    make_reasoned_attempt(case=case, user=make_user(), first=[APLASTIC], final=[THIOPURINES, APLASTIC], certainty="low")
    return case


def test_the_case_page_shows_how_often_each_expert_cause_was_listed_and_the_most_missed(client, case):
    client.force_login(make_instructor())
    page = visible_text(client.get(reverse("instructor:case_analysis", args=[case.slug])))
    assert "After the presentation: how often learners listed each of the expert's causes, over 4 attempts" in page
    assert "Drugs and environmental toxins no 2 of 4 (50%)" in page
    assert "Aplastic anaemia yes 2 of 4 (50%)" in page
    assert "Thiopurines (azathioprine and 6-mercaptopurine) no 3 of 4 (75%)" in page
    assert "Must-not-miss cause most often never considered: Aplastic anaemia , missed by 2 of 4 (50%)" in page


def test_certainty_is_counted_per_level_with_the_share_right(client, case):
    client.force_login(make_instructor())
    page = visible_text(client.get(reverse("instructor:case_analysis", args=[case.slug])))
    assert "over 4 graded attempts" in page
    assert "High 3 (75%) 2 of 3 (67%)" in page
    assert "Medium 0 (0%) —" in page
    assert "Low 1 (25%) 1 of 1 (100%)" in page
    assert "None stated 0" in page


def test_a_later_edit_of_the_expert_differential_changes_no_stored_figure(case):
    """The figures are the comparisons the learners read: dropping the must-not-miss flag afterwards changes nothing."""
    Case.objects.filter(pk=case.pk).update(differential={"final": [{"cause": THIOPURINES}]})
    differential = case_analysis(case=case).differential
    assert differential.most_missed.name == "Aplastic anaemia"
    assert (differential.most_missed.missed, differential.most_missed.asked) == (2, 4)


def test_no_differential_and_no_certainty_reads_so(client):
    plain = make_differential_case(title="Plain")
    Case.objects.filter(pk=plain.pk).update(differential={})
    client.force_login(make_instructor())
    page = visible_text(client.get(reverse("instructor:case_analysis", args=[plain.slug])))
    assert "No stored differential in scope" in page


def _queries(case) -> int:
    with CaptureQueriesContext(connection) as queries:
        case_analysis(case=case)
    return len(queries)


def test_the_analysis_does_not_query_per_attempt():
    case = make_differential_case()
    for _ in range(2):
        make_reasoned_attempt(case=case, user=make_user(), first=[TOXINS], final=[THIOPURINES], certainty="high")
    case_analysis(case=case)  # digests stored once
    few = _queries(case)
    for _ in range(18):
        make_reasoned_attempt(case=case, user=make_user(), first=[APLASTIC], final=[THIOPURINES], certainty="low")
    case_analysis(case=case)
    assert _queries(case) == few
