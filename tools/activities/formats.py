"""Which kind of activity file some bytes are, and decoding any of them into a `ParsedActivity`.

FIT is recognised by its header, GPX and TCX by their root element (after an optional byte-order mark and
leading whitespace), a gzip wrapper (`.fit.gz`, `.gpx.gz`, `.tcx.gz`, as in a Strava archive) by its magic
number — never by the file name alone, which users and apps get wrong. Anything else goes to the FIT
decoder, whose refusal says what is wrong with it. Pure: no I/O, no database.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import zlib
from typing import Literal

from core.errors import InvalidInput
from tools.activities.fit.decode import Decoder, decode_fit
from tools.activities.fit.model import ParsedActivity
from tools.activities.gpx import read_gpx
from tools.activities.tcx import read_tcx
from tools.activities.track import to_activity
from tools.activities.xmlread import clean

Format = Literal["fit", "gpx", "tcx"]
GZIP_MAGIC = b"\x1f\x8b"
EXTENSIONS: dict[Format, str] = {"fit": "fit", "gpx": "gpx", "tcx": "tcx"}


class TooLargeUnpacked(InvalidInput):
    code = "file_too_large_unpacked"


def detect(data: bytes) -> Format:
    """The format of (unwrapped) bytes; 'fit' for anything that is not recognisably GPX or TCX."""
    if len(data) >= 12 and data[8:12] == b".FIT":
        return "fit"
    head = clean(data[:4096])
    if head.startswith(b"<"):
        if b"<TrainingCenterDatabase" in head or b":TrainingCenterDatabase" in head:
            return "tcx"
        if b"<gpx" in head or b":gpx " in head:
            return "gpx"
    return "fit"


def unwrap(data: bytes, *, filename: str, max_bytes: int) -> bytes:
    """The bytes inside a gzip wrapper (or the bytes themselves); refuses more than `max_bytes` unpacked."""
    if not data.startswith(GZIP_MAGIC):
        return data
    out = bytearray()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            while chunk := fh.read(1 << 20):
                out += chunk
                if len(out) > max_bytes:
                    raise TooLargeUnpacked(
                        f"{filename} unpacks to more than {max_bytes / 2**20:g} MB, far more than an "
                        "activity file; nothing was imported.",
                        details={"filename": filename, "max_bytes": max_bytes},
                    )
    except (OSError, EOFError, zlib.error) as exc:
        raise InvalidInput(
            f"{filename} is a damaged gzip file ({exc}); export it again.", details={"filename": filename}
        ) from exc
    return bytes(out)


def decode_activity(
    data: bytes,
    *,
    filename: str,
    decoder: Decoder = "fast",
    sport: str | None = None,
) -> ParsedActivity:
    """Decode unwrapped bytes of a FIT, GPX or TCX activity file. `sport` (from a Strava archive's activity
    type) overrides a GPX/TCX file's own sport, which is often missing there. Raises `InvalidInput`
    subclasses that name the file and the reason."""
    kind = detect(data)
    if kind == "fit":
        return decode_fit(data, filename=filename, decoder=decoder)
    sha = hashlib.sha256(data).hexdigest()
    track = read_gpx(data, filename=filename) if kind == "gpx" else read_tcx(data, filename=filename)
    return to_activity(track, filename=filename, sha256=sha, sport=sport)
