"""An exam and its draft of changes are one quiz: the exam-case rule (exam_cases.py) and the
run-time lock (cases/visibility.py) never set the two against each other, and approval checks
the rule again. Review that holds (a draft of changes copies the exam's cases while learners
keep taking the approved exam) meets the exam-case rule (an exam's cases are in no other quiz)."""

from __future__ import annotations

from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from leucocases.cases import services as case_services
from leucocases.cases.models import Attempt
from leucocases.editorial.models import ReviewStatus
from leucocases.quizzes import services
from leucocases.quizzes.models import Quiz, QuizAttempt, QuizItem
from leucocases.quizzes.review import quiz_draft_start
from tests.accounts.factories import make_instructor, make_user
from tests.cases.factories import make_case
from tests.instructor.admin_forms import admin_action, change_url
from tests.pages import page_html
from tests.quizzes.factories import make_quiz

from .test_review_holds import logged_in, quiz_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def exam():
    """An approved exam of two exam-only cases."""
    cases = [make_case(title=f"Exam case {i}", is_practice=False).case for i in (1, 2)]
    return make_quiz(cases=cases, mode=Quiz.Mode.EXAM, title="The exam", time_limit_minutes=30)


def test_an_exam_with_a_draft_of_changes_is_still_taken_whole(exam):
    """The draft holds the exam's cases too; it must not hide them from the exam itself."""
    quiz_draft_start(quiz=exam, user=make_instructor())
    assert [item.case.title for item in services.quiz_playable_items(quiz=exam)] == ["Exam case 1", "Exam case 2"]
    quiz_attempt = services.quiz_attempt_start_or_resume(quiz=exam, user=make_user())
    assert quiz_attempt.case_attempts.count() == 2


def test_a_finished_exam_report_stays_readable_while_a_draft_of_changes_waits(exam):
    learner = make_user()
    quiz_attempt = services.quiz_attempt_start_or_resume(quiz=exam, user=learner)
    for attempt in quiz_attempt.case_attempts.all():
        case_services.attempt_submit(attempt=attempt, diagnosis=None)
    services.quiz_attempt_finish_if_complete(quiz_attempt=quiz_attempt)
    assert QuizAttempt.objects.get(pk=quiz_attempt.pk).is_finished
    quiz_draft_start(quiz=exam, user=make_instructor())
    browser = Client()
    browser.force_login(learner)
    for attempt in Attempt.objects.filter(quiz_case__quiz_attempt=quiz_attempt):
        assert browser.get(reverse("cases:report", kwargs={"pk": attempt.pk})).status_code == 200


def test_the_exams_draft_of_changes_may_keep_and_add_cases_but_not_share_them(exam):
    """Editing the draft in the admin: the exam's own cases are not "in another quiz"; a case of
    another quiz is, and a practice case is refused as in any exam."""
    editor = logged_in(make_instructor())
    draft, _ = quiz_draft_start(quiz=exam, user=make_instructor())
    kept = [item.case for item in draft.items.order_by("position")]
    added = make_case(title="A new exam case", is_practice=False).case
    response = editor.post(change_url(draft), quiz_form(draft, [*kept, added]))
    assert response.status_code == 302, page_html(response)[:2000]
    assert draft.items.count() == 3 and exam.items.count() == 2

    shared = make_case(title="A shared case", is_practice=False).case
    make_quiz(cases=[shared], mode=Quiz.Mode.PRACTICE, title="A practice quiz")
    practice = make_case(title="A practice case", is_practice=True).case
    response = editor.post(change_url(draft), quiz_form(draft, [*kept, added, shared, practice]))
    assert response.status_code == 200
    page = page_html(response)
    assert "“A shared case” is also in the quiz “A practice quiz”: an exam's cases are in no other quiz." in page
    assert "“A practice case” is a practice case, so it cannot be in an exam" in page
    assert "is also in the quiz “The exam”" not in page
    assert draft.items.count() == 3


def test_approving_a_quiz_checks_the_exam_case_rule_again(exam):
    """Another quiz may have changed since this one was edited: approval refuses a quiz sharing an
    exam's case, and says which."""
    exam_case = exam.items.order_by("position").first().case
    practice = make_quiz(cases=[make_case(title="Practice only").case], mode=Quiz.Mode.PRACTICE, title="Practice")
    Quiz.objects.filter(pk=practice.pk).update(review_status=ReviewStatus.UNDER_REVIEW)
    QuizItem.objects.create(quiz=practice, case=exam_case, position=2)  # past the admin's check
    messages = admin_action(logged_in(make_instructor()), "approve", [practice])
    assert any("“Exam case 1” belongs to the exam “The exam”" in m for m in messages), messages
    assert Quiz.objects.get(pk=practice.pk).review_status == ReviewStatus.UNDER_REVIEW


def test_loading_an_approved_exam_without_publishing_fills_its_draft_of_changes(exam, tmp_path):
    """load_quizzes writes the file into the exam's draft of changes; the exam's own cases, which
    it keeps meanwhile, are no conflict, and loading again changes nothing."""
    cases = [item.case.slug for item in exam.items.order_by("position")]
    added = make_case(slug="a-third-exam-case", is_practice=False).case
    entry = {"slug": exam.slug, "title": exam.title, "mode": "exam", "time_limit_minutes": 30}
    path = tmp_path / "quizzes.yaml"
    path.write_text(yaml.safe_dump({"quizzes": [{**entry, "cases": [*cases, added.slug]}]}), encoding="utf-8")
    out = StringIO()
    call_command("load_quizzes", str(path), stdout=out)
    assert "1 updated" in out.getvalue()
    draft = Quiz.objects.get(draft_of=exam)
    assert list(draft.items.order_by("position").values_list("case__slug", flat=True)) == [*cases, added.slug]
    assert exam.items.count() == 2
    out = StringIO()
    call_command("load_quizzes", str(path), stdout=out)
    assert "1 unchanged" in out.getvalue()
