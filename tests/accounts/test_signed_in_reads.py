"""Every signed-in request reads its session and its account with prepared statements
(leucocases/sessions.py, security.AccountBackend), in one statement once the worker
has seen the session signed in (leucocases/account_rows.py): what they read, and who
is signed in, is what Django's own engine and backend gave."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.core.signals import request_started
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leucocases import account_rows
from leucocases.security import AccountBackend
from tests.accounts.factories import make_user
from tests.accounts.test_sessions import logged_in, with_cookie

pytestmark = pytest.mark.django_db


def django_session_for(user, *, backend: str) -> str:
    """A session as Django's engine stores it after a login through ``backend``."""
    store = DjangoSessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = backend
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def test_a_session_reads_back_what_djangos_engine_stored():
    store = DjangoSessionStore()
    store.update({"cart": [1, 2], "audience": "resident"})
    store.create()
    ours = import_module(settings.SESSION_ENGINE).SessionStore(store.session_key)
    assert ours.load() == {"cart": [1, 2], "audience": "resident"}
    assert import_module(settings.SESSION_ENGINE).SessionStore("x" * 32).load() == {}


def test_a_session_from_before_the_change_stays_signed_in():
    """Sessions stored naming Django's ModelBackend (every login before AccountBackend) still work."""
    user = make_user()
    key = django_session_for(user, backend="django.contrib.auth.backends.ModelBackend")
    assert logged_in(key)
    client = with_cookie(key)
    assert client.get(reverse("accounts:dashboard")).context["user"].pk == user.pk


def test_the_account_is_the_one_djangos_backend_would_load():
    user = make_user(first_name="Ada", email="ada@example.org")
    loaded = AccountBackend().get_user(user.pk)
    assert [getattr(loaded, f.attname) for f in user._meta.concrete_fields] == [
        getattr(user, f.attname) for f in user._meta.concrete_fields
    ]
    assert not loaded._state.adding and loaded._state.db == "default"
    user.is_active = False
    user.save()
    assert AccountBackend().get_user(user.pk) is None
    assert AccountBackend().get_user(user.pk + 1000) is None


def test_a_password_change_still_ends_other_sessions():
    """The session hash is checked as before: another session of the account is signed out."""
    user = make_user()
    other = Client()
    other.force_login(user)
    assert other.get(reverse("accounts:dashboard")).status_code == 200
    user.set_password("another-long-passphrase-77")
    user.save()
    assert other.get(reverse("accounts:dashboard")).status_code == 302


def test_a_signed_in_request_reads_session_and_account_once_each():
    client = Client()
    client.force_login(make_user())
    client.get(reverse("accounts:dashboard"))
    with CaptureQueriesContext(connection) as captured:
        client.get("/causes/")
    sql = [q["sql"] for q in captured.captured_queries]
    assert sum('FROM "django_session"' in s for s in sql) == 1
    assert sum('FROM "auth_user"' in s for s in sql) == 1


def test_a_session_seen_signed_in_is_read_with_its_account_in_one_statement():
    client = Client()
    user = make_user(first_name="Ada")
    client.force_login(user)
    client.get("/causes/")  # the worker learns whose session it is
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 200 and response.context["user"].pk == user.pk
    sql = [q["sql"] for q in captured.captured_queries]
    reading = [s for s in sql if '"django_session"' in s or 'FROM "auth_user"' in s]
    assert len(reading) == 1, reading
    assert '"django_session"' in reading[0] and 'FROM "auth_user"' in reading[0]


def signed_in_twice(user) -> Client:
    """A client whose session this worker has already seen signed in as ``user``."""
    client = Client()
    client.force_login(user)
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    return client


def test_a_deactivated_account_is_signed_out_on_its_next_request():
    user = make_user()
    client = signed_in_twice(user)
    user.is_active = False
    user.save()
    assert client.get(reverse("accounts:dashboard")).status_code == 302


def test_a_deleted_account_is_signed_out_on_its_next_request():
    user = make_user()
    client = signed_in_twice(user)
    user.delete()
    response = client.get("/causes/")
    assert response.status_code == 200 and not response.context["user"].is_authenticated


def test_a_logged_out_session_stays_logged_out_with_its_old_cookie():
    client = signed_in_twice(make_user())
    key = client.cookies["sessionid"].value
    client.post(reverse("accounts:logout"))
    assert not logged_in(key)


def test_a_wrong_guess_reads_the_account_the_session_names():
    """Had the worker remembered another account for the key, the session still decides."""
    ada, bob = make_user(first_name="Ada"), make_user(first_name="Bob")
    client = signed_in_twice(ada)
    account_rows.remember_account_of_session(client.cookies["sessionid"].value, bob.pk)
    assert client.get(reverse("accounts:dashboard")).context["user"].pk == ada.pk


def test_a_row_read_with_a_session_is_handed_out_once_and_never_to_the_next_request():
    user = make_user()
    row = account_rows.ACCOUNT.rows(pk=user.pk)[0]
    account_rows.offer(user.pk, row)
    assert account_rows.take(user.pk + 1) is None
    assert account_rows.take(user.pk) == row
    assert account_rows.take(user.pk) is None
    account_rows.offer(user.pk, row)
    request_started.send(sender=None)
    assert account_rows.take(user.pk) is None
