"""The cases app's services, in one place to import from.

The writes a learner's attempt goes through are ``attempts``; what the play
page and the case list read is ``selectors``; how other learners chose is
``peer_stats``. They are re-exported here so that callers keep one short
import. The report page's display of a stored report is ``report_display``.
"""

from __future__ import annotations

from .attempts import (
    ANON_ATTEMPTS_SESSION_KEY,
    ChoiceOutcome,
    attempt_choose_step,
    attempt_current_report,
    attempt_find_open,
    attempt_start_or_resume,
    attempt_submit,
    attempts_claim_for_user,
    attempts_claim_on_login,
)
from .peer_stats import (
    PEER_STATS_CACHE_SECONDS,
    PEER_STATS_MINIMUM,
    PeerShare,
    PeerStats,
    peer_choice_stats,
    peer_stats_cache_key,
)
from .report_display import ReportDisplay, report_display
from .selectors import NEUTRAL_RESULT, ChosenStep, attempt_chosen_steps, cases_with_progress

__all__ = [
    "ANON_ATTEMPTS_SESSION_KEY",
    "NEUTRAL_RESULT",
    "PEER_STATS_CACHE_SECONDS",
    "PEER_STATS_MINIMUM",
    "ChoiceOutcome",
    "ChosenStep",
    "PeerShare",
    "PeerStats",
    "ReportDisplay",
    "attempt_choose_step",
    "attempt_chosen_steps",
    "attempt_current_report",
    "attempt_find_open",
    "attempt_start_or_resume",
    "attempt_submit",
    "attempts_claim_for_user",
    "attempts_claim_on_login",
    "cases_with_progress",
    "peer_choice_stats",
    "peer_stats_cache_key",
    "report_display",
]
