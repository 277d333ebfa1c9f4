"""Memory and CPU time of named processes over a bench, read from /proc, each process together with its
children (PostgreSQL's backends, say):

- memory: each root's own peak (`VmHWM`, kept by the kernel) and, sampled a few times a second, the sum of
  `VmRSS` over the tree and the sum of `Pss` (shared pages such as PostgreSQL's shared buffers counted
  once, not once per backend);
- CPU: user + system time of the tree, including children that already exited (a backend that closed
  is in its parent's `cutime`/`cstime`), so the CPU a phase cost each process is a difference of two
  readings, whatever else shares the machine;
- run-queue wait (`/proc/<pid>/task/*/schedstat`): how long the tree's threads were ready to run but
  waited for a core — the share of a phase that other work on the machine took from it;
- the machine's busy CPU time (`/proc/stat`), to tell this bench's processes from everything else.

    watch = ProcessWatch({"api": api_pid, "postgres": postmaster_pid})
    watch.start(); r0 = watch.reading(); ...; r1 = watch.reading(); figures = watch.stop()
    (r1 - r0).cpu["api"], (r1 - r0).waited["api"], (r1 - r0).machine_busy
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import psutil

_TICK_S = 1 / os.sysconf("SC_CLK_TCK")


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


def _cpu_s(pid: int, *, exited_children: bool = True) -> float:
    """utime + stime (+ cutime + cstime: children that exited) of one process, in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return sum(int(v) for v in fields[11 : 15 if exited_children else 13]) * _TICK_S
    except (OSError, ValueError, IndexError):
        return 0.0


def _waited_s(pid: int) -> float:
    """How long the process's threads waited on a run queue, in seconds."""
    total = 0
    for task in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        try:
            total += int(task.read_text().split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total / 1e9


def machine_busy_s() -> float:
    """CPU seconds the whole machine (all cores) has been busy since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) * _TICK_S


@dataclass(frozen=True)
class Reading:
    """Cumulative counters at one moment; subtract two for a phase."""

    cpu: dict[str, float]  # CPU seconds of each tree
    waited: dict[str, float]  # run-queue wait of each tree, seconds
    machine_busy: float  # busy CPU seconds of the whole machine

    def __sub__(self, before: Reading) -> Reading:
        return Reading(
            {k: v - before.cpu[k] for k, v in self.cpu.items()},
            {k: v - before.waited[k] for k, v in self.waited.items()},
            self.machine_busy - before.machine_busy,
        )


def _tree(pid: int) -> list[int]:
    try:
        return [pid, *(child.pid for child in psutil.Process(pid).children(recursive=True))]
    except psutil.Error:
        return []


@dataclass
class Usage:
    """One watched process (and its children); memory in MB."""

    pid: int
    processes_peak: int = 0  # the most processes in the tree at one sample
    rss_before: float = 0.0  # the tree's RSS at `mark()` (before the load)
    rss_peak: float = 0.0  # the highest sampled sum of VmRSS over the tree
    pss_peak: float = 0.0  # the highest sampled sum of Pss over the tree
    hwm: float = 0.0  # the root process's own VmHWM at the end (its peak over its whole life)


@dataclass
class ProcessWatch:
    """`pids`: name → the root of a tree; `single`: names measured without their children (the bench's
    own process, whose children are the very roles it measures)."""

    pids: dict[str, int]
    single: frozenset[str] = frozenset()
    every_s: float = 0.25
    figures: dict[str, Usage] = field(init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.figures = {name: Usage(pid) for name, pid in self.pids.items()}

    def _processes(self, name: str) -> list[int]:
        pid = self.figures[name].pid
        return [pid] if name in self.single else _tree(pid)

    def sample(self) -> dict[str, float]:
        """Σ RSS of each tree now, in MB; the peaks are updated."""
        now = {}
        for name, usage in self.figures.items():
            tree = self._processes(name)
            rss = sum(_status_kb(pid, "VmRSS") for pid in tree) / 1024
            usage.processes_peak = max(usage.processes_peak, len(tree))
            usage.rss_peak = max(usage.rss_peak, rss)
            usage.pss_peak = max(usage.pss_peak, sum(_pss_kb(pid) for pid in tree) / 1024)
            now[name] = rss
        return now

    def reading(self) -> Reading:
        """CPU seconds and run-queue wait of each tree so far, and the machine's busy CPU seconds."""
        cpu, waited = {}, {}
        for name in self.figures:
            processes = self._processes(name)
            cpu[name] = sum(_cpu_s(pid, exited_children=name not in self.single) for pid in processes)
            waited[name] = sum(_waited_s(pid) for pid in processes)
        return Reading(cpu, waited, machine_busy_s())

    def mark(self) -> None:
        """Record each tree's RSS now as its `rss_before`."""
        for name, rss in self.sample().items():
            self.figures[name].rss_before = rss

    def start(self) -> None:
        def run() -> None:
            while not self._stop.wait(self.every_s):
                self.sample()

        self.sample()
        self._thread = threading.Thread(target=run, name="process-watch", daemon=True)
        self._thread.start()

    def stop(self) -> dict[str, Usage]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.sample()
        for usage in self.figures.values():
            usage.hwm = _status_kb(usage.pid, "VmHWM") / 1024
        return self.figures
