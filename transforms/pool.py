"""Worker processes for the CPU-heavy work (XML filings, error workbooks).

Workers come from one fork server per run that imported the workers' modules once: cheap to start,
and unlike a plain fork they inherit no locks from the flow's threads. Python starts the fork
server on first use with the preload set at that moment, and ignores later preloads; so the one
list names every module any pool's workers run, or the second kind of pool would import its
libraries afresh in every worker of every batch (measured: openpyxl per batch for the workbooks).
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

#: modules whose functions run on the workers
WORKER_MODULES = ["transforms.filing", "transforms.quarantine"]


def process_pool(workers: int) -> ProcessPoolExecutor:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(WORKER_MODULES)
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
