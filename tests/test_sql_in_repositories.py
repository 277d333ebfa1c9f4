"""SQL lives in repositories (house style; issue 18): only a capability's `repository.py`, the unit of work
and the database plumbing in `core/` build or run statements."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "tools", "agent", "knowledge", "api", "bots", "jobs", "evals", "cli")
#: statements built or run: SQLAlchemy's statement constructors imported, the session's execute/commit called
IMPORTS = re.compile(r"^from sqlalchemy(?:\.dialects\.postgresql)? import (\([^)]*\)|.*)$", re.M)
CONSTRUCTORS = re.compile(r"\b(select|insert|update|delete|text)\b")
CALLS = re.compile(r"\b\w*(session|conn|connection)\.(execute|scalar|scalars|commit)\(")


def has_sql(source: str) -> bool:
    imported = any(CONSTRUCTORS.search(names) for names in IMPORTS.findall(source))
    return imported or CALLS.search(source) is not None


#: where SQL belongs: the repositories, the unit of work, the database's own plumbing
ALLOWED = re.compile(
    r"(^|/)repository\.py$|^core/(database|repository|data_versions|scratch_database|embedded|migrate)\.py$"
    r"|^core/models/"
    r"|^core/queue/records\.py$"
)


def sql_files() -> set[str]:
    found = set()
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            rel = path.relative_to(REPO).as_posix()
            if not ALLOWED.search(rel) and has_sql(path.read_text()):
                found.add(rel)
    return found


def test_no_sql_outside_repositories() -> None:
    new = sorted(sql_files())
    assert not new, (
        "SQL outside a repository (put the statements in the capability's repository.py, taking the user): "
        + ", ".join(new)
    )
