"""FIT decoding speed: fitparse (the baseline) against our decoder, on the same files, in the same run.

    python bench/fit_decode.py [--runs 3] [--data DIR]

Files: every activity file of the shared test data that must import (manifest intent `valid` or
`edge-case`) and that fitparse can read, so both sides do the same work. Each side decodes the whole set;
the figure is the median of `--runs` passes, printed as records per second, with the ratio to fitparse.

- fitparse, parse only: `FitFile(...).parse()` with CRC checking — what fitparse costs before any use;
- fast, scan only: our decoder up to the messages we use (`binary.scan`);
- fast, full: `decode_fit(..., decoder="fast")`, i.e. scan plus building the typed `ParsedActivity`;
- fitdecode, parse only (strict CRC), for reference — only when it happens to be installed (it is not a
  dependency).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from fitparse import FitFile  # noqa: E402

from bench.harness import shared_activity_files, shared_fit_dir  # noqa: E402
from tools.activities.fit import binary, decode_fit  # noqa: E402


def _files(data_dir: Path) -> list[tuple[str, bytes, int]]:
    out = []
    for row, data in shared_activity_files(data_dir):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                FitFile(data, check_crc=True).parse()
            decode_fit(data, filename=row["path"])
        except Exception as exc:  # a file either side refuses is left out, and said so
            print(f"  skipped {row['path']}: {type(exc).__name__}: {str(exc)[:80]}")
            continue
        out.append((row["path"], data, int(row["record_msgs"])))
    return out


def _fitparse(data: bytes) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        FitFile(data, check_crc=True).parse()


def _scan(data: bytes) -> None:
    binary.scan(data, filename="bench.fit")


def _full(data: bytes) -> None:
    decode_fit(data, filename="bench.fit", decoder="fast")


def _fitdecode(data: bytes) -> None:
    import fitdecode

    with fitdecode.FitReader(data, check_crc=fitdecode.CrcCheck.RAISE) as reader:
        for _ in reader:
            pass


def _median_seconds(fn: Callable[[bytes], None], files: list[tuple[str, bytes, int]], runs: int) -> float:
    times = []
    for _ in range(runs):
        gc.collect()  # start each pass without the previous pass's garbage
        start = time.perf_counter()
        for _, data, _ in files:
            fn(data)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=Path, default=shared_fit_dir())
    args = parser.parse_args()
    files = _files(args.data)
    records = sum(n for _, _, n in files)
    size = sum(len(d) for _, d, _ in files)
    print(f"{len(files)} files, {records} records, {size / 1e6:.1f} MB; median of {args.runs} runs")
    _full(files[0][1])  # build the CRC table once, outside the timings
    baseline = _median_seconds(_fitparse, files, args.runs)
    print(f"{'decoder':<26}{'seconds':>9}{'records/s':>12}{'× fitparse':>12}")
    print(f"{'fitparse 1.2.0, parse only':<26}{baseline:>9.2f}{records / baseline:>12,.0f}{1:>12.1f}")
    sides = [("fast, scan only", _scan), ("fast, full decode_fit", _full)]
    if importlib.util.find_spec("fitdecode"):
        sides.append(("fitdecode, parse only", _fitdecode))
    for label, fn in sides:
        seconds = _median_seconds(fn, files, args.runs)
        print(f"{label:<26}{seconds:>9.2f}{records / seconds:>12,.0f}{baseline / seconds:>12.1f}")


if __name__ == "__main__":
    main()
