"""Shared fixtures. Factories are small ``make_*`` functions in tests/factories.py."""

import pytest


@pytest.fixture
def shipped_content(db):
    """The taxonomy, references and workup catalogue exactly as shipped in fixtures/."""
    from django.core.management import call_command

    call_command("load_taxonomy", verbosity=0)
