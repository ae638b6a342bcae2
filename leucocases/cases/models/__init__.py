"""Case vignettes, their answer key, learners' attempts, and each case's review record.

The key (findings with tiers, order rules, diagnosis options, scoring) is
authored per case (``content``). An attempt stores each choice the moment it
is made; its graded report is stored at submission so a later key edit
changes nothing silently (a regrade writes a new report and keeps the old
one) (``attempts``). Review comments and the change history belong to the
case (``review_record``); the services that write them are ``history`` and
``review``.
"""

from .attempts import Attempt, AttemptCheckpoint, AttemptQuerySet, Choice, DifferentialReport, GradedReport
from .content import Case, CaseLabel, CaseQuerySet, DiagnosisOption, Finding, InitialLab, OrderRule, Tier
from .review_record import CaseRevision, ReviewComment

__all__ = [
    "Attempt",
    "AttemptCheckpoint",
    "AttemptQuerySet",
    "Case",
    "CaseLabel",
    "CaseQuerySet",
    "CaseRevision",
    "Choice",
    "DiagnosisOption",
    "DifferentialReport",
    "Finding",
    "GradedReport",
    "InitialLab",
    "OrderRule",
    "ReviewComment",
    "Tier",
]
