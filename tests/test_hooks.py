"""The lower apps' hooks (leucocases/hooks.py): called after commit, never on rollback, one failure isolated."""

import pytest
from django.db import transaction

from leucocases.hooks import Hook


@pytest.mark.django_db(transaction=True)
def test_a_hook_calls_back_after_commit_only():
    hook: Hook[str] = Hook("test")
    heard = []
    hook.connect(heard.append)
    hook.connect(heard.append)  # once is enough
    with transaction.atomic():
        hook.fire_on_commit("kept")
        assert heard == []
    try:
        with transaction.atomic():
            hook.fire_on_commit("rolled back")
            raise RuntimeError
    except RuntimeError:
        pass
    assert heard == ["kept"]


@pytest.mark.django_db(transaction=True)
def test_a_failing_callback_does_not_stop_the_others(caplog):
    hook: Hook[int] = Hook("test")
    heard = []

    def broken(event):
        raise ValueError("boom")

    hook.connect(broken)
    hook.connect(heard.append)
    with transaction.atomic():
        hook.fire_on_commit(1)
    assert heard == [1]
    assert "boom" in caplog.text
