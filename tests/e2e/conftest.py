"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Every test in this folder is marked ``e2e`` (``make test-fast`` leaves them
out), runs against ``live_server`` with a transactional database, and fails if
the browser logged a console error or an uncaught exception — a
Content-Security-Policy violation is a console error. Mark a test
``@pytest.mark.allow_console_errors`` when an error is the point of it.
``page.goto("/causes/")`` works: the base URL is the live server's.
"""

import os
from io import StringIO
from pathlib import Path

import pytest

from .chromium import CHROMIUM, CHROMIUM_ARGS
from .helpers import assert_no_console_errors, start_vnu_server, stop_vnu_server, watch_console

# Playwright's sync API runs an event loop in this thread; Django's ORM (used by
# fixtures and the live server's database setup) refuses that unless told.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

E2E_DIR = Path(__file__).resolve().parent
BASE_DIR = E2E_DIR.parents[1]
E2E_COUNT = pytest.StashKey[int]()
# With this many browser tests a long-lived validator server (slow to start, then
# ~0.1 s a page) beats one `java -jar vnu.jar` run (2-5 s) per test.
VNU_SERVER_FROM = 5


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "allow_console_errors: the test expects browser console errors; do not fail on them"
    )


def pytest_collection_modifyitems(config, items):
    # Hooks in this conftest see every collected item, not only this folder's.
    count = 0
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)
            count += 1
    config.stash[E2E_COUNT] = count


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    # Console errors fail the test itself (not its teardown), right after its body ran.
    result = yield
    page = getattr(item, "funcargs", {}).get("page")
    if page is not None and item.get_closest_marker("allow_console_errors") is None:
        assert_no_console_errors(page)
    return result


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # `playwright install` cannot download here: use Debian's Chromium, and never skip without it.
    if not CHROMIUM.exists():
        pytest.fail(
            "The browser tests need Chromium at /usr/bin/chromium and it is missing. "
            "Run `make test` (it installs it) or `apt-get install -y chromium`.",
            pytrace=False,
        )
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session", autouse=True)
def _html_validator_server(pytestconfig):
    """For a long run, start the Nu HTML Checker's server now, in the background, for ``assert_valid_html*``."""
    # VNU_SERVER=1 or 0 forces the choice either way.
    wanted = os.environ.get("VNU_SERVER", "")
    if wanted == "1" or (wanted != "0" and pytestconfig.stash.get(E2E_COUNT, 0) >= VNU_SERVER_FROM):
        start_vnu_server()
    yield
    stop_vnu_server()


@pytest.fixture(scope="session")
def base_url(live_server):
    """Relative URLs in ``page.goto`` resolve against the live server."""
    return live_server.url


@pytest.fixture(autouse=True)
def _live_database(transactional_db, live_server):
    """The live server runs in another thread, so tests commit their data (transactional_db)."""


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher costs ~0.5 s a password on these machines; browser tests sign up and log in often.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def page(page, request):
    """pytest-playwright's page, recording console errors and uncaught exceptions.

    The test fails if any were recorded (see ``pytest_runtest_call``); errors
    raised while fixtures tear down are caught here.
    """
    watch_console(page)
    yield page
    if request.node.get_closest_marker("allow_console_errors") is None:
        assert_no_console_errors(page)


@pytest.fixture
def nojs_page(new_context):
    """A page in a browser context with JavaScript disabled; console errors fail the test."""
    context = new_context(java_script_enabled=False)
    page = context.new_page()
    watch_console(page)
    yield page
    assert_no_console_errors(page)


@pytest.fixture
def site_content(transactional_db):
    """The shipped taxonomy, references, workup catalogue and cases, loaded into the live server's database."""
    from django.core.management import call_command

    quiet = StringIO()
    call_command("load_synonyms", verbosity=0, stdout=quiet)  # as `make content` does: search reads the vocabulary
    call_command("load_taxonomy", verbosity=0, stdout=quiet)
    call_command("load_case_labels", verbosity=0, stdout=quiet)
    call_command("create_content_loader", verbosity=0)
    call_command(
        "import_cases", str(BASE_DIR / "fixtures" / "cases"), publish_as="content-loader", verbosity=0, stdout=quiet
    )
