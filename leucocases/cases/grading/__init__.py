"""Pure grading engine for LeucoCases workup cases.

No Django, no database: build a ``CaseKey`` and an ``Attempt``, call
``grade()``, store ``Report.to_dict()`` as JSON together with
``ENGINE_VERSION``; ``Report.from_dict()`` reads it back, including reports
stored by engine 1.0.0. ``validate_key()`` lists what makes a key unusable,
for the admin and the importer. ``expert_path()`` gives the expert's path as
entries to order (repeats included) and ``number_occurrences()`` pairs a
sequence of entries with their occurrences.

Modules: ``types`` (the key, the attempt, enums, key problems), ``report``
(the report), ``paths`` (occurrences, the expert path), ``validation``
(``validate_key``), ``order_checks`` (its checks of order rules, cycles and
the expert path) and ``engine`` (``grade``).
"""

from .engine import ENGINE_VERSION, grade, round_half_up
from .paths import expert_path, number_occurrences
from .report import (
    ChoiceLine,
    DiagnosisResult,
    DiagnosisVerdict,
    MissedEssential,
    OrderViolation,
    Report,
    Verdict,
)
from .types import (
    Attempt,
    CaseKey,
    DiagnosisOption,
    GradeBands,
    InvalidKeyError,
    KeyedStep,
    KeyProblem,
    OrderRule,
    ProblemCode,
    ScoringSettings,
    Tier,
)
from .validation import validate_key

__all__ = [
    "ENGINE_VERSION",
    "Attempt",
    "CaseKey",
    "ChoiceLine",
    "DiagnosisOption",
    "DiagnosisResult",
    "DiagnosisVerdict",
    "GradeBands",
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
    "number_occurrences",
    "round_half_up",
    "validate_key",
]
