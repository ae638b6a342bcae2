"""Small factories for the case-file, command and case-admin tests.

The catalogue here uses identifiers from docs/content-ids.md, created
directly so these tests do not depend on the shipped fixtures' wording.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from leucocases.taxonomy.models import Cause, CauseGroup, Reference, WorkupStep

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


def make_reference(key: str, *, number: int, title: str = "A reference") -> Reference:
    return Reference.objects.create(key=key, number=number, kind="guideline", title=title, source="Test source")


def make_group(slug: str, *, name: str | None = None, position: int = 0) -> CauseGroup:
    return CauseGroup.objects.create(slug=slug, name=name or slug.title(), position=position)


def make_cause(slug: str, *, group: CauseGroup, name: str | None = None) -> Cause:
    return Cause.objects.create(slug=slug, name=name or slug.replace("-", " ").capitalize(), group=group, summary="S.")


def make_step(slug: str, *, name: str | None = None, category: str = "blood_count", position: int = 0) -> WorkupStep:
    return WorkupStep.objects.create(
        slug=slug,
        name=name or slug,
        kind=WorkupStep.CATEGORY_KINDS[category],
        category=category,
        what_it_shows="W.",
        when_indicated="I.",
        position=position,
    )


def make_catalogue() -> None:
    """The groups, causes, references and workup steps the test cases name."""
    for number_and_title_key, (number, title) in REFERENCES.items():
        make_reference(number_and_title_key, number=number, title=title)
    groups = {slug: make_group(slug, name=name, position=i) for i, (slug, name) in enumerate(GROUPS.items(), start=1)}
    for slug, (name, group) in CAUSES.items():
        make_cause(slug, name=name, group=groups[group])
    for i, (slug, (name, category)) in enumerate(STEPS.items(), start=1):
        make_step(slug, name=name, category=category, position=i)


# A complete case in the documented format: three essential steps, a useful
# one, a harmful one, an order rule, a full-credit and a partial cause.
CASE_DOCUMENT: dict[str, Any] = {
    "slug": "thiopurine-normal-tpmt",
    "title": "A low white count on azathioprine",
    "status": "approved",
    "difficulty": "intermediate",
    "practice": True,
    "groups": ["medication"],
    "presentation": "A 46-year-old woman with rheumatoid arthritis on azathioprine.\n\nShe feels well.\n",
    "learning_objectives": "- Normal TPMT testing does not exclude thiopurine leucopenia.\n",
    "initial_labs": [
        {"name": "White cell count", "value": "2.1", "unit": "×10⁹/L", "range": "4.0–11.0", "flag": "low"},
        {"name": "Haemoglobin", "value": "128", "unit": "g/L", "range": "120–160"},
    ],
    "findings": [
        {
            "step": "peripheral-smear",
            "tier": "essential",
            "expert_position": 1,
            "result": "Neutrophils reduced; no blasts.\n",
            "table": [{"label": "Neutrophils", "value": "0.9", "unit": "×10⁹/L", "range": "2.0–7.5"}],
            "rationale": "The smear shows which lines are affected.\n",
            "citations": ["praxis-leukocytopenia", "dmw-2017"],
        },
        {
            "step": "prior-counts",
            "tier": "essential",
            "expert_position": 2,
            "result": "Counts were normal before azathioprine.",
            "series": {
                "label": "White cell count",
                "unit": "×10⁹/L",
                "low": 4.0,
                "high": 11.0,
                "points": [{"when": "Jan 2025", "value": 6.2}, {"when": "Apr 2025", "value": 2.1}],
            },
            "rationale": "A falling trend dates the problem.",
            "citations": ["dmw-2017"],
        },
        {
            "step": "medication-review",
            "tier": "essential",
            "expert_position": 3,
            "result": "Azathioprine 150 mg daily since January.",
            "rationale": "Drugs are the commonest cause.",
            "citations": ["praxis-leukocytopenia"],
        },
        {
            "step": "tpmt-nudt15",
            "tier": "useful",
            "expert_position": 4,
            "result": "Normal TPMT activity.",
            "rationale": "Normal results do not exclude toxicity.",
            "citations": ["azathioprine-label"],
        },
        {
            "step": "bone-marrow-biopsy",
            "tier": "harmful",
            "result": "Mildly hypocellular marrow.",
            "rationale": "Invasive and not indicated yet.",
            "citations": ["dmw-2017"],
        },
    ],
    "order_rules": [
        {
            "before": "peripheral-smear",
            "after": "bone-marrow-biopsy",
            "rationale": "Smear and prior counts come before a marrow examination.",
            "citations": ["dmw-2017"],
        }
    ],
    "diagnosis": [
        {
            "cause": "thiopurines",
            "credit": 1,
            "rationale": "Leucopenia on azathioprine with normal prior counts.",
            "citations": ["praxis-leukocytopenia"],
        },
        {
            "cause": "drugs-and-environmental-toxins",
            "credit": 0.5,
            "rationale": "Right group, not the specific cause.",
            "citations": ["praxis-leukocytopenia"],
        },
    ],
}


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
