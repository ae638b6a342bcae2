"""Case labels: the vocabulary file, the ``labels:`` field of case files, and the admin.

Labels are what a learner sees beside a case's title before working it, so a
label may never name a cause or a cause group (those are the answer).
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from leucocases.cases.labels import DEFAULT_PATH, LabelFileError, load_case_labels
from leucocases.cases.models import Case, CaseLabel
from leucocases.taxonomy.models import Cause, CauseGroup
from tests.cases.factories import make_case_document, make_casefile_catalogue, write_case_file

pytestmark = pytest.mark.django_db
SHIPPED_CASES = sorted((Path(settings.BASE_DIR) / "fixtures" / "cases").glob("*.yaml"))


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def labels_of(slug: str) -> list[str]:
    return list(Case.objects.get(slug=slug).labels.order_by("position").values_list("slug", flat=True))


# --- the vocabulary file ---------------------------------------------------------


def test_the_shipped_labels_load_in_file_order_and_loading_again_changes_nothing(shipped_content):
    """load_case_labels creates every label of fixtures/case_labels.yaml in its order; a second run is a no-op."""
    in_file = [item["slug"] for item in yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))["labels"]]
    assert list(CaseLabel.objects.values_list("slug", flat=True)) == in_file
    assert "fever" in in_file and "routine-count" in in_file
    out = run("load_case_labels")
    assert f"0 created, 0 updated, {len(in_file)} unchanged" in out


def test_no_shipped_label_names_a_cause_or_a_group(shipped_content):
    """Labels are seen before submission: none is a cause's or a cause group's name or slug."""
    answer_words = {w.lower() for w in CauseGroup.objects.values_list("name", flat=True)}
    answer_words |= {w.lower() for w in CauseGroup.objects.values_list("slug", flat=True)}
    answer_words |= {w.lower() for w in Cause.objects.values_list("name", flat=True)}
    answer_words |= {w.lower() for w in Cause.objects.values_list("slug", flat=True)}
    for label in CaseLabel.objects.all():
        assert label.name.lower() not in answer_words and label.slug not in answer_words


def test_a_label_naming_a_cause_group_is_refused_with_every_other_error_and_nothing_is_written(shipped_content):
    """The file is checked whole: a group's name, a bad slug and a duplicate are all reported; nothing changes."""
    before = list(CaseLabel.objects.values_list("slug", "name", "position"))
    data = {
        "labels": [
            {"slug": "new-fine-label", "name": "A fine new label"},
            {"slug": "infection", "name": "Infection-related"},
            {"slug": "Bad Slug", "name": "Bad"},
            {"slug": "fever", "name": "Fever", "colour": "red"},
            {"slug": "fever", "name": "Fever again"},
        ]
    }
    with pytest.raises(LabelFileError) as raised:
        load_case_labels(data)
    errors = raised.value.errors
    assert any("labels[1].name" in e and "part of the answer" in e for e in errors)
    assert any("labels[2].slug" in e for e in errors)
    assert any("labels[3]: unknown field 'colour'" in e for e in errors)
    assert any("labels[4].slug: 'fever' appears twice" in e for e in errors)
    assert list(CaseLabel.objects.values_list("slug", "name", "position")) == before
    assert not CaseLabel.objects.filter(slug="new-fine-label").exists()


def test_the_command_reports_errors_and_fails(shipped_content, tmp_path):
    path = tmp_path / "labels.yaml"
    path.write_text("labels:\n  - {slug: chemotherapy, name: Chemotherapy}\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("load_case_labels", str(path), stdout=StringIO(), stderr=err)
    assert "labels[0].name" in err.getvalue() and "Chemotherapy" in err.getvalue()


def test_a_label_naming_a_cause_is_refused_by_the_model(shipped_content):
    """The admin's form runs the same rule (CaseLabel.clean)."""
    with pytest.raises(ValidationError) as raised:
        CaseLabel(name="Megaloblastosis", slug="macro", position=99).full_clean()
    assert raised.value.error_dict["__all__"][0].code == "names_the_answer"


# --- labels in case files ----------------------------------------------------------


@pytest.fixture
def catalogue(db):
    make_casefile_catalogue()
    CaseLabel.objects.create(slug="routine-count", name="Routine count", position=1)
    CaseLabel.objects.create(slug="on-treatment", name="On treatment", position=2)


def test_case_files_name_labels_and_export_them_in_the_vocabulary_order(catalogue, tmp_path):
    """labels: is optional; import sets them, export writes them after groups in the labels' order."""
    document = make_case_document(labels=["on-treatment", "routine-count"])
    run("import_cases", str(write_case_file(tmp_path, "a.yaml", document)))
    assert labels_of("thiopurine-normal-tpmt") == ["routine-count", "on-treatment"]
    out = run("export_cases", "--slug", "thiopurine-normal-tpmt")
    assert "groups: [medication]\nlabels: [routine-count, on-treatment]\npresentation:" in out
    again = run("import_cases", str(write_case_file(tmp_path, "b.yaml", out)))
    assert "1 unchanged" in again


def test_an_unknown_label_is_an_error_naming_it(catalogue, tmp_path):
    path = write_case_file(tmp_path, "a.yaml", make_case_document(labels=["routine-cuont"]))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_cases", str(path), stdout=StringIO(), stderr=err)
    assert "labels[0]: unknown case label 'routine-cuont' (did you mean 'routine-count'?)" in err.getvalue()


def test_a_case_without_labels_exports_without_the_field(catalogue, tmp_path):
    run("import_cases", str(write_case_file(tmp_path, "a.yaml", make_case_document())))
    assert "labels:" not in run("export_cases", "--slug", "thiopurine-normal-tpmt")


def test_every_shipped_case_has_labels_in_canonical_order_and_exports_the_same(shipped_content, tmp_path):
    """The 19 shipped cases carry labels, listed in the vocabulary's order, which export keeps."""
    run("import_cases", *map(str, SHIPPED_CASES))
    assert Case.objects.count() == len(SHIPPED_CASES) > 0
    assert not Case.objects.filter(labels__isnull=True).exists()
    run("export_cases", "--out", str(tmp_path))
    for source in SHIPPED_CASES:
        shipped = yaml.safe_load(source.read_text(encoding="utf-8"))["labels"]
        assert yaml.safe_load((tmp_path / source.name).read_text(encoding="utf-8"))["labels"] == shipped, source.name
