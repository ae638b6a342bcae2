"""Cohort results of a quiz: learners × cases, the cohort filter, and the CSV export."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from leucocases.cases.models import Choice
from leucocases.instructor.selectors import CSV_COLUMNS, quiz_results
from leucocases.taxonomy.models import WorkupStep
from tests.accounts.factories import make_instructor, make_user
from tests.cases.factories import GOOD_PATH, make_case
from tests.pages import visible_text
from tests.quizzes.factories import make_cohort, make_quiz, make_quiz_attempt

pytestmark = pytest.mark.django_db

WEAK_PATH = (["bone-marrow-biopsy"], "aplastic-anaemia")


@pytest.fixture
def world():
    """A two-case quiz; ada finished it, bo is half-way, cy (in the cohort) has not started, and dee
    (outside the cohort) finished it."""
    first = make_case(title="First case").case
    second = make_case(title="Second case").case
    quiz = make_quiz(cases=[first, second], slug="monday-quiz", title="Monday quiz", mode="practice")
    ada = make_user(username="ada", first_name="Ada", last_name="Lovelace")
    bo = make_user(username="bo")
    cy = make_user(username="cy")
    dee = make_user(username="dee")
    cohort = make_cohort(learners=[ada, bo, cy], name="Group A")
    quiz.cohorts.add(cohort)
    make_quiz_attempt(quiz=quiz, user=ada, paths=[GOOD_PATH, WEAK_PATH], minutes_per_case=5)
    bo_attempt = make_quiz_attempt(quiz=quiz, user=bo, paths=[GOOD_PATH, None], finished=False, minutes_per_case=3)
    # bo has chosen a step in case 2: in progress (a case with no choice is not started).
    Choice.objects.create(
        attempt=bo_attempt.case_attempts.get(case=second), step=WorkupStep.objects.get(slug="cmv-pcr"), position=1
    )
    make_quiz_attempt(quiz=quiz, user=dee, paths=[WEAK_PATH, GOOD_PATH])
    return quiz, cohort, first, second


def test_rows_are_quiz_attempts_and_cohort_learners_not_started(world):
    """Filtered by cohort: ada (finished), bo (in progress) and cy (not started); dee is outside it."""
    quiz, cohort, first, second = world
    results = quiz_results(quiz=quiz, cohort=cohort)
    rows = {row.learner.username: row for row in results.rows}
    assert list(rows) == ["ada", "bo", "cy"]
    ada, bo, cy = rows["ada"], rows["bo"], rows["cy"]
    assert [c.total for c in ada.cells] == [100.0, ada.cells[1].total]
    assert ada.cells[1].total < 40
    assert [c.status for c in ada.cells] == ["submitted", "submitted"]
    assert [c.seconds_on_case for c in ada.cells] == [300, 300]
    assert [c.seconds_since_start for c in ada.cells] == [300, 600]
    assert (ada.status, ada.completed) == ("Completed", 2)
    assert [c.status for c in bo.cells] == ["submitted", "in_progress"]
    assert (bo.status, bo.mean_total) == ("In progress", 100.0)
    assert cy.quiz_attempt is None and [c.status for c in cy.cells] == ["not_started", "not_started"]
    everyone = quiz_results(quiz=quiz)
    assert [row.learner.username for row in everyone.rows] == ["ada", "bo", "cy", "dee"]


def test_a_case_not_reached_is_not_started(world):
    """A quiz attempt opens every case's attempt when it starts; one with no choice has not been reached."""
    quiz, cohort, first, second = world
    cy = quiz_results(quiz=quiz, cohort=cohort).rows[2].learner
    make_quiz_attempt(quiz=quiz, user=cy, paths=[GOOD_PATH, None], finished=False)
    row = next(r for r in quiz_results(quiz=quiz, cohort=cohort).rows if r.learner == cy)
    assert [c.status_label for c in row.cells] == ["Submitted", "Not started"]
    assert row.status == "In progress"


def test_a_second_attempt_is_a_second_row(world):
    quiz, cohort, *_ = world
    ada = quiz_results(quiz=quiz, cohort=cohort).rows[0].learner
    make_quiz_attempt(quiz=quiz, user=ada, paths=[WEAK_PATH, WEAK_PATH])
    rows = [r for r in quiz_results(quiz=quiz, cohort=cohort).rows if r.learner == ada]
    assert [r.attempt_number for r in rows] == [1, 2]


def test_results_page_shows_scores_times_and_links_to_reports(client, world):
    """The page lists each learner's score and time per case, each score linking to the instructor's report view."""
    quiz, cohort, first, _second = world
    client.force_login(make_instructor())
    response = client.get(reverse("instructor:quiz_results", args=[quiz.slug]), {"cohort": cohort.slug})
    assert response.status_code == 200
    page = visible_text(response)
    assert "Cohort Group A : 3 learners, 3 rows, 1 finished attempt." in page
    assert "ada Ada Lovelace 1 Completed 2 of 2 done 100.0 : report of ada on case 1 Submitted · 5 min 0 s" in page
    assert "cy — Not started Not started Not started —" in page
    assert "dee" not in page
    attempt = first.attempts.get(user__username="ada")
    assert reverse("instructor:attempt_report", args=[attempt.pk]) in response.content.decode()
    assert f'href="/instructor/quizzes/monday-quiz/results.csv?cohort={cohort.slug}"' in response.content.decode()


def test_csv_has_one_row_per_learner_and_case(client, world):
    """The CSV is an attachment with a header and one row per learner's attempt × case."""
    quiz, cohort, first, second = world
    client.force_login(make_instructor())
    response = client.get(reverse("instructor:quiz_results_csv", args=[quiz.slug]), {"cohort": cohort.slug})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # so that Excel reads it as UTF-8
    assert re.fullmatch(
        r'attachment; filename="monday-quiz-cohort-\d+-results-\d{8}\.csv"', response["Content-Disposition"]
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert list(rows[0].keys()) == list(CSV_COLUMNS)
    assert [(r["learner"], r["case"], r["case_status"]) for r in rows] == [
        ("ada", first.slug, "submitted"),
        ("ada", second.slug, "submitted"),
        ("bo", first.slug, "submitted"),
        ("bo", second.slug, "in_progress"),
        ("cy", first.slug, "not_started"),
        ("cy", second.slug, "not_started"),
    ]
    ada_first = rows[0]
    assert ada_first | {"started_at": "", "submitted_at": ""} == {
        "quiz": "monday-quiz",
        "cohort": "Group A",
        "learner": "ada",
        "learner_name": "Ada Lovelace",
        "quiz_attempt": "1",
        "quiz_status": "Completed",
        "case_position": "1",
        "case": first.slug,
        "case_title": "First case",
        "case_status": "submitted",
        "score": "100.0",
        "diagnosis_right": "yes",
        "certainty": "",  # none stated (graded by the factory, not the form)
        "certainty_mark": "",  # the quiz does not use certainty-based marking
        "differential_score": "",  # the case asks for no differential
        "must_not_miss_never_considered": "",
        "started_at": "",
        "submitted_at": "",
        "seconds_since_start": "300",
        "seconds_on_case": "300",
    }
    assert rows[1]["seconds_since_start"] == "600" and rows[1]["seconds_on_case"] == "300"
    assert rows[3]["score"] == "" and rows[4]["quiz_attempt"] == ""


def test_csv_cells_cannot_run_as_spreadsheet_formulas(client, world):
    """A name starting with "=" is written with a leading apostrophe, so a spreadsheet shows it as text."""
    quiz, cohort, *_ = world
    mallory = make_user(username="mallory", first_name='=HYPERLINK("http://x")')
    cohort.learners.add(mallory)
    client.force_login(make_instructor())
    response = client.get(reverse("instructor:quiz_results_csv", args=[quiz.slug]), {"cohort": cohort.slug})
    rows = [r for r in csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))) if r["learner"] == "mallory"]
    assert rows and all(r["learner_name"].startswith("'=") for r in rows)


def test_an_unknown_cohort_shows_everyone(client, world):
    """A cohort slug that does not exist is ignored (the form is invalid), not a server error."""
    quiz, *_ = world
    client.force_login(make_instructor())
    response = client.get(reverse("instructor:quiz_results", args=[quiz.slug]), {"cohort": "nope"})
    assert response.status_code == 200
    assert "dee" in visible_text(response)
