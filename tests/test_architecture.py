"""Standing checks of the layout that README "Architecture" describes.

- no import cycle between the modules of `exporter/` (top-level imports);
- only `exporter/host/` names /proc or /sys paths: everything else gets host data from a Reading;
- the collector table is a leaf: importing it (as exporter/config/schema.py does) loads no other module of ours;
- no module of ours (Python or the page's JavaScript) grows past the size one concern fills.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "exporter"
MAX_LINES = 420  # "about 400"


def _modules() -> dict[str, Path]:
    mods = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        mods[name] = path
    return mods


def _imports(path: Path, mods: dict[str, Path]) -> set[str]:
    """Modules of ours that `path` imports at module level (not inside functions or TYPE_CHECKING)."""
    out: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name in mods}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                out.add(sub if sub in mods else node.module)
    return {m for m in out if m in mods}


def test_no_import_cycles() -> None:
    mods = _modules()
    graph = {m: _imports(p, mods) - {m} for m, p in mods.items()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                cycles.append([*stack[stack.index(n):], n])
            elif n not in state:
                visit(n, [*stack, n])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert cycles == []


def _path_literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text())
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                  and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
            and n.value.startswith(("/proc", "/sys/"))]


def test_only_the_host_layer_names_proc_and_sys_paths() -> None:
    offenders = [f"{p.relative_to(PACKAGE.parent)}:{line}: {text}"
                 for p in PACKAGE.rglob("*.py") if "host" not in p.relative_to(PACKAGE).parts[:1]
                 for line, text in _path_literals(p)]
    assert offenders == []


@pytest.mark.integration  # a fresh interpreter, so nothing imported before can hide an import
def test_the_collector_table_is_a_leaf() -> None:
    code = ("import sys; import exporter.host.collectors; "
            "print(sorted(m for m in sys.modules if m.startswith('exporter.')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=PACKAGE.parent).stdout
    assert loaded.strip() == "['exporter.host', 'exporter.host.collectors']"


def test_modules_stay_small() -> None:
    files = [*PACKAGE.rglob("*.py"), *(PACKAGE / "web" / "static" / "js").rglob("*.js")]
    big = {str(p.relative_to(PACKAGE.parent)): n for p in files if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert big == {}
