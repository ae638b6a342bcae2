"""Cohort results and the gradebook learn the differential (issue 18): per case the must-not-miss cause most
often never considered; per learner and case, the must-not-miss causes they never considered, in the results
CSV and the gradebook (CSV and XLSX). Instructors only; a fixed number of queries."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from leucocases.quizzes.models import QuizAttempt
from tests.accounts.factories import make_instructor, make_user
from tests.cases.factories import APLASTIC, THIOPURINES, TOXINS, make_case, make_differential_case
from tests.pages import visible_text
from tests.quizzes.factories import make_cohort, make_quiz

from .factories import make_reasoned_attempt

pytestmark = pytest.mark.django_db


def take(quiz, user, *, first, final, certainty="high"):
    """One finished quiz attempt: the differential case with these lists, the plain case with the right cause."""
    qa = QuizAttempt.objects.create(quiz=quiz, user=user)
    reasoned, plain = (item.case for item in quiz.items.order_by("position").select_related("case"))
    make_reasoned_attempt(case=reasoned, user=user, first=first, final=final, certainty=certainty, quiz_attempt=qa)
    make_reasoned_attempt(case=plain, user=user, certainty=certainty, quiz_attempt=qa)
    QuizAttempt.objects.filter(pk=qa.pk).update(finished_at=qa.started_at, finish_reason="completed")
    return qa


@pytest.fixture
def world():
    reasoned = make_differential_case(title="Reasoned case")
    plain = make_case(title="Plain case").case
    quiz = make_quiz(cases=[reasoned, plain], slug="reasoning-quiz", mode="practice")
    ada, bo, cy = (make_user(username=name) for name in ("ada", "bo", "cy"))
    quiz.cohorts.add(make_cohort(learners=[ada, bo, cy], name="Group R"))
    take(quiz, ada, first=[TOXINS], final=[THIOPURINES])  # aplastic anaemia never considered
    take(quiz, bo, first=[APLASTIC], final=[THIOPURINES, APLASTIC], certainty="low")
    take(quiz, cy, first=[], final=[THIOPURINES])  # never considered either
    return quiz


def test_the_results_page_names_each_cases_most_missed_must_not_miss_cause(client, world):
    client.force_login(make_instructor())
    page = visible_text(client.get(reverse("instructor:quiz_results", args=[world.slug])))
    assert "Differentials by case: the must-not-miss cause most often never considered" in page
    # Scored: ada (1 of 3 weighted, 1 of 3) 33.3; bo (2 of 3, 3 of 3) 83.4; cy (0, 1 of 3) 16.7: mean 44.5.
    assert "Reasoned case 3 44.5 Aplastic anaemia: missed by 2 of 3 (67%)" in page
    assert "Plain case 3" not in page  # no differential asked: no line
    # Calibration per learner was already there: bo was right at low certainty.
    assert "bo 0 of 0 0 of 0 2 of 2 (100%)" in page


def test_the_results_csv_gives_each_attempts_never_considered_causes(client, world):
    client.force_login(make_instructor())
    response = client.get(reverse("instructor:quiz_results_csv", args=[world.slug]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    cells = {
        (r["learner"], r["case_title"]): (r["differential_score"], r["must_not_miss_never_considered"]) for r in rows
    }
    assert cells[("ada", "Reasoned case")] == ("33.3", APLASTIC)
    assert cells[("bo", "Reasoned case")] == ("83.4", "")
    assert cells[("ada", "Plain case")] == ("", "")


def test_the_gradebook_has_the_column_and_the_most_missed_row(client, world):
    client.force_login(make_instructor())
    response = client.get(reverse("instructor:quiz_gradebook_csv", args=[world.slug]))
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    column = "1. Reasoned case: must-not-miss never considered"
    assert column in header and "2. Plain case: must-not-miss never considered" not in header
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert (by_name["ada"][column], by_name["bo"][column], by_name["cy"][column]) == (
        "Aplastic anaemia",
        "none",
        "Aplastic anaemia",
    )
    assert by_name["Most-missed must-not-miss"][column] == "Aplastic anaemia (2 of 3)"
    assert by_name["bo"]["Low certainty: stated"] == "2" and by_name["bo"]["Low certainty: right"] == "2"
    xlsx = client.get(reverse("instructor:quiz_gradebook_xlsx", args=[world.slug]))
    sheets = load_workbook(io.BytesIO(xlsx.content))
    values = [[cell.value for cell in row] for row in sheets["Gradebook"].iter_rows()]
    index = values[0].index(column)
    assert [row[index] for row in values if row[0] == "Most-missed must-not-miss"] == ["Aplastic anaemia (2 of 3)"]
    notes = " ".join(str(row[0].value) for row in sheets["About"].iter_rows())
    assert "listed at no checkpoint" in notes


@pytest.mark.parametrize("name", ["quiz_results", "quiz_results_csv", "quiz_gradebook_csv"])
def test_a_learner_reads_no_one_elses_differential(client, world, name):
    client.force_login(world.attempts.first().user)
    assert client.get(reverse(f"instructor:{name}", args=[world.slug])).status_code == 403


def _queries(client, name, slug) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(f"instructor:{name}", args=[slug])).status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["quiz_results", "quiz_results_csv", "quiz_gradebook_csv"])
def test_the_cohort_reads_do_not_query_per_learner(client, name):
    reasoned = make_differential_case(title="Reasoned")
    quiz = make_quiz(cases=[reasoned, make_case(title="Plain").case], slug="counted", mode="practice")
    for _ in range(2):
        take(quiz, make_user(), first=[TOXINS], final=[THIOPURINES])
    client.force_login(make_instructor())
    _queries(client, name, quiz.slug)  # the worker keeps the cause names (taxonomy.kept_names)
    few = _queries(client, name, quiz.slug)
    for i in range(18):
        take(quiz, make_user(), first=[APLASTIC] if i % 2 else [], final=[THIOPURINES])
    assert _queries(client, name, quiz.slug) == few
