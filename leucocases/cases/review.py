"""Review that holds after approval: who may review a case, how an approved
case changes, and review comments.

An approved case is never edited in place (``Case.is_locked``): learners
play it, quizzes hold it, attempts point at it. Its content and key change
through a *draft of changes*: a copy in its own row (``Case.draft_of``; never
listed, playable or accepted by a quiz), edited and moved through review like
any draft. Approving the draft publishes it: its content and key are copied
into the approved case in place (same row, so attempts and quizzes keep
pointing at it), the case's ``version`` goes up by one, the reviewer is
recorded, the draft's history and review comments join the case's, and the
draft row is deleted.

An attempt open when a new version is published carries on with the case as
it now stands: its choices stand (they name catalogue steps, not findings),
the steps it orders next show the new version's results, and it is graded
against the version current at submission. The attempt keeps the version it
started on (``Attempt.case_version``) and its report the version it was
graded against (``GradedReport.case_version``), and the report says so when
they differ. (Grading it against the version it started on would need the
old key kept playable beside the new one; the stored history holds it, but
the play page reads the live rows.)

Nobody reviews or approves their own work, by any route: not the author, nor
anyone who changed the content or key of the row under review (the users of
its history's ``edited`` entries: admin saves, imports, the draft's start).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from leucocases.editorial.content_version import content_changed
from leucocases.editorial.models import ReviewStatus
from leucocases.editorial.services import draft_of_changes_start, free_slug, review_row_lock, review_transition
from leucocases.taxonomy.search.index import search_index_refresh
from leucocases.taxonomy.search.models import SearchEntry

from .casefile.exporter import cases_for_export
from .copying import case_content_fields, case_content_replace, copy_case_parts
from .history import case_revision_record
from .models import Attempt, Case, CaseRevision, ReviewComment


def case_editors(*, case: Case) -> set[int]:
    """Ids of the users who changed ``case``'s content or key (its history's
    edited entries): none of them may review or approve it."""
    return set(
        CaseRevision.objects.filter(case=case, edited=True, user__isnull=False).values_list("user_id", flat=True)
    )


@dataclass(frozen=True, slots=True)
class TransitionOutcome:
    """What a review move did: ``case`` is the row as it now stands (the
    approved case, when a draft of changes was published); ``published`` the
    version learners now play, if this move published one; ``open_attempts``
    the attempts then under way, which finish on it."""

    case: Case
    published: int | None = None
    open_attempts: int = 0


def case_review_transition(*, case: Case, user: Any, to_status: str) -> TransitionOutcome:
    """Move ``case`` through review and record it, with the workflow's rules
    (``editorial.services.review_transition``: allowed moves only, approved
    cases stay approved, nobody reviews or approves work they wrote or edited).

    Approving a new case publishes it as version 1; approving a draft of
    changes publishes it into its case as the next version.
    """
    with transaction.atomic():
        review_row_lock(obj=case)
        before = ReviewStatus(case.review_status).label
        editors = case_editors(case=case)
        if to_status == ReviewStatus.APPROVED and case.draft_of_id is not None:
            return _publish_draft(draft=case, user=user, editors=editors)
        review_transition(obj=case, user=user, to_status=to_status, editors=editors)
        published = None
        if to_status == ReviewStatus.APPROVED:
            Case.objects.filter(pk=case.pk).update(version=F("version") + 1)
            case.refresh_from_db(fields=["version"])
            published = case.version
        case_revision_record(
            case=case, user=user, summary=f"Review status: {before} → {ReviewStatus(to_status).label}.", edited=False
        )
    return TransitionOutcome(case=case, published=published)


def case_draft_start(*, case: Case, user: Any) -> tuple[Case, bool]:
    """The draft of changes to approved ``case``: the one under way, or
    (``created`` True) a new one copied from the version learners play,
    authored by ``user``. Raises ``ValidationError`` (code ``not_approved``)
    for a case that is not approved: that one is edited directly."""

    def create(live: Case) -> Case:
        draft = case_draft_create(live=live, user=user)
        case_revision_record(case=draft, user=user, summary=f"Draft of changes to version {live.version} started.")
        return draft

    return draft_of_changes_start(obj=case, create=create)


def case_draft_create(*, live: Case, user: Any) -> Case:
    """A new draft of changes to ``live``: a copy of it, authored by ``user``."""
    source = cases_for_export(Case.objects.filter(pk=live.pk)).get()
    draft = Case.objects.create(
        **case_content_fields(source),
        title=source.title,
        slug=free_slug(model=Case, slug=live.slug, suffix="--draft"),
        review_status=ReviewStatus.DRAFT,
        author=user,
        draft_of=live,
    )
    copy_case_parts([(source, draft)])
    return draft


def _publish_draft(*, draft: Case, user: Any, editors: set[int]) -> TransitionOutcome:
    """Approve ``draft`` (a draft of changes) and publish it into its case.

    Runs inside the caller's transaction."""
    live = Case.objects.select_for_update().get(pk=draft.draft_of_id)
    review_transition(obj=draft, user=user, to_status=ReviewStatus.APPROVED, editors=editors)
    source = cases_for_export(Case.objects.filter(pk=draft.pk)).get()
    case_content_replace(source=source, target=live)
    now = timezone.now()
    Case.objects.filter(pk=live.pk).update(version=F("version") + 1, reviewer=user, reviewed_at=now)
    live.refresh_from_db()
    # The draft's history and review comments become the case's, after its own.
    last = CaseRevision.objects.filter(case=live).aggregate(last=Max("number"))["last"] or 0
    CaseRevision.objects.filter(case=draft).update(case=live, number=F("number") + last)
    ReviewComment.objects.filter(case=draft).update(case=live)
    author = draft.author.get_username() if draft.author_id else "an unknown author"
    draft.delete()
    case_revision_record(
        case=live,
        user=user,
        summary=f"Version {live.version} published: the draft of changes by {author}, "
        f"approved by {user.get_username()}.",
        edited=False,
        now=now,
    )
    # The case's title and labels may have changed: search matches it on them.
    search_index_refresh(kind=SearchEntry.Kind.CASE, ids=[live.pk])
    open_attempts = Attempt.objects.filter(case=live).open().count()
    return TransitionOutcome(case=live, published=live.version, open_attempts=open_attempts)


def case_publish_in_place(*, case: Case, publisher: Any, now: Any) -> int:
    """Approve ``case`` as it stands, as its next version (an import's
    ``--publish-as``); returns the version. The caller checked the rights."""
    Case.objects.filter(pk=case.pk).update(
        review_status=ReviewStatus.APPROVED, reviewer=publisher, reviewed_at=now, version=F("version") + 1
    )
    content_changed()  # an update sends no signal
    case.refresh_from_db()
    return case.version


def review_comment_add(*, case: Case, user: Any, body: str) -> ReviewComment:
    body = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not body:
        raise ValidationError("Write a comment first.", code="empty_comment")
    if len(body) > 5000:
        raise ValidationError("A comment holds at most 5,000 characters.", code="comment_too_long")
    return ReviewComment.objects.create(case=case, author=user, body=body)
