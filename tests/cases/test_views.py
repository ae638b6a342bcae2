"""Playing a case through the web: list, play, choose, submit, report."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from leucocases.cases import services
from leucocases.cases.models import Attempt, Case, Choice, Finding, GradedReport
from leucocases.editorial.content_version import content_changed
from leucocases.editorial.models import ReviewStatus
from leucocases.taxonomy.models import Cause, WorkupStep
from tests.accounts.factories import make_instructor, make_user
from tests.cases.factories import (
    CORRECT_RATIONALE,
    PARTIAL_RATIONALE,
    RULE_RATIONALE,
    STEP_SPECS,
    make_attempt,
    make_case,
    rationale_for,
    result_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The production hasher costs ~0.3 s a password; these tests make many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Words that would give the key away if they appeared before submission.
KEY_WORDS = [
    "essential",
    "useful",
    "low yield",
    "low_yield",
    "harmful",
    "premature",
    "expert",
    "rationale",
    "credit",
    "data-correct",
    "keyed",
    "tier",
]


def assert_no_key(html: str, bundle) -> None:
    """Nothing from the answer key is in this response."""
    text = html.lower()
    for word in KEY_WORDS:
        assert word not in text, f"{word!r} leaked before submission"
    for rationale in bundle.all_rationales:
        assert rationale not in html
    assert "RATIONALE-" not in html


def play(client, bundle):
    """Open the play page with an attempt under way; return (response, attempt).

    An anonymous look writes nothing (the first choice starts the attempt), so
    for anonymous clients the attempt is started the way that first choice does.
    """
    url = bundle.case.get_absolute_url()
    response = client.get(url)
    assert response.status_code == 200
    attempt = response.context["attempt"]
    if attempt is None:
        session = client.session
        attempt = services.attempt_start_or_resume(case=bundle.case, user=None, session=session)
        session.save()
        response = client.get(url)
        assert response.context["attempt"] == attempt
    return response, attempt


def choose(client, bundle, attempt, slug, *, position=None, **headers):
    """Post the menu form of ``slug``; ``position`` as the page would send it (default: the next free one)."""
    if position is None:
        position = Choice.objects.filter(attempt=attempt).count() + 1
    return client.post(
        reverse("cases:choose", kwargs={"slug": bundle.case.slug}),
        {"attempt": attempt.pk, "step": slug, "position": position},
        **headers,
    )


def submit(client, bundle, attempt, cause_slug):
    return client.post(
        reverse("cases:submit", kwargs={"slug": bundle.case.slug}),
        {"attempt": attempt.pk, "diagnosis": cause_slug, "certainty": "medium"},
    )


# --- the list ---------------------------------------------------------------


def test_list_shows_published_practice_cases_only(client):
    """Drafts, archived and quiz-only cases are not listed."""
    shown = make_case(title="Shown practice case").case
    make_case(title="A draft case", status=ReviewStatus.DRAFT)
    make_case(title="A quiz-only case", is_practice=False)
    archived = make_case(title="An archived case").case
    Case.objects.filter(pk=archived.pk).update(archived_at=timezone.now())
    response = client.get(reverse("cases:list"))
    html = response.content.decode()
    assert shown.title in html
    assert "A draft case" not in html
    assert "A quiz-only case" not in html
    assert "An archived case" not in html
    assert "Intermediate" in html
    assert '<span class="badge badge-label">Routine count</span>' in html
    assert "Medication" not in html and "Cause group" not in html


def test_list_filters_by_label_and_difficulty_with_a_plain_get_form(client):
    """?label=…&difficulty=… narrow the list; the form works without JavaScript. There is no
    cause-group filter: ?group= is ignored (it would tell each case's group)."""
    make_case(title="Routine case", difficulty=Case.Difficulty.INTRODUCTORY, label_slugs=("routine-count",))
    make_case(
        title="Febrile case", difficulty=Case.Difficulty.ADVANCED, label_slugs=("fever",), group_slugs=("marrow",)
    )
    html = client.get(reverse("cases:list"), {"label": "fever"}).content.decode()
    assert "Febrile case" in html and "Routine case" not in html
    html = client.get(reverse("cases:list"), {"difficulty": "1"}).content.decode()
    assert "Routine case" in html and "Febrile case" not in html
    html = client.get(reverse("cases:list"), {"label": "routine-count", "difficulty": "3"}).content.decode()
    assert "No practice case matches these filters" in html
    assert '<form method="get"' in html and 'name="group"' not in html
    html = client.get(reverse("cases:list"), {"group": "marrow"}).content.decode()
    assert "Routine case" in html and "Febrile case" in html


def test_list_shows_the_learners_best_score_and_open_attempts(client):
    """A logged-in learner sees their best current score and an in-progress marker."""
    done = make_case(title="Done case")
    started = make_case(title="Started case")
    user = make_user()
    for diagnosis in (None, done.causes["thiopurines"]):
        attempt = make_attempt(case=done.case, user=user)
        services.attempt_submit(attempt=attempt, diagnosis=diagnosis)
    make_attempt(case=started.case, user=user)
    make_attempt(case=done.case, user=make_user())  # someone else's: not shown
    client.force_login(user)
    html = client.get(reverse("cases:list")).content.decode()
    done_card = html[html.index("Done case") : html.index("Started case")]
    assert "Your best score: <strong>40.0</strong>" in done_card
    assert "In progress" not in done_card
    assert "In progress" in html[html.index("Started case") :]


def test_list_is_paged_and_keeps_its_filters_across_pages(client):
    """Twenty cases a page; the page links keep the filter; a junk or too-large page number
    shows the first or last page instead of an error."""
    for n in range(23):
        make_case(title=f"Paged case {n:02d}", label_slugs=("routine-count",))
    make_case(title="Febrile case", label_slugs=("fever",))
    first = client.get(reverse("cases:list"), {"label": "routine-count"}).content.decode()
    assert first.count("Paged case") == 20
    assert "Cases 1–20 of 23" in first
    assert 'href="?label=routine-count&amp;page=2" rel="next"' in first
    second = client.get(reverse("cases:list"), {"label": "routine-count", "page": "2"}).content.decode()
    assert second.count("Paged case") == 3
    assert "Febrile case" not in second
    assert 'aria-current="page"><span class="visually-hidden">Page </span>2<' in second
    assert "Paged case 22" in client.get(reverse("cases:list"), {"page": "99"}).content.decode()
    junk = client.get(reverse("cases:list"), {"page": "<script>"})
    assert junk.status_code == 200
    assert "Cases 1–20 of 24" in junk.content.decode()


def test_a_short_list_has_no_page_links(client):
    make_case(title="The only case")
    html = client.get(reverse("cases:list")).content.decode()
    assert "Pages of cases" not in html


def test_list_runs_a_constant_number_of_queries(client):
    """Progress and labels are fetched in bulk: 2 cases or 6, the same queries."""
    user = make_user()
    client.force_login(user)
    for _ in range(2):
        make_attempt(case=make_case().case, user=user)
    client.get("/causes/")  # the worker has seen the session: it reads the account with it (account_rows)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("cases:list"))
    for _ in range(4):
        make_attempt(case=make_case().case, user=user)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("cases:list"))
    assert len(few) == len(many)


# --- the play page ----------------------------------------------------------


def test_an_anonymous_look_writes_nothing_and_the_first_choice_starts_the_attempt(client):
    """Reading a case stores no attempt (crawlers would fill the table); the
    visitor's first choice starts one, owned by a new session, and stores the choice."""
    bundle = make_case()
    response = client.get(bundle.case.get_absolute_url())
    assert response.status_code == 200
    assert not Attempt.objects.exists()
    assert 'name="attempt" value=""' in response.content.decode()
    response = client.post(
        reverse("cases:choose", kwargs={"slug": bundle.case.slug}), {"attempt": "", "step": "peripheral-smear"}
    )
    assert response.status_code == 302
    attempt = Attempt.objects.get()
    assert attempt.user is None and attempt.session_key == client.session.session_key
    assert list(attempt.choices.values_list("step__slug", flat=True)) == ["peripheral-smear"]
    assert f'name="attempt" value="{attempt.pk}"' in client.get(bundle.case.get_absolute_url()).content.decode()


def test_anonymous_visitor_can_play_and_gets_a_session(client):
    """No account needed: the first visit creates a session that owns the attempt."""
    bundle = make_case()
    response, attempt = play(client, bundle)
    assert attempt.user is None
    assert attempt.session_key == client.session.session_key
    # A second visit resumes the same attempt.
    assert play(client, bundle)[1].pk == attempt.pk


def test_play_page_shows_presentation_labs_and_the_whole_catalogue(client):
    """Presentation (markdown), labs with text flags, and every step as a POST button; the
    learning objectives, which often name the answer, wait for the report."""
    bundle = make_case()
    response, _ = play(client, bundle)
    html = response.content.decode()
    assert "<strong>46-year-old</strong>" in html
    assert "White cell count" in html and "×10⁹/L" in html and "4.0–11.0" in html
    assert ">Low</span>" in html and ">High</span>" in html  # flags are words, not only colour
    assert "Work up leucopenia in order." not in html
    buttons = re.findall(r'<button type="submit" class="btn btn-step">([^<]+)</button>', html)
    assert sorted(buttons) == sorted(name for _, name, _ in STEP_SPECS)
    Category = WorkupStep.Category
    for category in (Category.BLOOD_COUNT, Category.HISTORY, Category.MARROW, Category.IMAGING):
        assert category.label in html
    assert html.count('name="csrfmiddlewaretoken"') >= len(STEP_SPECS) + 1


def test_every_menu_entry_looks_the_same(client):
    """Keyed and unkeyed steps are rendered identically (no cueing)."""
    bundle = make_case()
    html = play(client, bundle)[0].content.decode()
    entries = re.findall(r'<li id="menu-step-[^"]+" class="([^"]+)">\s*<form([^>]*)>', html)
    assert len(entries) == len(STEP_SPECS)
    assert len({(cls, re.sub(r"/cases/[^/]+/", "", form)) for cls, form in entries}) == 1


def test_diagnosis_select_lists_published_causes_grouped(client):
    """The whole published taxonomy, in <optgroup>s by cause group; drafts are left out."""
    bundle = make_case()
    html = play(client, bundle)[0].content.decode()
    assert '<optgroup label="Medication">' in html
    assert '<optgroup label="Bone-marrow disorders">' in html
    for slug in ("thiopurines", "drugs-and-environmental-toxins", "aplastic-anaemia"):
        assert f'value="{slug}"' in html
    assert "draft-cause" not in html
    assert "Submitting is final" in html
    assert '<label class="form-label" for="id_diagnosis">' in html


def test_diagnosis_list_follows_cause_edits_at_once(client):
    """The list is cached for every learner, yet a renamed, unpublished or new cause shows on the next page."""
    bundle = make_case()
    play(client, bundle)
    aplastic = Cause.objects.get(slug="aplastic-anaemia")
    aplastic.name = "Aplastic anaemia (renamed)"
    aplastic.save()
    thiopurines = bundle.causes["thiopurines"]
    thiopurines.review_status = ReviewStatus.DRAFT
    thiopurines.save()
    html = client.get(bundle.case.get_absolute_url()).content.decode()
    assert ">Aplastic anaemia (renamed)</option>" in html
    assert 'value="thiopurines"' not in html


def test_a_cause_missing_from_the_database_is_refused_even_if_a_cached_list_still_has_it(client):
    """Submissions are checked against the database, never against the cached list."""
    bundle = make_case()
    _, attempt = play(client, bundle)
    Cause.objects.filter(slug="aplastic-anaemia").update(review_status=ReviewStatus.DRAFT)  # no signal
    response = submit(client, bundle, attempt, "aplastic-anaemia")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose a cause from the list." in html
    assert 'aria-invalid="true"' in html
    assert not GradedReport.objects.filter(attempt=attempt).exists()


def test_an_empty_diagnosis_is_refused_with_the_select_marked_invalid(client):
    bundle = make_case()
    _, attempt = play(client, bundle)
    html = submit(client, bundle, attempt, "").content.decode()
    select = re.search(r"<select[^>]*>", html).group()
    assert 'name="diagnosis"' in select and 'id="id_diagnosis"' in select
    assert "required" in select and 'aria-invalid="true"' in select
    assert "Choose the cause you think most likely." in html


def test_draft_case_is_not_found_and_quiz_only_case_needs_an_account(client):
    """Unpublished cases 404; a non-practice case is playable only when logged in."""
    draft = make_case(status=ReviewStatus.DRAFT).case
    quiz_only = make_case(is_practice=False).case
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(quiz_only.get_absolute_url()).status_code == 404
    client.force_login(make_user())
    assert client.get(quiz_only.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("state", ["draft", "in review", "archived"])
def test_instructors_preview_a_case_learners_cannot_open_and_it_records_nothing(client, state):
    """The admin's "Preview as a learner" works before approval and after archiving:
    the learner's page, every control disabled, a banner saying why, and no attempt stored."""
    status = {"draft": ReviewStatus.DRAFT, "in review": ReviewStatus.UNDER_REVIEW}.get(state, ReviewStatus.APPROVED)
    bundle = make_case(status=status)
    if state == "archived":
        Case.objects.filter(pk=bundle.case.pk).update(archived_at=timezone.now())
    client.force_login(make_user())
    assert client.get(bundle.case.get_absolute_url()).status_code == 404  # a learner
    client.force_login(make_instructor())
    response = client.get(bundle.case.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Preview — learners cannot open this case" in html
    assert ("archived" if state == "archived" else f"review status: {ReviewStatus(status).label}") in html
    assert 'class="btn btn-step" disabled>' in html
    assert "<fieldset disabled>" in html
    assert bundle.case.presentation.split("**")[0] in html
    assert_no_key(html, bundle)
    chosen = client.post(reverse("cases:choose", kwargs={"slug": bundle.case.slug}), {"step": "peripheral-smear"})
    assert chosen.status_code == 404
    assert not Attempt.objects.filter(case=bundle.case).exists()


# --- choosing a step ---------------------------------------------------------


def test_choosing_a_step_redirects_to_its_finding(client):
    """Without JavaScript: POST, redirect to the play page anchored at the new result."""
    bundle = make_case()
    _, attempt = play(client, bundle)
    response = choose(client, bundle, attempt, "peripheral-smear")
    assert response.status_code == 302
    assert response["Location"] == f"{bundle.case.get_absolute_url()}#finding-1"
    html = client.get(bundle.case.get_absolute_url()).content.decode()
    assert 'id="finding-1"' in html
    assert result_for("peripheral-smear") in html
    assert "Neutrophils" in html and "2.0–7.5" in html  # the finding's table
    # Its menu entry stays a button (it may be ordered again), beside a link to the result.
    assert 'href="#finding-1"' in html
    assert 'Peripheral blood smear<span class="step-again"> — order again</span></button>' in html


def test_a_new_request_sees_each_choice_at_once(client):
    """Choices are stored when made: a later page load shows them in order."""
    bundle = make_case()
    _, attempt = play(client, bundle)
    for slug in ("prior-counts", "cmv-pcr", "peripheral-smear"):
        choose(client, bundle, attempt, slug)
    html = client.get(bundle.case.get_absolute_url()).content.decode()
    positions = [html.index(f'id="finding-{n}"') for n in (1, 2, 3)]
    assert positions == sorted(positions)
    assert list(Choice.objects.filter(attempt=attempt).values_list("step__slug", flat=True)) == [
        "prior-counts",
        "cmv-pcr",
        "peripheral-smear",
    ]


def test_an_unkeyed_step_shows_the_catalogues_default_result_like_any_finding(client):
    """Before submission nothing says whether the case keys a step: an unkeyed step shows the
    catalogue's neutral default result in the same markup as a keyed finding, never
    "not contributory" (the report's verdict)."""
    bundle = make_case()
    WorkupStep.objects.filter(slug="spleen-ultrasound").update(default_result="Spleen of normal size.")
    _, attempt = play(client, bundle)
    choose(client, bundle, attempt, "spleen-ultrasound")
    choose(client, bundle, attempt, "b12-folate")
    html = client.get(bundle.case.get_absolute_url()).content.decode()
    assert '<div class="finding-result"><p>Spleen of normal size.</p></div>' in html
    assert f'<div class="finding-result"><p>{result_for("b12-folate")}</p></div>' in html
    assert "contributory" not in html.lower()


def test_series_finding_is_drawn_with_a_chart_and_a_data_table(client):
    """A time series shows as an SVG image with a label, plus a real table of the same data."""
    bundle = make_case()
    _, attempt = play(client, bundle)
    choose(client, bundle, attempt, "prior-counts")
    html = client.get(bundle.case.get_absolute_url()).content.decode()
    assert '<svg class="series-chart"' in html and 'role="img"' in html
    assert "<details" in html and '<th scope="row">Apr 2025</th>' in html


def test_a_resent_order_is_recorded_once_with_a_message(client):
    """The same form posted twice (back button, double click) stores one choice and says why."""
    bundle = make_case()
    _, attempt = play(client, bundle)
    choose(client, bundle, attempt, "peripheral-smear", position=1)
    response = choose(client, bundle, attempt, "peripheral-smear", position=1, follow=True)
    assert response.status_code == 200
    assert "Peripheral blood smear is already result 1 below: an order sent twice is recorded once." in (
        response.content.decode()
    )
    assert Choice.objects.filter(attempt=attempt).count() == 1


def test_htmx_choice_returns_the_results_partial(client):
    """With htmx: the results list only, the chosen menu entry swapped out of band,
    focus marked on the new result, and a polite announcement."""
    bundle = make_case()
    _, attempt = play(client, bundle)
    choose(client, bundle, attempt, "prior-counts", HTTP_HX_REQUEST="true")
    response = choose(client, bundle, attempt, "peripheral-smear", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<h1" not in html
    assert 'id="finding-1"' in html and 'id="finding-2"' in html
    assert re.search(r'<h4 class="finding-heading" tabindex="-1" data-focus-after-swap>\s*<span[^>]*>2\.</span>', html)
    assert html.count("data-focus-after-swap") == 1
    assert '<li id="menu-step-peripheral-smear" class="step-menu-item" data-hx-swap-oob="true">' in html
    assert '<div id="workup-status" data-hx-swap-oob="innerHTML">Result 2 added: Peripheral blood smear.</div>' in html


def test_play_page_has_the_htmx_target_and_live_region(client):
    """The full page carries the swap target, the polite live region and hx-post on each step form."""
    bundle = make_case()
    html = play(client, bundle)[0].content.decode()
    assert '<div id="chosen-steps">' in html
    assert 'id="workup-status"' in html and 'aria-live="polite"' in html
    assert html.count('data-hx-target="#chosen-steps"') == len(STEP_SPECS)


def test_htmx_resent_order_explains_itself(client):
    """The htmx replay answers with the results and a visible notice, not an error."""
    bundle = make_case()
    _, attempt = play(client, bundle)
    choose(client, bundle, attempt, "cmv-pcr", position=1, HTTP_HX_REQUEST="true")
    response = choose(client, bundle, attempt, "cmv-pcr", position=1, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "CMV PCR is already result 1 below" in response.content.decode()
    assert Choice.objects.filter(attempt=attempt).count() == 1


def test_choosing_after_submission_is_refused(client):
    """A submitted attempt takes no more steps: redirect to its report (htmx: HX-Redirect)."""
    bundle = make_case()
    _, attempt = play(client, bundle)
    submit(client, bundle, attempt, "thiopurines")
    response = choose(client, bundle, attempt, "cmv-pcr")
    assert response.status_code == 302
    assert response["Location"] == attempt.get_absolute_url()
    response = choose(client, bundle, attempt, "cmv-pcr", HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == attempt.get_absolute_url()
    assert not Choice.objects.filter(attempt=attempt).exists()


def test_unknown_step_or_someone_elses_attempt_is_refused_politely(client):
    """A bad slug, or an attempt id this visitor does not own, changes nothing."""
    bundle = make_case()
    _, attempt = play(client, bundle)
    response = choose(client, bundle, attempt, "no-such-step", follow=True)
    assert response.status_code == 200
    assert "Choose a workup step from the menu." in response.content.decode()
    theirs = make_attempt(case=bundle.case, user=make_user())
    response = choose(client, bundle, theirs, "cmv-pcr")
    assert response.status_code == 302
    assert not Choice.objects.exists()


def test_choose_and_submit_accept_post_only(client):
    """GET on the action URLs is not allowed."""
    bundle = make_case()
    assert client.get(reverse("cases:choose", kwargs={"slug": bundle.case.slug})).status_code == 405
    assert client.get(reverse("cases:submit", kwargs={"slug": bundle.case.slug})).status_code == 405


# --- no part of the key before submission -------------------------------------


def test_no_part_of_the_key_reaches_any_pre_submit_response(client):
    """Play pages, htmx partials, notices and form errors carry no tier, rationale,
    expert path or credit before submission."""
    bundle = make_case()
    response, attempt = play(client, bundle)
    responses = [response]
    for slug in ("bone-marrow-biopsy", "peripheral-smear", "b12-folate", "tpmt-nudt15", "cmv-pcr"):
        responses.append(choose(client, bundle, attempt, slug, HTTP_HX_REQUEST="true"))
    responses.append(choose(client, bundle, attempt, "prior-counts", follow=True))
    responses.append(choose(client, bundle, attempt, "prior-counts", position=6, follow=True))  # a resent form
    responses.append(choose(client, bundle, attempt, "b12-folate", follow=True))  # a repeat
    responses.append(choose(client, bundle, attempt, "cmv-pcr", position=2, follow=True))  # an out-of-date page
    responses.append(choose(client, bundle, attempt, "cmv-pcr", HTTP_HX_REQUEST="true"))
    responses.append(choose(client, bundle, attempt, "not-a-step", follow=True))
    bad_submit = submit(client, bundle, attempt, "not-a-cause")
    assert bad_submit.status_code == 400
    assert "Choose a cause from the list." in bad_submit.content.decode()
    responses.append(bad_submit)
    responses.append(client.get(reverse("cases:list")))
    responses.append(client.get(attempt.get_absolute_url(), follow=True))  # report before submit → play
    for r in responses:
        assert_no_key(r.content.decode(), bundle)
    # And the results themselves did reach the page.
    assert result_for("medication-review") not in responses[-1].content.decode()
    assert result_for("prior-counts") in responses[-1].content.decode()


# --- submitting and the report -------------------------------------------------


def test_submitting_redirects_to_the_report(client):
    """Submit stores the report and redirects to it."""
    bundle = make_case()
    _, attempt = play(client, bundle)
    choose(client, bundle, attempt, "peripheral-smear")
    response = submit(client, bundle, attempt, "thiopurines")
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:report", kwargs={"pk": attempt.pk})
    assert GradedReport.objects.filter(attempt=attempt).count() == 1


def test_report_offers_another_try_only_while_the_case_can_be_played(client):
    """Once a case is archived its report stays, but no longer links to a play page that would 404."""
    bundle = make_case()
    _, attempt = play(client, bundle)
    choose(client, bundle, attempt, "peripheral-smear")
    report_url = submit(client, bundle, attempt, "thiopurines")["Location"]
    assert "Try this case again" in client.get(report_url).content.decode()
    Case.objects.filter(pk=bundle.case.pk).update(archived_at=timezone.now())
    content_changed()  # what a writer says after an update, which sends no signal
    page = client.get(report_url)
    assert page.status_code == 200
    assert "Try this case again" not in page.content.decode()
    assert client.get(bundle.case.get_absolute_url()).status_code == 404


def test_double_submit_through_the_site_keeps_one_report(client):
    """Submitting twice (second with another cause) keeps the first report."""
    bundle = make_case()
    _, attempt = play(client, bundle)
    submit(client, bundle, attempt, "thiopurines")
    response = submit(client, bundle, attempt, "aplastic-anaemia")
    assert response["Location"] == attempt.get_absolute_url()
    assert GradedReport.objects.filter(attempt=attempt).count() == 1
    assert GradedReport.objects.get(attempt=attempt).diagnosis_score == 100.0


def test_submit_without_a_cause_shows_the_error(client):
    """The diagnosis is required; the page comes back with the message and nothing is stored."""
    bundle = make_case()
    _, attempt = play(client, bundle)
    response = submit(client, bundle, attempt, "")
    assert response.status_code == 400
    assert "Choose the cause you think most likely." in response.content.decode()
    assert not GradedReport.objects.exists()


def full_path(client, bundle):
    """Play a path that exercises every verdict; return the attempt."""
    _, attempt = play(client, bundle)
    for slug in ("bone-marrow-biopsy", "peripheral-smear", "prior-counts", "tpmt-nudt15", "b12-folate", "cmv-pcr"):
        choose(client, bundle, attempt, slug)
    submit(client, bundle, attempt, "drugs-and-environmental-toxins")
    return attempt


def test_report_shows_scores_lines_missed_order_diagnosis_and_paths(client):
    """The report explains every choice, what was missed, the order rule, the
    diagnosis and the expert path, with the case's scoring numbers."""
    bundle = make_case()
    attempt = full_path(client, bundle)
    response = client.get(attempt.get_absolute_url())
    html = response.content.decode()
    report = GradedReport.objects.get(attempt=attempt)
    assert f'<span class="total-number">{report.total:.1f}</span>' in html
    # Harmful + premature: capped.
    assert "Total capped at 40" in html or "caps the total at 40" in html
    for label in ("Premature", "Essential", "Useful", "Low yield", "Not contributory"):
        assert f">{label}</span>" in html
    for slug in ("peripheral-smear", "prior-counts", "tpmt-nudt15", "b12-folate"):
        assert rationale_for(slug) in html
    assert rationale_for("medication-review") in html  # the missed essential
    assert "Essential steps you missed" in html
    assert RULE_RATIONALE in html and "came without Peripheral blood smear" not in html
    assert "came before Peripheral blood smear (step 2)" in html
    assert PARTIAL_RATIONALE in html and CORRECT_RATIONALE in html
    assert "The expected diagnosis is <strong>Thiopurines" in html
    assert "50% credit" in html
    # The scoring settings in words, with this case's numbers.
    assert "Each of the 3 essential steps earns 33.3 points" in html
    assert "Total = 0.6 × workup + 0.4 × diagnosis" in html
    # Expert path beside the learner's.
    expert = html[html.index("Expert path") : html.index("Your path")]
    assert [m for m in re.findall(r"<li>([^<]+)</li>", expert)] == [
        "Peripheral blood smear",
        "Review of prior blood counts",
        "Medication and exposure review",
        "TPMT and NUDT15 testing",
    ]
    # Citations are numbered links to the reference list at the bottom.
    assert 'href="#ref-test-guideline"' in html and 'id="ref-test-guideline"' in html
    assert "Leucopenia guideline for tests" in html and "Test Journal" in html and "2020" in html
    assert "appears here once 5 attempts" in html


def test_report_lines_follow_the_learners_order(client):
    """One line per choice, in the order chosen, with signed points."""
    bundle = make_case()
    attempt = full_path(client, bundle)
    html = client.get(attempt.get_absolute_url()).content.decode()
    names = re.findall(r'<h3 class="report-line-heading"><span class="finding-number">\d+\.</span> ([^<]+)</h3>', html)
    assert names == [
        "Bone-marrow aspirate and biopsy",
        "Peripheral blood smear",
        "Review of prior blood counts",
        "TPMT and NUDT15 testing",
        "Vitamin B12 and folate",
        "CMV PCR",
    ]
    assert "+33.3 points" in html and "−25 points" in html and "−5 points" in html


def test_anonymous_report_invites_sign_up(client):
    """An anonymous learner sees the report and a prompt to sign up to keep progress."""
    bundle = make_case()
    _, attempt = play(client, bundle)
    submit(client, bundle, attempt, "thiopurines")
    html = client.get(attempt.get_absolute_url()).content.decode()
    assert "Keep your progress." in html and "/accounts/signup/" in html
    client.force_login(make_user())
    html = client.get(attempt.get_absolute_url()).content.decode()  # claimed on login
    assert "Keep your progress." not in html


def test_report_is_private_to_its_owner(client):
    """Another learner, another session, or nobody at all gets a 404."""
    bundle = make_case()
    owner = make_user()
    attempt = make_attempt(case=bundle.case, user=owner)
    services.attempt_submit(attempt=attempt, diagnosis=None)
    url = attempt.get_absolute_url()
    assert client.get(url).status_code == 404
    client.force_login(make_user())
    assert client.get(url).status_code == 404
    anon = make_attempt(case=bundle.case, session_key="another-browser")
    services.attempt_submit(attempt=anon, diagnosis=None)
    assert client.get(anon.get_absolute_url()).status_code == 404
    client.force_login(owner)
    assert client.get(url).status_code == 200


def test_report_before_submission_redirects_to_play(client):
    """An open attempt has no report yet: back to the case."""
    bundle = make_case()
    _, attempt = play(client, bundle)
    response = client.get(attempt.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == bundle.case.get_absolute_url()


def test_report_shows_the_stored_grading_not_a_regrade(client):
    """Editing the key after submission changes nothing on the report."""
    bundle = make_case()
    _, attempt = play(client, bundle)
    choose(client, bundle, attempt, "cmv-pcr")
    submit(client, bundle, attempt, "thiopurines")
    before = client.get(attempt.get_absolute_url()).content.decode()
    Finding.objects.filter(case=bundle.case).update(rationale="EDITED LATER")
    bundle.case.diagnosis_options.update(rationale="EDITED LATER")
    after = client.get(attempt.get_absolute_url()).content.decode()
    assert "EDITED LATER" not in after
    assert CORRECT_RATIONALE in after

    def main(html):
        return html[html.index("<main") : html.index("</main>")]

    assert main(before) == main(after)


def test_report_shows_peer_choices_from_five_submissions(client):
    """With five submitted attempts the report shows how others chose."""
    bundle = make_case()
    for _ in range(4):
        other = make_attempt(case=bundle.case, user=make_user())
        services.attempt_choose_step(attempt=other, step=bundle.steps["peripheral-smear"])
        services.attempt_submit(attempt=other, diagnosis=bundle.causes["aplastic-anaemia"])
    _, attempt = play(client, bundle)
    choose(client, bundle, attempt, "peripheral-smear")
    submit(client, bundle, attempt, "thiopurines")
    html = client.get(attempt.get_absolute_url()).content.decode()
    assert "From 5 submitted attempts" in html
    assert re.search(r"<th scope=\"row\">Peripheral blood smear</th><td>5</td><td>100\.0%</td>", html)
    assert re.search(r"<th scope=\"row\">Aplastic anaemia</th><td>4</td><td>80\.0%</td>", html)


# --- query budget ---------------------------------------------------------------


def count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx)


ORDER = [slug for slug, _, _ in STEP_SPECS]


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "logged-in"])
def test_play_and_choose_query_counts_do_not_grow_with_choices(client, logged_in):
    """A play GET and a choose POST (plain and htmx) cost the same number of queries
    after one choice as after eight."""
    bundle = make_case()
    if logged_in:
        client.force_login(make_user())
    _, attempt = play(client, bundle)
    url = bundle.case.get_absolute_url()

    choose(client, bundle, attempt, ORDER[0], position=1)
    play_after_1 = count_queries(lambda: client.get(url))
    choose_post_2 = count_queries(lambda: choose(client, bundle, attempt, ORDER[1], position=2))
    htmx_post_3 = count_queries(lambda: choose(client, bundle, attempt, ORDER[2], position=3, HTTP_HX_REQUEST="true"))
    for position, slug in enumerate(ORDER[3:7], start=4):
        choose(client, bundle, attempt, slug, position=position)
    assert Choice.objects.filter(attempt=attempt).count() == 7
    choose_post_8 = count_queries(lambda: choose(client, bundle, attempt, ORDER[7], position=8))
    play_after_8 = count_queries(lambda: client.get(url))
    htmx_post_9 = count_queries(lambda: choose(client, bundle, attempt, ORDER[8], position=9, HTTP_HX_REQUEST="true"))

    assert play_after_1 == play_after_8
    assert choose_post_2 == choose_post_8
    assert htmx_post_3 == htmx_post_9
    # Small and constant (tests/cases/test_play_cache.py pins them, less transaction control counted here).
    assert play_after_8 <= 3
    assert choose_post_8 <= 10
    assert htmx_post_9 <= 10


def test_report_query_count_does_not_grow_with_choices(client):
    """The report page maps slugs to names in bulk, whatever the number of lines."""
    short = make_case()
    _, a = play(client, short)
    choose(client, short, a, "peripheral-smear")
    submit(client, short, a, "thiopurines")
    long = make_case()
    _, b = play(client, long)
    for slug in ORDER:
        choose(client, long, b, slug)
    submit(client, long, b, "thiopurines")
    # Both looked at once: the worker keeps the names and references (taxonomy.kept_names), the cache
    # each case's peer figures.
    client.get(a.get_absolute_url())
    client.get(b.get_absolute_url())
    assert count_queries(lambda: client.get(a.get_absolute_url())) == count_queries(
        lambda: client.get(b.get_absolute_url())
    )


def test_attempt_objects_are_not_leaked_between_cases(client):
    """An attempt id posted to another case's URL is not found there."""
    one = make_case()
    two = make_case()
    _, attempt = play(client, one)
    response = choose(client, two, attempt, "cmv-pcr")
    assert response.status_code == 302
    assert Attempt.objects.filter(case=two.case).count() == 0


def test_an_ungradeable_case_keeps_the_attempt_open_and_says_so(client):
    """If the key cannot be graded, submission stores nothing and the learner is told."""
    bundle = make_case()
    _, attempt = play(client, bundle)
    choose(client, bundle, attempt, "cmv-pcr")
    bundle.case.diagnosis_options.filter(credit=1).delete()  # no full-credit cause: invalid key
    response = submit(client, bundle, attempt, "thiopurines")
    assert response.status_code == 302
    assert response["Location"] == bundle.case.get_absolute_url()
    attempt.refresh_from_db()
    assert not attempt.is_submitted
    assert not GradedReport.objects.exists()
    html = client.get(bundle.case.get_absolute_url()).content.decode()
    assert "This case cannot be graded at the moment" in html
    assert_no_key(html, bundle)
