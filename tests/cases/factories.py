"""Cases and attempts for every app's tests, and a whole site when a test needs one.

- ``make_case`` builds one complete little case: three cause groups, four
  causes (one a draft), nine workup steps of which six are keyed (three
  essential, one useful, one low-yield, one harmful), an order rule, and
  diagnosis options with full and partial credit. Every rationale carries a
  marker (``RATIONALE-…``) so tests can prove it never reaches the page early.
  ``GOOD_PATH`` plays it for 100 points.
- ``make_case_for`` is a bare case whose key gives one cause credit (the reader pages' tests).
- ``make_differential_case`` is ``make_case``'s case with the expert ``DIFFERENTIAL``.
- ``make_attempt`` plays a path through the real services; ``make_graded_attempt``
  submits one in a few queries, graded by the real engine.
- ``CASE_DOCUMENT`` (``fixtures/case_document.yaml``) is a complete case file;
  ``make_casefile_catalogue`` makes the catalogue it names, with identifiers
  from docs/content-ids.md, so these tests do not depend on the shipped fixtures' wording;
  ``import_schema2_case`` imports ``schema2_document`` (every schema-2 piece) with it.
- ``make_site`` builds one of every row a page shows, every free-text field
  filled by ``text(field_name)``, so the XSS tests can put a payload in each
  field and prove where it is shown.

The taxonomy rows come from ``tests.taxonomy.factories``, users from
``tests.accounts.factories``.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from leucocases.cases import services
from leucocases.cases.casefile import KnownIds
from leucocases.cases.grading import number_occurrences
from leucocases.cases.import_workflow import case_files_import
from leucocases.cases.models import (
    Attempt,
    Case,
    CaseLabel,
    Choice,
    DiagnosisOption,
    Finding,
    GradedReport,
    InitialLab,
    OrderRule,
    Tier,
)
from leucocases.editorial.models import ReviewStatus
from leucocases.taxonomy.models import Cause, CauseGroup, Fact, Mechanism, Reference, Topic, WorkupStep
from tests.taxonomy import factories as taxonomy

_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def make_label(*, slug: str, name: str | None = None, position: int = 0) -> CaseLabel:
    defaults = {"name": name or slug.replace("-", " ").capitalize(), "position": position}
    return CaseLabel.objects.get_or_create(slug=slug, defaults=defaults)[0]


# --------------------------------------------------------------------------
# make_case: one complete little case
# --------------------------------------------------------------------------

STEP_SPECS = [
    # slug, name, category
    ("peripheral-smear", "Peripheral blood smear", WorkupStep.Category.BLOOD_COUNT),
    ("prior-counts", "Review of prior blood counts", WorkupStep.Category.BLOOD_COUNT),
    ("medication-review", "Medication and exposure review", WorkupStep.Category.HISTORY),
    ("tpmt-nudt15", "TPMT and NUDT15 testing", WorkupStep.Category.HISTORY),
    ("b12-folate", "Vitamin B12 and folate", WorkupStep.Category.NUTRITION_IMMUNE),
    ("bone-marrow-biopsy", "Bone-marrow aspirate and biopsy", WorkupStep.Category.MARROW),
    ("hiv-hcv-serology", "HIV and HCV serology", WorkupStep.Category.INFECTION),
    ("spleen-ultrasound", "Abdominal ultrasound of the spleen", WorkupStep.Category.IMAGING),
    ("cmv-pcr", "CMV PCR", WorkupStep.Category.INFECTION),
]
#: The six keyed steps and their tiers; the other three are not keyed.
KEYED = {
    "peripheral-smear": Tier.ESSENTIAL,
    "prior-counts": Tier.ESSENTIAL,
    "medication-review": Tier.ESSENTIAL,
    "tpmt-nudt15": Tier.USEFUL,
    "b12-folate": Tier.LOW_YIELD,
    "bone-marrow-biopsy": Tier.HARMFUL,
}
UNKEYED = ["hiv-hcv-serology", "spleen-ultrasound", "cmv-pcr"]
EXPERT_PATH = ["peripheral-smear", "prior-counts", "medication-review", "tpmt-nudt15"]
RULE_RATIONALE = "RATIONALE-ORDER: the smear comes before any marrow examination."
CORRECT_RATIONALE = "RATIONALE-DX-FULL: leucopenia began after the azathioprine dose was raised."
PARTIAL_RATIONALE = "RATIONALE-DX-PARTIAL: right family of causes, but not specific enough."


def rationale_for(slug: str) -> str:
    return f"RATIONALE-{slug.upper()}: why this step has its tier."


def result_for(slug: str) -> str:
    return f"RESULT-{slug.upper()}: what the step shows in this patient."


@dataclass
class CaseBundle:
    """A case and the rows tests need to refer to."""

    case: Case
    steps: dict[str, WorkupStep]
    causes: dict[str, Cause]
    references: dict[str, Reference]
    all_rationales: list[str] = field(default_factory=list)


def make_catalogue() -> dict[str, WorkupStep]:
    """The nine catalogue steps (reused when several cases are made)."""
    steps = {}
    for position, (slug, name, category) in enumerate(STEP_SPECS):
        steps[slug] = WorkupStep.objects.filter(slug=slug).first() or taxonomy.make_step(
            name=name,
            slug=slug,
            category=category,
            what_it_shows=f"What {name} shows.",
            when_indicated=f"When {name} is indicated.",
            default_result="",
            position=position,
        )
    return steps


def make_taxonomy() -> dict[str, Cause]:
    groups = {}
    for position, (slug, name) in enumerate(
        (
            ("medication", "Medication"),
            ("toxic", "Environmental and toxic exposures"),
            ("marrow", "Bone-marrow disorders"),
        ),
        start=1,
    ):
        groups[slug] = CauseGroup.objects.filter(slug=slug).first() or taxonomy.make_group(
            name=name, slug=slug, position=position
        )
    specs = [
        ("Thiopurines (azathioprine and 6-mercaptopurine)", "thiopurines", "medication", ReviewStatus.APPROVED),
        ("Drugs and environmental toxins", "drugs-and-environmental-toxins", "toxic", ReviewStatus.APPROVED),
        ("Aplastic anaemia", "aplastic-anaemia", "marrow", ReviewStatus.APPROVED),
        ("Draft cause nobody may see", "draft-cause", "marrow", ReviewStatus.DRAFT),
    ]
    causes = {}
    for name, slug, group, status in specs:
        causes[slug] = Cause.objects.filter(slug=slug).first() or taxonomy.make_cause(
            name=name, slug=slug, group=groups[group], summary=f"{name}.", status=status
        )
    return causes


def make_case(
    *,
    slug: str | None = None,
    title: str = "A low white count on azathioprine",
    difficulty: int = Case.Difficulty.INTERMEDIATE,
    status: str = ReviewStatus.APPROVED,
    is_practice: bool = True,
    group_slugs: tuple[str, ...] = ("medication",),
    label_slugs: tuple[str, ...] = ("routine-count",),
    **scoring,
) -> CaseBundle:
    steps = make_catalogue()
    causes = make_taxonomy()
    refs = {
        "guideline": Reference.objects.filter(key="test-guideline").first()
        or taxonomy.make_reference(
            key="test-guideline", number=901, title="Leucopenia guideline for tests", kind="guideline", year=2020
        ),
        "label": Reference.objects.filter(key="test-label").first()
        or taxonomy.make_reference(
            key="test-label", number=907, title="Azathioprine label for tests", kind="label", year=2020
        ),
    }
    case = Case.objects.create(
        title=title,
        slug=slug or f"case-{_n()}",
        presentation="A **46-year-old** woman with rheumatoid arthritis has a low white count.",
        learning_objectives="- Work up leucopenia in order.",
        difficulty=difficulty,
        review_status=status,
        is_practice=is_practice,
        **scoring,
    )
    case.groups.set(CauseGroup.objects.filter(slug__in=group_slugs))
    case.labels.set([make_label(slug=slug) for slug in label_slugs])
    InitialLab.objects.create(
        case=case,
        position=1,
        name="White cell count",
        value="2.1",
        unit="×10⁹/L",
        reference_range="4.0–11.0",
        flag="low",
    )
    InitialLab.objects.create(
        case=case, position=2, name="Haemoglobin", value="128", unit="g/L", reference_range="120–160"
    )
    InitialLab.objects.create(
        case=case, position=3, name="Platelets", value="480", unit="×10⁹/L", reference_range="150–400", flag="high"
    )

    rationales = []
    for slug_, tier in KEYED.items():
        extra = {}
        if slug_ == "peripheral-smear":
            extra["table"] = [{"label": "Neutrophils", "value": "0.9", "unit": "×10⁹/L", "range": "2.0–7.5"}]
        if slug_ == "prior-counts":
            extra["series"] = {
                "label": "White cell count",
                "unit": "×10⁹/L",
                "low": 4.0,
                "high": 11.0,
                "points": [{"when": "Jan 2025", "value": 6.2}, {"when": "Apr 2025", "value": 2.1}],
            }
        finding = Finding.objects.create(
            case=case,
            step=steps[slug_],
            tier=tier,
            result=result_for(slug_),
            rationale=rationale_for(slug_),
            expert_position=EXPERT_PATH.index(slug_) + 1 if slug_ in EXPERT_PATH else None,
            **extra,
        )
        finding.references.set([refs["guideline"]])
        rationales.append(rationale_for(slug_))

    rule = OrderRule.objects.create(
        case=case, before=steps["peripheral-smear"], after=steps["bone-marrow-biopsy"], rationale=RULE_RATIONALE
    )
    rule.references.set([refs["guideline"]])
    full = DiagnosisOption.objects.create(
        case=case, cause=causes["thiopurines"], credit=Decimal("1"), rationale=CORRECT_RATIONALE
    )
    full.references.set([refs["label"], refs["guideline"]])
    partial = DiagnosisOption.objects.create(
        case=case, cause=causes["drugs-and-environmental-toxins"], credit=Decimal("0.5"), rationale=PARTIAL_RATIONALE
    )
    partial.references.set([refs["guideline"]])
    rationales += [RULE_RATIONALE, CORRECT_RATIONALE, PARTIAL_RATIONALE]
    return CaseBundle(case=case, steps=steps, causes=causes, references=refs, all_rationales=rationales)


def make_case_for(cause, *, title=None, slug=None, status=ReviewStatus.APPROVED, credit=1):
    """A case whose diagnosis key gives ``cause`` the given credit."""
    n = _n()
    case = Case.objects.create(
        title=title or f"Case {n}", slug=slug or f"case-{n}", presentation="A patient.", review_status=status
    )
    case.groups.add(cause.group)
    DiagnosisOption.objects.create(case=case, cause=cause, credit=credit, rationale="Because.")
    return case


# --------------------------------------------------------------------------
# Attempts
# --------------------------------------------------------------------------

#: All three essentials in order, the useful test, and the right cause: 100 points.
GOOD_PATH = (["peripheral-smear", "prior-counts", "medication-review", "tpmt-nudt15"], "thiopurines")


#: The expert's differential (slugs of make_taxonomy): aplastic anaemia must not be missed.
#: The causes ``DIFFERENTIAL`` names, for tests that list them.
TOXINS, APLASTIC, THIOPURINES = "drugs-and-environmental-toxins", "aplastic-anaemia", "thiopurines"
DIFFERENTIAL = {
    "scored": True,
    "presentation": [{"cause": TOXINS}, {"cause": APLASTIC, "must_not_miss": True}],
    "final": [{"cause": THIOPURINES}, {"cause": APLASTIC, "must_not_miss": True}],
}


def make_differential_case(*, title: str = "A case with a differential", status: str = ReviewStatus.APPROVED) -> Case:
    case = make_case(title=title, status=status).case
    Case.objects.filter(pk=case.pk).update(differential=DIFFERENTIAL)
    case.refresh_from_db()
    return case


def make_attempt(
    *,
    case: Case,
    user=None,
    session_key: str = "",
    steps: Sequence[WorkupStep] = (),
    submit: bool = False,
    diagnosis: Cause | None = None,
    **extra,
) -> Attempt:
    """An attempt with ``steps`` chosen in order through the real services, submitted if asked."""
    attempt = Attempt.objects.create(case=case, user=user, session_key=session_key, **extra)
    for step in steps:
        services.attempt_choose_step(attempt=attempt, step=step)
    if submit:
        services.attempt_submit(attempt=attempt, diagnosis=diagnosis)
    return attempt


def make_graded_attempt(
    *,
    case: Case,
    user=None,
    steps: Sequence[str] = (),
    diagnosis: str | None = None,
    quiz_attempt=None,
    started_at: datetime | None = None,
    submitted_at: datetime | None = None,
) -> Attempt:
    """An attempt with ``steps`` chosen in order and submitted with ``diagnosis``, graded by the real engine.

    A step listed twice is chosen twice: its second choice is occurrence 2.
    """
    attempt = Attempt.objects.create(case=case, user=user, session_key="" if user else "s")
    if quiz_attempt is not None:  # linked before submission, as the quiz runner does
        from leucocases.quizzes.models import QuizAttemptCase

        QuizAttemptCase.objects.create(quiz_attempt=quiz_attempt, attempt=attempt, case=case)
    step_ids = dict(WorkupStep.objects.filter(slug__in=steps).values_list("slug", "pk"))
    Choice.objects.bulk_create(
        Choice(attempt=attempt, step_id=step_ids[slug], position=i, occurrence=occurrence)
        for i, (slug, occurrence) in enumerate(number_occurrences(steps), start=1)
    )
    cause = Cause.objects.get(slug=diagnosis) if diagnosis else None
    services.attempt_submit(attempt=attempt, diagnosis=cause)
    if started_at or submitted_at:
        Attempt.objects.filter(pk=attempt.pk).update(
            started_at=started_at or attempt.started_at, submitted_at=submitted_at or attempt.submitted_at
        )
        attempt.refresh_from_db()
    return attempt


def current_report(attempt: Attempt) -> GradedReport:
    return GradedReport.objects.get(attempt=attempt, superseded_at__isnull=True)


# --------------------------------------------------------------------------
# Case files
# --------------------------------------------------------------------------

STEPS = {
    "repeat-cbc": ("Repeat CBC with differential and ANC", "blood_count"),
    "peripheral-smear": ("Peripheral blood smear", "blood_count"),
    "prior-counts": ("Review of prior blood counts", "blood_count"),
    "medication-review": ("Medication and exposure review", "history"),
    "tpmt-nudt15": ("TPMT and NUDT15 testing", "history"),
    "spleen-ultrasound": ("Abdominal ultrasound of the spleen", "imaging"),
    "bone-marrow-biopsy": ("Bone-marrow aspirate and biopsy", "marrow"),
    "ebv-serology": ("Epstein–Barr virus (EBV) serology", "infection"),
    "cmv-pcr": ("CMV PCR", "infection"),
    "withhold-suspected-drug": ("Withhold or reduce the suspected drug, with serial counts", "medication"),
    "continue-current-medication": ("Continue current medication unchanged", "medication"),
}
GROUPS = {"medication": "Medication", "toxic": "Environmental and toxic exposures", "marrow": "Bone-marrow disorders"}
CAUSES = {
    "thiopurines": ("Thiopurines", "medication"),
    "drugs-and-environmental-toxins": ("Drugs and environmental toxins", "toxic"),
    "aplastic-anaemia": ("Aplastic anaemia", "marrow"),
}
REFERENCES = {
    "praxis-leukocytopenia": (1, "Leukocytopenia Causes and Management"),
    "dmw-2017": (6, "Leukopenia – A Diagnostic Guideline for the Clinical Routine"),
    "azathioprine-label": (7, "Azathioprine prescribing information"),
}
#: The identifiers a case file may name once ``make_casefile_catalogue`` has run, for parsing without the database.
KNOWN_IDS = KnownIds(
    steps=frozenset(STEPS), causes=frozenset(CAUSES), groups=frozenset(GROUPS), references=frozenset(REFERENCES)
)


def make_casefile_catalogue() -> None:
    """The groups, causes, references and workup steps ``CASE_DOCUMENT`` names."""
    for key, (number, title) in REFERENCES.items():
        taxonomy.make_reference(key=key, number=number, kind="guideline", title=title, source="Test source")
    groups = {
        slug: taxonomy.make_group(slug=slug, name=name, position=i)
        for i, (slug, name) in enumerate(GROUPS.items(), start=1)
    }
    for slug, (name, group) in CAUSES.items():
        taxonomy.make_cause(slug=slug, name=name, group=groups[group], summary="S.")
    for i, (slug, (name, category)) in enumerate(STEPS.items(), start=1):
        taxonomy.make_step(
            slug=slug,
            name=name,
            category=category,
            what_it_shows="W.",
            when_indicated="I.",
            default_result="",
            position=i,
        )


#: A complete case in the documented format (see the file).
CASE_DOCUMENT: dict[str, Any] = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "case_document.yaml").read_text(encoding="utf-8")
)


def make_case_document(**changes: Any) -> dict[str, Any]:
    """A deep copy of ``CASE_DOCUMENT`` with top-level fields replaced."""
    document = copy.deepcopy(CASE_DOCUMENT)
    document.update(changes)
    return document


def case_yaml(*documents: dict[str, Any]) -> str:
    data: Any = documents[0] if len(documents) == 1 else list(documents)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def write_case_file(directory: Path, name: str, content: str | dict[str, Any]) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else case_yaml(content), encoding="utf-8")
    return path


def key_finding(step: str, tier: str, **more) -> dict:
    return {
        "step": step,
        "tier": tier,
        **more,
        "result": f"{step} result.",
        "rationale": f"Why {step}.",
        "citations": ["dmw-2017"],
    }


def schema2_document() -> dict:
    """CASE_DOCUMENT with every schema-2 piece: an action keyed essential and
    weighted, a follow-up count as occurrence 2 with a rule on it, an any-of
    group, a never choice, a never total and grade bands."""
    document = copy.deepcopy(CASE_DOCUMENT)
    document = {"schema": 2, **document}
    document["findings"] = [
        key_finding("repeat-cbc", "essential", expert_position=1),
        key_finding("medication-review", "essential", expert_position=2),
        key_finding("withhold-suspected-drug", "essential", weight=2, expert_position=3),
        key_finding("ebv-serology", "essential", any_of="viral-tests", expert_position=4),
        key_finding("cmv-pcr", "essential", any_of="viral-tests", expert_position=4),
        key_finding("repeat-cbc", "essential", occurrence=2, expert_position=5),
        key_finding("continue-current-medication", "never"),
        key_finding("bone-marrow-biopsy", "harmful"),
    ]
    document["order_rules"] = [
        {
            "before": "withhold-suspected-drug",
            "after": "repeat-cbc",
            "after_occurrence": 2,
            "rationale": "The follow-up count comes after the drug is withheld.",
        },
        {"before": "withhold-suspected-drug", "after": "bone-marrow-biopsy", "rationale": "Withhold the drug first."},
    ]
    document["scoring"] = {"never_total": 10, "grade_bands": {"A": 85, "B": 75}}
    return document


def import_schema2_case(directory: Path) -> Case:
    """``schema2_document``'s case, imported with its catalogue: a repeat count whose second
    order is essential and must follow withholding the drug (an action, weight 2), an any-of
    group, a never choice (continuing the drug; never total 10), a harmful marrow biopsy and
    grade bands A 85, B 75."""
    make_casefile_catalogue()
    assert case_files_import(paths=[write_case_file(directory, "schema2.yaml", schema2_document())]).ok
    return Case.objects.get(slug=CASE_DOCUMENT["slug"])


# --------------------------------------------------------------------------
# A whole site
# --------------------------------------------------------------------------


def plain(field: str) -> str:
    return f"Plain text for {field}."


def unique_name(text: Callable[[str], str], field: str, suffix: str, max_length: int) -> str:
    """A unique name of at most ``max_length`` characters."""
    tail = f" {suffix}"
    return text(field)[: max_length - len(tail)] + tail


@dataclass
class Site:
    group: CauseGroup
    mechanism: Mechanism
    cause: Cause
    topic: Topic
    reference: Reference
    steps: list[WorkupStep]
    case: Case


def make_site(*, text: Callable[[str], str] = plain, slug_suffix: str | None = None) -> Site:
    """One of every row a page shows, every free-text field filled by ``text``."""
    suffix = slug_suffix or str(_n())
    group = taxonomy.make_group(
        name=unique_name(text, "CauseGroup.name", suffix, 120),
        slug=f"group-{suffix}",
        description=text("CauseGroup.description"),
    )
    mechanism = taxonomy.make_mechanism(
        name=unique_name(text, "Mechanism.name", suffix, 120),
        slug=f"mechanism-{suffix}",
        description=text("Mechanism.description"),
    )
    reference = taxonomy.make_reference(
        key=f"ref-{suffix}",
        number=500 + _n(),
        kind=Reference.Kind.GUIDELINE,
        title=text("Reference.title")[:300],
        source=text("Reference.source")[:300],
        year=2020,
        note=text("Reference.note"),
    )
    cause = taxonomy.make_cause(
        name=unique_name(text, "Cause.name", suffix, 160),
        slug=f"cause-{suffix}",
        group=group,
        summary=text("Cause.summary"),
        body=text("Cause.body"),
        mechanisms=[mechanism],
    )
    topic = taxonomy.make_topic(
        title=unique_name(text, "Topic.title", suffix, 160),
        slug=f"topic-{suffix}",
        summary=text("Topic.summary"),
        body=text("Topic.body"),
    )
    for owner in ({"cause": cause}, {"topic": topic}):
        taxonomy.make_fact(
            key=f"fact-{_n()}",
            text=text("Fact.text"),
            verification=Fact.Verification.DISPUTED,
            editorial_note=text("Fact.editorial_note"),
            references=[reference],
            **owner,
        )
    # The third step is keyed by no case: ordering it shows its default result.
    categories = (WorkupStep.Category.BLOOD_COUNT, WorkupStep.Category.MARROW, WorkupStep.Category.BLOOD_COUNT)
    steps = [
        taxonomy.make_step(
            name=unique_name(text, "WorkupStep.name", f"{suffix}-{position}", 160),
            slug=f"step-{suffix}-{position}",
            category=category,
            what_it_shows=text("WorkupStep.what_it_shows"),
            when_indicated=text("WorkupStep.when_indicated"),
            default_result=text("WorkupStep.default_result"),
            references=[reference],
            position=position,
        )
        for position, category in enumerate(categories)
    ]
    case = Case.objects.create(
        title=unique_name(text, "Case.title", suffix, 200),
        slug=f"case-{suffix}",
        presentation=text("Case.presentation"),
        learning_objectives=text("Case.learning_objectives"),
        review_status=ReviewStatus.APPROVED,
        is_practice=True,
    )
    case.groups.add(group)
    InitialLab.objects.create(
        case=case,
        position=1,
        name=text("InitialLab.name")[:120],
        value=text("InitialLab.value")[:40],
        unit=text("InitialLab.unit")[:40],
        reference_range=text("InitialLab.reference_range")[:60],
        flag="low",
    )
    essential = Finding.objects.create(
        case=case,
        step=steps[0],
        tier=Tier.ESSENTIAL,
        result=text("Finding.result"),
        rationale=text("Finding.rationale"),
        expert_position=1,
        table=[
            {
                "label": text("Finding.table.label"),
                "value": text("Finding.table.value"),
                "unit": text("Finding.table.unit"),
                "range": text("Finding.table.range"),
            }
        ],
        series={
            "label": text("Finding.series.label"),
            "unit": text("Finding.series.unit"),
            "low": 4.0,
            "high": 11.0,
            "points": [{"when": text("Finding.series.when"), "value": 6.2}, {"when": "Now", "value": 2.1}],
        },
    )
    essential.references.add(reference)
    harmful = Finding.objects.create(
        case=case, step=steps[1], tier=Tier.HARMFUL, result=text("Finding.result"), rationale=text("Finding.rationale")
    )
    harmful.references.add(reference)
    rule = OrderRule.objects.create(case=case, before=steps[0], after=steps[1], rationale=text("OrderRule.rationale"))
    rule.references.add(reference)
    option = DiagnosisOption.objects.create(
        case=case, cause=cause, credit=Decimal("1"), rationale=text("DiagnosisOption.rationale")
    )
    option.references.add(reference)
    return Site(group=group, mechanism=mechanism, cause=cause, topic=topic, reference=reference, steps=steps, case=case)
