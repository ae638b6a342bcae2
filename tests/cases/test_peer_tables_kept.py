"""The report's peer tables are rendered once per worker for the figures they show
(the ``peer_tables`` tag): new figures show at once, and the tables are what a fresh
render gives."""

from __future__ import annotations

import pytest

from leucocases.editorial.content_version import WorkerMemo, worker
from tests.accounts.factories import make_user
from tests.cases.factories import make_case, make_graded_attempt
from tests.pages import visible_text

pytestmark = pytest.mark.django_db


def peer_section(client, attempt) -> str:
    client.force_login(attempt.user)
    text = visible_text(client.get(attempt.get_absolute_url()))
    start = text.index("How other learners chose")
    return text[start : text.index("References", start)]


def submitted(case, steps=("peripheral-smear",)):
    return make_graded_attempt(case=case, user=make_user(), steps=list(steps), diagnosis="thiopurines")


def test_new_figures_show_at_once_and_match_a_fresh_render(client):
    case = make_case().case
    attempts = [submitted(case) for _ in range(5)]
    memo = WorkerMemo()
    with worker(memo):
        first = peer_section(client, attempts[0])
        assert peer_section(client, attempts[1]) == first
        assert "From 5 submitted attempts" in first
        later = submitted(case, steps=("peripheral-smear", "tpmt-nudt15"))
        after = peer_section(client, later)
    assert "From 6 submitted attempts" in after and "From 5" not in after
    with worker(WorkerMemo()):  # nothing kept: rendered afresh
        assert peer_section(client, later) == after
