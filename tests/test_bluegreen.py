"""deploy/bluegreen.py's steps and failure paths, with shell commands that only record what they were asked.

The switch itself, on real processes behind a real nginx, is tests/faults/test_rolling_restart.py.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "deploy" / "bluegreen.py"


@pytest.fixture
def deploy_dir(tmp_path: Path) -> Path:
    for colour in ("blue", "green"):
        shutil.copy(REPO / "deploy" / "nginx" / f"upstream-{colour}.conf", tmp_path)
    shutil.copy(tmp_path / "upstream-blue.conf", tmp_path / "upstream-active.conf")
    return tmp_path


def _switch(directory: Path, *args: str, ready: str = "true", reload: str = "true") -> tuple[int, list[str]]:
    log = directory / "calls.log"
    record = f'echo "$0 $COLOUR $SERVICES $SERVER" >> {log}'
    done = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--dir",
            str(directory),
            "--start",
            f"sh -c '{record}' start",
            "--ready",
            f"sh -c '{record}' ready && {ready}",
            "--reload",
            f"sh -c '{record}' reload && {reload}",
            "--stop",
            f"sh -c '{record}' stop",
            "--drain",
            "0",
            "--ready-timeout",
            "0",
            *args,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    calls = log.read_text().splitlines() if log.exists() else []
    return done.returncode, [" ".join(call.split()) for call in calls]


def _status(directory: Path) -> str:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--dir", str(directory), "--status"], capture_output=True, text=True
    )
    return done.stdout.strip()


def test_a_switch_starts_the_idle_colour_waits_for_it_then_swaps_and_stops_the_old_one(
    deploy_dir: Path,
) -> None:
    assert _status(deploy_dir) == "blue"
    code, calls = _switch(deploy_dir)
    assert code == 0
    assert calls == [
        "start green api3 api4",
        "ready green api3 api4 api3:8000",
        "ready green api3 api4 api4:8000",
        "reload green api3 api4",
        "stop blue api1 api2",
    ]
    assert _status(deploy_dir) == "green"
    assert (deploy_dir / "upstream-active.conf").read_text() == (
        deploy_dir / "upstream-green.conf"
    ).read_text()

    code, calls = _switch(deploy_dir)  # and back
    assert code == 0 and _status(deploy_dir) == "blue"


def test_switching_to_the_live_colour_does_nothing(deploy_dir: Path) -> None:
    code, calls = _switch(deploy_dir, "--to", "blue")
    assert (code, calls) == (0, [])


def test_a_colour_that_never_gets_ready_is_stopped_and_the_old_one_keeps_serving(deploy_dir: Path) -> None:
    code, calls = _switch(deploy_dir, ready="false")
    assert code == 1
    assert calls == ["start green api3 api4", "ready green api3 api4 api3:8000", "stop green api3 api4"]
    assert _status(deploy_dir) == "blue"


def test_a_configuration_nginx_refuses_is_put_back(deploy_dir: Path) -> None:
    before = (deploy_dir / "upstream-active.conf").read_text()
    code, calls = _switch(deploy_dir, reload="false")
    assert code == 1
    assert calls[-2:] == ["reload green api3 api4", "stop green api3 api4"]
    assert "stop blue api1 api2" not in calls
    assert (deploy_dir / "upstream-active.conf").read_text() == before


def test_an_upstream_file_without_its_colour_line_is_refused(deploy_dir: Path) -> None:
    green = deploy_dir / "upstream-green.conf"
    green.write_text(green.read_text().replace("# colour: green", "# green"))
    code, calls = _switch(deploy_dir)
    assert (code, calls) == (1, [])
    assert _status(deploy_dir) == "blue"
