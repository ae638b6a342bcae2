"""No payload in any author-written or learner-supplied text ever becomes executable markup.

Every free-text and markdown field of every model a page shows gets each
payload of a classic XSS corpus; every page that shows those fields is
rendered and parsed, and must contain no script, event handler or script URL
of its own making (see ``htmlcheck``). Each field also carries a tag
(``zzNNzz``) so the test proves the field really is on some page.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import get_resolver, reverse

from tests.accounts.factories import make_user
from tests.cases.factories import make_attempt, make_site
from tests.quizzes.factories import make_site_quiz

from .htmlcheck import executable_markup
from .xss_corpus import PAYLOADS

pytestmark = pytest.mark.django_db

FIELDS = [
    "CauseGroup.name",
    "CauseGroup.description",
    "Mechanism.name",
    "Mechanism.description",
    "Reference.title",
    "Reference.source",
    "Reference.note",
    "Cause.name",
    "Cause.summary",
    "Cause.body",
    "Topic.title",
    "Topic.summary",
    "Topic.body",
    "Fact.text",
    "Fact.editorial_note",
    "WorkupStep.name",
    "WorkupStep.what_it_shows",
    "WorkupStep.when_indicated",
    "WorkupStep.default_result",
    "Case.title",
    "Case.presentation",
    "Case.learning_objectives",
    "InitialLab.name",
    "InitialLab.value",
    "InitialLab.unit",
    "InitialLab.reference_range",
    "Finding.result",
    "Finding.rationale",
    "Finding.table.label",
    "Finding.table.value",
    "Finding.table.unit",
    "Finding.table.range",
    "Finding.series.label",
    "Finding.series.unit",
    "Finding.series.when",
    "OrderRule.rationale",
    "DiagnosisOption.rationale",
    "Quiz.title",
    "Quiz.description",
]
TAGS = {field: f"zz{index:02d}zz" for index, field in enumerate(FIELDS)}
USERNAME_TAG = "zzuserzz"


#: Two payloads per site, in separate paragraphs: the first half of the corpus holds no markup that
#: could swallow what follows it (an unclosed comment or style), so the second always gets parsed.
HALF = (len(PAYLOADS) + 1) // 2
PAIRS = [(PAYLOADS[i], *PAYLOADS[i + HALF : i + HALF + 1]) for i in range(HALF)]


def payload_text(payload: str):
    def text(field: str) -> str:
        return f"{TAGS[field]} {payload}"

    return text


def render_everything(payload: str) -> dict[str, str]:
    """Build a site whose every field holds ``payload`` and return {page name: HTML} for every page showing it."""
    site = make_site(text=payload_text(payload))
    learner = make_user(username=f"{USERNAME_TAG}{payload}"[:150])
    first, second, unkeyed = site.steps
    # Premature step first, so the report shows the order rule's rationale too.
    submitted = make_attempt(case=site.case, user=learner, steps=[second, first], submit=True, diagnosis=site.cause)
    make_attempt(case=site.case, user=learner, steps=[first, second])
    quiz, quiz_attempt = make_site_quiz(site=site, text=payload_text(payload), learner=learner)

    anonymous = Client()
    client = Client()
    client.force_login(learner)
    pages = {}

    def get(name: str, url: str, who: Client = client, **extra) -> None:
        response = who.get(url, **extra)
        assert response.status_code == 200, (name, url, response.status_code)
        pages[name] = response.content.decode()

    get("home", "/")
    get("cause index", reverse("taxonomy:causes"), anonymous)
    get("cause index by mechanism", reverse("taxonomy:causes") + f"?mechanism={site.mechanism.slug}", anonymous)
    get(
        "cause index fragment",
        reverse("taxonomy:causes") + f"?mechanism={site.mechanism.slug}",
        anonymous,
        HTTP_HX_REQUEST="true",
    )
    get("cause page", site.cause.get_absolute_url(), anonymous)
    get("topic page", site.topic.get_absolute_url(), anonymous)
    get("references", reverse("taxonomy:references"), anonymous)
    get("workup catalogue", reverse("taxonomy:workup_steps"), anonymous)
    for step in site.steps:
        get(f"workup step {step.slug}", step.get_absolute_url(), anonymous)
    get("search", reverse("taxonomy:search") + f"?q={TAGS['Fact.text']}", anonymous)
    get("search for the payload", reverse("taxonomy:search"), anonymous, data={"q": payload[:100]})
    get("case list", reverse("cases:list"), anonymous)
    get("case list (logged in)", reverse("cases:list"))
    get("case play", site.case.get_absolute_url())
    get("case play (anonymous)", site.case.get_absolute_url(), anonymous)
    fragment = client.post(
        reverse("cases:choose", kwargs={"slug": site.case.slug}), {"step": first.slug}, HTTP_HX_REQUEST="true"
    )
    assert fragment.status_code == 200
    pages["choose fragment"] = fragment.content.decode()
    # A step no case keys shows its default result, like any finding.
    unkeyed_fragment = client.post(
        reverse("cases:choose", kwargs={"slug": site.case.slug}), {"step": unkeyed.slug}, HTTP_HX_REQUEST="true"
    )
    assert unkeyed_fragment.status_code == 200
    pages["choose fragment (unkeyed step)"] = unkeyed_fragment.content.decode()
    get("report", submitted.get_absolute_url())
    get("dashboard", reverse("accounts:dashboard"))
    get("quiz list", reverse("quizzes:list"))
    get("quiz list (anonymous)", reverse("quizzes:list"), anonymous)
    get("quiz page", quiz.get_absolute_url())
    get("quiz runner", reverse("quizzes:take", kwargs={"pk": quiz_attempt.pk}))
    if "instructor" in get_resolver().namespace_dict:
        # Instructors read learners' names and every text of a case in their reports.
        instructor = Client()
        instructor.force_login(make_user(is_superuser=True, is_staff=True))
        get("instructor index", reverse("instructor:index"), instructor)
        get("quiz results", reverse("instructor:quiz_results", kwargs={"slug": quiz.slug}), instructor)
        get("quiz analysis", reverse("instructor:quiz_analysis", kwargs={"slug": quiz.slug}), instructor)
        get("case analysis", reverse("instructor:case_analysis", kwargs={"slug": site.case.slug}), instructor)
        get("attempt report", reverse("instructor:attempt_report", kwargs={"pk": submitted.pk}), instructor)
    return pages


@pytest.mark.parametrize("pair", PAIRS, ids=[f"payloads{i + 1}+{i + 1 + HALF}" for i in range(HALF)])
def test_payloads_never_execute_on_any_page(pair):
    """Whatever the payload, every page that shows author or learner text has no executable markup in it."""
    pages = render_everything("\n\n".join(pair))
    problems = {name: found for name, html in pages.items() if (found := executable_markup(html))}
    assert problems == {}
    everything = "\n".join(pages.values())
    unshown = [field for field, tag in TAGS.items() if tag not in everything]
    assert unshown == [], f"these fields appear on no page checked: {unshown}"
    assert USERNAME_TAG in everything


def test_the_checker_finds_executable_markup():
    """The parser-based check flags each kind of executable markup (so a clean result means something)."""
    dangerous = [
        "<script>alert(1)</script>",
        '<script src="https://evil.example/x.js"></script>',
        '<img src=x onerror="alert(1)">',
        '<a href=" jav&#x09;ascript:alert(1)">x</a>',
        '<a href="data:text/html,hi">x</a>',
        '<iframe srcdoc="x"></iframe>',
        '<div style="color: red">x</div>',
        '<a hx-on:click="alert(1)">x</a>',
        '<meta http-equiv="refresh" content="0">',
        '<svg><a xlink:href="javascript:alert(1)">x</a></svg>',
    ]
    for html in dangerous:
        assert executable_markup(html), html
    safe = '<script src="/static/js/site.js" defer></script><script type="application/json">{"a": 1}</script>'
    assert executable_markup(safe) == []
    assert executable_markup('<a href="https://example.org/">x</a><img src="data:image/png;base64,AAAA">') == []


@pytest.mark.parametrize("payload", PAYLOADS[:12] + PAYLOADS[24:28], ids=lambda p: p[:20])
def test_sign_up_with_a_payload_username_is_refused_and_shown_inert(client, payload):
    """Signing up as a payload is refused by the username rules, and the form page shows it inert."""
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": payload[:150],
            "email": "payload@example.org",
            "password1": "a-long-passphrase-for-sign-up-77",
            "password2": "a-long-passphrase-for-sign-up-77",
        },
    )
    assert response.status_code == 200
    assert executable_markup(response.content.decode()) == []
    assert not get_user_model().objects.filter(email="payload@example.org").exists()


@pytest.mark.parametrize("url", ["javascript:alert('xss')", " JaVaScRiPt:alert(1)", "data:text/html,<b>x</b>"])
def test_a_reference_link_with_a_script_url_is_not_a_link(url):
    """A reference whose URL is a script URL (the admin refuses one, a fixture might not) is never linked."""
    site = make_site()
    site.reference.url = url
    site.reference.save(update_fields=["url"])
    learner = make_user()
    report = make_attempt(case=site.case, user=learner, steps=[site.steps[0]], submit=True, diagnosis=site.cause)
    client = Client()
    client.force_login(learner)
    for page in (reverse("taxonomy:references"), site.cause.get_absolute_url(), report.get_absolute_url()):
        assert executable_markup(client.get(page).content.decode()) == [], page
