"""The README's commands work as written.

Every line of a README code block that starts with ``DJANGO_DEBUG=1`` is run
by bash, exactly as written, in the README's order, on a fresh SQLite
database; each must succeed. No code block shows ``manage.py`` without
``DJANGO_DEBUG=1`` (it would stop, asking for a production secret key), every
command the README names exists, and ``manage.py`` without the development
settings says in one message what to run instead.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
PREFIX = "DJANGO_DEBUG=1 .venv/bin/python manage.py "


def code_lines() -> list[str]:
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", README, flags=re.MULTILINE | re.DOTALL)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def environment(tmp_path: Path) -> dict[str, str]:
    """This machine's environment without development or production settings, on a fresh database."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_DEBUG", "DJANGO_SECRET_KEY", "REDIS_URL"}}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    return env


@pytest.mark.skipif(
    os.environ.get("REQUIRE_POSTGRES") == "1",
    reason="the commands run on a SQLite database of their own whatever the suite's: CI's SQLite pass runs them",
)
def test_every_command_line_in_the_readme_runs_as_written_on_a_fresh_database(tmp_path):
    lines = [line for line in code_lines() if line.startswith(PREFIX)]
    assert len(lines) >= 10
    assert {"migrate", "import_cases", "export_cases", "grade_path"} <= {line.split()[3] for line in lines}
    for line in lines:
        done = subprocess.run(
            ["bash", "-c", line], cwd=ROOT, env=environment(tmp_path), capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, f"{line}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"


def test_no_code_block_runs_manage_py_without_the_development_settings():
    bare = [line for line in code_lines() if "manage.py" in line and not line.startswith(PREFIX)]
    assert bare == []


def test_every_command_the_readme_names_exists():
    named = set(re.findall(r"manage\.py ([a-z_]+)", README))
    assert named - set(get_commands()) == set()


def test_manage_py_without_development_settings_says_what_to_run(tmp_path):
    done = subprocess.run(
        [".venv/bin/python", "manage.py", "import_cases", "--dry-run", "fixtures/cases/"],
        cwd=ROOT,
        env=environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "DJANGO_SECRET_KEY is not set" in done.stderr
    assert f"  {PREFIX}import_cases --dry-run fixtures/cases/\n" in done.stderr


@pytest.mark.parametrize("line", [line for line in code_lines() if line.startswith("make ")])
def test_make_targets_the_readme_shows_exist(line):
    target = line.split()[1]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(rf"^{re.escape(target)}:", makefile, flags=re.MULTILINE), line
