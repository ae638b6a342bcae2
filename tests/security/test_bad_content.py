"""A broken case file or taxonomy fixture is refused with a clear message and writes nothing."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for app in ("taxonomy", "cases")
        for model in apps.get_app_config(app).get_models()
    }


@pytest.fixture
def shipped(shipped_content):
    """The shipped taxonomy and one shipped case: rows enough to see that nothing changes."""
    files = sorted(str(p) for p in Path("fixtures/cases").glob("*.yaml"))[:1]
    call_command("import_cases", *files, verbosity=0, stdout=StringIO())


BAD_CASE_FILES = {
    "not YAML at all": "title: [unclosed\n  - : :\n",
    "unknown step and cause": (
        "slug: bad-case\ntitle: Bad\npresentation: A patient.\ngroups: [medication]\n"
        "findings:\n  - step: no-such-step\n    tier: essential\n    result: x\n    rationale: y\n"
        "diagnosis:\n  - cause: no-such-cause\n    credit: 1\n    rationale: z\n"
    ),
    "script where a number goes": "slug: bad\ntitle: <script>alert(1)</script>\ndifficulty: '<script>'\n",
}


def refused_writing_nothing(command: str, path: Path, content: str, match: str) -> str:
    """Write ``content`` to ``path`` and run ``command`` on it: it fails saying ``match`` and leaves
    every table as it was. Returns what it wrote to stderr."""
    path.write_text(content, encoding="utf-8")
    before = row_counts()
    err = StringIO()
    with pytest.raises(CommandError, match=match):
        call_command(command, str(path), stdout=StringIO(), stderr=err)
    assert row_counts() == before
    return err.getvalue()


@pytest.mark.parametrize("content", BAD_CASE_FILES.values(), ids=BAD_CASE_FILES.keys())
def test_a_bad_case_file_writes_nothing(shipped, tmp_path, content):
    """import_cases names the problem, fails, and leaves every table as it was."""
    assert "bad.yaml" in refused_writing_nothing("import_cases", tmp_path / "bad.yaml", content, "nothing was imported")


def test_one_bad_file_among_good_ones_writes_nothing(shipped, tmp_path):
    """A directory with one bad file among the shipped ones imports none of them."""
    for source in sorted(Path("fixtures/cases").glob("*.yaml"))[:3]:
        (tmp_path / source.name).write_text(
            source.read_text(encoding="utf-8").replace("slug: ", "slug: copy-", 1), encoding="utf-8"
        )
    (tmp_path / "zz-bad.yaml").write_text(BAD_CASE_FILES["unknown step and cause"], encoding="utf-8")
    before = row_counts()
    with pytest.raises(CommandError):
        call_command("import_cases", str(tmp_path), stdout=StringIO(), stderr=StringIO())
    assert row_counts() == before


BAD_TAXONOMY = {
    "not YAML": "references: [\n",
    "fact citing a missing reference": (
        "references: []\ngroups:\n  - {slug: g, name: G}\ncauses:\n"
        "  - slug: c\n    name: C\n    group: g\n    summary: S\n"
        "    facts:\n      - {key: f, text: T, references: [no-such-ref]}\n"
    ),
}


@pytest.mark.parametrize("content", BAD_TAXONOMY.values(), ids=BAD_TAXONOMY.keys())
def test_a_bad_taxonomy_fixture_writes_nothing(shipped, tmp_path, content):
    """load_taxonomy reports the error with the file name and writes nothing."""
    path = tmp_path / "taxonomy.yaml"
    assert str(path) in refused_writing_nothing("load_taxonomy", path, content, "nothing was written")
