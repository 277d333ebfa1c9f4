"""The web app's unit tests (Vitest: SSE parsing, the turn fold, reconnects, unit conversion), run from pytest
so `make test` covers them."""

from __future__ import annotations

import os
import subprocess

from tests.web.tooling import FRONTEND, node, node_modules


def test_vitest_suite_passes() -> None:
    node_bin = node()
    vitest = node_modules() / "vitest" / "vitest.mjs"
    result = subprocess.run(
        [node_bin, str(vitest), "run", "--reporter=dot"],
        cwd=FRONTEND,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "CI": "true", "NO_COLOR": "1"},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert " passed" in output and " failed" not in output, output
