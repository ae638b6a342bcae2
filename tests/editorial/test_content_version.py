"""The content version: every content write changes it, and what workers keep under it follows.

Two app servers are played in one process by two ``WorkerMemo`` objects (each a
worker's own memory) sharing one cache (the version's home: Redis in
production, the test settings' in-memory cache here).
"""

from __future__ import annotations

import uuid

import pytest
import redis
from django.urls import reverse

from leucocases.cases.models import Attempt
from leucocases.editorial import content_version
from leucocases.editorial.content_version import WorkerMemo, bulk_writes, current, worker
from leucocases.taxonomy.models import Cause
from tests.accounts.factories import make_user
from tests.cases.factories import make_case
from tests.security.test_redis_outage import redis_cache, redis_is_up
from tests.taxonomy.factories import cause_change_form, make_cause, make_fact, make_reference

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:1/0"


def dead_redis_caches(location: str = DEAD_REDIS) -> dict:
    """Production's cache settings pointed at a port where nothing answers."""
    return {
        "default": {
            "BACKEND": "leucocases.rediscache.BreakerRedisCache",
            "LOCATION": location,
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.25, "SOCKET_TIMEOUT": 0.25},
        },
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "dead-redis-pages"},
    }


def test_content_saves_deletes_and_many_to_many_changes_change_the_version():
    cause = make_cause()
    before = current()
    cause.summary = "Edited."
    cause.save()
    after_save = current()
    fact = make_fact(cause=cause)
    after_fact = current()
    fact.references.add(make_reference())
    after_m2m = current()
    fact.delete()

    versions = [before, after_save, after_fact, after_m2m, current()]
    assert None not in versions
    assert len(set(versions)) == len(versions)


def test_learners_work_is_not_content():
    """Attempts, choices and accounts change on every click: they leave the version alone."""
    bundle = make_case()
    before = current()
    Attempt.objects.create(case=bundle.case, user=make_user())

    assert current() == before


def test_a_write_in_a_transaction_changes_the_version_again_when_it_commits(django_capture_on_commit_callbacks):
    """A reader between the write and the commit sees the rows as they were: what it
    keeps under the version it took then must not outlive the commit."""
    with django_capture_on_commit_callbacks(execute=True):
        make_cause()
        between = current()
    assert current() != between


def test_a_bulk_load_changes_the_version_once_at_its_end():
    before = current()
    with bulk_writes():
        make_cause()
        make_cause()
        during = current()
    assert during == before
    assert current() != before


def test_what_a_worker_keeps_is_rebuilt_after_a_content_write_on_another_worker():
    cause = make_cause(summary="First.")
    first, second = WorkerMemo(), WorkerMemo()
    built = []

    def summary() -> str:
        built.append(1)
        return Cause.objects.get(pk=cause.pk).summary

    with worker(first):
        assert content_version.remember("summary", summary) == "First."
    with worker(second):
        assert content_version.remember("summary", summary) == "First."
        assert content_version.remember("summary", summary) == "First."
    assert len(built) == 2  # once per worker

    with worker(first):
        Cause.objects.filter(pk=cause.pk).update(summary="Second.")
        content_version.content_changed()  # what a bulk writer says after an update
    with worker(second):
        assert content_version.remember("summary", summary) == "Second."


def test_without_a_shared_cache_nothing_is_kept(settings):
    """Production without Redis: several workers and nothing shared, so no version to trust."""
    settings.CONTENT_VERSION_CACHE = ""
    built = []
    for _ in range(2):
        content_version.remember("anything", lambda: built.append(1))
    assert current() is None
    assert len(built) == 2


def test_with_redis_down_nothing_is_kept_and_nothing_fails(settings):
    settings.CACHES = dead_redis_caches()
    memo = WorkerMemo()
    with worker(memo):
        cause = make_cause()  # the bump cannot reach Redis: no error
        assert current() is None
        assert content_version.remember("name", lambda: Cause.objects.get(pk=cause.pk).name) == cause.name
    assert len(memo) == 0


@pytest.fixture
def live_redis():
    """Production's cache settings on the machine's Redis, under a key prefix of our own."""
    if not redis_is_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379 (see DESIGN.md §5 to start it)")
    prefix = f"leucocases-test-{uuid.uuid4().hex}"
    yield redis_cache("redis://127.0.0.1:6379/15", prefix)
    client = redis.Redis(host="127.0.0.1", port=6379, db=15)
    if keys := list(client.scan_iter(f"{prefix}*")):
        client.delete(*keys)


def test_a_bump_redis_missed_is_made_before_this_process_reads_the_version_again(settings, live_redis):
    live = live_redis
    settings.CACHES = live
    cause = make_cause()
    before = current()
    assert before is not None

    # Redis is unreachable (here: the settings point elsewhere) while content is written.
    settings.CACHES = dead_redis_caches(location="redis://127.0.0.1:1/1")
    cause.summary = "Written while Redis was away."
    cause.save()
    assert current() is None

    settings.CACHES = live
    assert current() not in (None, before)


def test_a_cause_page_edited_in_the_admin_shows_on_the_next_request_on_both_workers(client, admin_client):
    """Two app servers each keep the cause page's article; an admin edit on one of them
    shows on the next request to either."""
    cause = make_cause(summary="The summary as first written.")
    fact = make_fact(cause=cause, text="A fact.")
    learner = make_user()
    client.force_login(learner)
    url = cause.get_absolute_url()
    first, second = WorkerMemo(), WorkerMemo()
    for memo in (first, second):
        with worker(memo):
            assert "The summary as first written." in client.get(url).content.decode()
    assert len(first) == len(second) == 1

    with worker(first):
        response = admin_client.post(
            reverse("admin:taxonomy_cause_change", args=[cause.pk]),
            cause_change_form(cause, fact, references=[make_reference()], summary="The summary as edited."),
        )
        assert response.status_code == 302

    for memo in (second, first):
        with worker(memo):
            page = client.get(url).content.decode()
        assert "The summary as edited." in page
        assert "The summary as first written." not in page


def test_every_content_model_is_watched():
    """A content model added later must be watched too, or its edits would not reach the workers."""
    from django.apps import apps

    from leucocases.cases.models import content
    from leucocases.editorial.content_version import watched_models
    from leucocases.quizzes.models import Quiz, QuizItem

    taxonomy = {m for m in apps.get_app_config("taxonomy").get_models() if m.__module__.endswith("taxonomy.models")}
    cases = {m for m in apps.get_app_config("cases").get_models() if m.__module__ == content.__name__}
    assert taxonomy | cases | {Quiz, QuizItem} <= watched_models()
    assert len(cases) >= 6 and len(taxonomy) >= 7
