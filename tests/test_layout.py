"""The package layout keeps its one import rule (see `rag/__init__.py`).

Modules import only downwards: entry points -> the answerer component -> the
two flows -> the other components -> shared modules. A module that imports
upwards (or a flow that reaches into the adapters or the evaluator) fails here
with the offending line named.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.paths import ROOT

# Lower number = lower layer; a module may import its own layer or any lower one.
LAYERS: list[tuple[str, int]] = [
    ("rag", 4),  # the package itself: lazy re-exports only
    ("rag.assistant", 4),
    ("rag.cli", 4),
    ("rag.updates", 4),  # built on `Assistant.ask`: followed stories, digests
    ("rag.__main__", 4),
    ("rag.components.answerer", 3),
    ("rag.ingest", 2),
    ("rag.query", 2),
    ("rag.components", 1),
    ("rag.text", 0),
    ("rag.settings", 0),
    ("rag.schema", 0),
]
OUTSIDE = ("ui", "evals", "bench", "tests")


def layer(module: str) -> int | None:
    for prefix, level in LAYERS:
        if module == prefix or (prefix != "rag" and module.startswith(prefix + ".")):
            return level
    return None


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


MODULES = sorted((ROOT / "rag").rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(ROOT)))
def test_imports_run_downwards(path: Path) -> None:
    here = module_name(path)
    level = layer(here)
    assert level is not None, f"{here} is in no layer: add it to LAYERS and to rag/__init__.py's rule"
    upward = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for line, target in imports(path)
        if target.split(".")[0] in OUTSIDE or (target.startswith("rag") and (layer(target) or 0) > level)
    ]
    assert not upward, "\n".join(upward)


def test_top_level_stays_small() -> None:
    modules = [path.name for path in (ROOT / "rag").glob("*.py")]
    assert len(modules) <= 8, modules
    assert {"ingest", "query", "components"} <= {path.name for path in (ROOT / "rag").iterdir()}
