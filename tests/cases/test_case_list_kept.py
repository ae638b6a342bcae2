"""The case list's cards are kept per worker (cases/case_list.py); each learner's progress is
rendered around them, never another's; a content change reaches every worker's list."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leucocases.cases import services
from leucocases.cases.models import Case
from leucocases.editorial.content_version import WorkerMemo, worker
from tests.accounts.factories import make_user
from tests.editorial.test_content_version import dead_redis_caches

from .factories import make_attempt, make_case

pytestmark = pytest.mark.django_db


def card_of(page: str, title: str) -> str:
    start = page.index(title)
    return page[start : page.index("</li>", start)]


def test_two_learners_on_one_worker_each_see_only_their_own_progress(client):
    done, started = make_case(title="Done case"), make_case(title="Started case")
    alice, bob = make_user(username="alice"), make_user(username="bob")
    services.attempt_submit(attempt=make_attempt(case=done.case, user=alice), diagnosis=done.causes["thiopurines"])
    make_attempt(case=started.case, user=bob)
    memo = WorkerMemo()
    pages = {}
    with worker(memo):
        for name, learner in (("alice", alice), ("bob", bob), ("visitor", None)):
            client.logout()
            if learner is not None:
                client.force_login(learner)
            pages[name] = client.get(reverse("cases:list")).content.decode()
    # The practice cases, the label filter's options and both filters' markup, kept once for all three.
    assert len(memo) == 4

    assert "Your best score" in card_of(pages["alice"], "Done case")
    assert "In progress" not in card_of(pages["alice"], "Started case")
    assert "Your best score" not in card_of(pages["bob"], "Done case")
    assert "In progress" in card_of(pages["bob"], "Started case")
    assert "Your best score" not in pages["visitor"] and "In progress" not in pages["visitor"]
    for name in ("alice", "bob"):
        other = "bob" if name == "alice" else "alice"
        assert f'<span class="visually-hidden">{name}</span>' in pages[name]
        assert f'<span class="visually-hidden">{other}</span>' not in pages[name]


def test_a_case_archived_on_one_worker_leaves_the_list_on_the_other(client):
    make_case(title="Staying case")
    leaving = make_case(title="Leaving case")
    first, second = WorkerMemo(), WorkerMemo()
    for memo in (first, second):
        with worker(memo):
            assert "Leaving case" in client.get(reverse("cases:list")).content.decode()

    with worker(first):
        from leucocases.cases.authoring import case_archive

        case_archive(case=leaving.case, user=make_user())
    with worker(second):
        page = client.get(reverse("cases:list")).content.decode()
    assert "Staying case" in page and "Leaving case" not in page
    assert Case.objects.practice().count() == 1


def test_with_redis_down_the_list_is_correct(client, settings):
    settings.CACHES = dead_redis_caches()
    make_case(title="First case")
    learner = make_user()
    client.force_login(learner)
    with worker(WorkerMemo()) as memo:
        assert "First case" in client.get(reverse("cases:list")).content.decode()
        make_case(title="Second case")
        assert "Second case" in client.get(reverse("cases:list")).content.decode()
    assert len(memo) == 0
