"""Wall time and peak memory per stage of a night, for the run summary and the benchmark."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path


class Clock:
    """Wall seconds per stage, summed over the night's batches, and this process's peak memory in
    each stage (the highest over the batches), for the run summary and the benchmark."""

    def __init__(self, on_lap: Callable[..., None] | None = None) -> None:
        self._t = time.perf_counter()
        self._on_lap = on_lap
        self.laps: dict[str, float] = {}
        self.peak_rss_mb: dict[str, int] = {}
        self.batch = 0        # the batch being worked on (1-based; 0 outside the batches)
        self.batches = 1

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        seconds = now - self._t
        self.laps[name] = round(self.laps.get(name, 0.0) + seconds, 3)
        self._t = now
        self.peak_rss_mb[name] = max(self.peak_rss_mb.get(name, 0), peak_rss_mb())
        release_free_memory()
        if self._on_lap is not None:
            self._on_lap("stage", name=name, seconds=round(seconds, 3), batch=self.batch, batches=self.batches)


def release_free_memory() -> None:
    """Hand memory freed by the stage just ended back to the OS before the next one allocates.

    A stage frees millions of small Python objects (the file stage: 40,000 bundles of row dicts);
    glibc keeps the freed heap pages, while the next stage's large NumPy/Arrow buffers come from
    fresh mmaps, so without a trim the two add up in the resident set."""
    import ctypes
    import sys

    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)


def peak_rss_mb() -> int:
    """This process's peak resident memory since the last call, in MiB.

    On Linux the high-water mark (VmHWM) is read, then reset to the current size (clear_refs 5), so
    each stage of each batch gets its own peak; elsewhere the peak of the whole process so far."""
    import resource
    import sys

    if sys.platform == "linux":
        try:
            status = Path("/proc/self/status").read_text(encoding="ascii")
            kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
            Path("/proc/self/clear_refs").write_text("5", encoding="ascii")
            return round(kib / 2**10)
        except (OSError, StopIteration, ValueError):
            pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (2**20 if sys.platform == "darwin" else 2**10))
