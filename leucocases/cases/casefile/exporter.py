"""Export cases from the database in the case-file format.

The output is canonical: the same rows always give the same bytes (fixed key
order, findings / rules / options in the order they were created, groups,
labels and citations in the taxonomy's, label list's and reference list's order), so
export -> import -> export is byte-identical.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from leucocases.cases.grading.differential import ExpertDifferential
from leucocases.cases.models import Case, CaseLabel, DiagnosisOption, Finding, InitialLab, OrderRule
from leucocases.taxonomy.models import CauseGroup, Reference

from . import DIFFICULTIES, CaseSpec, LabRow, case_document, dump_documents
from .rows import diagnosis_spec, finding_spec, order_rule_spec, scoring_settings

__all__ = ["case_spec", "casefile_export", "cases_for_export"]

_DIFFICULTY_NAMES = {value: name for name, value in DIFFICULTIES.items()}


def cases_for_export(queryset: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """Cases with everything ``case_spec`` reads, in a fixed number of queries."""
    references = Prefetch("references", queryset=Reference.objects.order_by("number", "key"))
    queryset = Case.objects.all() if queryset is None else queryset
    queryset = queryset.select_related("draft_of")  # a draft of changes is exported under its case's slug
    return queryset.order_by("slug").prefetch_related(
        Prefetch("groups", queryset=CauseGroup.objects.order_by("position", "name", "slug")),
        Prefetch("labels", queryset=CaseLabel.objects.order_by("position", "name", "slug")),
        Prefetch("initial_labs", queryset=InitialLab.objects.order_by("position", "pk")),
        Prefetch(
            "findings", queryset=Finding.objects.select_related("step").order_by("pk").prefetch_related(references)
        ),
        Prefetch(
            "order_rules",
            queryset=OrderRule.objects.select_related("before", "after").order_by("pk").prefetch_related(references),
        ),
        Prefetch(
            "diagnosis_options",
            queryset=DiagnosisOption.objects.select_related("cause").order_by("pk").prefetch_related(references),
        ),
    )


def case_spec(case: Case) -> CaseSpec:
    """The case as a ``CaseSpec`` (use ``cases_for_export`` to avoid N+1 queries)."""
    if not hasattr(case, "_prefetched_objects_cache") or "findings" not in case._prefetched_objects_cache:
        case = cases_for_export(Case.objects.filter(pk=case.pk)).get()
    return CaseSpec(
        # A draft of changes is the next version of its case: it says so in its file.
        slug=case.draft_of.slug if case.draft_of_id else case.slug,
        title=case.title,
        status=case.review_status,
        difficulty=_DIFFICULTY_NAMES[case.difficulty],
        practice=case.is_practice,
        groups=tuple(g.slug for g in case.groups.all()),
        labels=tuple(label.slug for label in case.labels.all()),
        presentation=case.presentation,
        learning_objectives=case.learning_objectives,
        initial_labs=tuple(
            LabRow(name=lab.name, value=lab.value, unit=lab.unit, range=lab.reference_range, flag=lab.flag)
            for lab in case.initial_labs.all()
        ),
        findings=tuple(finding_spec(f) for f in case.findings.all()),
        order_rules=tuple(order_rule_spec(r) for r in case.order_rules.all()),
        diagnosis=tuple(diagnosis_spec(d) for d in case.diagnosis_options.all()),
        scoring=scoring_settings(case),
        differential=ExpertDifferential.from_dict(case.differential),
    )


def casefile_export(*, cases: Iterable[Case]) -> str:
    """YAML for the given cases: a mapping for one case, a list for several."""
    documents = [case_document(case_spec(case)) for case in cases]
    if not documents:
        raise ValueError("no cases to export")
    return dump_documents(documents)
