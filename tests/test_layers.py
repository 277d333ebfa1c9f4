"""The layers and the purity of the sports science, as declared in pyproject.toml ([tool.importlinter]),
checked on the tree as it is: a module that imports upwards (or science that reaches for the database)
fails this test, naming the import chain."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert "2 kept, 0 broken" in done.stdout, done.stdout[-4000:] + done.stderr[-2000:]
    assert done.returncode == 0


def _cycles() -> list[list[str]]:
    """Groups of the project's modules that import each other, directly or through others (any import,
    lazy ones inside functions included: a cycle hidden in a function is still a cycle)."""
    import grimp

    graph = grimp.build_graph(
        "core", "tools", "agent", "knowledge", "bots", "api", "jobs", "evals", "cli", cache_dir=None
    )
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(module: str) -> None:  # Tarjan's strongly connected components
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return groups


def test_no_module_imports_itself_through_others() -> None:
    assert _cycles() == []
