"""Review that holds after approval (cases): an approved case is never edited in place; its
changes go through a draft of changes that someone who did not edit it approves, while
learners keep playing the approved version; nobody approves their own work by any route."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from leucocases.cases.casefile.exporter import case_spec
from leucocases.cases.models import Attempt, Case, CaseRevision, Finding, GradedReport, ReviewComment, Tier
from leucocases.cases.review import case_draft_start
from leucocases.editorial.models import ReviewStatus
from leucocases.editorial.services import review_transition
from tests.accounts.factories import make_instructor, make_user
from tests.cases.factories import GOOD_PATH, make_case, make_graded_attempt, result_for
from tests.pages import page_html, visible_text

from .admin_forms import admin_action, as_browser_posts, change_url, form_data

pytestmark = pytest.mark.django_db

NEW_RESULT = "RESULT-VERSION-TWO: the smear as the draft of changes says."


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def status(case: Case) -> str:
    return Case.objects.get(pk=case.pk).review_status


@pytest.fixture
def people():
    return {"author": make_instructor(), "reviewer": make_instructor(), "editor": make_instructor()}


@pytest.fixture
def approved(people):
    """Version 1 of a case, written by the author and approved by the reviewer."""
    case = make_case(slug="azathioprine", title="On azathioprine").case
    Case.objects.filter(pk=case.pk).update(author=people["author"], reviewer=people["reviewer"], version=1)
    case.refresh_from_db()
    return case


def edit_draft_in_admin(client, draft: Case) -> None:
    """Change the smear's result and the difficulty on the draft's change page, as a browser posts it."""
    data = as_browser_posts(form_data(client.get(change_url(draft)).content.decode(), "case_form"))
    smear = Finding.objects.get(case=draft, step__slug="peripheral-smear")
    index = next(i for i in range(20) if data.get(f"findings-{i}-id") == [str(smear.pk)])
    data[f"findings-{index}-result"] = [NEW_RESULT]
    data["difficulty"] = [str(Case.Difficulty.ADVANCED)]
    response = client.post(change_url(draft), data)
    assert response.status_code == 302, page_html(response)[:3000]


def start_draft(client, case: Case) -> Case:
    response = client.post(reverse("admin:cases_case_draft_start", args=[case.pk]))
    draft = Case.objects.get(draft_of=case)
    assert response.status_code == 302 and response["Location"] == change_url(draft)
    return draft


class TestApprovedCaseIsReadOnly:
    def test_the_change_page_is_read_only_with_a_start_draft_button(self, people, approved):
        """An approved case's change page shows its content without inputs or Save, and offers a draft of changes."""
        client = logged_in(people["editor"])
        page = page_html(client.get(change_url(approved)))
        assert "Approved: version 1" in page
        assert 'value="Start a draft of changes"' in page
        assert 'name="presentation"' not in page and 'name="findings-0-tier"' not in page
        assert 'name="_save"' not in page

    def test_posting_the_change_form_saves_nothing(self, people, approved):
        """A change form posted on an approved case (say, opened before approval) changes no content,
        no key, no status and no reviewer, and says why."""
        before = case_spec(approved)
        draft_data = form_data(
            logged_in(people["editor"]).get(reverse("admin:cases_case_add")).content.decode(), "case_form"
        )
        draft_data |= {"title": ["Edited"], "presentation": ["Changed."], "difficulty": ["3"]}
        client = logged_in(people["editor"])
        response = client.post(change_url(approved), draft_data, follow=True)
        assert response.status_code == 200
        assert any("This case is approved, so nothing was saved" in str(m) for m in response.context["messages"])
        approved.refresh_from_db()
        assert case_spec(approved) == before
        assert (approved.review_status, approved.reviewer, approved.version) == ("approved", people["reviewer"], 1)
        assert not CaseRevision.objects.filter(case=approved).exists()

    def test_an_approved_case_cannot_go_back_to_draft(self, people, approved):
        """ "Return to draft" is refused by the bulk action and by the service: archive it to withdraw it."""
        messages = admin_action(logged_in(people["editor"]), "return_to_draft", [approved])
        assert any("was not returned to draft: Approved work stays approved" in m for m in messages)
        assert status(approved) == ReviewStatus.APPROVED
        with pytest.raises(ValidationError) as error:
            review_transition(obj=approved, user=people["editor"], to_status=ReviewStatus.DRAFT)
        assert error.value.code == "approved_is_final"


class TestDraftOfChanges:
    def test_learners_play_the_approved_version_until_the_draft_is_approved(self, people, approved):
        """The whole loop: a draft of changes is edited and reviewed while learners play version 1;
        approval publishes it in place as version 2, which new attempts then get."""
        learner = logged_in(make_user())
        play_url = approved.get_absolute_url()
        learner.get(play_url)
        early = Attempt.objects.get(case=approved)
        assert early.case_version == 1

        editor = logged_in(people["editor"])
        draft = start_draft(editor, approved)
        assert draft.slug == "azathioprine--draft" and draft.review_status == ReviewStatus.DRAFT
        assert draft.author == people["editor"]
        draft_page = page_html(editor.get(change_url(draft)))
        assert "Draft of changes to “On azathioprine”" in draft_page
        assert 'name="presentation"' in draft_page and 'name="slug"' not in draft_page  # keeps its case's slug
        assert 'name="archived_at_0"' not in draft_page
        edit_draft_in_admin(editor, draft)

        # Meanwhile learners see version 1 only; the draft is nowhere for them.
        choose = reverse("cases:choose", args=[approved.slug])
        learner.post(choose, {"attempt": early.pk, "step": "peripheral-smear"})
        page = page_html(learner.get(play_url))
        assert result_for("peripheral-smear") in page and NEW_RESULT not in page
        assert learner.get(reverse("cases:play", args=[draft.slug])).status_code == 404
        assert Client().get(reverse("cases:play", args=[draft.slug])).status_code == 404
        listing = visible_text(Client().get(reverse("cases:list")))
        assert listing.count("On azathioprine") == 1
        approved.refresh_from_db()
        assert (approved.difficulty, approved.version) == (Case.Difficulty.INTERMEDIATE, 1)

        # Review: the editor submits; nobody who edited it may take it under review or approve it.
        admin_action(editor, "submit_for_review", [draft])
        assert any(
            "Nobody reviews or approves their own work" in m for m in admin_action(editor, "start_review", [draft])
        )
        reviewer = logged_in(people["reviewer"])
        admin_action(reviewer, "start_review", [draft])
        assert any("Nobody reviews or approves their own work" in m for m in admin_action(editor, "approve", [draft]))
        assert Case.objects.filter(pk=draft.pk, review_status=ReviewStatus.UNDER_REVIEW).exists()
        ReviewComment.objects.create(case=draft, author=people["reviewer"], body="Looks right.")
        messages = admin_action(reviewer, "approve", [draft])
        assert "“On azathioprine” version 2 is now what learners play. 1 attempt under way continues on it" in (
            " ".join(messages)
        )

        # Published in place: same row, version 2, the reviewer recorded, the draft gone.
        approved.refresh_from_db()
        assert not Case.objects.filter(pk=draft.pk).exists()
        assert (approved.review_status, approved.version, approved.reviewer) == ("approved", 2, people["reviewer"])
        assert approved.author == people["author"]
        assert approved.difficulty == Case.Difficulty.ADVANCED
        assert approved.findings.get(step__slug="peripheral-smear").result == NEW_RESULT
        history = list(CaseRevision.objects.filter(case=approved).order_by("number"))
        assert [r.summary for r in history][0] == "Draft of changes to version 1 started."
        assert "changed difficulty; findings: 1 changed" in history[1].summary
        assert history[-1].summary == (
            f"Version 2 published: the draft of changes by {people['editor'].username}, "
            f"approved by {people['reviewer'].username}."
        )
        assert history[-1].user == people["reviewer"] and not history[-1].edited
        assert ReviewComment.objects.get().case == approved

        # The attempt under way carries on with version 2 and its report says so.
        assert NEW_RESULT in page_html(learner.get(play_url))
        response = learner.post(
            reverse("cases:submit", args=[approved.slug]),
            {"attempt": early.pk, "diagnosis": "thiopurines", "certainty": "high"},
        )
        assert response.status_code == 302
        report = GradedReport.objects.get(attempt=early)
        assert (Attempt.objects.get(pk=early.pk).case_version, report.case_version) == (1, 2)
        page = visible_text(learner.get(reverse("cases:report", args=[early.pk])))
        assert "against version 2 of the case" in page
        assert "The case was updated while you played it: you started on version 1" in page

        # A new attempt starts on version 2.
        learner.get(play_url)
        assert Attempt.objects.filter(case=approved).open().get().case_version == 2

    def test_starting_twice_opens_the_same_draft(self, people, approved):
        editor, other = logged_in(people["editor"]), logged_in(people["reviewer"])
        draft = start_draft(editor, approved)
        assert start_draft(other, approved) == draft
        assert Case.objects.filter(draft_of=approved).count() == 1
        page = page_html(editor.get(change_url(approved)))
        assert "A draft of changes is under way (draft, started by" in page and change_url(draft) in page

    def test_a_new_case_is_approved_as_version_one(self, people):
        """First approval of a new case: version 1, by someone other than its author."""
        case = make_case(status=ReviewStatus.UNDER_REVIEW).case
        Case.objects.filter(pk=case.pk).update(author=people["author"])
        messages = admin_action(logged_in(people["reviewer"]), "approve", [case])
        case.refresh_from_db()
        assert (case.review_status, case.version, case.reviewer) == ("approved", 1, people["reviewer"])
        assert any("version 1 is now what learners play" in m for m in messages)

    def test_an_instructor_may_preview_a_draft_of_changes_and_nothing_is_recorded(self, people, approved):
        draft, _ = case_draft_start(case=approved, user=people["editor"])
        Finding.objects.filter(case=draft, step__slug="peripheral-smear").update(result=NEW_RESULT)
        response = logged_in(people["reviewer"]).get(reverse("cases:play", args=[draft.slug]))
        assert response.status_code == 200
        assert not Attempt.objects.exists()

    def test_a_draft_of_changes_exports_as_its_case(self, people, approved):
        """Its case file names the approved case's slug, so a history diff and a re-import line up."""
        draft, _ = case_draft_start(case=approved, user=people["editor"])
        assert case_spec(draft).slug == "azathioprine"


class TestNobodyApprovesTheirOwnWork:
    def test_an_editor_of_a_case_under_review_may_not_approve_it(self, people):
        """A reviewer who edits the content of someone else's case becomes one of its editors:
        they may then neither take it under review nor approve it; a third instructor may."""
        case = make_case(status=ReviewStatus.DRAFT, title="Shared").case
        Case.objects.filter(pk=case.pk).update(author=people["author"])
        author, editor = logged_in(people["author"]), logged_in(people["editor"])
        admin_action(author, "submit_for_review", [case])
        data = as_browser_posts(form_data(editor.get(change_url(case)).content.decode(), "case_form"))
        data["presentation"] = ["A 47-year-old woman."]
        assert editor.post(change_url(case), data).status_code == 302
        assert any("you changed its content" in m for m in admin_action(editor, "start_review", [case]))
        admin_action(logged_in(people["reviewer"]), "start_review", [case])
        assert any("you changed its content" in m for m in admin_action(editor, "approve", [case]))
        assert status(case) == ReviewStatus.UNDER_REVIEW
        admin_action(logged_in(people["reviewer"]), "approve", [case])
        assert status(case) == ReviewStatus.APPROVED

    def test_review_moves_do_not_make_anyone_an_editor(self, people):
        """Taking a case under review records a history entry but no edit, so the reviewer may approve."""
        case = make_case(status=ReviewStatus.SUBMITTED).case
        Case.objects.filter(pk=case.pk).update(author=people["author"])
        reviewer = logged_in(people["reviewer"])
        admin_action(reviewer, "start_review", [case])
        assert not CaseRevision.objects.get(case=case).edited
        admin_action(reviewer, "approve", [case])
        assert status(case) == ReviewStatus.APPROVED

    def test_the_bulk_approve_moves_only_what_the_user_may_approve(self, people, approved):
        """One approve over several rows: the user's own draft of changes and a case they edited are
        refused and named; another's case under review is approved."""
        editor = people["editor"]
        own_draft, _ = case_draft_start(case=approved, user=editor)
        own_draft.review_status = ReviewStatus.UNDER_REVIEW
        own_draft.save()
        others = make_case(status=ReviewStatus.UNDER_REVIEW, title="Someone else's").case
        Case.objects.filter(pk=others.pk).update(author=people["author"])
        messages = admin_action(logged_in(editor), "approve", [own_draft, others])
        assert status(own_draft) == ReviewStatus.UNDER_REVIEW and status(others) == ReviewStatus.APPROVED
        assert any(m.startswith("“On azathioprine” was not approved: Nobody reviews") for m in messages)
        assert "1 item approved: “Someone else's”." in messages


class TestInstructorPages:
    def test_regrade_uses_the_approved_key_while_a_draft_waits(self, people, approved):
        """A key change waiting in a draft of changes does not reach the regrade page; once approved, it does."""
        make_graded_attempt(case=approved, user=make_user(), steps=GOOD_PATH[0], diagnosis=GOOD_PATH[1])
        draft, _ = case_draft_start(case=approved, user=people["editor"])
        # Engine 2: a harmful step has no place in the expert path.
        Finding.objects.filter(case=draft, step__slug="tpmt-nudt15").update(tier=Tier.HARMFUL, expert_position=None)
        client = logged_in(people["reviewer"])
        url = reverse("instructor:case_regrade", args=[approved.slug])
        assert client.get(url).context["preview"].changed_count == 0

        Case.objects.filter(pk=draft.pk).update(review_status=ReviewStatus.UNDER_REVIEW)
        admin_action(client, "approve", [draft])
        assert client.get(url).context["preview"].changed_count == 1

    def test_the_index_lists_a_case_once_with_its_draft_of_changes(self, people, approved):
        case_draft_start(case=approved, user=people["editor"])
        response = logged_in(people["reviewer"]).get(reverse("instructor:index"))
        assert page_html(response).count('<th scope="row">On azathioprine</th>') == 1
        assert "Approved (version 1) · Practice · draft of changes draft" in visible_text(response)
