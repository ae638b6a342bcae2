"""Practice cases in search: matched only on what a learner sees before choosing anything.

A case is indexed by its title, its presentation and the names of its initial
labs — never its learning objectives, findings, diagnosis key or cause
groups, which would give its answer away. Only practice cases learners can
open appear, and never a case set in an exam quiz.
"""

from collections.abc import Collection

from leucocases.taxonomy.search.models import SearchEntry
from leucocases.taxonomy.search.sources import Document, Source, register_source

from .models import Case

KIND = SearchEntry.Kind.CASE


def case_documents(ids: Collection[int] | None):
    cases = Case.objects.prefetch_related("initial_labs").order_by("pk")
    if ids is not None:
        cases = cases.filter(pk__in=list(ids))
    for case in cases.iterator(chunk_size=500):
        labs = " ".join(lab.name for lab in case.initial_labs.all())
        yield Document(KIND, case.pk, title=case.title, body=f"{case.presentation}\n\n{labs}")


def searchable_cases():
    """Open practice cases, less any case an exam quiz uses (its title would point at the exam)."""
    return Case.objects.practice().exclude(quizzes__mode="exam")


def visible_cases(ids: Collection[int]) -> dict[int, Case]:
    cases = searchable_cases().filter(pk__in=list(ids)).only("title", "slug").order_by()
    return {case.pk: case for case in cases}


def register_case_source() -> None:
    register_source(Source(KIND, case_documents, visible_cases))
