"""Before submission nothing tells a keyed entry from an unkeyed one (issue 13, "a long menu without cues").

The whole shipped catalogue (86 entries, each with its neutral default result) is loaded, a case is keyed
with the factories (essentials, a useful, low-yield, harmful and never entry, a second occurrence with a
chart, an order rule), and a learner orders every catalogue entry, then repeats a keyed and an unkeyed
one, through plain posts and htmx. Every result has the same markup and the same wording around its
text whether the case keys the entry or not, and no response before submission carries a tier, a
rationale or the correct cause (outside the diagnosis list of every cause, which is the same on every
case).
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from leucocases.cases.models import Choice, Finding
from leucocases.taxonomy.models import WorkupStep
from tests.accounts.factories import make_user

from .factories import KEYED, make_case

pytestmark = pytest.mark.django_db

KEY_WORDS = ("essential", "useful", "low yield", "low_yield", "harmful", "premature", "never", "rationale")
KEY_WORDS += ("not contributory", "contributory", "expert", "credit", "keyed", "tier", "any one of")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class Skeleton(HTMLParser):
    """The markup of an element with its text and numbers blanked: tags, attribute names and values
    (digits as N, the entry's slug as SLUG), and TEXT wherever text stands."""

    def __init__(self, slug: str) -> None:
        super().__init__()
        self.slug, self.parts = slug, []

    def _value(self, value: str | None) -> str:
        return re.sub(r"\d+", "N", (value or "").replace(self.slug, "SLUG"))

    def handle_starttag(self, tag, attrs):
        shown = " ".join(f'{name}="{self._value(value)}"' for name, value in sorted(attrs))
        self.parts.append(f"<{tag} {shown}>")

    def handle_endtag(self, tag):
        self.parts.append(f"</{tag}>")

    def handle_data(self, data):
        if data.strip() and (not self.parts or self.parts[-1] != "TEXT"):
            self.parts.append("TEXT")


def skeleton(html: str, slug: str) -> str:
    parser = Skeleton(slug)
    parser.feed(html)
    return "".join(parser.parts)


def findings_of(page: str) -> dict[int, str]:
    """Each result on the page by its position: the whole <li class="finding card">."""
    pattern = r'(<li class="finding card" id="finding-(\d+)">.*?</li>)'
    return {int(m.group(2)): m.group(1) for m in re.finditer(pattern, page, re.S)}


def menu_entries(page: str) -> dict[str, str]:
    """Each menu entry's <li> by its slug."""
    pattern = r'(<li id="menu-step-([^"]+)" class="step-menu-item"[^>]*>.*?</li>)'
    return {m.group(2): m.group(1) for m in re.finditer(pattern, page, re.S)}


def visible_words(page: str) -> str:
    """The page's text and attribute values, lower-cased, without the list of every cause."""
    page = re.sub(r"<select.*?</select>", " ", page, flags=re.S)
    return unescape(page).lower()


def test_keyed_and_unkeyed_results_look_alike_and_no_response_gives_the_key(client):
    call_command("load_taxonomy", verbosity=0, stdout=StringIO())
    bundle = make_case()
    case, steps = bundle.case, bundle.steps
    never = WorkupStep.objects.get(slug="continue-current-medication")
    Finding.objects.create(case=case, step=never, tier="never", result="RESULT-NEVER", rationale="RATIONALE-NEVER")
    Finding.objects.create(
        case=case,
        step=steps["prior-counts"],
        occurrence=2,
        tier="essential",
        result="RESULT-FOLLOW-UP",
        rationale="RATIONALE-FOLLOW-UP",
        series={"label": "White cell count", "unit": "×10⁹/L", "points": [{"when": "Day 21", "value": 5.1}]},
    )
    keyed = set(Finding.objects.filter(case=case).values_list("step__slug", flat=True))
    catalogue = list(WorkupStep.objects.all())
    unkeyed = [step for step in catalogue if step.slug not in keyed]
    assert len(catalogue) >= 72 and len(unkeyed) >= 60
    assert keyed == {*KEYED, "continue-current-medication"}

    client.force_login(make_user())
    url, choose_url = case.get_absolute_url(), reverse("cases:choose", kwargs={"slug": case.slug})
    responses = [client.get(url)]
    attempt = responses[0].context["attempt"]
    order = [*catalogue, steps["prior-counts"], steps["prior-counts"], unkeyed[0]]
    for position, step in enumerate(order, start=1):
        # Every other order through htmx (the partial), the others posted plainly (the redirected page).
        extra = {"HTTP_HX_REQUEST": "true"} if position % 2 else {"follow": True}
        data = {"attempt": attempt.pk, "step": step.slug, "position": position}
        responses.append(client.post(choose_url, data, **extra))
    last = len(order)
    # A form sent twice, one from an out-of-date page, and a filtered menu.
    responses.append(
        client.post(choose_url, {"attempt": attempt.pk, "step": unkeyed[0].slug, "position": last}, follow=True)
    )
    responses.append(
        client.post(choose_url, {"attempt": attempt.pk, "step": unkeyed[1].slug, "position": 2}, follow=True)
    )
    responses.append(client.get(url, {"menu": "count"}))
    page = client.get(url).content.decode()
    responses.append(client.get(url))
    assert Choice.objects.filter(attempt=attempt).count() == last

    # One markup for every result: the same skeleton for keyed and unkeyed entries (results with a table
    # or a chart add that table or chart, which some unkeyed-looking results could carry as well).
    shown = findings_of(page)
    assert sorted(shown) == list(range(1, last + 1))
    plain = {}
    for position, step in enumerate(order, start=1):
        item = shown[position]
        if "<table" in item or "<svg" in item:
            continue
        # A repeat's heading adds its number ("(2nd time)"), keyed or not: checked with the wording below.
        shape = skeleton(item, step.slug).replace('<span class="finding-occurrence">TEXT</span>', "")
        plain.setdefault(step.slug in keyed, set()).add(shape)
    assert plain[True] == plain[False] and len(plain[False]) == 1, plain
    # The same wording around each result: "N. Name", "(2nd time)" for a repeat, and nothing else.
    for position, step in enumerate(order, start=1):
        heading = re.search(r"<h4[^>]*>(.*?)</h4>", shown[position], re.S).group(1)
        text = " ".join(unescape(re.sub(r"<[^>]+>", " ", heading)).split())
        assert re.fullmatch(rf"{position}\. {re.escape(step.name)}( \(\d+(st|nd|rd|th) time\))?", text), text
    # The menu entries of ordered entries look alike too, keyed or not.
    entries = {slug: skeleton(item, slug) for slug, item in menu_entries(page).items()}
    assert len(entries) == len(catalogue)
    # Ordered once (every entry but the three repeated), each entry's <li> has one and the same markup.
    once = {slug for slug in entries} - {"prior-counts", unkeyed[0].slug}
    assert len({entries[slug] for slug in once}) == 1
    assert entries["prior-counts"] == entries[unkeyed[0].slug]

    secrets = [*bundle.all_rationales, "RATIONALE-NEVER", "RATIONALE-FOLLOW-UP"]
    correct = bundle.causes["thiopurines"]
    for response in responses:
        body = response.content.decode()
        assert response.status_code == 200, body[:200]
        for secret in secrets:
            assert secret not in body
        words = visible_words(body)
        for word in KEY_WORDS:
            assert not re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", words), (word, response.request)
        assert correct.name.lower() not in words and correct.slug not in words
