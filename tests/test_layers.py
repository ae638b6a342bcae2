"""Layers point one way (DESIGN §4): a module imports only from its own layer or below.

editorial (1) → taxonomy (2) → cases (3) → quizzes (4) → instructor and accounts (5)
→ lti (6). The top-level modules of ``leucocases/`` (settings, urls, hooks, pagecache,
security …) are the core, below editorial: they import no app, except ``settings.py``
and ``urls.py``, which wire everything together. What a lower app needs from a higher
one reaches it through a small interface the lower app owns (``cases.policies``,
``cases.hooks``, ``taxonomy.selectors.provide_reader_cases`` …), never an import.

The walk reads every module with ``ast``: imports at any depth (inside functions
too), relative imports resolved against the module's package. Migrations are left
out of the import walk, but their dependencies are checked on their own: a lower
app's migration never depends on a higher app's (a higher app may still order its
own migrations before a lower one's with ``run_before``: the lower app does not
know about it).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "leucocases"

#: The app layers; a module may import its own layer or a lower one.
LAYERS = {"editorial": 1, "taxonomy": 2, "cases": 3, "quizzes": 4, "instructor": 5, "accounts": 5, "lti": 6}
#: Core modules that wire every app together and so may import any of them.
WIRING = {"settings", "urls"}
CORE = 0


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module) for every import in ``path``, wherever it stands;
    ``from package import name`` yields ``package.name`` (``name`` may be a module)."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                if node.level > 1:
                    base = base[: -(node.level - 1)]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            yield node.lineno, source
            for alias in node.names:
                yield node.lineno, f"{source}.{alias.name}"


def layer_of_module(module: str) -> tuple[str, int] | None:
    """The app a ``leucocases`` module belongs to and its layer (None: not one of ours)."""
    parts = module.split(".")
    if parts[0] != "leucocases":
        return None
    if len(parts) > 1 and parts[1] in LAYERS:
        return parts[1], LAYERS[parts[1]]
    return "core", CORE


def source_files() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.relative_to(PACKAGE).parts:
            yield path


def upward_imports() -> list[str]:
    found = []
    for path in source_files():
        own = layer_of_module(module_name(path))
        assert own is not None
        app, layer = own
        if app == "core" and path.stem in WIRING and path.parent == PACKAGE:
            continue
        seen = set()
        for line, target in imported_modules(path):
            other = layer_of_module(target)
            if other is None or other[0] in (app, "core"):
                continue
            if (app == "core" or other[1] > layer) and (target, line) not in seen:
                # "from leucocases.quizzes import models" yields both the package and the module: keep the longest.
                seen.add((target, line))
                found.append((str(path.relative_to(ROOT)), line, target, app, layer, other))
    # One line per (file, line): the most precise module named there.
    best: dict[tuple[str, int], tuple] = {}
    for row in found:
        key = (row[0], row[1])
        if key not in best or len(row[2]) > len(best[key][2]):
            best[key] = row
    return [
        f"{path}:{line} imports {target} ({app}, layer {layer} → {other[0]}, layer {other[1]})"
        for (path, line), (_, _, target, app, layer, other) in sorted(best.items())
    ]


def test_no_module_imports_a_higher_layer():
    """Every import in leucocases/ points down or sideways; the failure lists each one that does not."""
    upward = upward_imports()
    assert not upward, "Imports from a lower layer to a higher one:\n" + "\n".join(upward)


def migration_dependencies() -> Iterator[tuple[str, str, str]]:
    """(migration file, its app, the app it depends on) from each migration's ``dependencies``."""
    for path in sorted(PACKAGE.glob("*/migrations/0*.py")):
        app = path.parent.parent.name
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "dependencies" for t in node.targets
            ):
                for element in getattr(node.value, "elts", ()):
                    if isinstance(element, ast.Tuple) and isinstance(element.elts[0], ast.Constant):
                        yield str(path.relative_to(ROOT)), app, element.elts[0].value


def test_no_migration_of_a_lower_app_depends_on_a_higher_app():
    """The model dependency runs one way too: e.g. no cases migration depends on quizzes."""
    wrong = [
        f"{path} depends on {other} (layer {LAYERS[other]} above {app}, layer {LAYERS[app]})"
        for path, app, other in migration_dependencies()
        if other in LAYERS and LAYERS[other] > LAYERS[app]
    ]
    assert not wrong, "\n".join(wrong)


def test_the_migration_graph_runs_one_way():
    """In the loaded graph, a lower app's migration has no parent in a higher app other than
    those the higher app orders before it itself (``run_before``, which the lower app never names)."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    wrong = []
    for (app, name), node in loader.graph.node_map.items():
        if app not in LAYERS:
            continue
        for parent in node.parents:
            other = parent.key[0]
            if other not in LAYERS or LAYERS[other] <= LAYERS[app]:
                continue
            declared_by_higher = (app, name) in getattr(loader.disk_migrations[parent.key], "run_before", [])
            if not declared_by_higher:
                wrong.append(f"{app}.{name} depends on {other}.{parent.key[1]}")
    assert not wrong, "\n".join(wrong)


#: Modules that compute without Django (plain data in, frozen dataclasses out), so
#: they are tested without a database and the engine stays deterministic.
PURE_MODULES = (
    "leucocases.cases.grading",
    "leucocases.cases.casefile",
    "leucocases.cases.bar_charts",
    "leucocases.cases.report_outline",
    "leucocases.quizzes.progress",
    "leucocases.instructor.statistics",
)


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_modules_load_no_django(module):
    """Importing the module in a fresh interpreter pulls in no Django module."""
    code = f"import sys, {module}; print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from leucocases.quizzes.models import Quiz", "leucocases.quizzes.models.Quiz"),
        ("from ..quizzes import services", "leucocases.quizzes.services"),
        ("def f():\n    from leucocases.instructor import access\n", "leucocases.instructor.access"),
        ("import leucocases.lti.grades", "leucocases.lti.grades"),
    ],
)
def test_the_walk_sees_every_kind_of_import(tmp_path, monkeypatch, source, expected):
    """Absolute, relative, nested and plain imports are all read (a test that can fail)."""
    fake_root = tmp_path
    module = fake_root / "leucocases" / "cases" / "fake.py"
    module.parent.mkdir(parents=True)
    module.write_text(source)
    monkeypatch.setitem(globals(), "ROOT", fake_root)
    assert expected in {target for _, target in imported_modules(module)}
