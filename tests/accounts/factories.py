"""People: ``make_user`` (a learner, or staff), ``make_instructor`` (in the Instructors group).

Every other app's tests make their users here. A user gets ``PASSWORD``
unless told otherwise (``password=None``: unusable, for tests that only
``force_login``); the e-mail address is numbered, not built from the
username, because some tests put markup in the username.
"""

from __future__ import annotations

import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from leucocases.accounts.management.commands.create_demo_accounts import INSTRUCTORS_GROUP, instructor_permissions

__all__ = ["PASSWORD", "instructors_group", "log_in", "make_instructor", "make_user"]

PASSWORD = "a-long-test-passphrase-42"
_seq = itertools.count(1)


def make_user(
    *,
    username: str | None = None,
    email: str | None = None,
    password: str | None = PASSWORD,
    staff: bool = False,
    superuser: bool = False,
    **extra,
):
    n = next(_seq)
    extra.setdefault("is_staff", staff or superuser)
    extra.setdefault("is_superuser", superuser)
    return get_user_model().objects.create_user(
        username=username or f"learner{n}", email=email or f"user{n}@example.org", password=password, **extra
    )


def instructors_group() -> Group:
    group, created = Group.objects.get_or_create(name=INSTRUCTORS_GROUP)
    if created:
        group.permissions.set(instructor_permissions())
    return group


def make_instructor(*, username: str | None = None, password: str | None = None, staff: bool = True):
    """A member of the Instructors group, with the group's permissions (as ``create_demo_accounts`` sets them)."""
    user = make_user(username=username or f"instructor{next(_seq)}", password=password, staff=staff)
    user.groups.add(instructors_group())
    return user


def log_in(client, user):
    """Log ``user`` in on the test ``client`` and return the user (the body of a logged-in-user fixture)."""
    client.force_login(user)
    return user
