"""Memory of named processes over a bench, read from /proc: each process's own peak (`VmHWM`, kept by the
kernel) and, sampled a few times a second, the resident set of the process together with its children
(PostgreSQL's backends, say) — the sum of `VmRSS`, and the sum of `Pss` (shared pages such as PostgreSQL's
shared buffers counted once, not once per backend).

    watch = MemoryWatch({"api": api_pid, "postgres": postmaster_pid})
    watch.start(); ...; watch.mark("load"); ...; figures = watch.stop()
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import psutil


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _tree(pid: int) -> list[int]:
    try:
        return [pid, *(child.pid for child in psutil.Process(pid).children(recursive=True))]
    except psutil.Error:
        return []


@dataclass
class Memory:
    """One watched process (and its children), in MB."""

    pid: int
    processes_peak: int = 0  # the most processes in the tree at one sample
    rss_before: float = 0.0  # the tree's RSS at `mark()` (before the load)
    rss_peak: float = 0.0  # the highest sampled sum of VmRSS over the tree
    pss_peak: float = 0.0  # the highest sampled sum of Pss over the tree
    hwm: float = 0.0  # the root process's own VmHWM at the end (its peak over its whole life)


@dataclass
class MemoryWatch:
    pids: dict[str, int]
    every_s: float = 0.25
    figures: dict[str, Memory] = field(init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.figures = {name: Memory(pid) for name, pid in self.pids.items()}

    def sample(self) -> dict[str, tuple[float, float]]:
        """Now, per name: (Σ RSS, Σ PSS) of the tree in MB; the peaks are updated."""
        now = {}
        for name, memory in self.figures.items():
            tree = _tree(memory.pid)
            rss = sum(_status_kb(pid, "VmRSS") for pid in tree) / 1024
            pss = sum(_pss_kb(pid) for pid in tree) / 1024
            memory.processes_peak = max(memory.processes_peak, len(tree))
            memory.rss_peak = max(memory.rss_peak, rss)
            memory.pss_peak = max(memory.pss_peak, pss)
            now[name] = (rss, pss)
        return now

    def mark(self) -> None:
        """Record each tree's RSS now as its `rss_before`."""
        for name, (rss, _) in self.sample().items():
            self.figures[name].rss_before = rss

    def start(self) -> None:
        def run() -> None:
            while not self._stop.wait(self.every_s):
                self.sample()

        self.sample()
        self._thread = threading.Thread(target=run, name="memory-watch", daemon=True)
        self._thread.start()

    def stop(self) -> dict[str, Memory]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.sample()
        for memory in self.figures.values():
            memory.hwm = _status_kb(memory.pid, "VmHWM") / 1024
        return self.figures
