"""One filing run as operations need it, whoever starts it (``run``, ``watch`` or a served schedule).

Around :func:`flows.run.nightly_filing` this adds: the locks of every trader in the inbox, held for
the whole run (taken in sorted order; a second writer waits up to ``lock_timeout_seconds``); the
task runner (``runner=dask`` sends the per-trader work to a Dask cluster through prefect-dask);
archiving of finished inbox files (``archive``); and alerts through the notification hook for a
failed run, new quarantine and held trips whose crossing is near. Call :func:`file_inbox` only after
:func:`flows.env.configure` (it imports Prefect).
"""

from __future__ import annotations

import logging
import os
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flows.logs import bind_run_id
from transforms.filing.ledger import Ledger
from transforms.model.reference import OVERLAY_ENV
from transforms.ops.archive import Archived, archive_files
from transforms.ops.notify import alert as send_alert
from transforms.ops.notify import internal_errors, near_crossings, newest_summary, quarantine_news
from transforms.ops.summary import RunSummary
from transforms.plumbing.locks import trader_locks
from transforms.plumbing.settings import Settings
from transforms.plumbing.timeutil import as_of_or_now

if TYPE_CHECKING:
    from prefect import Flow

log = logging.getLogger("ssdd.service")


WORKSPACE_DIRS = ("outbox/single", "outbox/hk", "outbox/cn", "quarantine", "analytics", "reports", "runs")


def prepare_workspace(settings: Settings) -> None:
    for sub in WORKSPACE_DIRS:
        (settings.workspace / sub).mkdir(parents=True, exist_ok=True)
    imported = settings.workspace / "reference"
    if imported.is_dir():  # tables loaded with `ssdd reference import-tariff` replace the shipped ones
        os.environ[OVERLAY_ENV] = str(imported.resolve())


def alert(settings: Settings, event: str, message: str, **details: Any) -> None:
    """Send one alert; a delivery problem is logged, never raised."""
    for problem in send_alert(settings, event, message, **details):
        log.warning("alert %s not delivered: %s", event, problem)


def task_runner(settings: Settings) -> Any:
    """The Prefect task runner for ``settings.runner``.

    Local: a thread pool as wide as ``workers``. Prefect's default is unbounded, so every trader's
    ingest ran at once and a million-line night held all its raw cells together (2.6 GB after
    ingest); ingest is GIL-bound, so more threads than cores only cost memory."""
    if settings.runner != "dask":
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=settings.workers)
    from prefect_dask.task_runners import DaskTaskRunner

    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address)
    return DaskTaskRunner(cluster_class="distributed.LocalCluster",
                          cluster_kwargs={"n_workers": settings.dask_workers, "threads_per_worker": 1,
                                          "processes": True, "dashboard_address": None,
                                          "preload": ["flows.logs"]})  # redaction in the workers too


def bounded_flow(settings: Settings) -> Flow[[Settings], RunSummary]:
    """The nightly flow on :func:`task_runner`'s runner: what ``ssdd run`` runs, and what the tests run
    (called bare, the flow gets Prefect's unbounded thread pool, which ran a 100-trader fuzz night's
    ingests all at once, at half the speed of one thread, through GIL contention)."""
    from flows.run import nightly_filing

    return nightly_filing.with_options(task_runner=task_runner(settings))


def file_inbox(settings: Settings, *, source_inbox: Path | None = None) -> RunSummary:
    """Run the filing flow over ``settings.inbox`` with locks, runner, archive and alerts.

    ``source_inbox`` is where the files really live when ``settings.inbox`` is a snapshot of it
    (``ssdd watch``): finished files are archived from there.
    """
    from transforms.ingest.inbox import trader_folders

    # One "now" per run: without --as-of the moment is taken here, once, and every stage and the
    # after-run alerts see the same one (not a second, later clock read after the flow).
    as_of = as_of_or_now(settings.as_of)
    settings = settings.model_copy(update={"as_of": as_of})
    workspace = settings.workspace
    previous = newest_summary(workspace)
    flow = bounded_flow(settings)
    traders = [p.name for p in trader_folders(settings.inbox)]
    archived: list[Archived] = []
    try:
        with trader_locks(workspace, traders, settings.lock_timeout_seconds):
            summary = flow(settings)
            bind_run_id(summary.run_id)
            if settings.archive:
                archived = archive_files(summary.files, inbox=source_inbox or settings.inbox, workspace=workspace,
                                         run_id=summary.run_id)
    except Exception as exc:
        first = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        log.error("run failed: %s", first, exc_info=True)
        alert(settings, "run_failed", f"ssdd run over {settings.inbox} failed: {first}",
              inbox=str(source_inbox or settings.inbox), error=exc.__class__.__name__)
        raise
    for a in archived:
        log.info("archived %s (sha256 %s) to %s", a.path, a.sha256, a.archived_to)
    log.info("run %s %s: %d files, %d submissions, %d archived", summary.run_id, summary.status,
             len(summary.files), len(summary.submissions), len(archived))
    _after_run(settings, summary, as_of, previous[1] if previous else None)
    return summary


def _after_run(settings: Settings, summary: RunSummary, as_of: datetime, previous: dict[str, Any] | None) -> None:
    import json

    doc = json.loads(summary.to_json())
    if summary.status not in ("completed", "completed_with_errors"):
        alert(settings, "run_failed", f"ssdd run {summary.run_id} finished {summary.status}; see its summary.",
              run_id=summary.run_id, status=summary.status)
    faults = internal_errors(doc)
    if faults:
        alert(settings, "internal_error", faults[0], **faults[1])
    news = quarantine_news(doc, previous)
    if news:
        alert(settings, "quarantine_new", f"ssdd run {summary.run_id} quarantined {len(news['files'])} new file(s), "
              f"refused {len(news['refused_files'])} and held {len(news['held_trips'])} new trip(s).",
              run_id=summary.run_id, **news)
    held = [s for s in summary.submissions if s.status == "held"]
    if not held or settings.notify_held_within_hours <= 0:
        return
    with Ledger(settings.ledger_location) as ledger:
        crossings = [(asdict(s), (ledger.current(s.submission_id) or {}).get("expected_crossing_at")) for s in held]
    near = near_crossings(crossings, as_of, settings.notify_held_within_hours)
    if near:
        alert(settings, "held_near_crossing", f"{len(near)} held trip(s) cross within "
              f"{settings.notify_held_within_hours:g} h and are not filed.", run_id=summary.run_id, trips=near)
