"""Worker processes for the CPU-heavy work (reading trader folders, XML filings, error workbooks).

Workers come from one fork server per run that imported the workers' modules once: cheap to start,
and unlike a plain fork they inherit no locks from the flow's threads. Python starts the fork
server on first use with the preload set at that moment, and ignores later preloads; so the one
list names every module any pool's workers run, or the second kind of pool would import its
libraries afresh in every worker of every batch (measured: openpyxl per batch for the workbooks).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import forkserver
from pathlib import Path

#: modules whose functions run on the workers
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


#: Inbox bytes below which trader folders are read in the flow's own process: starting the fork
#: server and its workers costs about what reading ten megabytes on one core does.
POOL_MIN_BYTES = 10_000_000


def worth_workers(folders: Sequence[Path], workers: int, runner: str) -> bool:
    """Whether the local runner reads ``folders`` on ``workers`` processes: when it pays for starting
    them (stat calls only). On Dask the folders are already read in Dask's worker processes."""
    if runner != "local" or workers <= 1 or len(folders) <= 1:
        return False
    total = 0
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                total += path.stat().st_size
                if total >= POOL_MIN_BYTES:
                    return True
    return False
