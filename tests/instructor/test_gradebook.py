"""The gradebook of a quiz: one row per learner, as CSV (with a byte order mark) and as XLSX."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from leucocases.cases.models import Choice, GradedReport
from leucocases.instructor.gradebook import quiz_gradebook
from leucocases.instructor.sample_size import SMALL_SAMPLE
from leucocases.taxonomy.models import WorkupStep
from tests.accounts.factories import make_instructor, make_user
from tests.cases.factories import GOOD_PATH, current_report, make_case
from tests.quizzes.factories import make_cohort, make_quiz, make_quiz_attempt

pytestmark = pytest.mark.django_db

WEAK_PATH = (["bone-marrow-biopsy"], "aplastic-anaemia")  # harmful: the total is capped
TITLE = "Neutrophils 0.4 ×10⁹/L after chemotherapy"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def world():
    """ada finished twice (the first attempt better); bo is on case 2 (one step chosen); cy (in the
    cohort) has not started; dee opened the quiz but not case 2; zoé finished once, harmfully;
    eve (outside the cohort) finished."""
    first = make_case(title=TITLE).case
    second = make_case(title="Second case").case
    quiz = make_quiz(cases=[first, second], slug="monday-quiz", title="Monday quiz", mode="practice")
    people = {
        name: make_user(username=name, **extra)
        for name, extra in [
            ("ada", {"first_name": "Ada", "last_name": "Lovelace"}),
            ("bo", {}),
            ("cy", {}),
            ("dee", {}),
            ("zoe", {"first_name": "Zoé", "last_name": "Ångström", "email": "zoé@example.org"}),
            ("eve", {}),
        ]
    }
    cohort = make_cohort(learners=[p for n, p in people.items() if n != "eve"], name="Group É")
    quiz.cohorts.add(cohort)
    make_quiz_attempt(quiz=quiz, user=people["ada"], paths=[GOOD_PATH, WEAK_PATH])
    make_quiz_attempt(quiz=quiz, user=people["ada"], paths=[WEAK_PATH, WEAK_PATH])
    bo = make_quiz_attempt(quiz=quiz, user=people["bo"], paths=[GOOD_PATH, None], finished=False)
    attempt = bo.case_attempts.get(case=second)
    Choice.objects.create(attempt=attempt, step=WorkupStep.objects.get(slug="peripheral-smear"), position=1)
    make_quiz_attempt(quiz=quiz, user=people["dee"], paths=[GOOD_PATH, None], finished=False)
    make_quiz_attempt(quiz=quiz, user=people["zoe"], paths=[WEAK_PATH, GOOD_PATH])
    make_quiz_attempt(quiz=quiz, user=people["eve"], paths=[GOOD_PATH, GOOD_PATH])
    return quiz, cohort, first, second, people


def test_one_row_per_learner_with_best_last_and_mean(world):
    quiz, cohort, first, second, people = world
    gradebook = quiz_gradebook(quiz=quiz, cohort=cohort)
    rows = {row.learner.username: row for row in gradebook.rows}
    assert list(rows) == ["ada", "bo", "cy", "dee", "zoe"]
    weak = current_report(first.attempts.filter(user=people["zoe"]).get()).total
    assert weak < 40

    ada = rows["ada"]
    assert (ada.status, ada.attempts, ada.finished, ada.shown_attempt) == ("Finished", 2, 2, 1)
    assert [m.total for m in ada.marks] == [100.0, weak]
    assert [m.flag for m in ada.marks] == ["", "harmful"]
    first_total, second_total = round((100.0 + weak) / 2, 1), weak
    assert (ada.best, ada.last, ada.mean) == (first_total, second_total, round((first_total + second_total) / 2, 1))

    assert (rows["bo"].status, [m.state for m in rows["bo"].marks]) == ("In progress", ["Graded", "In progress"])
    assert (rows["bo"].best, rows["bo"].last, rows["bo"].mean) == (None, None, None)
    assert (rows["cy"].status, rows["cy"].shown_attempt) == ("Not started", None)
    assert [m.state for m in rows["cy"].marks] == ["Not started", "Not started"]
    # dee's quiz attempt opened case 2's attempt, but dee never chose anything in it.
    assert [m.state for m in rows["dee"].marks] == ["Graded", "Not started"]
    assert rows["zoe"].cohorts == ("Group É",)

    # Per-case means and medians over the learners graded on each case: ada, bo, dee, zoé on case 1.
    column = gradebook.columns[0]
    assert (column.total.n, column.flagged) == (4, 1)
    assert column.total.mean == round((100 + 100 + 100 + weak) / 4, 1)
    assert column.total.median == 100.0
    assert gradebook.small_sample and gradebook.graded_learners == 4 < SMALL_SAMPLE


def test_without_a_cohort_every_learner_with_their_cohorts(world):
    quiz, cohort, *_, people = world
    gradebook = quiz_gradebook(quiz=quiz)
    rows = {row.learner.username: row for row in gradebook.rows}
    assert list(rows) == ["ada", "bo", "cy", "dee", "eve", "zoe"]
    assert rows["ada"].cohorts == ("Group É",)
    assert rows["eve"].cohorts == ()  # not in the quiz's cohort (she took it before it was assigned)


def test_a_never_choice_is_flagged_never(world):
    quiz, cohort, first, _second, people = world
    report = current_report(first.attempts.get(user=people["zoe"]))
    GradedReport.objects.filter(pk=report.pk).update(data={**report.data, "never_triggered": True})
    zoe = next(r for r in quiz_gradebook(quiz=quiz, cohort=cohort).rows if r.learner.username == "zoe")
    assert zoe.marks[0].flag == "never"


def test_csv_starts_with_a_byte_order_mark_and_keeps_every_character(client, world):
    quiz, cohort, *_ = world
    client.force_login(make_instructor())
    response = client.get(reverse("instructor:quiz_gradebook_csv", args=[quiz.slug]), {"cohort": cohort.slug})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="monday-quiz-cohort-\d+-gradebook-\d{8}\.csv"', response["Content-Disposition"]
    )
    assert response.content.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header[:7] == ["Username", "Name", "E-mail", "Cohort", "Status", "Attempts", "Case marks from attempt"]
    parts = ("score", "workup", "diagnosis", "harmful or never", "certainty")
    assert header[7:12] == [f"1. {TITLE}: {part}" for part in parts]
    totals = header.index("Quiz total (best)")
    assert header[totals : totals + 3] == ["Quiz total (best)", "Quiz total (last)", "Quiz total (mean)"]
    by_name = {row[0]: row for row in rows}
    assert by_name["zoe"][1:5] == ["Zoé Ångström", "zoé@example.org", "Group É", "Finished"]
    assert by_name["zoe"][10] == "harmful"
    assert by_name["cy"][4:8] == ["Not started", "0", "", "Not started"]
    assert by_name["bo"][12] == "In progress"
    assert by_name["ada"][7] == "100.0"
    assert [row[0] for row in rows[-3:]] == ["Mean", "Median", "Learners graded"]
    assert by_name["Learners graded"][7] == "4" and by_name["Mean"][10] == "1 of 4 flagged"


def test_xlsx_reads_back_with_numbers_text_and_notes(client, world):
    quiz, cohort, *_, people = world
    # Text a spreadsheet would run as a formula stays text.
    people["cy"].first_name = '=HYPERLINK("http://x")'
    people["cy"].save()
    client.force_login(make_instructor())
    response = client.get(reverse("instructor:quiz_gradebook_xlsx", args=[quiz.slug]), {"cohort": cohort.slug})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert re.fullmatch(
        r'attachment; filename="monday-quiz-cohort-\d+-gradebook-\d{8}\.xlsx"', response["Content-Disposition"]
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Gradebook", "About"]
    sheet = book["Gradebook"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][7] == f"1. {TITLE}: score"
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["zoe"][1:4] == ["Zoé Ångström", "zoé@example.org", "Group É"]
    assert by_name["ada"][7] == 100.0  # a number, shown with one decimal
    assert by_name["cy"][1] == '=HYPERLINK("http://x")'
    cells = {row[0].value: row for row in sheet.iter_rows()}
    assert cells["cy"][1].data_type == "s"
    assert (cells["ada"][7].data_type, cells["ada"][7].number_format) == ("n", "0.0")
    assert by_name["Median"][7] == 100.0
    assert sheet.freeze_panes == "B2"
    notes = " ".join(str(row[0].value) for row in book["About"].iter_rows())
    assert "Monday quiz" in notes and "Group É" in notes
    assert "Only 4 learners (fewer than 20)" in notes


def test_results_page_links_to_the_gradebook_of_the_cohort_shown(client, world):
    quiz, cohort, *_ = world
    client.force_login(make_instructor())
    page = client.get(reverse("instructor:quiz_results", args=[quiz.slug]), {"cohort": cohort.slug}).content.decode()
    assert f'href="/instructor/quizzes/monday-quiz/gradebook.xlsx?cohort={cohort.slug}"' in page
    assert f'href="/instructor/quizzes/monday-quiz/gradebook.csv?cohort={cohort.slug}"' in page


@pytest.mark.parametrize("name", ["instructor:quiz_gradebook_csv", "instructor:quiz_gradebook_xlsx"])
def test_only_instructors_download_the_gradebook(client, world, name):
    quiz, *_, people = world
    url = reverse(name, args=[quiz.slug])
    assert client.get(url).status_code == 302  # to log in
    client.force_login(people["ada"])
    assert client.get(url).status_code == 403
    staff_without_rights = make_user(is_staff=True)
    client.force_login(staff_without_rights)
    assert client.get(url).status_code == 403


def test_item_statistics_from_fewer_than_20_learners_carry_a_warning(client, world):
    quiz, cohort, first, _second, _people = world
    client.force_login(make_instructor())
    quiz_page = client.get(reverse("instructor:quiz_analysis", args=[quiz.slug])).content.decode()
    # Finished attempts: ada's two, zoé's and eve's: three learners.
    assert "Small sample:</strong> Only 3 learners (fewer than 20)" in quiz_page
    case_page = client.get(reverse("instructor:case_analysis", args=[first.slug])).content.decode()
    assert "Small sample:</strong> Only 5 learners (fewer than 20)" in case_page

    for _ in range(17):
        make_quiz_attempt(quiz=quiz, user=make_user(), paths=[GOOD_PATH, GOOD_PATH])
    assert "Small sample" not in client.get(reverse("instructor:quiz_analysis", args=[quiz.slug])).content.decode()
    assert "Small sample" not in client.get(reverse("instructor:case_analysis", args=[first.slug])).content.decode()


def test_the_gradebook_takes_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    """Eight, and up to three more for the stored differentials and their causes' names (issue 18)."""
    quiz, *_ = world
    with django_assert_max_num_queries(11):
        small = quiz_gradebook(quiz=quiz)
    for _ in range(5):
        make_quiz_attempt(quiz=quiz, user=make_user(), paths=[GOOD_PATH, WEAK_PATH])
    with django_assert_max_num_queries(11):
        large = quiz_gradebook(quiz=quiz)
    assert len(large.rows) == len(small.rows) + 5


def test_certainty_and_calibration_columns(client, world):
    """Each case's stated certainty; per learner, over all their graded cases of the quiz, the diagnoses
    stated at each certainty and how many were right; the certainty-based marks where the quiz uses them."""
    quiz, cohort, first, second, people = world
    stated = {
        ("ada", 0): ("high", "low"),  # case 1: right then wrong
        ("ada", 1): ("high", "medium"),  # case 2: wrong, wrong
        ("zoe", 0): ("high",),  # wrong
        ("zoe", 1): ("medium",),  # right
    }
    for (name, index), levels in stated.items():
        case = (first, second)[index]
        attempts = case.attempts.filter(user=people[name]).order_by("pk")
        for attempt, level in zip(attempts, levels, strict=True):
            type(attempt).objects.filter(pk=attempt.pk).update(certainty=level)
    type(quiz).objects.filter(pk=quiz.pk).update(certainty_based_marking=True)
    client.force_login(make_instructor())
    response = client.get(reverse("instructor:quiz_gradebook_csv", args=[quiz.slug]), {"cohort": cohort.slug})
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    ada, zoe = by_name["ada"], by_name["zoe"]
    assert (ada[f"1. {TITLE}: certainty"], ada["2. Second case: certainty"]) == ("high", "high")
    calibration = [f"{level} certainty: {part}" for level in ("High", "Medium", "Low") for part in ("stated", "right")]
    assert [ada[c] for c in calibration] == ["2", "1", "1", "0", "1", "0"]
    assert [zoe[c] for c in calibration] == ["1", "0", "1", "1", "0", "0"]
    # From the attempt the case marks come from: ada's first (+3 right at high, -6 wrong at high).
    assert (ada["Certainty-based marks"], zoe["Certainty-based marks"]) == ("-3", "-4")
    assert by_name["cy"]["Certainty-based marks"] == "0"

    page = client.get(reverse("instructor:quiz_results", args=[quiz.slug]), {"cohort": cohort.slug}).content.decode()
    table = re.search(r'<table class="table table-sm table-striped calibration-table">.*?</table>', page, re.S)
    text = " ".join(re.sub(r"<[^>]+>", " ", table.group(0)).split())
    assert "ada 1 of 2 (50%) 0 of 1 (0%) 0 of 1 (0%) -5" in text  # over both attempts: +3 -6, then 0 -2
    assert "zoe 0 of 1 (0%) 1 of 1 (100%) 0 of 0 -4" in text
    results = list(
        csv.DictReader(
            io.StringIO(
                client.get(
                    reverse("instructor:quiz_results_csv", args=[quiz.slug]), {"cohort": cohort.slug}
                ).content.decode("utf-8-sig")
            )
        )
    )
    zoe_rows = [
        (r["case_position"], r["diagnosis_right"], r["certainty"], r["certainty_mark"])
        for r in results
        if r["learner"] == "zoe"
    ]
    assert zoe_rows == [("1", "no", "high", "-6"), ("2", "yes", "medium", "2")]
