"""The expert differential of every shipped case (issue 18; docs/case-format.md,
"Differential checkpoints").

Every file in ``fixtures/cases/`` keys both checkpoints: ``presentation`` (two to
five causes, what an expert considers before any workup) and ``final`` (the
full-credit cause first). A cause flagged must-not-miss is one the source
document discusses: the source-sentence checklist of the taxonomy tests maps each
sentence of the source to the facts that carry it, and ``fixtures/taxonomy.yaml``
says which cause owns each fact. The checks are pure (no database); the last test
plays every shipped case through the site with both checkpoints filled in.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse

from leucocases.cases.grading import expert_path
from leucocases.cases.grading.differential import MAX_CAUSES
from leucocases.cases.keys import case_key, grade_path
from leucocases.cases.models import Case, DifferentialReport
from tests.accounts.factories import make_user
from tests.content.test_house_key import CASES_DIR, TAXONOMY, case_files, load_cases
from tests.taxonomy.test_load_taxonomy import SOURCE_CHECKLIST

#: The presentation checkpoint lists at least this many causes: a differential, not a guess.
MIN_PRESENTATION = 2


def full_credit_cause(case: Mapping[str, Any]) -> str:
    (cause,) = (o["cause"] for o in case["diagnosis"] if o["credit"] == 1)
    return str(cause)


def causes_the_source_discusses(taxonomy: Mapping[str, Any], source_facts: Iterable[str]) -> frozenset[str]:
    """The causes that own a fact carrying a sentence of the source (``source_facts``:
    the fact keys of the source-sentence checklist)."""
    carried = set(source_facts)
    return frozenset(
        cause["slug"]
        for cause in taxonomy["causes"]
        if any(fact["key"] in carried for fact in cause.get("facts") or ())
    )


def differential_problems(case: Mapping[str, Any], discussed: frozenset[str]) -> list[str]:
    """What the case's keyed differential breaks of the rules above; empty when sound."""
    differential = case.get("differential") or {}
    problems = [f"no {name!r} checkpoint keyed" for name in ("presentation", "final") if not differential.get(name)]
    presentation = [c["cause"] for c in differential.get("presentation") or ()]
    final = [c["cause"] for c in differential.get("final") or ()]
    if presentation and not MIN_PRESENTATION <= len(presentation) <= MAX_CAUSES:
        problems.append(f"presentation lists {len(presentation)} causes; it lists {MIN_PRESENTATION}–{MAX_CAUSES}")
    correct = full_credit_cause(case)
    if final and final[0] != correct:
        problems.append(f"final starts with {final[0]!r}, not the full-credit cause {correct!r}")
    for name in ("presentation", "final"):
        for item in differential.get(name) or ():
            if item.get("must_not_miss") and item["cause"] not in discussed:
                problems.append(f"{name}: must-not-miss {item['cause']!r} is a cause the source does not discuss")
    return problems


@pytest.fixture(scope="module")
def taxonomy() -> dict[str, Any]:
    return yaml.safe_load(TAXONOMY.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def discussed(taxonomy: dict[str, Any]) -> frozenset[str]:
    return causes_the_source_discusses(taxonomy, (key for _, keys, _ in SOURCE_CHECKLIST for key in keys))


@pytest.mark.parametrize("path", case_files(), ids=lambda p: p.stem)
def test_every_shipped_case_keys_a_sound_differential(path: Path, discussed: frozenset[str]):
    problems = [
        f"{case['slug']}: {problem}" for case in load_cases(path) for problem in differential_problems(case, discussed)
    ]
    assert not problems, "\n".join(problems)


def test_the_mapping_names_the_causes_the_source_carries(discussed: frozenset[str]):
    """A cause the source names is in; the white-cell EDTA artefact, an editorial
    extension of the source's platelet item, is not; nor is a cause with no fact."""
    assert {"acute-leukaemia", "aplastic-anaemia", "bacterial-sepsis", "graft-failure"} <= discussed
    assert "edta-pseudoleucopenia" not in discussed
    small = {"causes": [{"slug": "carried", "facts": [{"key": "a"}]}, {"slug": "other", "facts": [{"key": "b"}]}]}
    assert causes_the_source_discusses(small, ["a"]) == {"carried"}


# --------------------------------------------------------------------------
# The checker fails a broken copy of a sound case
# --------------------------------------------------------------------------

SOUND_CASE = (
    Path(__file__).resolve().parent.parent.parent / "fixtures" / "cases" / "student-sore-throat-bleeding-gums.yaml"
)


def _no_presentation(case: dict[str, Any]) -> None:
    del case["differential"]["presentation"]


def _one_cause_only(case: dict[str, Any]) -> None:
    case["differential"]["presentation"] = case["differential"]["presentation"][:1]


def _six_causes(case: dict[str, Any]) -> None:
    case["differential"]["presentation"] = [{"cause": f"cause-{n}"} for n in range(6)]


def _final_not_first(case: dict[str, Any]) -> None:
    case["differential"]["final"] = [{"cause": "aplastic-anaemia"}, *case["differential"]["final"]]


def _must_not_miss_undiscussed(case: dict[str, Any]) -> None:
    case["differential"]["presentation"][1] = {"cause": "invented-cause", "must_not_miss": True}


BREAKAGES = {
    "no presentation checkpoint": (_no_presentation, "no 'presentation' checkpoint"),
    "one cause at the presentation": (_one_cause_only, "presentation lists 1 causes"),
    "six causes at the presentation": (_six_causes, "presentation lists 6 causes"),
    "final list not led by the answer": (_final_not_first, "not the full-credit cause"),
    "must-not-miss the source does not discuss": (_must_not_miss_undiscussed, "'invented-cause' is a cause"),
}


@pytest.mark.parametrize("name", BREAKAGES)
def test_a_broken_differential_fails(name: str, discussed: frozenset[str]):
    (case,) = load_cases(SOUND_CASE)
    assert differential_problems(case, discussed) == []
    broken = copy.deepcopy(dict(case))
    breaks, said = BREAKAGES[name]
    breaks(broken)
    assert any(said in p for p in differential_problems(broken, discussed)), differential_problems(broken, discussed)


# --------------------------------------------------------------------------
# Played on the site: both checkpoints asked, the expert path still an A
# --------------------------------------------------------------------------


def _causes(differential: Mapping[str, Any], name: str, prefix: str) -> dict[str, str]:
    return {f"{prefix}-cause_{n}": item["cause"] for n, item in enumerate(differential[name], start=1)}


@pytest.mark.django_db
def test_every_shipped_case_plays_to_an_a_with_both_checkpoints_and_the_expert_lists(client, shipped_content):
    """A learner writes the expert's lists at both checkpoints and orders the expert
    path: the grade is an A with the same total as without a differential (the
    differential is never in the total), the comparison scores 100, and the
    report shows that score only on a case that says ``scored``."""
    call_command("create_content_loader", verbosity=0)  # published as `make content` does
    call_command("import_cases", str(CASES_DIR), publish_as="content-loader", verbosity=0, stdout=StringIO())
    client.force_login(make_user())
    outcomes = {}
    for case in Case.objects.order_by("slug"):
        key = case_key(case)
        cause = next(o.cause for o in key.diagnosis_options if o.credit == 1)
        page = client.get(case.get_absolute_url())
        html, attempt = page.content.decode(), page.context["attempt"]
        assert 'name="presentation-cause_1"' in html and 'name="final-cause_1"' in html, case.slug
        url = reverse("cases:checkpoint", kwargs={"slug": case.slug})
        first = {"attempt": attempt.pk, "next": case.get_absolute_url(), "presentation-summary": "A low count"}
        assert client.post(url, first | _causes(case.differential, "presentation", "presentation")).status_code == 302
        steps = expert_path(key)
        for step in steps:
            chosen = client.post(
                reverse("cases:choose", kwargs={"slug": case.slug}), {"attempt": attempt.pk, "step": step}
            )
            assert chosen.status_code == 302, (case.slug, step)
        submit = {"attempt": attempt.pk, "diagnosis": cause, "certainty": "high", "final-summary": "The answer"}
        submitted = client.post(
            reverse("cases:submit", kwargs={"slug": case.slug}), submit | _causes(case.differential, "final", "final")
        )
        assert submitted.status_code == 302, case.slug
        attempt.refresh_from_db()
        report = attempt.reports.get(superseded_at__isnull=True)
        without = grade_path(case=case, step_slugs=steps, diagnosis_slug=cause)
        comparison = DifferentialReport.objects.get(attempt=attempt).data
        shown = "Differential score: 100.0 / 100" in client.get(submitted["Location"]).content.decode()
        outcomes[case.slug] = (report.data["grade"], report.total == without.total, comparison["score"], shown)
    expected = {
        slug: ("A", True, 100.0, bool(differential.get("scored")))
        for slug, differential in Case.objects.values_list("slug", "differential")
    }
    assert outcomes == expected
    assert len(outcomes) == len(case_files())
