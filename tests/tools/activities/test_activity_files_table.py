"""Every file under `../shared/data/activity-files/` through the real import path, into one athlete's account,
as a table: imported (sport, samples, warnings), already imported (the same workout in another format,
naming which), or refused with its reason. `pytest -s` prints it; it is also written to the test's tmp dir.

Run it alone: `.venv/bin/python -m pytest tests/tools/activities/test_activity_files_table.py -s -n 0`
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from tests.factories import create_user
from tests.support.shared_data import activity_files, require
from tests.tools.activities.test_track_import import REFUSED
from tools.activities.importer import import_file

#: phrases a refusal is made of when it says nothing specific (it must name what is wrong with the file)
GENERIC = ("could not be read", "invalid file", "error", "unsupported")


async def test_every_shared_activity_file_is_imported_or_refused_with_its_reason(
    db: AsyncSession, tmp_path: Path
) -> None:
    user = await create_user(db)
    rows: list[tuple[str, str, str]] = []
    first_file: dict[int, str] = {}
    for relative in activity_files():
        path = require(f"activity-files/{relative}")
        try:
            result = await import_file(db, user.id, path.read_bytes(), filename=path.name)
        except InvalidInput as refused:
            reason = refused.message
            assert relative in REFUSED, f"{relative} was refused: {reason}"
            assert path.name in reason and REFUSED[relative] in reason
            assert not reason.lower().startswith(GENERIC), reason
            rows.append((relative, "refused", reason.split(". Export the activity itself")[0]))
            continue
        assert relative not in REFUSED, f"{relative} should be refused, got {result}"
        assert result.activity_id is not None
        if result.status == "imported":
            first_file[result.activity_id] = relative
            warnings = f"; {' / '.join(result.warnings)}" if result.warnings else ""
            km = (result.distance_m or 0) / 1000
            rows.append(
                (relative, "imported", f"{result.sport}, {result.samples} samples, {km:.2f} km{warnings}")
            )
        else:
            assert result.status == "already_imported", result
            same = first_file[result.activity_id]
            assert Path(same).stem == path.stem or Path(same).parent.parent == Path(relative).parent.parent
            rows.append((relative, "already imported", f"the same workout as {same}"))

    width = max(len(r[0]) for r in rows)
    lines = [f"{'file'.ljust(width)}  {'result'.ljust(16)}  activity type / samples, or reason"]
    lines += [f"{f.ljust(width)}  {status.ljust(16)}  {detail}" for f, status, detail in rows]
    table = "\n".join(lines)
    (tmp_path / "activity-files.txt").write_text(table + "\n")
    print(f"\n{table}")
    assert len(rows) == len(activity_files()) == 50
    assert sum(status == "refused" for _, status, _ in rows) == len(REFUSED)
