"""Differential checkpoints (issue 18): the key in the case file, the learner's lists after the presentation
and with the final diagnosis, and the report that sets them beside the expert's."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from leucocases.cases.casefile import parse_text
from leucocases.cases.casefile.exporter import casefile_export
from leucocases.cases.import_workflow import case_files_import
from leucocases.cases.models import AttemptCheckpoint, Case, DifferentialReport
from leucocases.editorial.models import ReviewStatus
from leucocases.taxonomy.models import Cause
from tests.cases.factories import (
    DIFFERENTIAL,
    case_yaml,
    make_attempt,
    make_case,
    make_casefile_catalogue,
    schema2_document,
    write_case_file,
)
from tests.taxonomy.factories import make_cause

pytestmark = pytest.mark.django_db


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- the case file ----------------------------------------------------------------------------


def test_a_schema_2_case_file_keys_a_differential_and_exports_it_again(tmp_path):
    make_casefile_catalogue()
    document = {**schema2_document(), "differential": DIFFERENTIAL}
    result = case_files_import(paths=[write_case_file(tmp_path, "d.yaml", document)])
    assert result.ok, result.errors
    case = Case.objects.get()
    assert case.differential["final"][1] == {"cause": "aplastic-anaemia", "must_not_miss": True}
    exported = casefile_export(cases=[case])
    assert (
        "differential:\n  scored: true\n  presentation:\n    - {cause: drugs-and-environmental-toxins}\n"
        "    - {cause: aplastic-anaemia, must_not_miss: true}\n  final:\n" in exported
    )
    Case.objects.all().delete()
    case_files_import(paths=[write_case_file(tmp_path, "again.yaml", exported)])
    assert casefile_export(cases=Case.objects.all()) == exported


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"schema": 1}, "differential: needs `schema: 2`"),
        ({"differential": {"final": [{"cause": "aplastic-anaemia"}]}}, "must include the full-credit cause"),
        ({"differential": {"final": [{"cause": "thiopurines"}, {"cause": "thiopurines"}]}}, "lists a cause twice"),
        ({"differential": {"scored": True}}, "at least one checkpoint"),
        ({"differential": {"final": [{"cause": "thiopurine"}]}}, "unknown cause 'thiopurine'"),
    ],
)
def test_a_differential_the_engine_refuses_is_named_in_the_file(change, message):
    make_casefile_catalogue()
    document = {**schema2_document(), "differential": DIFFERENTIAL, **change}
    from leucocases.cases.casefile.importer import known_ids

    result = parse_text(case_yaml(document), file="d.yaml", known=known_ids())
    assert any(message in str(error) for error in result.errors), result.errors


# --- playing ----------------------------------------------------------------------------------


@pytest.fixture
def bundle():
    bundle = make_case(title="A case with a differential")
    Case.objects.filter(pk=bundle.case.pk).update(differential=DIFFERENTIAL)
    bundle.case.refresh_from_db()
    return bundle


def save_first(client, bundle, attempt, **fields):
    data = {"attempt": attempt.pk, "next": bundle.case.get_absolute_url()}
    data |= {f"presentation-{name}": value for name, value in fields.items()}
    return client.post(reverse("cases:checkpoint", kwargs={"slug": bundle.case.slug}), data)


def test_the_play_page_asks_for_both_checkpoints_and_tells_nothing_of_the_key(client, learner, bundle):
    html = client.get(bundle.case.get_absolute_url()).content.decode()
    first = re.search(r'<section class="case-section checkpoint".*?</section>', html, re.S).group(0)
    assert "Your first differential" in first and "Save my first differential" in first
    assert len(re.findall(r'<input type="text" name="presentation-cause_\d"[^>]* list="cause-names"', first)) == 5
    assert re.search(r'<fieldset class="mb-3 checkpoint-final"', html)
    assert len(re.findall(r'<input type="text" name="final-cause_\d"[^>]* list="cause-names"', html)) == 5
    # One list of names for all ten fields: every published cause, so it keys nothing.
    (names,) = re.findall(r'<datalist id="cause-names">(.*?)</datalist>', html, re.S)
    published = Cause.objects.published().order_by("group__position", "position", "name")
    assert re.findall(r'<option value="([^"]*)"></option>', names) == [escape(c.name) for c in published]
    lowered = text(html).lower()
    for word in ("must not miss", "expert", "aplastic anaemia ("):
        assert word not in lowered
    plain = make_case(title="No differential here")
    html = client.get(plain.case.get_absolute_url()).content.decode()
    assert "checkpoint" not in html and "<datalist" not in html


def test_a_cause_is_named_as_typed_and_shown_back_by_name(client, learner, bundle):
    attempt = client.get(bundle.case.get_absolute_url()).context["attempt"]
    typed = {"cause_1": "  THIOPURINES (azathioprine   and 6-mercaptopurine) ", "cause_2": "aplastic-anaemia"}
    save_first(client, bundle, attempt, **typed)
    saved = AttemptCheckpoint.objects.get(attempt=attempt, name="presentation")
    assert saved.causes == ["thiopurines", "aplastic-anaemia"]
    html = client.get(bundle.case.get_absolute_url()).content.decode()
    assert 'name="presentation-cause_1" value="Thiopurines (azathioprine and 6-mercaptopurine)"' in html
    assert 'name="presentation-cause_2" value="Aplastic anaemia"' in html
    # A name and a slug of one cause are one cause listed twice.
    twice = save_first(client, bundle, attempt, cause_1="Aplastic anaemia", cause_2="aplastic-anaemia")
    assert "List each cause once." in client.get(twice["Location"]).content.decode()


@pytest.mark.parametrize("typed", ["Aplastic anaem", "<b>Scurvy</b>", "unpublished-cause", "Unpublished cause"])
def test_a_name_that_is_no_published_cause_is_refused_and_named(client, learner, bundle, typed):
    make_cause(name="Unpublished cause", slug="unpublished-cause", status=ReviewStatus.DRAFT)
    attempt = client.get(bundle.case.get_absolute_url()).context["attempt"]
    refused = save_first(client, bundle, attempt, cause_1="thiopurines", cause_2=typed)
    html = client.get(refused["Location"]).content.decode()
    assert f"Choose causes from the suggested names (“{escape(typed)}” is not one)." in html
    assert not AttemptCheckpoint.objects.filter(attempt=attempt).exists()


def test_the_first_differential_is_kept_until_the_first_step_then_closed(client, learner, bundle):
    attempt = client.get(bundle.case.get_absolute_url()).context["attempt"]
    response = save_first(client, bundle, attempt, summary="Well adult, low count", cause_1="aplastic-anaemia")
    assert response.status_code == 302 and response["Location"].endswith("#workup-heading")
    saved = AttemptCheckpoint.objects.get(attempt=attempt, name="presentation")
    assert (saved.summary, saved.causes) == ("Well adult, low count", ["aplastic-anaemia"])
    # Changed before any workup: replaced; a gap between ranks closes up; a cause twice is refused.
    save_first(client, bundle, attempt, cause_1="thiopurines", cause_3="aplastic-anaemia")
    saved.refresh_from_db()
    assert saved.causes == ["thiopurines", "aplastic-anaemia"]
    refused = save_first(client, bundle, attempt, cause_1="thiopurines", cause_2="thiopurines")
    assert "List each cause once." in client.get(refused["Location"]).content.decode()
    client.post(
        reverse("cases:choose", kwargs={"slug": bundle.case.slug}), {"attempt": attempt.pk, "step": "prior-counts"}
    )
    late = save_first(client, bundle, attempt, cause_1="drugs-and-environmental-toxins")
    assert "you have already ordered a step" in client.get(late["Location"]).content.decode()
    saved.refresh_from_db()
    assert saved.causes == ["thiopurines", "aplastic-anaemia"]
    page = text(client.get(bundle.case.get_absolute_url()).content.decode())
    assert "Written before the workup:" in page and "Save my first differential" not in page


def test_the_report_sets_each_list_beside_the_experts(client, learner, bundle):
    attempt = client.get(bundle.case.get_absolute_url()).context["attempt"]
    save_first(client, bundle, attempt, summary="Woman on azathioprine", cause_1="drugs-and-environmental-toxins")
    response = client.post(
        reverse("cases:submit", kwargs={"slug": bundle.case.slug}),
        {
            "attempt": attempt.pk,
            "diagnosis": "thiopurines",
            "certainty": "high",
            "final-summary": "Isolated leucopenia on azathioprine",
            "final-cause_1": "thiopurines",
            "final-cause_2": "drugs-and-environmental-toxins",
        },
    )
    assert response.status_code == 302
    stored = DifferentialReport.objects.get(attempt=attempt).data
    assert (stored["correct_entered_at"], stored["correct_rank"]) == (1, 1)
    assert stored["never_considered"] == ["aplastic-anaemia"]
    html = client.get(response["Location"]).content.decode()
    section = text(re.search(r'<section class="report-section differential-report".*?</section>', html, re.S).group(0))
    assert "entered your list with the final diagnosis, ranked 1" in section
    assert "Must not miss, never considered: Aplastic anaemia." in section
    assert "Your problem summary: “Woman on azathioprine”" in section
    assert "Drugs and environmental toxins in the expert's list" in section
    assert "Thiopurines (azathioprine and 6-mercaptopurine) in the expert's list added" in section
    assert "Dropped since your previous list" not in section
    assert "Aplastic anaemia must not miss (not on your list)" in section
    # Scored: (1 of 3 weighted at the presentation + 1 of 3 with the final diagnosis) / 2.
    assert "Differential score: 33.3 / 100" in section


def test_a_case_without_a_differential_stores_none(client, learner):
    plain = make_case()
    attempt = make_attempt(case=plain.case, user=learner)
    client.post(
        reverse("cases:submit", kwargs={"slug": plain.case.slug}),
        {"attempt": attempt.pk, "diagnosis": "thiopurines", "certainty": "low"},
    )
    assert not DifferentialReport.objects.exists()
    html = client.get(attempt.get_absolute_url()).content.decode()
    assert "differential-heading" not in html


def test_blank_fields_are_kept_per_worker_and_never_show_another_learners_list(client, bundle):
    """Blank checkpoint fields are rendered once per worker (the ``checkpoint_fields`` tag); a
    learner's saved list is theirs alone, whoever's page the worker rendered first."""
    from leucocases.editorial.content_version import WorkerMemo, worker
    from tests.accounts.factories import make_user

    with worker(WorkerMemo()):
        client.force_login(make_user())
        blank = client.get(bundle.case.get_absolute_url()).content.decode()
        attempt = client.get(bundle.case.get_absolute_url()).context["attempt"]
        save_first(client, bundle, attempt, cause_1="Aplastic anaemia")
        mine = client.get(bundle.case.get_absolute_url()).content.decode()
        client.force_login(make_user())
        theirs = client.get(bundle.case.get_absolute_url()).content.decode()
    assert 'name="presentation-cause_1" value="Aplastic anaemia"' in mine
    for html in (blank, theirs):
        assert 'name="presentation-cause_1" value=' not in html
        assert len(re.findall(r'<input type="text" name="presentation-cause_\d"', html)) == 5
