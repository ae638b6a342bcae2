"""Pure grading engine for LeucoCases workup cases.

No Django, no database: build a ``CaseKey`` and an ``Attempt``, call
``grade()``, store ``Report.to_dict()`` as JSON together with
``ENGINE_VERSION``. ``validate_key()`` lists what makes a key unusable, for
the admin and the importer.
"""

from .engine import ENGINE_VERSION, expert_path, grade, round_half_up, validate_key
from .types import (
    Attempt,
    CaseKey,
    ChoiceLine,
    DiagnosisOption,
    DiagnosisResult,
    DiagnosisVerdict,
    InvalidKeyError,
    KeyedStep,
    KeyProblem,
    MissedEssential,
    OrderRule,
    OrderViolation,
    ProblemCode,
    Report,
    ScoringSettings,
    Tier,
    Verdict,
)

__all__ = [
    "ENGINE_VERSION",
    "Attempt",
    "CaseKey",
    "ChoiceLine",
    "DiagnosisOption",
    "DiagnosisResult",
    "DiagnosisVerdict",
    "InvalidKeyError",
    "KeyProblem",
    "KeyedStep",
    "MissedEssential",
    "OrderRule",
    "OrderViolation",
    "ProblemCode",
    "Report",
    "ScoringSettings",
    "Tier",
    "Verdict",
    "expert_path",
    "grade",
    "round_half_up",
    "validate_key",
]
