"""manage.py import_cases, export_cases and grade_path, as an author uses them."""

from __future__ import annotations

import json
import re
from io import StringIO
from unittest import mock

import pytest
import yaml
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError

from leucocases.cases.models import Case, Finding
from tests.cases.factories import CASE_DOCUMENT, make_case_document, make_casefile_catalogue, write_case_file

# Written from docs/case-format.md alone ("Worked example with the defaults"):
# three essential steps; the learner chooses two of them and one step the case
# does not key, then the full-credit cause. No scoring block: the defaults.
WORKED_EXAMPLE = """\
slug: worked-example
title: The worked example from the case-format doc
groups: [medication]
presentation: |
  A 46-year-old woman on azathioprine has a low white count.
findings:
  - step: peripheral-smear
    tier: essential
    expert_position: 1
    result: Neutrophils reduced; no blasts.
    rationale: The smear shows which lines are affected.
    citations: [praxis-leukocytopenia]
  - step: prior-counts
    tier: essential
    expert_position: 2
    result: Normal counts a year ago.
    rationale: A trend dates the problem.
    citations: [dmw-2017]
  - step: medication-review
    tier: essential
    expert_position: 3
    result: Azathioprine since January.
    rationale: Drugs are a common cause.
    citations: [praxis-leukocytopenia]
  - step: bone-marrow-biopsy
    tier: harmful
    result: Mildly hypocellular marrow.
    rationale: Invasive and not indicated yet.
    citations: [dmw-2017]
order_rules:
  - before: peripheral-smear
    after: bone-marrow-biopsy
    rationale: Smear and prior counts come before a marrow examination.
    citations: [dmw-2017]
diagnosis:
  - cause: thiopurines
    credit: 1
    rationale: Leucopenia on azathioprine.
    citations: [praxis-leukocytopenia]
  - cause: drugs-and-environmental-toxins
    credit: 0.5
    rationale: Right group, not the specific cause.
"""


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_from_argv(*args: str, capsys) -> tuple[int, str, str]:
    """Run a command as manage.py does, returning its exit status and output."""
    command = load_command_class("leucocases.cases", args[0])
    # run_from_argv closes every DB connection when it ends, as manage.py
    # should; inside a test that would end the test's transaction (PostgreSQL).
    with mock.patch("django.core.management.base.connections.close_all"):
        try:
            command.run_from_argv(["manage.py", *args])
            status = 0
        except SystemExit as exit_:
            status = exit_.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def catalogue(db):
    make_casefile_catalogue()


@pytest.fixture
def worked_example(catalogue, tmp_path):
    run("import_cases", str(write_case_file(tmp_path, "worked.yaml", WORKED_EXAMPLE)))
    return Case.objects.get(slug="worked-example")


# --------------------------------------------------------------------------
# import_cases
# --------------------------------------------------------------------------


def test_import_cases_reports_created_and_updated_counts(catalogue, tmp_path):
    """A directory is imported whole; a second run reports updates and unchanged cases."""
    write_case_file(tmp_path, "one.yaml", CASE_DOCUMENT)
    write_case_file(tmp_path, "sub/two.yml", make_case_document(slug="second"))
    out, _ = run("import_cases", str(tmp_path))
    assert "Imported 2 cases from 2 files: 2 created, 0 updated, 0 unchanged." in out

    write_case_file(tmp_path, "one.yaml", make_case_document(title="Changed title"))
    out, _ = run("import_cases", str(tmp_path))
    assert "Imported 2 cases from 2 files: 0 created, 1 updated, 1 unchanged." in out
    assert Case.objects.get(slug="thiopurine-normal-tpmt").title == "Changed title"


def test_import_cases_prints_every_error_and_exits_non_zero(catalogue, tmp_path, capsys):
    """Each error is printed with file, case and field; the exit status is 1 and nothing is written."""
    bad = make_case_document()
    bad["findings"][2]["step"] = "smear"
    bad["diagnosis"][1]["credit"] = 1
    path = write_case_file(tmp_path, "x.yaml", bad)
    write_case_file(tmp_path, "y.yaml", make_case_document(slug="fine"))

    status, out, err = run_from_argv("import_cases", str(tmp_path), capsys=capsys)

    assert status == 1
    assert f"{path}: case 'thiopurine-normal-tpmt': findings[2].step: unknown workup step 'smear'" in err
    assert (
        f"{path}: case 'thiopurine-normal-tpmt': diagnosis: exactly one cause may have full credit, "
        "found: 'thiopurines', 'drugs-and-environmental-toxins'" in err
    )
    assert "2 errors found; nothing was imported." in err
    assert out == ""
    assert Case.objects.count() == 0
    assert Finding.objects.count() == 0


def test_import_cases_names_a_missing_path(catalogue, tmp_path):
    """A path that does not exist is an error, not a silent no-op."""
    with pytest.raises(CommandError, match="1 error found; nothing was imported."):
        run("import_cases", str(tmp_path / "nope.yaml"))


# --------------------------------------------------------------------------
# export_cases
# --------------------------------------------------------------------------


def test_export_cases_writes_one_case_to_stdout(catalogue, tmp_path):
    """One case goes to standard output as a single mapping that imports again."""
    run("import_cases", str(write_case_file(tmp_path, "a.yaml", CASE_DOCUMENT)))
    out, _ = run("export_cases", "--slug", "thiopurine-normal-tpmt")
    assert out.startswith("schema: 2\nslug: thiopurine-normal-tpmt\ntitle: A low white count on azathioprine\n")
    assert yaml.safe_load(out)["findings"][0]["step"] == "peripheral-smear"


def test_export_cases_writes_one_file_per_case(catalogue, tmp_path):
    """With --out each case is written to <slug>.yaml; exporting again gives the same bytes."""
    write_case_file(tmp_path / "in", "a.yaml", CASE_DOCUMENT)
    write_case_file(tmp_path / "in", "b.yaml", make_case_document(slug="second"))
    run("import_cases", str(tmp_path / "in"))
    out, _ = run("export_cases", "--out", str(tmp_path / "out"))
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == ["second.yaml", "thiopurine-normal-tpmt.yaml"]
    assert f"Wrote {tmp_path / 'out' / 'second.yaml'}" in out
    first = (tmp_path / "out" / "second.yaml").read_text(encoding="utf-8")

    Case.objects.all().delete()
    run("import_cases", str(tmp_path / "out"))
    run("export_cases", "--out", str(tmp_path / "again"))
    assert (tmp_path / "again" / "second.yaml").read_text(encoding="utf-8") == first


def test_export_cases_rejects_an_unknown_slug(catalogue):
    """Asking for a case that does not exist is an error naming it."""
    with pytest.raises(CommandError, match="No case with slug: missing"):
        run("export_cases", "--slug", "missing")


# --------------------------------------------------------------------------
# grade_path
# --------------------------------------------------------------------------


def test_grade_path_prints_the_documented_worked_example(worked_example):
    """Two of three essentials plus an unkeyed step and the right cause: 61.7, 77.0, 66.7 % (the doc's numbers)."""
    out, _ = run(
        "grade_path",
        "worked-example",
        "--steps",
        "peripheral-smear,prior-counts,spleen-ultrasound",
        "--diagnosis",
        "thiopurines",
    )
    assert re.search(r"^Workup:\s+61\.7$", out, re.M)
    assert re.search(r"^Diagnosis:\s+100\.0$", out, re.M)
    assert re.search(r"^Total:\s+77\.0$", out, re.M)
    assert re.search(r"^Capped:\s+no$", out, re.M)
    assert re.search(r"^Efficiency:\s+66\.7 %$", out, re.M)
    assert re.search(r"^\s+1\. peripheral-smear\s+essential\s+\+33\.3$", out, re.M)
    assert re.search(r"^\s+3\. spleen-ultrasound\s+not contributory\s+-5\.0$", out, re.M)
    assert "Missed essentials: medication-review" in out
    assert "Order violations: none" in out
    assert "Diagnosis: thiopurines: correct (credit 1); correct cause: thiopurines" in out


def test_grade_path_shows_violations_and_the_cap(worked_example):
    """A marrow biopsy before the smear is premature, counts as harmful and caps the total at 40."""
    out, _ = run(
        "grade_path",
        "worked-example",
        "--steps",
        "bone-marrow-biopsy,peripheral-smear,prior-counts,medication-review",
        "--diagnosis",
        "thiopurines",
    )
    assert re.search(r"^\s+1\. bone-marrow-biopsy\s+premature\s+-25\.0$", out, re.M)
    assert "  - bone-marrow-biopsy (chosen at 1) before peripheral-smear (chosen at 2); counts as harmful" in out
    # workup 100 - 25 = 75; total 0.6 * 75 + 40 = 85, capped at 40
    assert re.search(r"^Workup:\s+75\.0$", out, re.M)
    assert re.search(r"^Total:\s+40\.0$", out, re.M)
    assert re.search(r"^Capped:\s+yes, at 40 \(uncapped total 85\.0\)$", out, re.M)


def test_grade_path_json_is_the_report_dict(worked_example):
    """--json prints Report.to_dict() as JSON."""
    out, _ = run(
        "grade_path", "worked-example", "--steps", "peripheral-smear", "--diagnosis", "aplastic-anaemia", "--json"
    )
    data = json.loads(out)
    assert data["learner_path"] == ["peripheral-smear"]
    assert data["diagnosis"]["verdict"] == "incorrect"
    assert data["workup_score"] == 33.3
    assert data["total"] == 20.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("no-such-case", "--steps", "peripheral-smear", "--diagnosis", "thiopurines"), "No case with slug"),
        (
            ("worked-example", "--steps", "peripheral-smear,smear", "--diagnosis", "thiopurines"),
            "Unknown workup step: 'smear'",
        ),
        (
            ("worked-example", "--steps", "peripheral-smear", "--diagnosis", "thiopurine"),
            "Unknown cause 'thiopurine' (did you mean 'thiopurines'?)",
        ),
    ],
)
def test_grade_path_rejects_unknown_names_with_a_clear_error(worked_example, capsys, args, message):
    """An unknown case, step or cause is a clear error and a non-zero exit."""
    status, out, err = run_from_argv("grade_path", *args, capsys=capsys)
    assert status == 1
    assert message in err
    assert out == ""
