"""Case files uploaded in the browser: the ``import_cases`` command's import,
for files that arrive as uploads rather than paths.

Each upload is written under its own name into a temporary folder and goes
through the very functions the command calls (``casefile_read`` to check,
``case_files_import`` to import): the same checks, all or nothing, the same
error lines — naming the file as it was uploaded, not the temporary path.
An upload is imported as drafts by the instructor who sent it; approval stays
with a colleague (nobody publishes their own work).
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from leucocases.cases.casefile.importer import ImportResult, casefile_read
from leucocases.cases.import_workflow import case_files_import

#: Past these an upload is refused before anything is read: a case file holds
#: at most 500,000 characters (``casefile.yamllimits``), 2 MB in any UTF-8.
MAX_FILES = 100
MAX_FILE_BYTES = 2_000_000


@dataclass(frozen=True, slots=True)
class Upload:
    name: str
    content: bytes


def upload_name(name: str, position: int) -> str:
    """The file's own name, without any folder a browser may send with it."""
    base = PureWindowsPath(PurePosixPath(name).name).name.strip()
    return base if base not in ("", ".", "..") else f"upload-{position}.yaml"


def case_files_upload(*, uploads: Sequence[Upload], author: Any, dry_run: bool = False) -> ImportResult:
    """Check (``dry_run``) or import ``uploads`` as the command does, ``author`` as their author."""
    with tempfile.TemporaryDirectory(prefix="case-upload-") as folder:
        names: dict[str, str] = {}
        paths = []
        for position, upload in enumerate(uploads, start=1):
            # One folder per upload: two files of the same name stay two files.
            path = Path(folder) / str(position) / upload_name(upload.name, position)
            path.parent.mkdir()
            path.write_bytes(upload.content)
            names[str(path)] = path.name
            paths.append(path)
        result = casefile_read(paths=paths) if dry_run else case_files_import(paths=paths, author=author)
    return _as_uploaded(result, names)


def _as_uploaded(result: ImportResult, names: dict[str, str]) -> ImportResult:
    """``result`` naming each file as uploaded instead of by its temporary path
    (in an error's message too: "the slug is also used by a case in <file>")."""

    def named(text: str) -> str:
        for path, name in names.items():
            text = text.replace(path, name)
        return text

    result.errors[:] = [
        dataclasses.replace(e, file=names.get(e.file, e.file), message=named(e.message)) for e in result.errors
    ]
    result.files[:] = [names.get(f, f) for f in result.files]
    result.specs[:] = [(names.get(f, f), spec) for f, spec in result.specs]
    return result
