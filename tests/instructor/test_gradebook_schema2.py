"""The gradebook's "harmful or never" flag, from reports the engine graded against a schema-2 key."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from leucocases.cases.models import Attempt
from leucocases.instructor.gradebook import quiz_gradebook
from tests.accounts.factories import make_instructor, make_user
from tests.cases.factories import current_report, import_schema2_case
from tests.quizzes.factories import make_quiz, make_quiz_attempt

pytestmark = pytest.mark.django_db

EXPERT = ["repeat-cbc", "medication-review", "withhold-suspected-drug", "ebv-serology", "repeat-cbc"]
PATHS = {
    "clean": (EXPERT, "thiopurines"),
    # A marrow biopsy before the drug is withheld: premature, and counts as harmful.
    "harmful": (["repeat-cbc", "bone-marrow-biopsy", "withhold-suspected-drug"], "thiopurines"),
    "never": (["repeat-cbc", "continue-current-medication"], "thiopurines"),
    # Both: the never choice is the flag.
    "both": (["bone-marrow-biopsy", "continue-current-medication"], None),
}


@pytest.fixture
def quiz(tmp_path):
    case = import_schema2_case(tmp_path)
    quiz = make_quiz(cases=[case], slug="drug-quiz", title="Drug quiz")
    for name, path in PATHS.items():
        make_quiz_attempt(quiz=quiz, user=make_user(username=name), paths=[path])
    return quiz


def test_flags_read_never_and_harmful_from_the_reports(quiz):
    rows = {row.learner.username: row for row in quiz_gradebook(quiz=quiz).rows}
    flags = {name: row.marks[0].flag for name, row in rows.items()}
    assert flags == {"clean": "", "harmful": "harmful", "never": "never", "both": "never"}
    never = current_report(Attempt.objects.get(user=rows["never"].learner))
    assert never.data["never_triggered"] and not never.data["cap_triggered"]
    assert rows["never"].marks[0].total == 10.0  # this case's never total
    assert quiz_gradebook(quiz=quiz).columns[0].flagged == 3


def test_the_csv_shows_the_flag_a_director_reads(client, quiz):
    client.force_login(make_instructor())
    response = client.get(reverse("instructor:quiz_gradebook_csv", args=[quiz.slug]))
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    flag = header.index("1. A low white count on azathioprine: harmful or never")
    by_name = {row[0]: row for row in rows}
    assert [by_name[name][flag] for name in PATHS] == ["", "harmful", "never", "never"]
    assert by_name["never"][flag - 3] == "10.0"
    assert by_name["Mean"][flag] == "3 of 4 flagged"
