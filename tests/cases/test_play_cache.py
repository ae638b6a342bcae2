"""The play page keeps what is the same for everyone per worker, and reads the learner in one query.

What a worker keeps under the content version (``cases.play_content``, the
catalogue, the case's findings) must never change what a learner sees: the
page is the same, byte for byte, with or without it, an edit shows on the next
request on every worker, a Redis outage serves the same page, and nobody's
choices reach another learner's page. Two app servers are played in one
process by two ``WorkerMemo`` objects sharing the test settings' cache.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leucocases.cases.models import Attempt, Choice
from leucocases.editorial.content_version import WorkerMemo, worker
from leucocases.quizzes.models import Quiz
from tests.accounts.factories import make_user
from tests.cases.factories import make_case, result_for
from tests.editorial.test_content_version import dead_redis_caches
from tests.quizzes.factories import make_quiz

pytestmark = pytest.mark.django_db

#: Transaction control is not a query (as in benchmarks/query_counts.py).
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def queries(fn) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = fn()
    sql = [q["sql"] for q in captured.captured_queries if not q["sql"].lstrip().upper().startswith(TRANSACTION_CONTROL)]
    return len(sql), response


def same_for_any_request(html: str) -> str:
    """The page less what differs on every request whoever asks: the masked CSRF token."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value=""', html)
    html = re.sub(r'nonce="[^"]+"', 'nonce=""', html)
    return re.sub(r'"X-CSRFToken": "[^"]+"', '"X-CSRFToken": ""', html)


def choose(client, url, attempt, slug, position, **headers):
    return client.post(url, {"attempt": attempt.pk, "step": slug, "position": position}, **headers)


def practice(client, bundle, *, signed_in):
    """A learner on ``bundle``'s case with one result on the page: (play url, choose url, attempt)."""
    if signed_in:
        client.force_login(make_user())
    url = bundle.case.get_absolute_url()
    choose_url = reverse("cases:choose", kwargs={"slug": bundle.case.slug})
    client.post(choose_url, {"attempt": "", "step": "peripheral-smear", "position": 1})
    attempt = Attempt.objects.get()
    return url, choose_url, attempt


# --- one learner-state query --------------------------------------------------


@pytest.mark.parametrize(
    ("signed_in", "expected"),
    # A choice reads the attempt's choices in a statement of its own, after the row lock (cases.attempts).
    # Signed in, the account comes in the session's statement (account_rows): the same counts.
    [(False, {"play": 2, "choose": 5, "htmx": 5}), (True, {"play": 2, "choose": 5, "htmx": 5})],
    ids=["anonymous", "signed-in"],
)
def test_play_and_choose_cost_a_fixed_number_of_queries(client, signed_in, expected):
    """Anonymous: the session and the learner's state; signed in, the account with the session. A
    choice adds the attempt's row lock (with its choices) and the insert; its htmx
    answer reads nothing more (the case's findings and the catalogue are kept).
    The same again after many more attempts, choices and reports."""
    bundle = make_case()
    url, choose_url, attempt = practice(client, bundle, signed_in=signed_in)
    client.get(url)  # the worker keeps the case's parts

    counts = {
        "play": queries(lambda: client.get(url))[0],
        "choose": queries(lambda: choose(client, choose_url, attempt, "prior-counts", 2))[0],
        "htmx": queries(lambda: choose(client, choose_url, attempt, "b12-folate", 3, HTTP_HX_REQUEST="true"))[0],
    }
    assert counts == expected

    # More of everything: other learners' attempts, this learner's earlier reports, more choices.
    for _ in range(3):
        other = Attempt.objects.create(case=bundle.case, user=make_user())
        Choice.objects.create(attempt=other, step=bundle.steps["peripheral-smear"], position=1)
    for position, slug in enumerate(["medication-review", "tpmt-nudt15", "bone-marrow-biopsy"], start=4):
        choose(client, choose_url, attempt, slug, position)
    assert queries(lambda: client.get(url))[0] == expected["play"]
    assert queries(lambda: choose(client, choose_url, attempt, "hiv-hcv-serology", 7))[0] == expected["choose"]
    htmx = queries(lambda: choose(client, choose_url, attempt, "prior-counts", 8, HTTP_HX_REQUEST="true"))
    assert htmx[0] == expected["htmx"]
    assert result_for("prior-counts") in htmx[1].content.decode()
    assert Choice.objects.filter(attempt=attempt).count() == 8


def test_a_quiz_case_costs_a_fixed_number_of_queries(client):
    """In a quiz: the session with the account, the quiz attempt, its progress and the case
    attempt's choices; a choice: the quiz attempt, the posted case attempt, its row
    lock (with its choices) and the insert."""
    bundle = make_case()
    client.force_login(make_user())
    quiz = make_quiz(cases=[bundle.case], mode=Quiz.Mode.PRACTICE)
    runner = client.post(reverse("quizzes:start", kwargs={"slug": quiz.slug}))["Location"]
    page = client.get(runner)
    attempt, quiz_attempt = page.context["attempt"], page.context["quiz_attempt"]
    choose_url = reverse("quizzes:choose", kwargs={"pk": quiz_attempt.pk})
    choose(client, choose_url, attempt, "peripheral-smear", 1)
    client.get(runner)  # the worker keeps the case's findings

    assert queries(lambda: client.get(runner))[0] == 4
    assert queries(lambda: choose(client, choose_url, attempt, "prior-counts", 2))[0] == 6
    count, response = queries(lambda: choose(client, choose_url, attempt, "b12-folate", 3, HTTP_HX_REQUEST="true"))
    assert count == 6
    assert result_for("b12-folate") in response.content.decode()


# --- what a worker keeps changes nothing a learner sees ----------------------------


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_the_page_is_the_same_with_or_without_what_the_worker_keeps(client, settings, signed_in):
    bundle = make_case()
    url, choose_url, attempt = practice(client, bundle, signed_in=signed_in)
    choose(client, choose_url, attempt, "b12-folate", 2)
    memo = WorkerMemo()
    with worker(memo):
        client.get(url)
        client.get(f"{url}?menu=smear")
        kept = client.get(url).content.decode()
        kept_filtered = client.get(f"{url}?menu=smear").content.decode()
        kept_htmx = choose(client, choose_url, attempt, "prior-counts", 3, HTTP_HX_REQUEST="true").content.decode()
    assert len(memo) > 0
    Choice.objects.filter(attempt=attempt, position=3).delete()

    settings.CONTENT_VERSION_CACHE = ""  # nothing is kept: every part is built from the database
    built = client.get(url).content.decode()
    built_filtered = client.get(f"{url}?menu=smear").content.decode()
    built_htmx = choose(client, choose_url, attempt, "prior-counts", 3, HTTP_HX_REQUEST="true").content.decode()

    assert same_for_any_request(kept) == same_for_any_request(built)
    assert same_for_any_request(kept_filtered) == same_for_any_request(built_filtered)
    assert same_for_any_request(kept_htmx) == same_for_any_request(built_htmx)
    assert result_for("b12-folate") in kept and f'name="attempt" value="{attempt.pk}"' in kept


def test_each_learner_sees_only_their_own_choices(client, django_user_model):
    """Two learners on one worker, each with their own choices: each page shows its
    learner's results and attempt only, and is the same whether the other's came first."""
    from django.test import Client

    bundle = make_case()
    first, second = client, Client()
    url, choose_url, first_attempt = practice(first, bundle, signed_in=True)
    second.force_login(make_user())
    second.post(choose_url, {"attempt": "", "step": "b12-folate", "position": 1})
    second_attempt = Attempt.objects.exclude(pk=first_attempt.pk).get()
    choose(second, choose_url, second_attempt, "tpmt-nudt15", 2)

    with worker(WorkerMemo()):
        first_alone = first.get(url).content.decode()
        second_page = second.get(url).content.decode()
        first_after = first.get(url).content.decode()

    assert same_for_any_request(first_after) == same_for_any_request(first_alone)
    assert result_for("peripheral-smear") in first_alone
    for theirs in (result_for("b12-folate"), result_for("tpmt-nudt15"), f'name="attempt" value="{second_attempt.pk}"'):
        assert theirs not in first_alone
    assert result_for("b12-folate") in second_page and result_for("tpmt-nudt15") in second_page
    for theirs in (result_for("peripheral-smear"), f'name="attempt" value="{first_attempt.pk}"'):
        assert theirs not in second_page
    assert 'name="position" value="2"' in first_alone and 'name="position" value="3"' in second_page


def test_an_admin_edit_shows_on_the_next_play_page_on_both_workers(client, admin_client):
    """Two workers each keep the case's page parts and the catalogue; a catalogue entry
    renamed in the admin on one shows on the next request to either, in the menu and
    in the learner's results, and a presentation saved shows too."""
    bundle = make_case()
    url, _, _ = practice(client, bundle, signed_in=True)
    first, second = WorkerMemo(), WorkerMemo()
    for memo in (first, second):
        with worker(memo):
            assert "Peripheral blood smear" in client.get(url).content.decode()
    step = bundle.steps["peripheral-smear"]

    with worker(first):
        response = admin_client.post(
            reverse("admin:taxonomy_workupstep_change", args=[step.pk]),
            {
                "name": "Blood film review",
                "slug": step.slug,
                "kind": step.kind,
                "category": step.category,
                "position": step.position,
                "what_it_shows": step.what_it_shows,
                "when_indicated": step.when_indicated,
                "standard_practice": "on",
                "default_result": "Nothing abnormal on the film.",
            },
        )
        assert response.status_code == 302, re.findall(r"errorlist.*", response.content.decode())
    case = bundle.case
    case.presentation = "A presentation as edited."
    case.save()

    for memo in (second, first):
        with worker(memo):
            page = client.get(url).content.decode()
        assert "Blood film review" in page and "Peripheral blood smear" not in page
        assert "A presentation as edited." in page


def test_with_redis_down_the_play_page_and_a_choice_are_served_as_usual(client, settings):
    """No content version while Redis is down: every part is built from the database,
    and the page is the one Redis would have served."""
    bundle = make_case()
    url, choose_url, attempt = practice(client, bundle, signed_in=True)
    usual = client.get(url).content.decode()

    settings.CACHES = dead_redis_caches()
    memo = WorkerMemo()
    with worker(memo):
        down = client.get(url)
        chosen = choose(client, choose_url, attempt, "b12-folate", 2, HTTP_HX_REQUEST="true")
    assert down.status_code == 200 and chosen.status_code == 200
    assert same_for_any_request(down.content.decode()) == same_for_any_request(usual)
    assert result_for("b12-folate") in chosen.content.decode()
    assert list(Choice.objects.filter(attempt=attempt).values_list("step__slug", flat=True)) == [
        "peripheral-smear",
        "b12-folate",
    ]
    assert len(memo) == 0


@pytest.mark.parametrize("query", ["", "smear", 'blood <b>"&'], ids=["whole", "filtered", "escaped"])
def test_the_menu_is_what_its_partial_renders_for_each_entry(client, query):
    """The menu's entries kept per worker, with this request's values put in, are what
    the menu-item partial renders with them (ordered entries, hidden ones, a filter
    that needs escaping), so keeping them changes nothing on the page."""
    from django.template.loader import get_template

    bundle = make_case()
    url, choose_url, attempt = practice(client, bundle, signed_in=True)
    choose(client, choose_url, attempt, "peripheral-smear", 2)  # ordered twice
    client.get(url, {"menu": query})
    response = client.get(url, {"menu": query})
    html = response.content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    context = response.context
    partial = get_template("cases/play.html#menu-item")
    for category in context["menu"].categories:
        expected = "".join(
            "\n        "
            + partial.render(
                {
                    "entry": entry,
                    "routes": context["routes"],
                    "csrf_token": token,
                    "attempt": context["attempt"],
                    "next_position": context["next_position"],
                    "menu": context["menu"],
                    "preview": False,
                }
            )
            + "\n        "
            for entry in category.steps
        )
        assert expected in html
    assert "Ordered 2 times: see result 2" in html
    if query:
        assert "hidden>" in html or " hidden" in html
