"""Two reviewers approving at once: a draft of changes is published once, a case reaches version 1 once.

PostgreSQL only (SQLite serialises every write), like the other races here.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from leucocases.cases.models import Case, Finding
from leucocases.cases.review import case_draft_start, case_review_transition
from leucocases.editorial.models import ReviewStatus
from tests.accounts.factories import make_instructor
from tests.cases.factories import make_case

from .test_postgres_concurrency import _postgres_only  # noqa: F401 - the autouse fixture
from .threads import run_together

REVIEWERS = 6


def approve_all_at_once(case: Case, reviewers) -> list[object]:
    def job(user):
        def approve():
            try:
                return case_review_transition(
                    case=Case.objects.get(pk=case.pk), user=user, to_status=ReviewStatus.APPROVED
                ).published
            except (ValidationError, Case.DoesNotExist) as error:
                return error

        return approve

    return run_together([job(user) for user in reviewers])


def test_a_draft_of_changes_is_published_once(transactional_db):
    """Every reviewer but one is refused; the case is version 2 with the draft's whole key."""
    live = make_case(slug="raced").case
    Case.objects.filter(pk=live.pk).update(version=1)
    draft, _ = case_draft_start(case=Case.objects.get(pk=live.pk), user=make_instructor())
    Finding.objects.filter(case=draft, step__slug="b12-folate").update(result="Changed in the draft.")
    Case.objects.filter(pk=draft.pk).update(review_status=ReviewStatus.UNDER_REVIEW)
    keyed = Finding.objects.filter(case=draft).count()

    results = approve_all_at_once(draft, [make_instructor() for _ in range(REVIEWERS)])

    assert results.count(2) == 1
    assert all(isinstance(r, (ValidationError, Case.DoesNotExist)) for r in results if r != 2)
    live.refresh_from_db()
    assert live.version == 2
    assert Finding.objects.filter(case=live).count() == keyed
    assert Finding.objects.get(case=live, step__slug="b12-folate").result == "Changed in the draft."
    assert not Case.objects.filter(draft_of=live).exists()


def test_a_new_case_reaches_version_one_once(transactional_db):
    case = make_case(status=ReviewStatus.UNDER_REVIEW).case
    results = approve_all_at_once(case, [make_instructor() for _ in range(REVIEWERS)])
    assert results.count(1) == 1
    case.refresh_from_db()
    assert (case.review_status, case.version) == (ReviewStatus.APPROVED, 1)
