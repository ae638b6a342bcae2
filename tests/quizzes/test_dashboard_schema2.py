"""The dashboard's workup habits from reports graded against a schema-2 key: never choices are
a habit of their own, and a follow-up count (the second order of the count) is told from the first."""

from __future__ import annotations

import html
import re

import pytest

from tests.accounts.factories import make_user
from tests.cases.factories import import_schema2_case, make_graded_attempt

pytestmark = pytest.mark.django_db

NEVER = (["repeat-cbc", "medication-review", "continue-current-medication"], "thiopurines")
EARLY = (["repeat-cbc", "repeat-cbc", "withhold-suspected-drug"], "thiopurines")
EXPERT = (["repeat-cbc", "medication-review", "withhold-suspected-drug", "ebv-serology", "repeat-cbc"], "thiopurines")


def section(page: str, heading: str) -> str:
    """The visible text from the heading ``heading`` to the next heading of any level."""
    text = " ".join(re.sub(r"<(?!/?h\d)[^>]+>", " ", html.unescape(page)).split())
    match = re.search(rf"<h\d[^>]*> ?{re.escape(heading)} ?</h\d>(.*?)<h\d", text)
    assert match, f"no section {heading!r}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def test_habits_name_never_choices_and_the_follow_up_count(client, tmp_path):
    learner = make_user()
    case = import_schema2_case(tmp_path)
    for steps, diagnosis in (NEVER, EARLY, EXPERT):
        make_graded_attempt(case=case, user=learner, steps=steps, diagnosis=diagnosis)
    client.force_login(learner)
    page = client.get("/accounts/dashboard/").content.decode()

    never = section(page, "Never options you chose")
    assert "In 1 of your 3 submitted attempts you chose something no competent clinician would do" in never
    assert "Continue current medication unchanged 1" in never

    missed = section(page, "Essential steps you miss")
    # The follow-up count was needed in all three attempts and missed in the one that continued the drug.
    assert "Repeat CBC with differential and ANC (2nd time) 1 3 33%" in missed

    over = section(page, "Steps you over-order")
    # Counted again before the drug was withheld: premature, on the follow-up count's own line.
    assert "Repeat CBC with differential and ANC (2nd time) 1 premature 1" in over
    assert "Continue current medication" not in over


def test_a_learner_without_never_choices_reads_none(client, tmp_path):
    learner = make_user()
    case = import_schema2_case(tmp_path)
    make_graded_attempt(case=case, user=learner, steps=EXPERT[0], diagnosis=EXPERT[1])
    client.force_login(learner)
    page = client.get("/accounts/dashboard/").content.decode()
    assert "None: you have not chosen a never option." in section(page, "Never options you chose")
