"""Every signed-in request reads its session and its account with prepared statements
(leucocases/sessions.py, security.AccountBackend): what they read, and who is signed
in, is what Django's own engine and backend gave."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

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
