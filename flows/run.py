"""The nightly filing flow, read top-down: ingest, then per batch of traders assemble -> check -> file
-> analytics and workbooks, then responses -> Data Docs -> summary.

This module is the choreography only: the stages' Prefect tasks are in :mod:`flows.tasks`, the fault
boundary around them in :mod:`flows.guarded`, what the night keeps between batches in
:mod:`flows.night`, worker processes and memory hand-offs in :mod:`transforms.plumbing.runtime`, and the
decisions in ``transforms``. Import this module only after :func:`flows.env.configure`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import pandas as pd
from prefect import flow, get_run_logger

from flows import guarded, tasks
from flows.logs import bind_run_id
from flows.night import Night
from transforms.assembly.batches import plan_batches, trader_load
from transforms.assembly.checking import Checked
from transforms.assembly.provenance import stamp_provenance
from transforms.filing.ledger import Ledger
from transforms.filing.quarantine import reported_findings, with_writer_holds
from transforms.filing.resend import TripPlanScope, flag_missing_trips, trip_plan_scope
from transforms.filing.submissions import FilingResult
from transforms.ingest.folders import TraderIngest, link_refusals
from transforms.ingest.inbox import trader_folders
from transforms.model import faults
from transforms.model.inputs import Assembly, FileReport
from transforms.model.reference import Reference
from transforms.ops.summary import RunSummary, check_reconciled, count_lines, traders_of_trips, write_json_atomic
from transforms.plumbing.atomic import sweep_orphan_temps
from transforms.plumbing.personal import forget_personal
from transforms.plumbing.runtime import Boxes, Clock, Handoff, Workers, reading
from transforms.plumbing.settings import Settings
from transforms.plumbing.timeutil import as_of_or_now

# The workspace folders a run writes into (hidden temp files of crashed runs are swept from them).
WORKSPACE_WRITTEN = ("outbox", "runs", "analytics", "quarantine", "reports", "store")


@flow(name="ssdd-nightly-filing", log_prints=False, validate_parameters=False)
def nightly_filing(settings: Settings) -> RunSummary:
    """File every trader folder in the inbox once, as of ``settings.as_of``."""
    logger = get_run_logger()
    clock = Clock(progress)
    as_of = as_of_or_now(settings.as_of)   # flows.service.file_inbox has pinned it already
    run_id = f"{as_of.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    bind_run_id(run_id)  # on every log record of this process from here on (flows.logs)
    forget_personal()    # the drivers this run reads are noted afresh (transforms.plumbing.personal)
    logger.info("ssdd run %s as of %s", run_id, as_of.isoformat())
    for leftover in sweep_orphan_temps(settings.workspace / d for d in WORKSPACE_WRITTEN):
        logger.info("removed %s, the unfinished file of a run that crashed", leftover.relative_to(settings.workspace))
    night = Night()
    ingests = _ingest_inbox(settings, night)
    files: list[FileReport] = [f for i in ingests for f in i.files] + link_refusals(settings.inbox)
    plans = {i.trader: i.input.trips for i in ingests if i.input is not None}
    resent: dict[str, TripPlanScope] = guarded.run_wide("flag", lambda: trip_plan_scope(plans), {}, night.fail)
    # the night in batches of traders (whole shared trucks), each assembled, checked, filed and
    # appended before the next: memory follows settings.batch_lines, not the night's volume
    by_trader = {i.trader: i for i in ingests}
    # an empty inbox still runs one (empty) batch, so every stage is timed and reported as usual
    batches = plan_batches([trader_load(i.trader, i.input) for i in ingests], settings.batch_lines) or [[]]
    clock.batches = len(batches)
    clock.lap("ingest")
    for number, members in enumerate(batches, start=1):
        clock.batch = number
        _file_batch([by_trader[t] for t in members], files, settings, run_id, as_of, clock, night)
    if night.collect_workbooks():
        clock.lap("quarantine")
    clock.batch = 0
    flagged: list[dict[str, str]] = guarded.run_wide(
        "flag", lambda: flag_missing_trips(resent, Ledger(settings.ledger_location), run_id, as_of) if resent else [],
        [], night.fail)
    responses: dict[str, Any] = guarded.run_wide(
        "responses", lambda: tasks.responses_task(settings, as_of, run_id), {}, night.fail)
    clock.lap("responses")
    docs = guarded.run_wide("data_docs", lambda: tasks.data_docs_task(Handoff(night.gx_results), settings.workspace),
                            None, night.fail)
    clock.lap("data_docs")
    bad = check_reconciled(files)
    summary = night.summary(run_id, as_of, files, bad, clock, len(batches), responses, flagged,
                            docs.relative_to(settings.workspace.resolve()).as_posix() if docs else None)
    for line in bad:
        logger.error("counts do not reconcile: %s", line)
    write_json_atomic(settings.workspace / "runs" / run_id / "summary.json", summary.to_json())
    tasks.artifacts(summary, settings.workspace, docs)
    return summary


def _ingest_inbox(settings: Settings, night: Night) -> list[TraderIngest]:
    """Every trader folder read and mapped, on worker processes when they are worth it; they held the
    raw cells while reading, so they are shut down (their memory given back) once all are read."""
    inbox = settings.inbox
    store_root = settings.workspace / "store"
    folders = trader_folders(inbox)
    ingests: list[TraderIngest] = []
    with Workers(settings.workers, settings.runner) as readers:
        pool = readers.pool_for(reading(folders))
        box = Handoff(pool) if pool is not None else None
        futures = [tasks.ingest_task.submit(folder, inbox, settings.profiles_dir, store_root, box)
                   for folder in folders]
        for folder, fut in zip(folders, futures, strict=True):
            ingests.append(guarded.ingested(fut, folder, inbox, night.fail))
            for f in ingests[-1].files:
                progress("file", path=f.path, status=f.status, total=None)
    return ingests


def _file_batch(part: list[TraderIngest], files: list[FileReport], settings: Settings, run_id: str, as_of: datetime,
                clock: Clock, night: Night) -> None:
    """Assemble, check, file, append and report one batch of traders; only what the summary needs
    outlives it (in ``night``; the file counts in ``files``)."""
    b = _Batch(part, files, settings, run_id, as_of, night)
    try:
        ingests = b.boxes.hand(part)
        asm_box = _assemble(b, ingests)
        asm = asm_box.value
        clock.lap("assemble")
        checked_box = guarded.checked(tasks.check_task, asm_box, ingests, part, settings, as_of, night.fail,
                                      b.boxes.hand)
        checked = b.boxes.take(checked_box)
        clock.lap("check")
        if night.collect_workbooks():   # the batch before's, before filing, which wants both cores
            clock.lap("quarantine")
        filed = _file(b, asm, checked_box)
        clock.lap("file")
        count_lines(files, asm.line_states, filed.results)
        reported = b.boxes.hand(reported_findings(checked.findings, filed.results, asm.frames["submissions"]))
        _record_lifecycle(b, asm, reported, filed)
        # every hold counts in the quarantine rate, also those the writers and the ledger made
        findings = b.boxes.hand(with_writer_holds(checked.findings, reported.value))
        _workbooks(b, reported, ingests, clock)
        _append_analytics(b, asm, filed, findings)
        clock.lap("analytics")
        night.keep(asm, filed.results, filed.traders, checked.results)
    finally:
        b.boxes.release()


@dataclass
class _Batch:
    """One batch of traders on its way through the stages, and the boxes it handed its tasks."""

    part: list[TraderIngest]
    files: list[FileReport]
    settings: Settings
    run_id: str
    as_of: datetime
    night: Night
    boxes: Boxes = field(default_factory=Boxes)


class _Filed(NamedTuple):
    frames: Handoff[dict[str, pd.DataFrame]]
    results: list[FilingResult]
    results_box: Handoff[list[FilingResult]]
    traders: dict[str, str]
    files: list[FileReport]   # the night's file reports of the batch's traders


def _assemble(b: _Batch, ingests: Handoff[list[TraderIngest]]) -> Handoff[Assembly]:
    """The batch assembled (a trader whose data makes assembly raise is held), and each trader's input
    kept in the store for later nights."""
    asm, held = guarded.assembled(tasks.assemble_task, b.part, ingests, b.files, b.settings, b.as_of, b.night.fail,
                                  b.boxes.hand)
    guarded.kept(b.boxes.take(asm), b.part, held, b.settings.workspace / "store", b.night.fail)
    return asm


def _file(b: _Batch, asm: Assembly, checked: Handoff[Checked]) -> _Filed:
    """The batch's trips stamped with their provenance, then filed: written, recorded and delivered."""
    mine = {i.trader for i in b.part}
    files = [f for f in b.files if f.trader in mine]
    carried_sha = {p: h for i in b.part for p, h in i.carried_sha256.items()}
    stamp_provenance(asm, files, carried_sha, b.as_of, checked.value.hashes, Reference.load().versions)
    traders = traders_of_trips(asm.frames["consignments"])
    frames = b.boxes.hand(asm.frames)
    results = guarded.filed(tasks.file_task, frames, checked, b.boxes.hand(traders), b.boxes.hand(b.night.number(asm)),
                            asm, b.part, b.settings, b.run_id, b.as_of, b.night.fail)
    return _Filed(frames, results, b.boxes.hand(results), traders, files)


def _record_lifecycle(b: _Batch, asm: Assembly, reported: Handoff[pd.DataFrame], filed: _Filed) -> None:
    """The ledger's quarantine items: one opened per error that held a trip or a line, resolved once filed."""
    guarded.per_trader("lifecycle", lambda: tasks.quarantine_lifecycle_task(
        reported, filed.results_box, b.boxes.hand(filed.files), filed.frames, b.settings, b.run_id, b.as_of),
        lambda sub, sids, paths: tasks.quarantine_lifecycle_task.fn(
            Handoff(faults.rows_of(reported.value, sids, paths)), filed.results_box,
            Handoff([f for f in filed.files if f.path in paths]), Handoff(sub.frames), b.settings, b.run_id, b.as_of),
        b.part, asm, b.night.fail)


def _workbooks(b: _Batch, reported: Handoff[pd.DataFrame], ingests: Handoff[list[TraderIngest]],
               clock: Clock) -> None:
    """The batch's error workbooks: started on the local runner (the next batch collects them), else written."""
    if b.settings.runner == "local":
        # the error workbooks render on the worker processes while this process appends the
        # analytics, and then while it assembles and checks the next batch (one core is idle
        # then); the next batch collects them before it files, so they never compete with the
        # XML workers (measured 322 s against 307 s at 1M when they did). Neither reads what
        # the other writes, and batches hold different traders, so different workbooks.
        b.night.workbooks = (tasks.quarantine_task.submit(reported, ingests, b.settings), [reported, ingests])
        b.boxes.keep(reported, ingests)   # released once the workbooks are done, not with the batch
    else:   # on Dask the task would land in a worker, which may not start processes of its own
        b.night.reports += guarded.workbooks(tasks.quarantine_task(reported, ingests, b.settings), b.night.fail)
        clock.lap("quarantine")


def _append_analytics(b: _Batch, asm: Assembly, filed: _Filed, findings: Handoff[pd.DataFrame]) -> None:
    """The batch's trips, lines and findings appended to the analytics datasets."""
    guarded.per_trader(
        "analytics", lambda: tasks.analytics_task(filed.frames, filed.results_box, findings, b.settings, b.run_id),
        lambda sub, sids, paths: tasks.analytics_task.fn(
            Handoff(sub.frames), filed.results_box, Handoff(faults.rows_of(findings.value, sids, paths)),
            b.settings, b.run_id), b.part, asm, b.night.fail)


#: stages a run reports, in order (the CLI draws one progress step per stage); BATCH_STAGES
#: repeat for each batch of traders (settings.batch_lines)
STAGES = ("ingest", "assemble", "check", "file", "analytics", "quarantine", "responses", "data_docs")
BATCH_STAGES = STAGES[1:6]
#: set by an interactive CLI to draw progress; called with ("stage" | "file", details)
PROGRESS: Callable[..., None] | None = None


def progress(event: str, **details: Any) -> None:
    if PROGRESS is not None:
        PROGRESS(event, **details)
