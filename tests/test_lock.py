"""The Python dependencies are locked: `requirements.lock` (hash-pinned, written by `make lock`) satisfies
every range in `pyproject.toml`, and the environment the suite runs in is exactly the lock (what `make
install` puts there), so a fresh machine runs the program CI tested."""

from __future__ import annotations

import os
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
OURS = {"runcoach"}
# pip's own tools come with the venv, not from the lock (pip freeze leaves them out too)
VENV_TOOLS = {"pip", "setuptools", "wheel", "distribute"}


def locked() -> dict[str, str]:
    """The lock's pins that apply to this interpreter and platform: name → version."""
    pins: dict[str, str] = {}
    for line in LOCK.read_text().splitlines():
        if not line or line[0] in " #-":
            continue
        requirement = Requirement(line.rstrip(" \\"))
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        (spec,) = requirement.specifier
        assert spec.operator == "==", line
        pins[canonicalize_name(requirement.name)] = spec.version
    return pins


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["dev"]]]


def test_every_lock_line_is_pinned_and_hashed() -> None:
    text = LOCK.read_text()
    pins = [line for line in text.splitlines() if line and line[0] not in " #-"]
    assert len(pins) > 100
    blocks = text.split("\n")
    for i, line in enumerate(blocks):
        if line in pins:
            assert "==" in line and line.endswith("\\") and "--hash=sha256:" in blocks[i + 1], line


def test_the_lock_satisfies_every_range_in_pyproject() -> None:
    pins = locked()
    for requirement in declared():
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is in pyproject.toml but not in requirements.lock: run make lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock has {name}=={pins[name]}, outside pyproject's {requirement}: run make lock"
        )


def test_the_installed_environment_is_exactly_the_lock() -> None:
    pins = locked()
    installed = {
        canonicalize_name(d.metadata["Name"]): d.version
        for d in metadata.distributions()
        if d.metadata["Name"] is not None
    }
    wrong = {
        name: (version, installed.get(name))
        for name, version in pins.items()
        if installed.get(name) != version
    }
    assert not wrong, (
        f"installed differs from requirements.lock (locked, installed): {wrong}; run make install"
    )
    extra = set(installed) - set(pins) - OURS - VENV_TOOLS
    if os.environ.get("CI") == "true":
        # a fresh `make install` adds nothing; a developer's venv may hold optional extras (the local
        # embedding model's torch), so only CI insists
        assert not extra, f"installed but not locked: {sorted(extra)}"
