"""Join codes: what a learner types to enter a cohort.

Eight characters from an alphabet without the look-alikes 0/O and 1/I/L, so
a code read off a projector is typed right; 31⁸ (about 8.5 × 10¹¹) codes, so
guessing one is hopeless. Stored without spaces or dashes, shown as
``ABCD-EFGH``; what a learner types is read case-insensitively, with any
spaces or dashes.
"""

from __future__ import annotations

import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8


def new_join_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(typed: str) -> str:
    """``typed`` as stored: upper case, without spaces or dashes."""
    return "".join(char for char in typed.upper() if char not in " -\t")


def shown(code: str) -> str:
    """``code`` as people read it: two groups of four."""
    return f"{code[:4]}-{code[4:]}" if len(code) == LENGTH else code
