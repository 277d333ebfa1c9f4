"""Original files, kept content-addressed under the data directory, so activities can be re-processed
after a parser fix and exported back. Writes are atomic (temp file + rename); equal bytes are stored once."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from core.errors import NotFound
from core.settings import Settings, get_settings


def originals_dir(settings: Settings | None = None) -> Path:
    return (settings or get_settings()).home / "originals"


def path_for(sha256: str, settings: Settings | None = None) -> Path:
    return originals_dir(settings) / sha256[:2] / f"{sha256}.fit"


def save_original(data: bytes, settings: Settings | None = None) -> str:
    """Store the bytes (if not already stored) and return their SHA-256."""
    sha = hashlib.sha256(data).hexdigest()
    target = path_for(sha, settings)
    if target.exists():
        return sha
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return sha


def load_original(sha256: str, settings: Settings | None = None) -> bytes:
    path = path_for(sha256, settings)
    if not path.exists():
        raise NotFound("The original file of this activity is not stored here.")
    return path.read_bytes()
