"""What a night asks of the machine: worker processes, memory handed over and given back, time per stage.

Three things, kept here so that the flow and the stages read as the work they do:

- **Worker processes.** One rule, :func:`worth_a_pool`, decides for every stage whether its work goes
  to worker processes; :class:`Workers` starts them when the first work worth them comes and shuts
  them down after, from one fork server per run (:func:`process_pool`, :func:`warm_up`).
- **Memory.** Large values travel between the flow and its tasks in a :class:`Handoff` the flow
  empties once its batch is done (:class:`Boxes`); between stages the freed heap goes back to the
  OS (:func:`release_free_memory`).
- **Time.** :class:`Clock` times each stage and reads its peak memory for the run summary.

Nothing here knows the customs domain or Prefect; the stages say what their work is.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import forkserver
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar

T = TypeVar("T")

# --- worker processes --------------------------------------------------------------------------
#
# Workers come from one fork server per run that imported the workers' modules once: cheap to
# start, and unlike a plain fork they inherit no locks from the flow's threads. Python starts the
# fork server on first use with the preload set at that moment, and ignores later preloads; so the
# one list names every module any pool's workers run, or the second kind of pool would import its
# libraries afresh in every worker of every batch (measured: openpyxl per batch for the workbooks).

#: modules whose functions run on the workers (names, not imports: the plumbing imports no stage)
WORKER_MODULES = ["transforms.ingest.folders", "transforms.filing.submissions", "transforms.filing.quarantine"]


def process_pool(workers: int) -> ProcessPoolExecutor:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(WORKER_MODULES)
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx)


def warm_up() -> None:
    """Start the fork server now: it imports the workers' modules in its own process, on the other
    core, while the caller is still importing its own libraries (about 2 s less fixed cost for
    the first pool)."""
    multiprocessing.get_context("forkserver").set_forkserver_preload(WORKER_MODULES)
    forkserver.ensure_running()


# --- is a pool worth it ------------------------------------------------------------------------
#
# Work is counted in start-ups: one start-up is as much of a stage's work as starting the fork
# server's workers costs. Below one start-up's worth, the stage works in its own process. Each
# stage counts its work in what it is made of; these are how much of it one start-up is worth:

#: Bytes of trader files read. Measured: starting the fork server and its workers costs about what
#: reading ten megabytes on one core does (reading is GIL-bound, so threads would not help).
READ_BYTES_PER_START_UP = 10_000_000
#: Trips whose filings are rendered (lxml, CPU-bound), counted per publish chunk of 250 trips
#: (transforms.filing.submissions): a chunk of mostly filed trips starts the pool; a chunk of
#: mostly held trips, or a quiet night's few, renders in the flow's process.
RENDERED_TRIPS_PER_START_UP = 64
#: Findings written into error workbooks (re-reading each source file is the costly part): below
#: this many in all, a pool's start-up costs more than it saves.
WORKBOOK_FINDINGS_PER_START_UP = 5_000


class Work(NamedTuple):
    """Some work a stage could hand to worker processes: ``amount`` in the stage's own measure, of
    which ``per_start_up`` is worth one start-up, in ``pieces`` that run independently (one
    process each at a time)."""

    amount: int
    per_start_up: int
    pieces: int


def reading(folders: Sequence[Path]) -> Work:
    """Reading trader folders, one piece per folder, counted in bytes (stat calls only; the count
    stops once it is worth a start-up, so a big inbox is not walked twice)."""
    total = 0
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                total += path.stat().st_size
                if total >= READ_BYTES_PER_START_UP:
                    return Work(total, READ_BYTES_PER_START_UP, len(folders))
    return Work(total, READ_BYTES_PER_START_UP, len(folders))


def rendering(trips: int) -> Work:
    """Rendering the filings of ``trips`` trips, one piece per trip."""
    return Work(trips, RENDERED_TRIPS_PER_START_UP, trips)


def writing_workbooks(findings: int, workbooks: int) -> Work:
    """Writing ``workbooks`` error workbooks that report ``findings`` in all, one piece per workbook."""
    return Work(findings, WORKBOOK_FINDINGS_PER_START_UP, workbooks)


def worth_a_pool(work: Work, workers: int, runner: str = "local") -> bool:
    """Whether ``work`` goes to ``workers`` worker processes: when there are two or more processes
    and two or more pieces to spread over them, and the work is at least one start-up's worth.

    ``runner`` is the task runner the calling code runs under. Only the local runner's code, in the
    flow's own process, starts workers: on Dask a task runs in a Dask worker, a daemon that may not
    start processes of its own, and the cluster already spreads the tasks over its processes. The
    filing and the error workbooks run in the flow's own process on either runner (the flow calls
    their tasks, it does not submit them), so they ask as the local runner; the trader folders are
    read in the runner's tasks, so their reading asks with the night's runner."""
    if runner != "local" or workers <= 1 or work.pieces <= 1:
        return False
    return work.amount >= work.per_start_up


class Workers:
    """Up to ``workers`` worker processes for one stage (or one batch of it): started when the first
    work worth them comes (:func:`worth_a_pool`), shut down when the ``with`` block ends, which gives
    their memory back (they held what they read or rendered). Never more processes than pieces."""

    def __init__(self, workers: int, runner: str = "local") -> None:
        self.workers = workers
        self.runner = runner
        self._pool: ProcessPoolExecutor | None = None

    def pool_for(self, work: Work) -> ProcessPoolExecutor | None:
        """The pool ``work`` runs on, started on first use; None when it runs in this process."""
        if not worth_a_pool(work, self.workers, self.runner):
            return None
        if self._pool is None:
            self._pool = process_pool(min(self.workers, work.pieces))
        return self._pool

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


# --- memory handed over ------------------------------------------------------------------------


class Handoff(Generic[T]):
    """A large value handed to or from a task, emptied by the flow once the batch is done.

    Prefect keeps every task run's arguments and return value alive until the flow ends (its
    transaction records hold the task engines; measured: every batch's frames stayed resident, 1.9 GB
    after a 1M-line night). A task gets or returns the box; the flow releases the box after the batch,
    so a night holds one batch's frames. Prefect does not look inside the box, which also spares it
    walking whole frames for upstream futures (the ``quote`` it replaces)."""

    __slots__ = ("_value",)

    def __init__(self, value: T) -> None:
        self._value: T | None = value

    @property
    def value(self) -> T:
        if self._value is None:
            raise RuntimeError("this hand-off was released when its batch ended")
        return self._value

    def release(self) -> None:
        self._value = None


class Boxes:
    """The boxes one batch handed its tasks, emptied together when the batch is done (see :class:`Handoff`)."""

    __slots__ = ("_boxes",)

    def __init__(self) -> None:
        self._boxes: list[Handoff[Any]] = []

    def hand(self, value: T) -> Handoff[T]:
        """``value`` in a new box, emptied with the others."""
        self._boxes.append(Handoff(value))
        return self._boxes[-1]

    def take(self, box: Handoff[T]) -> T:
        """The value of a box a task returned; the box is emptied with the others."""
        self._boxes.append(box)
        return box.value

    def keep(self, *boxes: Handoff[Any]) -> None:
        """Leave ``boxes`` to whoever still reads them: :meth:`release` will not empty them."""
        for box in boxes:
            self._boxes.remove(box)

    def release(self) -> None:
        for box in self._boxes:
            box.release()


# --- memory given back, and time per stage ------------------------------------------------------


class Clock:
    """Wall seconds per stage, summed over the night's batches, and this process's peak memory in
    each stage (the highest over the batches), for the run summary and the benchmark. A lap ends a
    stage: its peak is read, then what it freed goes back to the OS before the next stage allocates."""

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
