"""The authoring rule for exam cases: an exam's case is never a practice case and is in no
other quiz (docs/quizzes.md). Refused with a clear error in the quiz admin, the case admin
and load_quizzes; the run-time lock is in test_exam_lock.py."""

from __future__ import annotations

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.core.management import CommandError
from django.urls import reverse

from leucocases.cases.models import Case
from leucocases.editorial.models import ReviewStatus
from leucocases.quizzes.content import QuizFileError, load_quizzes, validate_quizzes
from leucocases.quizzes.models import Quiz, QuizItem
from tests.cases.factories import make_case
from tests.instructor.admin_forms import form_data
from tests.quizzes.factories import make_quiz

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(get_user_model().objects.create_superuser("editor", "editor@example.com", "pw-for-tests-only"))
    return client


def page_text(response) -> str:
    return response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')


def quiz_post(*, mode: str, cases: list[Case], slug: str = "new-quiz", title: str = "New quiz") -> dict:
    data = {
        "title": title,
        "slug": slug,
        "description": "",
        "mode": mode,
        "time_limit_minutes": "",
        "max_attempts": "",
        "available_from_0": "",
        "available_from_1": "",
        "available_until_0": "",
        "available_until_1": "",
        "items-TOTAL_FORMS": str(len(cases)),
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for i, case in enumerate(cases):
        data |= {f"items-{i}-position": str(i + 1), f"items-{i}-case": str(case.pk)}
    return data


# --- the quiz admin ------------------------------------------------------------------------


def test_adding_a_practice_case_to_an_exam_is_refused_on_its_row(admin_client):
    practice_case = make_case(title="A practice case", is_practice=True).case
    exam_only = make_case(title="An exam-only case", is_practice=False).case
    response = admin_client.post(
        reverse("admin:quizzes_quiz_add"), quiz_post(mode=Quiz.Mode.EXAM, cases=[exam_only, practice_case])
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "“A practice case” is a practice case, so it cannot be in an exam" in text
    assert "An exam-only case” is a practice case" not in text
    assert not Quiz.objects.filter(slug="new-quiz").exists()


def test_putting_an_exam_case_in_another_quiz_is_refused_either_way(admin_client):
    """A practice quiz may not take an exam's case, and an exam may not take a case another quiz has."""
    exam_case = make_case(title="The exam's case", is_practice=False).case
    make_quiz(cases=[exam_case], mode=Quiz.Mode.EXAM, title="The big exam")
    response = admin_client.post(
        reverse("admin:quizzes_quiz_add"), quiz_post(mode=Quiz.Mode.PRACTICE, cases=[exam_case])
    )
    assert "“The exam's case” belongs to the exam “The big exam”: an exam's cases are in no other quiz." in (
        page_text(response)
    )
    shared = make_case(title="A shared case", is_practice=False).case
    make_quiz(cases=[shared], mode=Quiz.Mode.PRACTICE, title="A practice quiz")
    response = admin_client.post(
        reverse("admin:quizzes_quiz_add"), quiz_post(mode=Quiz.Mode.EXAM, cases=[shared], slug="exam-two")
    )
    assert "“A shared case” is also in the quiz “A practice quiz”: an exam's cases are in no other quiz." in (
        page_text(response)
    )
    assert QuizItem.objects.filter(case__in=[exam_case, shared]).count() == 2


def test_switching_a_practice_quiz_to_exam_mode_checks_its_cases(admin_client):
    """The rule applies to the mode being saved, not the stored one (a draft: approved quizzes are read-only)."""
    quiz = make_quiz(
        cases=[make_case(title="Practised here", is_practice=True).case],
        mode=Quiz.Mode.PRACTICE,
        status=ReviewStatus.DRAFT,
    )
    url = reverse("admin:quizzes_quiz_change", args=[quiz.pk])
    data = form_data(admin_client.get(url).content.decode(), "quiz_form")
    data["mode"] = [Quiz.Mode.EXAM]
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "“Practised here” is a practice case, so it cannot be in an exam" in page_text(response)
    assert Quiz.objects.get(pk=quiz.pk).mode == Quiz.Mode.PRACTICE


def test_an_exam_of_exam_only_cases_saves(admin_client):
    cases = [make_case(title=f"Exam case {i}", is_practice=False).case for i in (1, 2)]
    response = admin_client.post(reverse("admin:quizzes_quiz_add"), quiz_post(mode=Quiz.Mode.EXAM, cases=cases))
    assert response.status_code == 302, page_text(response)[:2000]


# --- the case admin ------------------------------------------------------------------------


def test_marking_an_exam_case_practice_is_refused_in_the_case_admin(admin_client):
    """Refused on the case's draft of changes (an approved case is read-only), which would be
    published into the exam's case."""
    case = make_case(title="Exam case", is_practice=False).case
    make_quiz(cases=[case], mode=Quiz.Mode.EXAM, title="The big exam")
    assert admin_client.post(reverse("admin:cases_case_draft_start", args=[case.pk])).status_code == 302
    draft = Case.objects.get(draft_of=case)
    url = reverse("admin:cases_case_change", args=[draft.pk])
    data = form_data(admin_client.get(url).content.decode(), "case_form")
    data["is_practice"] = ["on"]
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "This case is in the exam “The big exam”, so it cannot be a practice case" in page_text(response)
    assert Case.objects.get(pk=draft.pk).is_practice is False
    data.pop("is_practice")
    assert admin_client.post(url, data).status_code == 302


# --- load_quizzes ------------------------------------------------------------------------


def test_load_quizzes_refuses_a_file_that_breaks_the_rule_and_writes_nothing():
    """An exam listing a practice case, and a case in both an exam and a practice quiz of the file,
    are reported by quiz and case slug; nothing is written."""
    practice_case = make_case(slug="practice-case", is_practice=True).case
    exam_case = make_case(slug="exam-case", is_practice=False).case
    data = {
        "quizzes": [
            {"slug": "exam", "title": "Exam", "mode": "exam", "cases": [exam_case.slug, practice_case.slug]},
            {"slug": "practice", "title": "Practice", "cases": [exam_case.slug]},
        ]
    }
    _, errors = validate_quizzes(data)
    assert errors == [
        "quizzes (exam).cases: “exam-case” is also in the quiz “Practice”: an exam's cases are in no other quiz.",
        "quizzes (exam).cases: “practice-case” is a practice case, so it cannot be in an exam: anyone could "
        "play it and read its report. Untick “practice” on the case, or choose another case.",
        "quizzes (practice).cases: “exam-case” belongs to the exam “Exam”: an exam's cases are in no other quiz.",
    ]
    with pytest.raises(QuizFileError):
        load_quizzes(data)
    assert not Quiz.objects.exists()


def test_load_quizzes_checks_against_quizzes_already_in_the_database(tmp_path):
    """A quiz the file does not mention keeps its cases: a file exam may not take one of them, and a
    file practice quiz may not take a database exam's case. A quiz the file rewrites frees its cases."""
    from django.core.management import call_command

    taken = make_case(slug="taken", is_practice=False).case
    make_quiz(cases=[taken], mode=Quiz.Mode.PRACTICE, slug="old-practice", title="Old practice")
    path = tmp_path / "quizzes.yaml"
    path.write_text(
        yaml.safe_dump({"quizzes": [{"slug": "exam", "title": "Exam", "mode": "exam", "cases": ["taken"]}]}),
        encoding="utf-8",
    )
    with pytest.raises(CommandError):
        call_command("load_quizzes", str(path), verbosity=0)
    _, errors = validate_quizzes(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert errors == [
        "quizzes (exam).cases: “taken” is also in the quiz “Old practice”: an exam's cases are in no other quiz."
    ]
    # Rewriting the old quiz in the same file (here: another case) frees "taken" for the exam,
    # when the approved old quiz is published with it (--publish-as) ...
    other = make_case(slug="other", is_practice=False).case
    data = {
        "quizzes": [
            {"slug": "exam", "title": "Exam", "mode": "exam", "cases": ["taken"]},
            {"slug": "old-practice", "title": "Old practice", "status": "approved", "cases": [other.slug]},
        ]
    }
    assert validate_quizzes(data, publishing=True)[1] == []
    # ... not when the change goes into its draft of changes: learners keep the approved quiz, and "taken".
    assert validate_quizzes(data)[1] == [
        "quizzes (exam).cases: “taken” is also in the quiz “Old practice”: an exam's cases are in no other quiz."
    ]
