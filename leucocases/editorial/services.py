"""Moving content through review. Every rule about who may do what lives here."""

from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from .models import ALLOWED_TRANSITIONS, Reviewable, ReviewStatus


def review_transition(*, obj: Reviewable, user, to_status: str, editors: Iterable[int] = ()) -> Reviewable:
    """Move ``obj`` to ``to_status`` on behalf of ``user``, or raise.

    Raises ``ValidationError`` for a move the workflow does not allow (code
    ``bad_transition``, or ``approved_is_final`` for returning locked approved
    work to draft) and ``PermissionDenied`` when the author, or one of
    ``editors`` (ids of the users who changed its content; the caller knows
    them from its history), tries to review or approve it.
    """
    current = obj.review_status
    if to_status not in ALLOWED_TRANSITIONS.get(current, frozenset()):
        raise ValidationError(
            f"Cannot move from {ReviewStatus(current).label} to {ReviewStatus(to_status).label}.",
            code="bad_transition",
        )
    if obj.is_locked and to_status == ReviewStatus.DRAFT:
        raise ValidationError(
            "Approved work stays approved, and learners keep it: change it through a draft of changes, "
            "which is reviewed and approved in turn.",
            code="approved_is_final",
        )
    reviewing = to_status in (ReviewStatus.UNDER_REVIEW, ReviewStatus.APPROVED)
    if reviewing and obj.author_id is not None and obj.author_id == user.pk:
        raise PermissionDenied("Nobody reviews or approves their own work.")
    if reviewing and user.pk in set(editors):
        raise PermissionDenied("Nobody reviews or approves their own work: you changed its content.")
    with transaction.atomic():
        obj.review_status = to_status
        if to_status == ReviewStatus.SUBMITTED and obj.author_id is None:
            obj.author = user
        if to_status in (ReviewStatus.UNDER_REVIEW, ReviewStatus.APPROVED):
            obj.reviewer = user
            obj.reviewed_at = timezone.now()
        obj.save()
    return obj


def free_slug(*, model: type[models.Model], slug: str, suffix: str) -> str:
    """``<slug><suffix>``, or with ``-2``, ``-3`` … after it when taken, within
    ``model``'s slug length: the slug of a copy or of a draft of changes."""
    max_length = model._meta.get_field("slug").max_length
    base = f"{slug[: max_length - len(suffix) - len('-999')]}{suffix}"
    taken = set(model._default_manager.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def draft_of_changes_start(*, obj: Reviewable, create: Callable[[Reviewable], Reviewable]) -> tuple[Reviewable, bool]:
    """The draft of changes to ``obj`` (approved, final: ``is_locked``): the one
    under way, or (``created`` True) the one ``create(obj)`` makes. Under the
    row's lock, so two editors starting at once get one draft. Raises
    ``ValidationError`` (code ``not_approved``) for work that is edited directly."""
    if not obj.is_locked:
        raise ValidationError(
            f"Only approved work changes through a draft of changes; edit “{obj}” directly.", code="not_approved"
        )
    manager = type(obj)._default_manager
    with transaction.atomic():
        live = manager.select_for_update().get(pk=obj.pk)
        existing = manager.filter(draft_of=live).first()
        if existing is not None:
            return existing, False
        return create(live), True


def review_row_lock(*, obj: Reviewable) -> None:
    """Lock ``obj``'s row for this transaction and re-read it, so two people
    moving it at once act in turn on what the other did (approving twice, or
    publishing a draft of changes the other one just published and deleted).
    Raises ``ValidationError`` (code ``gone``) if it no longer exists."""
    if not type(obj)._default_manager.select_for_update().filter(pk=obj.pk).exists():
        raise ValidationError(f"“{obj}” no longer exists: someone published or deleted it meanwhile.", code="gone")
    obj.refresh_from_db()
