"""In a real browser, XSS payloads in every field of the content run nothing and break no CSP rule."""

from __future__ import annotations

from django.urls import reverse
from playwright.sync_api import Page

from leucocases.cases.models import Attempt
from tests.accounts.factories import PASSWORD, make_user
from tests.cases.factories import make_attempt, make_site
from tests.quizzes.factories import make_site_quiz
from tests.security.xss_corpus import PAYLOADS

from .helpers import assert_no_console_errors

ALL_PAYLOADS = "\n\n".join(PAYLOADS)
# Recorded in the page itself: runs through DevTools, so the CSP does not apply to it.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


def test_payloads_in_every_field_run_nothing(page: Page):
    """Pages showing payload-laden content raise no dialog, load nothing foreign and log no CSP violation."""
    site = make_site(text=lambda field: f"{field}: {ALL_PAYLOADS}")
    learner = make_user(username="xss-learner")
    first, second, _unkeyed = site.steps
    report = make_attempt(case=site.case, user=learner, steps=[second, first], submit=True, diagnosis=site.cause)
    quiz, _ = make_site_quiz(site=site, text=lambda field: f"{field}: {ALL_PAYLOADS}")

    dialogs: list[str] = []
    foreign: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: None if request.url.startswith(page_origin[0]) else foreign.append(request.url))
    page.add_init_script(RECORD_VIOLATIONS)
    page_origin = [""]

    page.goto(reverse("accounts:login"))
    page_origin[0] = page.url.split("/accounts/")[0]
    page.get_by_label("Username").fill(learner.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    urls = [
        "/",
        reverse("taxonomy:causes") + f"?mechanism={site.mechanism.slug}",
        site.cause.get_absolute_url(),
        site.topic.get_absolute_url(),
        reverse("taxonomy:references"),
        reverse("taxonomy:workup_steps"),
        first.get_absolute_url(),
        reverse("cases:list"),
        site.case.get_absolute_url(),
        report.get_absolute_url(),
        reverse("accounts:dashboard"),
        reverse("quizzes:list"),
        quiz.get_absolute_url(),
    ]
    violations = {}
    for url in urls:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        if found := page.evaluate("window.__cspViolations"):
            violations[url] = found
        assert_no_console_errors(page)

    # Play on: choosing a step swaps its (payload-laden) result in with htmx.
    page.goto(site.case.get_absolute_url())
    page.locator(f"form:has(input[name=step][value='{first.slug}']) button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    if found := page.evaluate("window.__cspViolations"):
        violations["after choosing"] = found
    assert Attempt.objects.filter(user=learner, submitted_at__isnull=True, choices__step=first).exists()

    assert dialogs == []
    assert foreign == []
    assert violations == {}
