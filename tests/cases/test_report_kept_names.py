"""The report names steps and causes and lists references from what each worker keeps
(``taxonomy.kept_names``, ``taxonomy.workup_catalogue``): no query for them, and an
edit shows on the next report on every worker. Two app servers are played by two
``WorkerMemo`` objects sharing the test settings' cache."""

from __future__ import annotations

import pytest

from leucocases.editorial.content_version import WorkerMemo, worker
from leucocases.taxonomy.models import Cause, Reference, WorkupStep
from tests.accounts.factories import make_user
from tests.cases.factories import make_case, make_graded_attempt
from tests.editorial.test_content_version import dead_redis_caches
from tests.pages import visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(client):
    """A learner's report on a case citing its references, with the learner signed in: its URL."""
    learner = make_user()
    case = make_case().case
    attempt = make_graded_attempt(
        case=case, user=learner, steps=["peripheral-smear", "tpmt-nudt15"], diagnosis="thiopurines"
    )
    client.force_login(learner)
    return attempt.get_absolute_url()


def test_renamed_steps_causes_and_references_show_on_the_next_report_on_every_worker(client, report):
    one, two = WorkerMemo(), WorkerMemo()
    step = WorkupStep.objects.get(slug="peripheral-smear")
    cause = Cause.objects.get(slug="thiopurines")
    reference = Reference.objects.order_by("number").first()
    for memo in (one, two):
        with worker(memo):
            before = visible_text(client.get(report))
        assert step.name in before and cause.name in before and reference.title in before
    step.name, cause.name, reference.title = "Blood film, renamed", "Thiopurines, renamed", "A retitled source"
    for edited in (step, cause, reference):
        edited.save()
    for memo in (one, two):
        with worker(memo):
            after = visible_text(client.get(report))
        assert "Blood film, renamed" in after and "Thiopurines, renamed" in after
        assert "A retitled source" in after


def test_with_redis_down_the_report_is_the_same(client, report, settings):
    with worker(WorkerMemo()):
        kept = visible_text(client.get(report))
    settings.CACHES = dead_redis_caches()
    with worker(WorkerMemo()):
        assert visible_text(client.get(report)) == kept
