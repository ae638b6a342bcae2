"""import_cases through the review workflow: a file's ``status`` is a request, never an
override; drafts unless an instructor publishes with --publish-as; every import is a
history entry with its author; nobody publishes their own work."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from leucocases.accounts.services import CONTENT_LOADER
from leucocases.cases.models import Case, CaseRevision
from leucocases.cases.review import case_draft_start, case_review_transition
from leucocases.editorial.models import ReviewStatus
from tests.accounts.factories import make_instructor, make_user
from tests.cases.factories import CASE_DOCUMENT, make_case_document, make_casefile_catalogue, write_case_file

pytestmark = pytest.mark.django_db

SLUG = CASE_DOCUMENT["slug"]


def run(*args: str, **options) -> str:
    out = StringIO()
    call_command("import_cases", *args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def anonymous_sees(case_slug: str) -> bool:
    return Client().get(f"/cases/{case_slug}/").status_code == 200


def through_review(case: Case, *, reviewer) -> Case:
    """Submit (by the case's author, or someone), take under review and approve."""
    submitter = case.author or make_instructor()
    case_review_transition(case=case, user=submitter, to_status=ReviewStatus.SUBMITTED)
    case_review_transition(case=case, user=reviewer, to_status=ReviewStatus.UNDER_REVIEW)
    return case_review_transition(case=case, user=reviewer, to_status=ReviewStatus.APPROVED).case


@pytest.fixture
def catalogue(db):
    make_casefile_catalogue()


@pytest.fixture
def case_file(catalogue, tmp_path):
    return write_case_file(tmp_path, "a.yaml", CASE_DOCUMENT)


class TestDraftsWithoutAPublisher:
    def test_a_file_that_says_approved_is_imported_as_a_draft_nobody_sees(self, case_file):
        """The shipped format says ``status: approved``; without --publish-as that is only a request."""
        assert CASE_DOCUMENT["status"] == "approved"
        out = run(str(case_file))
        assert "1 case was imported as a draft for review." in out
        case = Case.objects.get(slug=SLUG)
        assert (case.review_status, case.version, case.author, case.reviewer) == ("draft", 0, None, None)
        assert not anonymous_sees(SLUG)
        assert not Case.objects.playable().exists()
        revision = CaseRevision.objects.get(case=case)
        assert (revision.summary, revision.user, revision.edited) == ("Imported from a.yaml as a new case.", None, True)

    def test_the_author_is_recorded_and_may_not_approve(self, case_file):
        author = make_instructor(username="writer")
        run(str(case_file), author="writer")
        case = Case.objects.get(slug=SLUG)
        assert case.author == author
        assert CaseRevision.objects.get(case=case).user == author
        case_review_transition(case=case, user=author, to_status=ReviewStatus.SUBMITTED)
        with pytest.raises(PermissionDenied, match="Nobody reviews or approves their own work"):
            case_review_transition(case=case, user=author, to_status=ReviewStatus.UNDER_REVIEW)

    def test_reimporting_never_overrides_the_review_status(self, catalogue, tmp_path):
        """A case under review keeps its status whatever its file says; its content follows the file."""
        path = write_case_file(tmp_path, "a.yaml", CASE_DOCUMENT)
        run(str(path))
        case = Case.objects.get(slug=SLUG)
        case_review_transition(case=case, user=make_instructor(), to_status=ReviewStatus.SUBMITTED)
        case_review_transition(case=case, user=make_instructor(), to_status=ReviewStatus.UNDER_REVIEW)
        for status in ("draft", "approved"):
            write_case_file(tmp_path, "a.yaml", make_case_document(title=f"Said {status}", status=status))
            run(str(path))
            case.refresh_from_db()
            assert (case.title, case.review_status) == (f"Said {status}", ReviewStatus.UNDER_REVIEW)

    def test_an_approved_case_gets_the_file_as_its_draft_of_changes(self, catalogue, tmp_path):
        """Re-importing a changed file for a case the workflow approved leaves what learners play
        alone, and puts the file into the case's draft of changes (started, then updated)."""
        path = write_case_file(tmp_path, "a.yaml", CASE_DOCUMENT)
        run(str(path))
        live = through_review(Case.objects.get(slug=SLUG), reviewer=make_instructor())
        assert anonymous_sees(SLUG)

        write_case_file(tmp_path, "a.yaml", make_case_document(title="Second thoughts"))
        author = make_instructor(username="reviser")
        out = run(str(path), author="reviser")
        assert "0 created, 1 updated, 0 unchanged." in out and "1 into the draft of changes" in out
        live.refresh_from_db()
        assert (live.title, live.review_status, live.version) == (CASE_DOCUMENT["title"], "approved", 1)
        draft = Case.objects.get(draft_of=live)
        assert (draft.title, draft.review_status, draft.author) == ("Second thoughts", "draft", author)
        assert CaseRevision.objects.get(case=draft).summary == "Imported from a.yaml into the draft of changes."

        write_case_file(tmp_path, "a.yaml", make_case_document(title="Third thoughts"))
        run(str(path))
        draft.refresh_from_db()
        assert draft.title == "Third thoughts" and Case.objects.filter(draft_of=live).count() == 1
        assert "0 updated, 1 unchanged." in run(str(path))
        # The approved version's own file changes nothing either.
        write_case_file(tmp_path, "a.yaml", CASE_DOCUMENT)
        assert "0 updated, 1 unchanged." in run(str(path))


class TestPublishing:
    def test_publish_as_needs_an_instructor(self, case_file):
        make_user(username="learner")
        with pytest.raises(CommandError, match="“learner” is not an active account with instructor rights"):
            run(str(case_file), publish_as="learner")
        with pytest.raises(CommandError, match="“nobody” is not an active account"):
            run(str(case_file), publish_as="nobody")
        assert not Case.objects.exists()

    def test_an_instructor_publishes_and_is_recorded(self, catalogue, tmp_path):
        """--publish-as publishes files that say approved, naming the publisher as reviewer; a changed
        file later becomes version 2 of the same row."""
        publisher = make_instructor(username="chief")
        path = write_case_file(tmp_path, "a.yaml", CASE_DOCUMENT)
        out = run(str(path), publish_as="chief")
        assert "1 created, 0 updated, 0 unchanged; 1 published as chief." in out
        case = Case.objects.get(slug=SLUG)
        assert (case.review_status, case.version, case.reviewer, case.author) == ("approved", 1, publisher, None)
        assert case.reviewed_at is not None
        assert anonymous_sees(SLUG)
        revision = CaseRevision.objects.get(case=case)
        # The publisher approves: recorded as the reviewer, not as an editor of the case.
        assert (revision.summary, revision.user, revision.edited) == (
            "Imported from a.yaml as a new case and published as version 1 by chief.",
            None,
            True,
        )

        write_case_file(tmp_path, "a.yaml", make_case_document(title="Version two"))
        run(str(path), publish_as="chief")
        again = Case.objects.get(slug=SLUG)
        assert (again.pk, again.title, again.version) == (case.pk, "Version two", 2)
        assert "Version two" in Client().get(f"/cases/{SLUG}/").content.decode()
        assert "0 updated, 1 unchanged; 0 published" in run(str(path), publish_as="chief")

    def test_a_file_that_says_draft_stays_a_draft_until_it_says_approved(self, catalogue, tmp_path):
        """The publisher only approves: importing a draft file does not make them its editor, so
        the same file saying approved later is published by them."""
        make_instructor(username="chief")
        path = write_case_file(tmp_path, "a.yaml", make_case_document(status="draft"))
        run(str(path), publish_as="chief")
        assert Case.objects.get(slug=SLUG).review_status == ReviewStatus.DRAFT
        write_case_file(tmp_path, "a.yaml", CASE_DOCUMENT)
        assert "0 created, 1 updated, 0 unchanged; 1 published as chief." in run(str(path), publish_as="chief")
        assert Case.objects.get(slug=SLUG).review_status == ReviewStatus.APPROVED

    def test_nobody_publishes_their_own_work(self, catalogue, tmp_path):
        """The same person as --author and --publish-as, or a publisher who edited the case, is refused."""
        make_instructor(username="chief")
        path = write_case_file(tmp_path, "a.yaml", CASE_DOCUMENT)
        with pytest.raises(CommandError, match="nobody publishes their own work"):
            run(str(path), author="chief", publish_as="chief")
        run(str(path), author="chief")
        write_case_file(tmp_path, "a.yaml", make_case_document(title="Edited by chief"))
        with pytest.raises(CommandError, match="1 error found; nothing was imported."):
            run(str(path), publish_as="chief")
        case = Case.objects.get(slug=SLUG)
        assert (case.review_status, case.title) == ("draft", CASE_DOCUMENT["title"])
        make_instructor(username="second")
        run(str(path), publish_as="second")
        assert Case.objects.get(slug=SLUG).review_status == ReviewStatus.APPROVED

    def test_publishing_over_a_draft_of_changes_is_refused(self, catalogue, tmp_path):
        """A changed file is not published over someone's draft of changes: all or nothing, nothing written."""
        make_instructor(username="chief")
        path = write_case_file(tmp_path, "a.yaml", CASE_DOCUMENT)
        run(str(path), publish_as="chief")
        live = Case.objects.get(slug=SLUG)
        draft, _ = case_draft_start(case=live, user=make_instructor())
        write_case_file(tmp_path, "a.yaml", make_case_document(title="Over the draft"))
        write_case_file(tmp_path, "b.yaml", make_case_document(slug="another"))
        err = StringIO()
        with pytest.raises(CommandError, match="1 error found"):
            call_command("import_cases", str(tmp_path), publish_as="chief", stdout=StringIO(), stderr=err)
        assert "has a draft of changes under way; approve or delete it" in err.getvalue()
        assert not Case.objects.filter(slug="another").exists()
        live.refresh_from_db()
        assert (live.title, live.version) == (CASE_DOCUMENT["title"], 1)
        assert Case.objects.filter(pk=draft.pk).exists()
        # The approved version's own file is simply unchanged.
        write_case_file(tmp_path, "a.yaml", CASE_DOCUMENT)
        (tmp_path / "b.yaml").unlink()
        assert "1 unchanged" in run(str(tmp_path), publish_as="chief")


class TestContentLoader:
    def test_the_content_loader_publishes_but_never_logs_in(self, case_file):
        """create_content_loader makes a password-less instructor account; make content publishes as it."""
        call_command("create_content_loader", stdout=StringIO())
        call_command("create_content_loader", stdout=StringIO())  # safe to repeat
        loader = get_user_model().objects.get(username=CONTENT_LOADER)
        assert loader.is_active and not loader.is_staff and not loader.has_usable_password()
        assert not Client().login(username=CONTENT_LOADER, password="")
        run(str(case_file), publish_as=CONTENT_LOADER)
        assert Case.objects.get(slug=SLUG).reviewer == loader


class TestExport:
    def test_drafts_of_changes_are_exported_on_request_only_and_as_their_case(self, case_file, tmp_path):
        """export_cases lists each case once; a draft of changes exports by its own slug, under its
        case's slug and status, so importing that file lands in the same draft of changes."""
        make_instructor(username="chief")
        run(str(case_file), publish_as="chief")
        live = Case.objects.get(slug=SLUG)
        draft, _ = case_draft_start(case=live, user=make_instructor())
        Case.objects.filter(pk=draft.pk).update(title="In the draft")
        everything = StringIO()
        call_command("export_cases", stdout=everything)
        assert (
            everything.getvalue().startswith(f"schema: 2\nslug: {SLUG}\n")
            and "In the draft" not in everything.getvalue()
        )
        one = StringIO()
        call_command("export_cases", "--slug", draft.slug, stdout=one)
        assert one.getvalue().startswith(f"schema: 2\nslug: {SLUG}\ntitle: In the draft\nstatus: draft\n")
        path = write_case_file(tmp_path, "draft.yaml", one.getvalue().replace("In the draft", "Draft again"))
        run(str(path))
        assert Case.objects.get(pk=draft.pk).title == "Draft again"
        assert Case.objects.get(pk=live.pk).title == CASE_DOCUMENT["title"]
