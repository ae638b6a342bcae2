"""Importing case files through the review workflow, all or nothing.

A file's ``status`` is a request, never an override (``case_files_import``);
``manage.py import_cases`` runs it. Reading and checking the files is
``casefile.importer``'s; deciding what each file may change, and recording it
in the case's history, is this module's.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from leucocases.editorial.content_version import bulk_writes
from leucocases.editorial.models import ReviewStatus
from leucocases.taxonomy.search.index import search_index_refresh
from leucocases.taxonomy.search.models import SearchEntry

from .casefile import CaseFileError, CaseSpec
from .casefile.importer import CaseWriter, ImportResult, casefile_read
from .history import case_revision_record
from .models import Case
from .review import case_draft_create, case_editors, case_publish_in_place


class _ImportRefused(Exception):
    """Raised inside the import's transaction to undo every write."""


def case_files_import(*, paths: Sequence[str | Path], author: Any = None, publisher: Any = None) -> ImportResult:
    """Import case files through the review workflow, all or nothing.

    A file's ``status`` is a request, never an override: without
    ``publisher`` every case is imported as a draft — a new case as a new
    draft; a case not yet approved is updated in place and keeps its review
    status; an approved case is left as learners play it and the file goes
    into its draft of changes (started if need be). With ``publisher`` (an
    instructor; the caller checks), files that say ``status: approved`` are
    published as that person's approval: new and unapproved cases are
    approved in place, an approved case gets the file as its next version —
    unless ``publisher`` wrote or edited that case (nobody approves their own
    work), or an approved case has a draft of changes under way (approve or
    delete it first). Files with any other status are imported as drafts.

    Every case the import changes gets a history entry by ``author`` (None
    if not named; its summary names the file and any publisher, who approves
    and so is not one of the case's editors). Returns what was done, or the
    errors (and then nothing was written).
    """
    if author is not None and publisher is not None and author.pk == publisher.pk:
        raise ValidationError("Name two people: nobody publishes their own work.", code="self_approval")
    result = casefile_read(paths=paths)
    if not result.ok:
        return result
    try:
        # One content-version bump for the whole import, after it commits.
        with bulk_writes(), transaction.atomic():
            importer = _Importer(result=result, author=author, publisher=publisher)
            for file, spec in result.specs:
                importer.save(file=file, spec=spec)
            if result.errors:
                raise _ImportRefused
            # Search matches a case on what the import may have changed (drafts of changes are not indexed).
            search_index_refresh(kind=SearchEntry.Kind.CASE, ids=importer.written)
    except _ImportRefused:
        for outcome in (result.created, result.updated, result.unchanged, result.published, result.pending):
            outcome.clear()
    return result


class _Importer:
    def __init__(self, *, result: ImportResult, author: Any, publisher: Any) -> None:
        self.result = result
        self.author = author
        self.publisher = publisher
        self.writer = CaseWriter()
        self.now = timezone.now()
        #: Ids of the case rows this import wrote or published.
        self.written: list[int] = []

    def save(self, *, file: str, spec: CaseSpec) -> None:
        name = Path(file).name
        publish = self.publisher is not None and spec.status == ReviewStatus.APPROVED
        live = Case.objects.live().filter(slug=spec.slug).first()
        if live is None:
            case = self.writer.write(spec, None, author=self.author)
            self._done(case, "created", f"Imported from {name} as a new case", publish=publish)
        elif not live.is_locked:
            same = self.writer.says(spec, live)
            if publish and not self._may_publish(file, spec, live):
                return
            if same and not publish:
                self.result.unchanged.append(spec.slug)
                return
            if not same:
                self.writer.write(spec, live)
            self._done(live, "updated", f"Updated from {name}", publish=publish)
        elif self.writer.says(spec, live):
            self.result.unchanged.append(spec.slug)
        elif publish:
            if Case.objects.filter(draft_of=live).exists():
                self._refuse(
                    file,
                    spec,
                    "this approved case has a draft of changes under way; approve or delete it before "
                    "publishing a file over it",
                    "draft_under_way",
                )
                return
            self.writer.write(spec, live)
            self._done(live, "updated", f"Updated from {name}", publish=True)
        else:
            draft = Case.objects.filter(draft_of=live).first()
            if draft is not None and self.writer.says(spec, draft):
                self.result.unchanged.append(spec.slug)
                return
            draft = draft or case_draft_create(live=live, user=self.author)
            self.writer.write(spec, draft)
            self.result.pending.append(spec.slug)
            self._done(draft, "updated", f"Imported from {name} into the draft of changes", publish=False)

    def _may_publish(self, file: str, spec: CaseSpec, case: Case) -> bool:
        if self.publisher.pk == case.author_id or self.publisher.pk in case_editors(case=case):
            self._refuse(
                file,
                spec,
                f"{self.publisher.get_username()} wrote or edited this case, so may not publish it: "
                "nobody approves their own work",
                "self_approval",
            )
            return False
        return True

    def _refuse(self, file: str, spec: CaseSpec, message: str, code: str) -> None:
        self.result.errors.append(CaseFileError(file, spec.slug, "status", message, code))

    def _done(self, case: Case, outcome: str, summary: str, *, publish: bool) -> None:
        self.written.append(case.pk)
        getattr(self.result, outcome).append(case.slug if case.draft_of_id is None else case.draft_of.slug)
        if publish:
            version = case_publish_in_place(case=case, publisher=self.publisher, now=self.now)
            summary += f" and published as version {version} by {self.publisher.get_username()}"
            self.result.published.append(case.slug)
        # The entry's user is the files' author (if named): the publisher approves, and is not an editor.
        case_revision_record(case=case, user=self.author, summary=f"{summary}.", now=self.now)
