"""Shared fixtures. Each test package keeps its own small ``make_*`` factories
(tests/cases/factories.py, tests/taxonomy/factories.py)."""

import pytest
from django.core.cache import caches
from django.core.management import call_command


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The default PBKDF2 hasher is deliberately slow; tests only need it to work.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: cached menus and statistics are keyed by
    primary keys, which a rolled-back test database hands out again. Every cache:
    the page cache keeps a worker-local copy in the "pages" cache too."""
    for each in caches.all():
        each.clear()
    yield
    for each in caches.all():
        each.clear()


@pytest.fixture
def shipped_content(db):
    """The taxonomy, references and workup catalogue exactly as shipped in fixtures/."""
    call_command("load_taxonomy", verbosity=0)
