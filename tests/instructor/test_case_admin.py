"""The case admin's review tools: change history, review comments, duplicate and archive."""

from __future__ import annotations

from dataclasses import replace

import pytest
import yaml
from django.urls import reverse

from leucocases.cases.casefile.exporter import case_spec
from leucocases.cases.history import case_revision_record, revision_diff
from leucocases.cases.models import Case, CaseRevision, Finding, ReviewComment, Tier
from leucocases.editorial.models import ReviewStatus
from tests.accounts.factories import log_in, make_instructor, make_user
from tests.cases.factories import GOOD_PATH, make_case, make_graded_attempt
from tests.pages import page_html

from .admin_forms import admin_action, as_browser_posts, change_url, form_data

pytestmark = pytest.mark.django_db


def post_change(client, case: Case, **changes):
    """Post the change form as the page shows it, with ``changes`` (field name -> value) applied."""
    data = form_data(client.get(change_url(case)).content.decode(), "case_form")
    for name, value in changes.items():
        data[name] = [value]
    return client.post(change_url(case), data)


@pytest.fixture
def author(client):
    return log_in(client, make_instructor())


@pytest.fixture
def draft(author):
    case = make_case(status=ReviewStatus.DRAFT).case
    case.author = author
    case.save()
    return case


class TestHistory:
    def test_an_admin_edit_records_who_when_and_the_new_case_file(self, client, author, draft):
        """Editing a finding's tier and the presentation stores a revision by the editor holding the new key."""
        b12 = Finding.objects.get(case=draft, step__slug="b12-folate")
        data = form_data(client.get(change_url(draft)).content.decode(), "case_form")
        index = next(i for i in range(10) if data.get(f"findings-{i}-id") == [str(b12.pk)])
        data[f"findings-{index}-tier"] = [Tier.HARMFUL]
        data["presentation"] = ["A **52-year-old** woman."]
        response = client.post(change_url(draft), data)
        assert response.status_code == 302, page_html(response)[:3000]

        revision = CaseRevision.objects.get(case=draft)
        assert revision.number == 1
        assert revision.user == author
        assert "presentation" in revision.summary and "findings: 1 changed" in revision.summary
        document = yaml.safe_load(revision.casefile)
        assert document["presentation"] == "A **52-year-old** woman."
        tiers = {f["step"]: f["tier"] for f in document["findings"]}
        assert tiers["b12-folate"] == "harmful"

    def test_a_difficulty_only_edit_is_reported_as_that_alone(self, client, author, draft):
        """Posted as a browser does (CRLF line breaks; text fields ending in a newline, as
        in case files), changing only the difficulty records "changed difficulty" and a
        diff of the difficulty line alone, and leaves the stored text as it was."""
        presentation = "A 46-year-old woman.\n\n**Examination:** pale.\n"
        Case.objects.filter(pk=draft.pk).update(presentation=presentation, learning_objectives="- One.\n- Two.\n")
        Finding.objects.filter(case=draft).update(result="Line one.\nLine two.\n", rationale="Why.\nBecause.\n")
        case_revision_record(case=draft, user=author, summary="Start.")
        data = as_browser_posts(form_data(client.get(change_url(draft)).content.decode(), "case_form"))
        data["difficulty"] = [str(Case.Difficulty.ADVANCED)]
        response = client.post(change_url(draft), data)
        assert response.status_code == 302, page_html(response)[:3000]

        revision = CaseRevision.objects.get(case=draft, number=2)
        assert revision.summary == "Edited in the admin: changed difficulty."
        first = CaseRevision.objects.get(case=draft, number=1)
        changed = [line.text for line in revision_diff(older=first, newer=revision) if line.kind in ("add", "remove")]
        assert changed == [
            "-difficulty: intermediate",
            "+difficulty: advanced",
        ]
        draft.refresh_from_db()
        assert draft.presentation == presentation
        assert set(Finding.objects.filter(case=draft).values_list("result", flat=True)) == {"Line one.\nLine two.\n"}

    def test_the_diff_ignores_line_endings_and_final_newlines(self, author, draft):
        """Two snapshots that differ only in CRLF, trailing spaces and a text's final
        newline (YAML ``|`` against ``|-``) show no change."""
        Case.objects.filter(pk=draft.pk).update(presentation="One.\nTwo.")
        first = case_revision_record(case=draft, user=author, summary="First.")
        assert "presentation: |-" in first.casefile
        lf = first.casefile.replace("presentation: |-", "presentation: |")
        crlf = lf.replace("\n", "  \r\n")
        older = CaseRevision(case=draft, number=1, casefile=lf)
        newer = CaseRevision(case=draft, number=2, casefile=crlf)
        assert not [line for line in revision_diff(older=older, newer=newer) if line.kind in ("add", "remove")]

    def test_saving_without_changes_adds_no_revision(self, client, author, draft):
        """A save that changes nothing after a recorded revision leaves the history alone."""
        case_revision_record(case=draft, user=author, summary="Start.")
        assert post_change(client, draft).status_code == 302
        assert CaseRevision.objects.filter(case=draft).count() == 1

    def test_adding_a_case_records_revision_one(self, client, author, draft):
        """A case made on the add page starts its history at revision 1."""
        data = form_data(client.get(reverse("admin:cases_case_add")).content.decode(), "case_form")
        data |= {"title": ["Brand new"], "slug": ["brand-new"], "presentation": ["A man."]}
        data["groups"] = [str(draft.groups.first().pk)]
        smear = Finding.objects.get(case=draft, step__slug="peripheral-smear")
        option = draft.diagnosis_options.get(credit=1)
        data |= {
            "findings-0-step": [str(smear.step_id)],
            "findings-0-tier": ["essential"],
            "findings-0-expert_position": ["1"],
            "findings-0-result": ["Neutropenia."],
            "findings-0-rationale": ["Always first."],
            "diagnosis_options-0-cause": [str(option.cause_id)],
            "diagnosis_options-0-credit": ["1"],
            "diagnosis_options-0-rationale": ["The drug."],
        }
        response = client.post(reverse("admin:cases_case_add"), data)
        assert response.status_code == 302, page_html(response)[:3000]
        revision = CaseRevision.objects.get(case__slug="brand-new")
        assert (revision.number, revision.summary, revision.user) == (1, "Created in the admin.", author)

    def test_review_transitions_are_recorded_and_self_approval_is_not(self, client, author, draft):
        """Submit, start review and approve each leave a revision; a refused move leaves none."""
        reviewer = make_instructor()
        admin_action(client, "submit_for_review", [draft])
        client.force_login(reviewer)
        admin_action(client, "start_review", [draft])
        client.force_login(author)
        messages = admin_action(client, "approve", [draft])  # the author may not approve their own case
        assert any("Nobody reviews or approves their own work" in m for m in messages)
        client.force_login(reviewer)
        admin_action(client, "approve", [draft])

        revisions = list(CaseRevision.objects.filter(case=draft).order_by("number"))
        assert [(r.summary, r.user, r.review_status) for r in revisions] == [
            ("Review status: Draft → Submitted.", author, "submitted"),
            ("Review status: Submitted → Under review.", reviewer, "under_review"),
            ("Review status: Under review → Approved.", reviewer, "approved"),
        ]
        assert yaml.safe_load(revisions[-1].casefile)["status"] == "approved"

    def test_history_pages_list_revisions_and_show_the_diff(self, client, author, draft):
        """The history lists each revision; a revision shows what changed since the one before, and the whole file."""
        case_revision_record(case=draft, user=author, summary="First.")
        Finding.objects.filter(case=draft, step__slug="b12-folate").update(tier=Tier.HARMFUL)
        case_revision_record(case=draft, user=author, summary="Made B12 harmful.")

        listing = client.get(reverse("admin:cases_case_revisions", args=[draft.pk]))
        assert listing.status_code == 200
        page = page_html(listing)
        assert "Revision 2" in page and "Made B12 harmful." in page and "Revision 1" in page
        assert 'href="/admin/' in page and f"/admin/cases/case/{draft.pk}/change/" in page

        detail = page_html(client.get(reverse("admin:cases_case_revision", args=[draft.pk, 2])))
        assert "Changes since revision 1" in detail
        assert '<del class="diff-remove">-    tier: low_yield</del>' in detail
        assert '<ins class="diff-add">+    tier: harmful</ins>' in detail
        assert "The case file as it stood" in detail and "slug: " + draft.slug in detail
        first = page_html(client.get(reverse("admin:cases_case_revision", args=[draft.pk, 1])))
        assert "The first revision" in first and "tier: low_yield" in first
        assert client.get(reverse("admin:cases_case_revision", args=[draft.pk, 9])).status_code == 404

    def test_change_page_links_to_history_analysis_and_regrade(self, client, author, draft):
        page = page_html(client.get(change_url(draft)))
        assert f'href="{reverse("admin:cases_case_revisions", args=[draft.pk])}">Change history</a>' in page
        assert f'href="{reverse("instructor:case_analysis", args=[draft.slug])}">Item analysis</a>' in page
        assert f'href="{reverse("instructor:case_regrade", args=[draft.slug])}">Regrade</a>' in page


class TestComments:
    def test_a_reviewer_adds_a_comment_shown_on_the_change_page(self, client, author, draft):
        """The comment is stored with its author and shown, rendered as markdown, at the foot of the change page."""
        response = client.post(
            reverse("admin:cases_case_comment", args=[draft.pk]), {"body": "Please cite the **label**."}
        )
        assert response.status_code == 302
        assert response["Location"].endswith("#review-comments")
        comment = ReviewComment.objects.get(case=draft)
        assert comment.author == author
        page = page_html(client.get(change_url(draft)))
        assert "Review comments" in page
        assert "Please cite the <strong>label</strong>." in page
        assert '<a href="#review-comments">Review comments (1)</a>' in page
        assert author.get_username() in page

    def test_an_empty_comment_is_refused(self, client, author, draft):
        client.post(reverse("admin:cases_case_comment", args=[draft.pk]), {"body": "   "}, follow=True)
        assert not ReviewComment.objects.exists()

    def test_learners_cannot_comment(self, client, draft):
        """Someone who is not staff is sent to the admin login and nothing is stored."""
        client.force_login(make_user())
        response = client.post(reverse("admin:cases_case_comment", args=[draft.pk]), {"body": "Hi"})
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        assert not ReviewComment.objects.exists()

    def test_comments_are_not_a_get_endpoint(self, client, author, draft):
        assert client.get(reverse("admin:cases_case_comment", args=[draft.pk])).status_code == 405


class TestDuplicate:
    def test_duplicate_is_a_draft_copy_with_the_same_key(self, client, author):
        """The copy has slug <slug>-copy, status draft, the user as author, and the same content and key."""
        original = make_case(slug="azathioprine").case
        messages = admin_action(client, "duplicate_cases", [original])
        copy = Case.objects.get(slug="azathioprine-copy")
        assert (copy.review_status, copy.author, copy.reviewer) == (ReviewStatus.DRAFT, author, None)
        assert copy.title == f"{original.title} (copy)"
        assert case_spec(copy) == replace(
            case_spec(original), slug="azathioprine-copy", title=copy.title, status=ReviewStatus.DRAFT
        )
        assert any("1 draft copy made" in m for m in messages)
        assert CaseRevision.objects.get(case=copy).summary == "Duplicated from “azathioprine” as a new draft."

    def test_a_second_duplicate_gets_the_next_free_slug(self, client, author):
        original = make_case(slug="azathioprine").case
        admin_action(client, "duplicate_cases", [original])
        admin_action(client, "duplicate_cases", [original])
        assert set(Case.objects.filter(slug__startswith="azathioprine-copy").values_list("slug", flat=True)) == {
            "azathioprine-copy",
            "azathioprine-copy-2",
        }

    def test_attempts_are_not_copied(self, client, author):
        original = make_case(slug="azathioprine").case
        make_graded_attempt(case=original, user=make_user(), steps=GOOD_PATH[0], diagnosis=GOOD_PATH[1])
        admin_action(client, "duplicate_cases", [original])
        assert not Case.objects.get(slug="azathioprine-copy").attempts.exists()


class TestArchive:
    def test_archived_case_leaves_the_list_but_its_reports_stay_readable(self, client, author):
        """Archiving hides the case from /cases/ and its play page; the learner's past report still opens."""
        case = make_case(slug="azathioprine", title="Archive me").case
        learner = make_user()
        attempt = make_graded_attempt(case=case, user=learner, steps=GOOD_PATH[0], diagnosis=GOOD_PATH[1])

        messages = admin_action(client, "archive_cases", [case])
        case.refresh_from_db()
        assert case.archived_at is not None
        assert any("1 case archived" in m for m in messages)
        assert CaseRevision.objects.filter(case=case, summary="Archived.").exists()

        client.force_login(learner)
        assert "Archive me" not in page_html(client.get(reverse("cases:list")))
        assert client.get(case.get_absolute_url()).status_code == 404
        report = client.get(reverse("cases:report", args=[attempt.pk]))
        assert report.status_code == 200 and "Archive me" in page_html(report)

        client.force_login(author)
        assert client.get(reverse("instructor:attempt_report", args=[attempt.pk])).status_code == 200
        admin_action(client, "unarchive_cases", [case])
        case.refresh_from_db()
        assert case.archived_at is None
        assert CaseRevision.objects.filter(case=case, summary="Unarchived.").exists()

    def test_archiving_twice_changes_nothing(self, client, author):
        case = make_case().case
        admin_action(client, "archive_cases", [case])
        messages = admin_action(client, "archive_cases", [case])
        assert any("Nothing to change" in m for m in messages)
        assert CaseRevision.objects.filter(case=case).count() == 1

    def test_the_quiz_case_picker_offers_active_cases_only(self, client, author):
        """The quiz admin's case autocomplete leaves archived cases out."""
        active = make_case(title="Active case").case
        archived = make_case(title="Archived case").case
        admin_action(client, "archive_cases", [archived])
        response = client.get(
            reverse("admin:autocomplete"),
            {"app_label": "quizzes", "model_name": "quizitem", "field_name": "case", "term": "case"},
        )
        assert response.status_code == 200
        ids = {row["id"] for row in response.json()["results"]}
        assert str(active.pk) in ids and str(archived.pk) not in ids
