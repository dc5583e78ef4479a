"""The night's Prefect tasks, one per stage (ingest one per trader folder), and the run's artifacts in
the Prefect UI; the flow that runs them in order is :mod:`flows.run`.

Tasks never cache: Prefect's default cache key would hash every input (whole frames and bundle
lists) on every call, which cost more than the work itself at 100k lines. Large arguments and
results travel in a :class:`Handoff`, which Prefect neither walks nor keeps alive past the batch.
Tasks are coarse (one per stage and batch) and thin: the work is in ``transforms`` and
``expectations``. Import this module only after :func:`flows.env.configure`.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import get_run_logger, task
from prefect.artifacts import create_link_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows.policy import IO_RETRY
from transforms.analytics.dataset import append_events, append_tables
from transforms.analytics.responses import responses_summary
from transforms.assembly.assemble import assemble
from transforms.assembly.checking import (
    Checked,
    gather_findings,
    new_or_changed,
    no_findings,
    trips_to_hold,
    with_finding_ids,
)
from transforms.assembly.provenance import master_origins
from transforms.filing.delivery import deliver_versions
from transforms.filing.ledger import Ledger
from transforms.filing.quarantine import ReportSettings, publish_reports, report_jobs
from transforms.filing.responses import read_responses
from transforms.filing.submissions import FilingResult, file_submissions
from transforms.ingest import store
from transforms.ingest.folders import TraderIngest, ingest_folder
from transforms.model import faults
from transforms.model.bundle import OnRecord, content_hashes, split_bundles
from transforms.model.faults import InternalError
from transforms.model.inputs import Assembly, FileReport
from transforms.model.reference import Reference
from transforms.ops.summary import RunSummary
from transforms.plumbing.crashpoints import kill_point
from transforms.plumbing.paths import feedback_folder
from transforms.plumbing.personal import personal_values, remember_personal
from transforms.plumbing.runtime import Handoff
from transforms.plumbing.settings import Settings


@task(name="ingest-trader", cache_policy=NO_CACHE, timeout_seconds=1800, **IO_RETRY)
def ingest_task(folder: Path, inbox: Path, profiles_dir: Path | None, store_root: Path,
                pool_in: Handoff[ProcessPoolExecutor] | None = None) -> TraderIngest:
    """Read and map one trader folder: on a worker process of the night's pool when there is one
    (reading is GIL-bound, so two threads here used one core), else in this thread."""
    if pool_in is not None:
        ingest = pool_in.value.submit(ingest_folder, folder, inbox, profiles_dir).result()
    else:
        ingest = ingest_folder(folder, inbox, profiles_dir)
    if ingest.input is not None:
        # earlier nights' item masters, trip plans and pending lines whose files are gone from the inbox
        carried = store.load_into(store_root, ingest.input, {f.path for f in ingest.files})
        ingest.carried_sha256.update(carried)
        # drivers' names and codes read tonight: redacted wherever a log line or a reason quotes one
        remember_personal(personal_values(t.table.frame for t in ingest.input.trips))
    return ingest


@task(name="assemble", cache_policy=NO_CACHE, timeout_seconds=1800)
def assemble_task(ingests: Handoff[list[TraderIngest]], as_of: datetime, pending_hours: int) -> Handoff[Assembly]:
    inputs = [i.input for i in ingests.value if i.input is not None]
    asm = assemble(inputs, Reference.load(), as_of=as_of, pending_max_age=timedelta(hours=pending_hours))
    asm.value_origins = master_origins(inputs)   # so a finding on a filled-in value names the item master's cell
    return Handoff(asm)


@task(name="check", cache_policy=NO_CACHE, timeout_seconds=1800)
def check_task(asm_in: Handoff[Assembly], ingests_in: Handoff[list[TraderIngest]], as_of: datetime, ledger_url: str,
               lead_minutes: int) -> Handoff[Checked]:
    """GX suites over the assembled frames, plus ingest and assembly problems, into one findings table."""
    asm, ingests = asm_in.value, ingests_in.value
    headers = {path: cols for i in ingests for path, cols in i.source_headers.items()}
    # time rules only on new or changed trips, so a nightly re-run never holds what is already filed
    hashes = content_hashes(asm.frames)
    fresh = new_or_changed(hashes, Ledger(ledger_url).current)
    # nothing assembled (a quiet night): no suite to run, and no need to load GX, which takes
    # seconds to import — the fixed cost of every run against a running server
    findings, gx_results, tidy = no_findings(), {}, None
    if not all(f.empty for f in asm.frames.values()):
        # GX takes seconds to import: only where the checks run, not in every Dask worker that ingests
        from expectations import one_per_cell, validate

        outcome = validate(asm.frames, reference=Reference.load(), as_of=as_of, new_or_changed=fresh,
                           cn_manifest_lead_minutes=lead_minutes, source_headers=headers)
        findings, gx_results = outcome.findings.copy(), outcome.results
        tidy = one_per_cell if gx_results else None   # an unreadable value wins over "is empty"
    findings = gather_findings(findings, [p for i in ingests for p in i.problems], asm, headers, tidy)
    return Handoff(Checked(findings, trips_to_hold(findings), gx_results, hashes))


@task(name="file", cache_policy=NO_CACHE, timeout_seconds=3600, **IO_RETRY)
def file_task(frames_in: Handoff[dict[str, pd.DataFrame]], checked_in: Handoff[Checked], settings: Settings,
              run_id: str, as_of: datetime, traders_in: Handoff[dict[str, str]],
              seqs_in: Handoff[dict[str, int]]) -> Handoff[list[FilingResult]]:
    frames, checked, traders = frames_in.value, checked_in.value, traders_in.value
    ledger = Ledger(settings.ledger_location)
    results = file_submissions(split_bundles(frames), held=checked.held, ledger=ledger, workspace=settings.workspace,
                               run_id=run_id, as_of=as_of, settings=settings, workers=settings.workers,
                               traders=traders, message_seqs=seqs_in.value)
    deliver_versions(settings, [r.outputs for r in results if r.status in ("filed", "amended")])
    return Handoff(results)


@task(name="quarantine", cache_policy=NO_CACHE, timeout_seconds=1800, **IO_RETRY)
def quarantine_task(reported_in: Handoff[pd.DataFrame], ingests_in: Handoff[list[TraderIngest]],
                    settings: Settings) -> tuple[list[str], list[InternalError]]:
    """Error workbooks (and CSV twins) for every file with something to report; a trader whose
    workbooks cannot be written is reported, the others' are written (transforms.model.faults)."""
    reported, ingests = reported_in.value, ingests_in.value
    if reported.empty:
        return [], []
    how, warn = ReportSettings.of(ingests), get_run_logger().warning   # the task's logger
    reported = reported.assign(trader=reported["src_file"].map(how.trader_of_file))
    rows_of = {str(t): rows for t, rows in reported.groupby("trader", sort=True)}

    def publish(traders: Sequence[str]) -> list[Path]:
        jobs = [job for t in traders for job in report_jobs(
            rows_of[t], inbox=settings.inbox, out_dir=settings.workspace / "quarantine", trader=t,
            language=how.language.get(t, "zh-Hans"), encodings=how.encodings,
            feedback_dir=feedback_folder(settings.workspace, t, how.feedback_dir.get(t), warn))]
        return publish_reports(jobs, settings.workers)

    outs, failed = faults.each(list(rows_of), publish, lambda t: publish([t]))
    errors = [faults.fault("quarantine", exc, trader=t) for t, exc in failed.items()]
    return [p.relative_to(settings.workspace).as_posix() for out in outs for p in out], errors


@task(name="quarantine-lifecycle", cache_policy=NO_CACHE, timeout_seconds=600, **IO_RETRY)
def quarantine_lifecycle_task(findings_in: Handoff[pd.DataFrame], results_in: Handoff[list[FilingResult]],
                              files_in: Handoff[list[FileReport]], frames_in: Handoff[dict[str, pd.DataFrame]],
                              settings: Settings, run_id: str, as_of: datetime) -> None:
    from transforms.filing.quarantine import record_lifecycle

    findings, results, files, frames = findings_in.value, results_in.value, files_in.value, frames_in.value
    record_lifecycle(
        Ledger(settings.ledger_location), findings,
        filed={r.submission_id for r in results if r.status in ("filed", "amended", "unchanged")},
        held={r.submission_id for r in results if r.status == "held"},
        files_read={f.path for f in files if f.status == "read"}, trader_of_file={f.path: f.trader for f in files},
        crossing_of=dict(zip(frames["submissions"]["submission_id"].astype(str),
                             frames["submissions"]["expected_crossing_at"], strict=True)),
        run_id=run_id, as_of=as_of)


@task(name="analytics", cache_policy=NO_CACHE, timeout_seconds=1800, **IO_RETRY)
def analytics_task(frames_in: Handoff[dict[str, pd.DataFrame]], results_in: Handoff[list[FilingResult]],
                   findings_in: Handoff[pd.DataFrame], settings: Settings, run_id: str) -> dict[str, int]:
    frames, results, findings = frames_in.value, results_in.value, findings_in.value
    # unchanged trips too: a run killed between its ledger commit and this append left them out,
    # and the dataset skips every (submission_id, version) it already holds
    done = {r.submission_id: r for r in results if r.status in ("filed", "amended", "unchanged")}
    kill_point("analytics")
    extra: dict[str, pd.DataFrame] = {}
    if not findings.empty:
        extra["findings"] = with_finding_ids(findings, run_id)
    # stamped one table at a time as the append reads it (OnRecord), not a second copy of the night
    tables = OnRecord(frames, {sid: (r.version, r.function_code or "9") for sid, r in done.items()}, extra)
    return append_tables(settings.workspace / "analytics", tables, run_id, pii_key=settings.pii_key)


@task(name="responses", cache_policy=NO_CACHE, timeout_seconds=1800, **IO_RETRY)
def responses_task(settings: Settings, as_of: datetime, run_id: str) -> dict[str, Any]:
    """Customs responses in <inbox>/_responses/ -> ledger events and statuses -> analytics/events."""
    events, rejects = read_responses(settings.inbox, received_at=as_of)
    with Ledger(settings.ledger_location) as ledger:
        if settings.cn_delivery == "single_window" and settings.single_window_dir is not None:
            from transforms.filing.receipts import read_receipts, receipt_index

            receipts, bad = read_receipts(
                settings.single_window_dir, (settings.single_window_dec_form, settings.single_window_manifest_form),
                receipt_index(ledger.delivered_outputs()), received_at=as_of)
            events = pd.concat([f for f in (events, receipts) if not f.empty], ignore_index=True) \
                if not receipts.empty else events
            rejects = [*rejects, *bad]
        outcome = ledger.apply_events(events)
    appended = append_events(settings.workspace / "analytics", outcome.events, run_id)
    return responses_summary(settings.inbox, outcome, rejects, appended)


@task(name="data-docs", cache_policy=NO_CACHE, timeout_seconds=600)
def data_docs_task(results_in: Handoff[dict[str, Any]], workspace: Path) -> Path | None:
    """GX Data Docs for this run's validation results, once per run, in reports/data-docs/."""
    results = results_in.value
    if not results:
        return None
    from expectations.data_docs import build_data_docs

    try:
        return build_data_docs(results, (workspace / "reports" / "data-docs").resolve())
    except (OSError, ValueError) as exc:  # a report failing must not undo the filings of the run
        get_run_logger().warning("Data Docs were not built: %s", exc)
        return None


def artifacts(summary: RunSummary, workspace: Path, docs: Path | None) -> None:
    """The run's tables and links in the Prefect UI."""
    create_table_artifact(key="run-summary", table=summary.file_table(), description=f"ssdd run {summary.run_id}")
    create_link_artifact(key="run-summary-json",
                         link=(workspace / "runs" / summary.run_id / "summary.json").resolve().as_uri(),
                         description="summary.json of this run")
    create_table_artifact(key="quarantine-counts", table=summary.trader_table(),
                          description="rows quarantined and trips held, per trader")
    if docs is not None:
        create_link_artifact(key="data-docs", link=docs.resolve().as_uri(), description="GX Data Docs of this run")
