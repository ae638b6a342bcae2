"""A cause page's article is kept per worker (taxonomy/cause_article.py): the reader's own
part around it is theirs alone, staff are never served the kept article, and with Redis
down every page is built afresh and correct."""

from __future__ import annotations

import pytest

from leucocases.editorial.content_version import WorkerMemo, worker
from leucocases.editorial.models import ReviewStatus
from tests.accounts.factories import make_user
from tests.cases.factories import make_case_for
from tests.editorial.test_content_version import dead_redis_caches

from .factories import make_cause, make_fact
from .test_views import submitted

pytestmark = pytest.mark.django_db


def page_for(client, user, url: str) -> str:
    client.force_login(user)
    return client.get(url).content.decode()


def test_two_learners_on_one_worker_each_see_only_their_own_cases(client):
    cause = make_cause()
    alice, bob = make_user(username="alice"), make_user(username="bob")
    alices = submitted(make_case_for(cause, title="Alice's case"), user=alice)
    bobs = submitted(make_case_for(cause, title="Bob's case"), user=bob)
    url = cause.get_absolute_url()
    memo = WorkerMemo()

    with worker(memo):
        pages = {name: page_for(client, user, url) for name, user in (("alice", alice), ("bob", bob))}
        pages["alice again"] = page_for(client, alice, url)
    assert len(memo) == 1  # one article, kept and served to both

    for name, mine, theirs in (("alice", alices, bobs), ("bob", bobs, alices), ("alice again", alices, bobs)):
        page = pages[name]
        assert mine.get_absolute_url() in page and theirs.get_absolute_url() not in page
        reader = name.split()[0]
        other = "bob" if reader == "alice" else "alice"
        assert f'<span class="visually-hidden">{reader}</span>' in page  # the navigation's log-out button
        assert f'<span class="visually-hidden">{other}</span>' not in page
    assert pages["alice"] == pages["alice again"].replace(csrf(pages["alice again"]), csrf(pages["alice"])), (
        "the same reader gets the same page, token aside"
    )


def csrf(page: str) -> str:
    start = page.index('name="csrfmiddlewaretoken" value="') + len('name="csrfmiddlewaretoken" value="')
    return page[start : page.index('"', start)]


def test_staff_preview_is_built_for_them_and_never_kept(client):
    """Staff see unpublished relatives flagged; a learner on the same worker never does."""
    cause = make_cause()
    cause.related.set([make_cause(name="Draft relative", status=ReviewStatus.DRAFT)])
    url = cause.get_absolute_url()
    memo = WorkerMemo()
    with worker(memo):
        staff_page = page_for(client, make_user(staff=True), url)
        learner_page = page_for(client, make_user(), url)
    assert "Draft relative" in staff_page and "Not published" in staff_page
    assert "Draft relative" not in learner_page
    assert len(memo) == 1


def test_each_audience_gets_its_own_article(client):
    cause = make_cause(summary="The summary.")
    make_fact(cause=cause, text="The key fact.")
    url = cause.get_absolute_url()
    learner = make_user()
    with worker(WorkerMemo()) as memo:
        orders = {}
        for audience in ("student", "clinician"):
            client.cookies["audience"] = audience
            article = page_for(client, learner, url).split("<article", 1)[1]
            orders[audience] = article.index("The summary.") < article.index("The key fact.")
    assert orders == {"student": True, "clinician": False}
    assert len(memo) == 2


def test_with_redis_down_the_page_is_correct_and_an_edit_shows_at_once(client, settings):
    settings.CACHES = dead_redis_caches()
    cause = make_cause(summary="Before.")
    learner = make_user()
    mine = submitted(make_case_for(cause, title="My case"), user=learner)
    url = cause.get_absolute_url()
    with worker(WorkerMemo()) as memo:
        page = page_for(client, learner, url)
        assert "Before." in page and mine.get_absolute_url() in page
        cause.summary = "After."
        cause.save()
        assert "After." in page_for(client, learner, url)
    assert len(memo) == 0
