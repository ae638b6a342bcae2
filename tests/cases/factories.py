"""Small ``make_*`` factories for the case-playing tests.

``make_case`` builds one complete little case: three cause groups, four
causes (one a draft), nine workup steps of which six are keyed (three
essential, one useful, one low-yield, one harmful), an order rule, and
diagnosis options with full and partial credit. Every rationale carries a
marker (``RATIONALE-…``) so tests can prove it never reaches the page early.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model

from leucocases.cases.models import (
    Attempt,
    Case,
    CaseLabel,
    DiagnosisOption,
    Finding,
    InitialLab,
    OrderRule,
    Tier,
)
from leucocases.editorial.models import ReviewStatus
from leucocases.taxonomy.models import Cause, CauseGroup, Reference, WorkupStep

PASSWORD = "pw-for-tests-only-7c1e"
_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def make_user(*, username: str | None = None, password: str = PASSWORD, **extra):
    return get_user_model().objects.create_user(
        username=username or f"learner{_n()}", password=password, email=f"l{_n()}@example.org", **extra
    )


def make_reference(*, key: str | None = None, title: str | None = None, **extra) -> Reference:
    n = _n()
    return Reference.objects.create(
        key=key or f"ref-{n}",
        number=extra.pop("number", 100 + n),
        kind=extra.pop("kind", Reference.Kind.GUIDELINE),
        title=title or f"Reference title {n}",
        source=extra.pop("source", "Test Journal"),
        year=extra.pop("year", 2020),
        **extra,
    )


def make_group(*, name: str, slug: str, position: int = 0) -> CauseGroup:
    return CauseGroup.objects.get_or_create(slug=slug, defaults={"name": name, "position": position})[0]


def make_label(*, slug: str, name: str | None = None, position: int = 0) -> CaseLabel:
    defaults = {"name": name or slug.replace("-", " ").capitalize(), "position": position}
    return CaseLabel.objects.get_or_create(slug=slug, defaults=defaults)[0]


def make_cause(*, name: str, slug: str, group: CauseGroup, status: str = ReviewStatus.APPROVED) -> Cause:
    return Cause.objects.create(name=name, slug=slug, group=group, summary=f"{name}.", review_status=status)


def make_step(*, name: str, slug: str, category: str, position: int = 0) -> WorkupStep:
    return WorkupStep.objects.create(
        name=name,
        slug=slug,
        category=category,
        what_it_shows=f"What {name} shows.",
        when_indicated=f"When {name} is indicated.",
        position=position,
    )


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
        existing = WorkupStep.objects.filter(slug=slug).first()
        steps[slug] = existing or make_step(name=name, slug=slug, category=category, position=position)
    return steps


def make_taxonomy() -> dict[str, Cause]:
    medication = make_group(name="Medication", slug="medication", position=1)
    toxic = make_group(name="Environmental and toxic exposures", slug="toxic", position=2)
    marrow = make_group(name="Bone-marrow disorders", slug="marrow", position=3)
    specs = [
        ("Thiopurines (azathioprine and 6-mercaptopurine)", "thiopurines", medication, ReviewStatus.APPROVED),
        ("Drugs and environmental toxins", "drugs-and-environmental-toxins", toxic, ReviewStatus.APPROVED),
        ("Aplastic anaemia", "aplastic-anaemia", marrow, ReviewStatus.APPROVED),
        ("Draft cause nobody may see", "draft-cause", marrow, ReviewStatus.DRAFT),
    ]
    causes = {}
    for name, slug, group, status in specs:
        existing = Cause.objects.filter(slug=slug).first()
        causes[slug] = existing or make_cause(name=name, slug=slug, group=group, status=status)
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
        or make_reference(key="test-guideline", number=901, title="Leucopenia guideline for tests"),
        "label": Reference.objects.filter(key="test-label").first()
        or make_reference(key="test-label", number=907, title="Azathioprine label for tests", kind="label"),
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


def make_attempt(*, case: Case, user=None, session_key: str = "", **extra) -> Attempt:
    return Attempt.objects.create(case=case, user=user, session_key=session_key, **extra)
