"""What the content loaders share: reading the file, one error that carries
every problem, "check everything, then write all of it or nothing", the
summary of what a load did and the command that loads a file (``LoadFileCommand``),
which reports a refused file the one way.

The taxonomy, the case labels and the quizzes are each loaded from one YAML
file (``load_taxonomy``, ``load_case_labels``, ``load_quizzes``). An author
fixes a file in one pass, so every problem is collected, each with its place
(``quizzes[2].cases[3]: ...``), before anything is written; a bad file writes
nothing, and a good one is written in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from .content_version import bulk_writes

__all__ = [
    "ContentFileError",
    "LoadFileCommand",
    "LoadSummary",
    "file_errors_reported",
    "read_yaml_file",
    "top_level_list",
    "write_all_or_nothing",
]


class ContentFileError(Exception):
    """The file cannot be loaded; ``errors`` lists every problem with its place."""

    #: What the file holds, as its message names it ("the quiz file").
    file_kind: ClassVar[str] = "content"

    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} error(s) in the {self.file_kind} file: " + "; ".join(errors))
        self.errors = errors


def read_yaml_file(path: Path, *, error: type[ContentFileError]) -> Any:
    """Parse ``path`` with ``yaml.safe_load`` (never the full loader: no object construction)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error([f"cannot read the file: {exc}"]) from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise error([f"not valid YAML: {exc}"]) from exc


def top_level_list(data: Any, name: str) -> tuple[list[Any] | None, list[str]]:
    """The file's one list, ``name``, and the problems with the top level:
    ``None`` when the file is not a mapping holding that list."""
    if not isinstance(data, dict) or not isinstance(data.get(name), list):
        return None, [f"the file must be a mapping with a '{name}' list"]
    return data[name], [f"unknown top-level key '{key}'" for key in sorted(set(data) - {name})]


def write_all_or_nothing[Written](
    errors: list[str], write: Callable[[], Written], *, error: type[ContentFileError]
) -> Written:
    """Raise ``error`` with every problem found, writing nothing; else ``write()``
    in one transaction, which an error ``write`` raises undoes whole."""
    if errors:
        raise error(errors)
    # One content-version bump for the whole load, after it commits, not one per row.
    with bulk_writes(), transaction.atomic():
        return write()


@dataclass
class LoadSummary:
    """The slugs a load created, updated and left as they were."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.created) + len(self.updated) + len(self.unchanged)

    def counts(self, *, noun: str, nouns: str, path: str) -> str:
        """``Loaded 3 quizzes from PATH: 1 created, 0 updated, 2 unchanged`` (no full stop)."""
        return (
            f"Loaded {self.total} {noun if self.total == 1 else nouns} from {path}: "
            f"{len(self.created)} created, {len(self.updated)} updated, {len(self.unchanged)} unchanged"
        )


@contextmanager
def file_errors_reported(
    command: BaseCommand, path: str, *, catch: type[Exception] = ContentFileError, loosely: bool = False
) -> Iterator[None]:
    """Report a refused file as every loader's command does: each problem on
    stderr after the file's path, then a ``CommandError`` that counts them and
    says nothing was written. ``catch`` is an error with an ``errors`` list;
    ``loosely`` counts as "1 error(s)" (the taxonomy's and synonyms' wording)."""
    try:
        yield
    except catch as exc:
        for error in exc.errors:
            command.stderr.write(f"{path}: {error}")
        count = len(exc.errors)
        counted = f"{count} error(s)" if loosely else f"{count} error{'s' if count != 1 else ''}"
        raise CommandError(f"{counted} in {path}; nothing was written.") from None


class LoadFileCommand(BaseCommand):
    """A ``manage.py load_…`` command: ``load`` one YAML file (``default_path``
    unless the command names another) all or nothing, then ``report`` what it
    did unless ``--verbosity 0``. A refused file is reported by
    ``file_errors_reported`` with ``catch`` and ``loosely``. ``load`` and
    ``report`` receive the command's options."""

    default_path: ClassVar[Path]
    catch: ClassVar[type[Exception]] = ContentFileError
    loosely: ClassVar[bool] = False

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(self.default_path), help="YAML file to load.")

    def handle(self, *args, path: str, **options):
        with file_errors_reported(self, path, catch=self.catch, loosely=self.loosely):
            loaded = self.load(Path(path), **options)
        if options["verbosity"] > 0:
            self.report(loaded, path, **options)

    def load(self, path: Path, **options: Any) -> Any:
        raise NotImplementedError

    def report(self, loaded: Any, path: str, **options: Any) -> None:
        raise NotImplementedError
