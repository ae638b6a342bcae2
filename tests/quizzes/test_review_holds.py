"""Review that holds after approval (quizzes): a quiz takes approved cases only; an approved
quiz is read-only and changes through a draft of changes someone who did not edit it
approves; load_quizzes goes through the same workflow."""

from __future__ import annotations

import html
from io import StringIO

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from leucocases.cases.authoring import case_duplicate
from leucocases.cases.models import Attempt, Case
from leucocases.editorial.models import ReviewStatus
from leucocases.editorial.services import review_transition
from leucocases.quizzes.models import Quiz, QuizItem
from leucocases.quizzes.review import quiz_draft_start
from leucocases.quizzes.services import quiz_attempt_start_or_resume
from tests.accounts.factories import make_instructor, make_user
from tests.cases.factories import make_case
from tests.instructor.admin_forms import admin_action, change_url
from tests.quizzes.factories import make_quiz

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def quiz_form(quiz: Quiz, cases: list[Case], **fields) -> dict:
    """The quiz's change form as an editor posts it, with ``cases`` as its items in order."""
    existing = list(quiz.items.order_by("position"))
    data = {
        "title": quiz.title,
        "slug": quiz.slug,
        "description": quiz.description,
        "mode": quiz.mode,
        "time_limit_minutes": quiz.time_limit_minutes or "",
        "max_attempts": quiz.max_attempts or "",
        "available_from_0": "",
        "available_from_1": "",
        "available_until_0": "",
        "available_until_1": "",
        "items-TOTAL_FORMS": str(len(cases)),
        "items-INITIAL_FORMS": str(len(existing)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for index, case in enumerate(cases):
        if index < len(existing):
            data[f"items-{index}-id"] = str(existing[index].pk)
            data[f"items-{index}-quiz"] = str(quiz.pk)
        data[f"items-{index}-position"] = str(index + 1)
        data[f"items-{index}-case"] = str(case.pk)
    return data | fields


@pytest.fixture
def people():
    return {"author": make_instructor(), "reviewer": make_instructor(), "editor": make_instructor()}


@pytest.fixture
def two_cases():
    return [make_case(title="First").case, make_case(title="Second").case]


class TestApprovedCasesOnly:
    def test_a_fresh_duplicate_cannot_be_added_to_a_quiz(self, people, two_cases):
        """Hole 2: a "Duplicate as a new draft" is refused by the quiz's case inline, and nothing is saved."""
        quiz = make_quiz(cases=two_cases, status=ReviewStatus.DRAFT)
        copy = case_duplicate(case=two_cases[0], user=people["editor"])
        response = logged_in(people["editor"]).post(change_url(quiz), quiz_form(quiz, [*two_cases, copy]))
        assert response.status_code == 200
        assert "A quiz takes approved cases only; this one is not approved." in text(response)
        assert quiz.items.count() == 2

    def test_the_case_picker_offers_approved_active_cases_only(self, people, two_cases):
        draft = make_case(title="Draft case", status=ReviewStatus.DRAFT).case
        case_duplicate(case=two_cases[0], user=people["editor"])
        response = logged_in(people["editor"]).get(
            reverse("admin:autocomplete"),
            {"app_label": "quizzes", "model_name": "quizitem", "field_name": "case", "term": ""},
        )
        ids = {row["id"] for row in response.json()["results"]}
        assert ids == {str(case.pk) for case in two_cases}
        assert str(draft.pk) not in ids

    def test_item_clean_refuses_a_draft_of_changes(self, people, two_cases):
        from leucocases.cases.review import case_draft_start

        Case.objects.filter(pk=two_cases[0].pk).update(version=1)
        draft, _ = case_draft_start(case=Case.objects.get(pk=two_cases[0].pk), user=people["editor"])
        quiz = make_quiz(cases=[two_cases[1]], status=ReviewStatus.DRAFT)
        with pytest.raises(ValidationError) as error:
            QuizItem(quiz=quiz, case=draft, position=2).full_clean()
        assert error.value.error_dict["case"][0].code == "case_not_approved"

    def test_a_quiz_holding_a_draft_or_archived_case_is_not_approved(self, people, two_cases):
        """Data from before the rule: approval is refused and says which case is the problem."""
        quiz = make_quiz(cases=two_cases, status=ReviewStatus.UNDER_REVIEW)
        Case.objects.filter(pk=two_cases[1].pk).update(review_status=ReviewStatus.DRAFT)
        messages = admin_action(logged_in(people["reviewer"]), "approve", [quiz])
        assert any("was not approved: Case “Second” is not approved (draft)." in m for m in messages)
        Case.objects.filter(pk=two_cases[1].pk).update(
            review_status=ReviewStatus.APPROVED, archived_at="2026-01-01T00:00Z"
        )
        messages = admin_action(logged_in(people["reviewer"]), "approve", [quiz])
        assert any("Case “Second” is archived" in m for m in messages)
        assert Quiz.objects.get(pk=quiz.pk).review_status == ReviewStatus.UNDER_REVIEW


class TestApprovedQuizIsReadOnly:
    def test_posting_the_change_form_changes_nothing(self, people, two_cases):
        """Hole 1 for quizzes: no settings or items change on an approved quiz, and the page says why."""
        quiz = make_quiz(cases=two_cases, title="Locked quiz")
        third = make_case(title="Third").case
        client = logged_in(people["editor"])
        page = text(client.get(change_url(quiz)))
        assert "Approved" in page and 'value="Start a draft of changes"' in page
        assert 'name="items-0-case"' not in page and 'name="_save"' not in page
        response = client.post(change_url(quiz), quiz_form(quiz, [third], title="Changed"), follow=True)
        assert any("This quiz is approved, so nothing was saved" in str(m) for m in response.context["messages"])
        quiz.refresh_from_db()
        assert quiz.title == "Locked quiz" and list(quiz.cases.order_by("quiz_items__position")) == two_cases

    def test_an_approved_quiz_cannot_go_back_to_draft(self, people, two_cases):
        quiz = make_quiz(cases=two_cases)
        messages = admin_action(logged_in(people["editor"]), "return_to_draft", [quiz])
        assert any("Approved work stays approved" in m for m in messages)
        with pytest.raises(ValidationError):
            review_transition(obj=quiz, user=people["editor"], to_status=ReviewStatus.DRAFT)
        assert Quiz.objects.get(pk=quiz.pk).review_status == ReviewStatus.APPROVED


class TestDraftOfChanges:
    def test_a_draft_of_changes_is_reviewed_and_published_in_place(self, people, two_cases):
        """The approved quiz stays as learners take it while its draft of changes is edited and
        reviewed; approving it publishes the new case list in place. An attempt under way keeps its
        cases; the next attempt gets the new list; results count the cases learners get."""
        quiz = make_quiz(cases=two_cases, title="Weekly quiz", mode="practice")
        learner = make_user()
        under_way = quiz_attempt_start_or_resume(quiz=quiz, user=learner)

        editor = logged_in(people["editor"])
        response = editor.post(reverse("admin:quizzes_quiz_draft_start", args=[quiz.pk]))
        draft = Quiz.objects.get(draft_of=quiz)
        assert response["Location"] == change_url(draft) and draft.slug == f"{quiz.slug}--draft"
        assert "Draft of changes to “Weekly quiz”" in text(editor.get(change_url(draft)))
        third = make_case(title="Third").case
        response = editor.post(change_url(draft), quiz_form(draft, [*two_cases, third]))
        assert response.status_code == 302, text(response)[:2000]

        # Learners still get two cases; the draft is not offered to anyone.
        assert Client().get(reverse("quizzes:detail", args=[draft.slug])).status_code == 404
        assert quiz.items.count() == 2

        admin_action(editor, "submit_for_review", [draft])
        reviewer = logged_in(people["reviewer"])
        admin_action(reviewer, "start_review", [draft])
        assert any("Nobody reviews or approves their own work" in m for m in admin_action(editor, "approve", [draft]))
        admin_action(reviewer, "approve", [draft])

        quiz.refresh_from_db()
        assert not Quiz.objects.filter(pk=draft.pk).exists()
        assert (quiz.review_status, quiz.reviewer) == (ReviewStatus.APPROVED, people["reviewer"])
        assert [item.case for item in quiz.items.order_by("position")] == [*two_cases, third]
        assert Attempt.objects.filter(quiz_case__quiz_attempt=under_way).count() == 2

        results = logged_in(people["reviewer"]).get(reverse("instructor:quiz_results", args=[quiz.slug]))
        assert len(results.context["results"].cases) == 3
        assert "0 of 3 done" in text(results)

    def test_the_author_of_a_draft_of_changes_may_not_approve_it(self, people, two_cases):
        """Starting a draft of changes logs its starter as an editor, by any route."""
        quiz = make_quiz(cases=two_cases, mode=Quiz.Mode.PRACTICE)  # practice cases: an exam may not hold them
        draft, created = quiz_draft_start(quiz=quiz, user=people["editor"])
        assert created and draft.author == people["editor"]
        draft.review_status = ReviewStatus.UNDER_REVIEW
        draft.author = None  # even without the author field, the change log names them
        draft.save()
        assert any(
            "Nobody reviews or approves" in m for m in admin_action(logged_in(people["editor"]), "approve", [draft])
        )


class TestLoadQuizzes:
    def write(self, tmp_path, quizzes) -> str:
        path = tmp_path / "quizzes.yaml"
        path.write_text(yaml.safe_dump({"quizzes": quizzes}, sort_keys=False), encoding="utf-8")
        return str(path)

    def test_a_draft_case_in_a_quiz_file_is_refused(self, people, two_cases, tmp_path):
        draft = make_case(slug="not-yet", status=ReviewStatus.DRAFT).case
        path = self.write(
            tmp_path, [{"slug": "q", "title": "Q", "status": "approved", "cases": [two_cases[0].slug, draft.slug]}]
        )
        err = StringIO()
        with pytest.raises(CommandError, match="nothing was written"):
            call_command("load_quizzes", path, stdout=StringIO(), stderr=err)
        assert "cases[1]: case 'not-yet' is not approved; a quiz takes approved cases only" in err.getvalue()
        assert not Quiz.objects.exists()

    def test_an_approved_quiz_is_changed_through_its_draft_or_by_a_publisher(self, people, two_cases, tmp_path):
        """Without --publish-as a changed file goes into the quiz's draft of changes; with it, the quiz
        is updated in place, unless a draft of changes is under way."""
        make_instructor(username="chief")
        spec = {"slug": "weekly", "title": "Weekly", "status": "approved", "cases": [two_cases[0].slug]}
        call_command("load_quizzes", self.write(tmp_path, [spec]), publish_as="chief", stdout=StringIO())
        quiz = Quiz.objects.get(slug="weekly")
        assert (quiz.review_status, quiz.reviewer.username) == ("approved", "chief")

        spec["cases"] = [case.slug for case in two_cases]
        out = StringIO()
        call_command("load_quizzes", self.write(tmp_path, [spec]), stdout=out)
        assert "1 quiz was loaded as a draft (1 into the draft of changes of an approved quiz)" in out.getvalue()
        assert quiz.items.count() == 1
        draft = Quiz.objects.get(draft_of=quiz)
        assert draft.items.count() == 2 and draft.review_status == ReviewStatus.DRAFT

        with pytest.raises(CommandError):
            call_command("load_quizzes", self.write(tmp_path, [spec]), publish_as="chief", stdout=StringIO())
        assert quiz.items.count() == 1
        draft.delete()
        call_command("load_quizzes", self.write(tmp_path, [spec]), publish_as="chief", stdout=StringIO())
        assert Quiz.objects.get(pk=quiz.pk).items.count() == 2

    def test_a_quiz_file_is_loaded_as_a_draft_without_a_publisher(self, two_cases, tmp_path):
        spec = {"slug": "weekly", "title": "Weekly", "status": "approved", "cases": [two_cases[0].slug]}
        call_command("load_quizzes", self.write(tmp_path, [spec]), stdout=StringIO())
        assert Quiz.objects.get(slug="weekly").review_status == ReviewStatus.DRAFT
        assert not Quiz.objects.published().exists()
