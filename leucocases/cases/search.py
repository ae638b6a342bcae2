"""Practice cases in search: matched only on what a learner sees before choosing anything.

A case is indexed by its title and its presentation labels: exactly what its
card on the case list shows. Not its presentation: a question naming a cause
("thiopurines", "acute leukaemia") would then list the cases whose story
mentions it, a ranking an attacker could read the answers from. Never its
learning objectives, findings, diagnosis key or cause groups. Only practice
cases learners can open appear, and never a case an exam locks; a draft of
changes to a case is not indexed at all.
"""

from collections.abc import Collection

from leucocases.taxonomy.search.models import SearchEntry
from leucocases.taxonomy.search.sources import Document, Source, register_source

from .models import Case
from .visibility import without_locked_cases

KIND = SearchEntry.Kind.CASE


def case_documents(ids: Collection[int] | None):
    # A draft of changes is never indexed: its case is, as learners get it.
    cases = Case.objects.live().prefetch_related("labels").order_by("pk")
    if ids is not None:
        cases = cases.filter(pk__in=list(ids))
    for case in cases.iterator(chunk_size=500):
        yield Document(KIND, case.pk, title=case.title, body=" ".join(label.name for label in case.labels.all()))


def searchable_cases():
    """Open practice cases, less any case a rule locks: an exam in force (visibility.py)."""
    return without_locked_cases(Case.objects.practice())


def visible_cases(ids: Collection[int]) -> dict[int, Case]:
    cases = searchable_cases().filter(pk__in=list(ids)).only("title", "slug").order_by()
    return {case.pk: case for case in cases}


def register_case_source() -> None:
    register_source(Source(KIND, case_documents, visible_cases))
