"""Shared fixtures. Each test package keeps its own small ``make_*`` factories
(tests/cases/factories.py, tests/taxonomy/factories.py)."""

import os

import pytest
from django.core.cache import caches
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite, test in a file rather than in memory. Django hands the live server
    (browser tests) the test thread's one in-memory connection, and the threaded
    server then uses it from several threads at once: a page and its
    /admin/jsi18n/ script requested together failed now and then with SQLite's
    "bad parameter or other API misuse". A file gives each thread its own connection."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("sqlite") / "test.sqlite3")


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
def learner(client):
    """A learner (tests.accounts.factories.make_user), logged in on ``client``."""
    from tests.accounts.factories import log_in, make_user

    return log_in(client, make_user())


@pytest.fixture
def shipped_content(db):
    """The taxonomy, references, workup catalogue and case labels exactly as shipped in fixtures/."""
    call_command("load_taxonomy", verbosity=0)
    call_command("load_case_labels", verbosity=0)


@pytest.fixture(autouse=True)
def postgres_only(request):
    """Tests marked ``postgres`` skip on SQLite, except in CI's PostgreSQL pass
    (REQUIRE_POSTGRES=1), where another database is a failure, not a skip."""
    if request.node.get_closest_marker("postgres") is None:
        return
    from django.db import connection

    if connection.vendor != "postgresql":
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REQUIRE_POSTGRES=1 but the test database is {connection.vendor}, not PostgreSQL")
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://postgres@127.0.0.1:5432/<name>)")
