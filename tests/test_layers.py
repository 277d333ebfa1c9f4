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
