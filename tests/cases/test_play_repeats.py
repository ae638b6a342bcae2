"""Ordering an entry again on the play page: each order is its own result, numbered; a form sent twice
orders once; a form from a page that is out of date orders nothing and says so.

The quiz runner's side is tests/quizzes/test_play_repeats.py."""

import re

import pytest
from django.urls import reverse

from leucocases.cases.models import Choice, Finding
from tests.accounts.factories import make_user

from .factories import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def key_a_follow_up_count(bundle):
    """The second order of "Review of prior blood counts" is the count after the drug was stopped."""
    return Finding.objects.create(
        case=bundle.case,
        step=bundle.steps["prior-counts"],
        occurrence=2,
        tier="essential",
        result="RESULT-FOLLOW-UP: the white count is back to 5.1.",
        rationale="RATIONALE-FOLLOW-UP",
        series={"label": "White cell count", "unit": "×10⁹/L", "points": [{"when": "Day 21", "value": 5.1}]},
    )


def post_choice(client, url, attempt, slug, position, *, menu="", htmx=False):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(url, {"attempt": attempt.pk, "step": slug, "position": position, "menu": menu}, **headers)


def test_ordering_again_adds_a_numbered_result_and_keeps_the_entry_in_the_menu(client):
    """Without JavaScript: each order posts and redirects; the repeat is its own result, headed with
    its number, showing the finding for that occurrence; the menu entry offers the entry again."""
    bundle = make_case()
    key_a_follow_up_count(bundle)
    client.force_login(make_user())
    url = bundle.case.get_absolute_url()
    attempt = client.get(url).context["attempt"]
    choose_url = reverse("cases:choose", kwargs={"slug": bundle.case.slug})

    post_choice(client, choose_url, attempt, "prior-counts", 1)
    post_choice(client, choose_url, attempt, "cmv-pcr", 2)
    response = post_choice(client, choose_url, attempt, "prior-counts", 3)
    assert response["Location"] == f"{url}#finding-3"

    html = client.get(url).content.decode()
    heading = re.search(r'<li class="finding card" id="finding-3">.*?<h4[^>]*>(.*?)</h4>', html, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", heading) == "3. Review of prior blood counts (2nd time)"
    finding_3 = html[html.index('id="finding-3"') :]
    assert "RESULT-FOLLOW-UP: the white count is back to 5.1." in finding_3
    assert '<th scope="row">Day 21</th>' in finding_3  # its series, drawn with the chart and its table
    entry = re.search(r'<li id="menu-step-prior-counts".*?</li>', html, re.S).group(0)
    assert 'Review of prior blood counts<span class="step-again"> — order again</span></button>' in entry
    assert '<a class="step-ordered" href="#finding-3">Ordered 2 times: see result 3' in entry
    # Every menu form says where the next choice goes.
    assert set(re.findall(r'name="position" value="(\d+)"', html)) == {"4"}
    assert list(Choice.objects.filter(attempt=attempt).values_list("occurrence", flat=True)) == [1, 1, 2]


def test_htmx_repeat_is_announced_with_its_number_and_the_new_next_position(client):
    """With htmx: the partial carries the new result, the announcement names the repeat, the chosen
    entry's menu item (swapped out of band) and the source of the next position for the other forms."""
    bundle = make_case()
    client.force_login(make_user())
    attempt = client.get(bundle.case.get_absolute_url()).context["attempt"]
    choose_url = reverse("cases:choose", kwargs={"slug": bundle.case.slug})
    post_choice(client, choose_url, attempt, "cmv-pcr", 1, htmx=True)
    html = post_choice(client, choose_url, attempt, "cmv-pcr", 2, htmx=True).content.decode()
    assert "Result 2 added: CMV PCR (2nd time)." in html
    assert '<li id="menu-step-cmv-pcr" class="step-menu-item" data-hx-swap-oob="true">' in html
    assert 'name="position" value="3"' in html
    assert '<div hidden data-next-position-source="3"></div>' in html


def test_an_order_from_an_out_of_date_page_is_refused_and_the_page_shown_as_it_stands(client):
    """A form whose position another entry now holds (a second tab ordered meanwhile) stores nothing;
    the learner is brought back to the play page, which says what happened and shows the workup."""
    bundle = make_case()
    client.force_login(make_user())
    url = bundle.case.get_absolute_url()
    attempt = client.get(url).context["attempt"]
    choose_url = reverse("cases:choose", kwargs={"slug": bundle.case.slug})
    post_choice(client, choose_url, attempt, "cmv-pcr", 1)

    response = post_choice(client, choose_url, attempt, "peripheral-smear", 1, menu="smear")
    assert response["Location"] == f"{url}?menu=smear#workup-heading"
    html = client.get(response["Location"]).content.decode()
    assert "Nothing was ordered: the page you ordered Peripheral blood smear from was out of date" in html
    assert 'id="finding-1"' in html and 'id="finding-2"' not in html
    assert list(Choice.objects.filter(attempt=attempt).values_list("step__slug", flat=True)) == ["cmv-pcr"]

    htmx = post_choice(client, choose_url, attempt, "peripheral-smear", 1, htmx=True)
    assert htmx["HX-Redirect"] == f"{url}#workup-heading"
    assert Choice.objects.filter(attempt=attempt).count() == 1
