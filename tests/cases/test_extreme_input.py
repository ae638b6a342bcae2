"""Authoring input that once crashed things: YAML bombs, huge numbers in charts and scoring."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from leucocases.cases.casefile import MAX_SERIES_VALUE, parse_text, yamllimits
from leucocases.cases.charts import series_chart
from leucocases.cases.models import Case, Finding
from tests.cases.factories import (
    CASE_DOCUMENT,
    case_yaml,
    make_case_document,
    make_casefile_catalogue,
    make_site,
    write_case_file,
)
from tests.cases.test_admin import add_form_data, finding, good_options, post_add
from tests.security.production import BASE_DIR


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    """Nine lists of nine aliases to the list before: 1 KB of text standing for 9⁹ (387 million) values."""
    lines = [f"a0: &a0 [{', '.join(['lol'] * width)}]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels + 1)]
    lines.append(f"slug: bomb\ntitle: Bomb\ngroups: *a{levels}\npresentation: x\nfindings: *a{levels}\ndiagnosis: []")
    return "\n".join(lines) + "\n"


MEASURE = textwrap.dedent(
    """
    import json, resource, sys, time
    # Keep a runaway parse from taking the machine down with it: 1.5 GB of address space.
    resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))
    from leucocases.cases.casefile import parse_text
    text = sys.stdin.read()
    start = time.perf_counter()
    try:
        errors = [str(e) for e in parse_text(text, file="bomb.yaml").errors]
    except MemoryError:
        errors = ["MemoryError"]
    elapsed = time.perf_counter() - start
    # The peak resident size of this process (VmHWM; ru_maxrss would count the forking parent's too).
    with open("/proc/self/status") as status:
        peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    peak_mb = peak_kb / 1024
    print(json.dumps({"elapsed": elapsed, "peak_mb": peak_mb, "errors": errors}))
    """
)


def test_a_billion_laughs_file_is_refused_in_under_a_second_within_200_mb():
    """The YAML bomb that grew import_cases to 2.2 GB is refused with a clear error, fast and small
    (measured in a fresh process: time of the parse, peak memory of the whole process)."""
    result = subprocess.run(
        [sys.executable, "-c", MEASURE],
        cwd=BASE_DIR,
        input=billion_laughs(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    print(f"\nYAML bomb: refused in {figures['elapsed'] * 1000:.1f} ms, peak memory {figures['peak_mb']:.0f} MB")  # noqa: T201
    assert len(figures["errors"]) == 1
    assert "more than 20,000 values" in figures["errors"][0]
    assert "billion laughs" in figures["errors"][0]
    assert "at line 5" in figures["errors"][0]
    assert figures["elapsed"] < 1
    assert figures["peak_mb"] < 200


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("deep.yaml", "x: " + "[" * 50 + "]" * 50, "nested more than 20 levels deep"),
        ("recursive.yaml", "a: &a [1, *a]\n", "the alias *a is inside the node it names"),
        ("aliases.yaml", "a: &a x\nb: [" + ", ".join(["*a"] * 101) + "]\n", "more than 100 aliases"),
        ("number.yaml", "slug: " + "9" * 5000 + "\n", "is too long"),
        ("huge.yaml", "x" * (yamllimits.MAX_CHARACTERS + 1), "a case file may have at most 500,000"),
        ("deep.json", "[" * 100_000 + "]" * 100_000, "nested too deep"),
    ],
)
def test_files_beyond_the_reader_limits_are_refused_with_a_clear_error(name, text, message):
    """Deep nesting, recursive or numerous aliases, an overlong number and an oversized file each get one error."""
    result = parse_text(text, file=name)
    assert not result.cases
    assert len(result.errors) == 1
    assert message in str(result.errors[0])


def test_a_few_aliases_of_text_are_still_fine():
    """Anchors and aliases are YAML: a rationale written once and reused still reads."""
    document = case_yaml(CASE_DOCUMENT)
    document = document.replace("rationale: Drugs are", "rationale: &why Drugs are", 1)
    document = document.replace("rationale: Invasive and not indicated yet.", "rationale: *why", 1)
    result = parse_text(document, file="aliases.yaml")
    assert result.errors == []
    assert result.cases[0].findings[4].rationale == "Drugs are the commonest cause."


@pytest.mark.django_db
def test_import_cases_refuses_the_bomb_and_writes_nothing(tmp_path, capsys):
    """`import_cases` names the file and the line, and imports nothing."""
    make_casefile_catalogue()
    path = write_case_file(tmp_path, "bomb.yaml", billion_laughs())
    with pytest.raises(CommandError, match="1 error found; nothing was imported"):
        call_command("import_cases", str(path))
    assert "bomb.yaml: invalid YAML at line 5" in capsys.readouterr().err
    assert not Case.objects.exists()


def series_document(**series) -> dict:
    document = make_case_document()
    document["findings"][1]["series"] = {**document["findings"][1]["series"], **series}
    return document


@pytest.mark.parametrize(
    ("series", "field", "message"),
    [
        ({"points": [{"when": "Jan", "value": 1.7e308}]}, "findings[1].series.points[0].value", "at most"),
        ({"points": [{"when": "Jan", "value": -1e13}]}, "findings[1].series.points[0].value", "at least"),
        ({"high": 1e300}, "findings[1].series.high", "at most"),
        ({"points": [{"when": "Jan", "value": 1}] * 101}, "findings[1].series.points", "at most 100"),
        ({"label": "x" * 121}, "findings[1].series.label", "at most 120"),
    ],
)
def test_series_values_beyond_the_bounds_are_refused_in_case_files(series, field, message):
    """Chart values within ±10¹², at most 100 points, labels of sane length."""
    result = parse_text(case_yaml(series_document(**series)), file="case.yaml")
    assert not result.cases
    assert any(e.field == field and message in e.message for e in result.errors), result.errors


def test_scoring_values_beyond_their_columns_are_refused_in_case_files():
    """A scoring value of 1e308 is refused by the column's bound, not stored or overflowed."""
    result = parse_text(case_yaml(make_case_document(scoring={"harmful_penalty": 1e308})), file="case.yaml")
    assert [(e.field, e.code) for e in result.errors] == [("scoring.harmful_penalty", "range")]


@pytest.fixture
def admin_client(db):
    from django.contrib.auth import get_user_model

    make_casefile_catalogue()
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("editor", "editor@example.com", "pw-tests-only"))
    return client


def test_the_admin_refuses_extreme_chart_and_scoring_values(admin_client):
    """In the case admin a series value of 1.7e308 and a penalty of 1e308 are refused on their fields."""
    findings = [finding("peripheral-smear", "essential", 1)]
    findings[0]["series"] = json.dumps({"label": "WBC", "points": [{"when": "Jan", "value": 1.7e308}]})
    response = post_add(admin_client, add_form_data(findings=findings, options=good_options()))
    assert response.status_code == 200
    assert f"it must be at most {MAX_SERIES_VALUE}" in response.content.decode()
    response = post_add(
        admin_client,
        add_form_data(
            findings=[finding("peripheral-smear", "essential", 1)], options=good_options(), harmful_penalty="1e308"
        ),
    )
    assert response.status_code == 200
    assert "Ensure that there are no more than 6 digits in total." in response.content.decode()
    assert not Case.objects.filter(slug="a-new-case").exists()


finite_or_not = st.floats(allow_nan=True, allow_infinity=True) | st.integers(min_value=-(10**400), max_value=10**400)


@given(
    values=st.lists(finite_or_not, min_size=1, max_size=8),
    low=finite_or_not | st.none(),
    high=finite_or_not | st.none(),
)
def test_the_chart_never_fails_whatever_the_numbers(values, low, high):
    """Any numbers at all (1.7e308, subnormals, ±inf, NaN, 400-digit integers): a chart or a table, never an error,
    and never an 'inf' or 'nan' coordinate in the SVG."""
    series = {
        "label": "x",
        "low": low,
        "high": high,
        "points": [{"when": str(i), "value": v} for i, v in enumerate(values)],
    }
    chart = series_chart(series)
    if chart is None:  # a value that is not a finite number: nothing to draw or list
        assert any(isinstance(v, float) and not math.isfinite(v) for v in values) or any(
            abs(v) > sys.float_info.max for v in values if isinstance(v, int)
        )
        return
    assert len(chart.rows) == len(values)
    assert "inf" not in chart.svg and "nan" not in chart.svg


@pytest.mark.django_db
def test_a_stored_series_of_huge_values_still_plays():
    """A finding saved before the bounds existed, with values near 1.7e308: ordering its step shows the
    values as a table instead of failing the page."""
    site = make_site()
    Finding.objects.filter(case=site.case, step=site.steps[0]).update(
        series={
            "label": "WBC",
            "unit": "",
            "low": None,
            "high": None,
            "points": [{"when": "Jan", "value": 1.7e308}, {"when": "Feb", "value": -1.7e308}],
        }
    )
    client = Client()
    client.get(site.case.get_absolute_url())
    chose = client.post(reverse("cases:choose", kwargs={"slug": site.case.slug}), {"step": site.steps[0].slug})
    assert chose.status_code == 302
    page = client.get(site.case.get_absolute_url())
    assert page.status_code == 200
    assert "these values cannot be drawn on one scale" in page.content.decode()
