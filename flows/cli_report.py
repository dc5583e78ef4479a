"""CLI commands for clearance analytics: ``ssdd report``, ``ssdd analytics compact|sync-events`` and
``ssdd simulate-responses``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from flows.cli_common import console, fail, settings_or_fail

AnalyticsWorkspaceOption = Annotated[Path | None, typer.Option(help="Workspace folder (with analytics/).")]


def _workspace(workspace: Path | None) -> Path:
    ws = settings_or_fail(workspace=workspace).workspace
    if not ws.is_dir():
        fail(f"Workspace folder {ws} does not exist; pass --workspace DIR (the folder `ssdd run` wrote to).")
    return ws


def last_run(workspace: Path) -> tuple[Path | None, str | None]:
    """The inbox the newest run read responses from (``responses.inbox`` in its summary.json) and that run's
    ``as_of``, each None when no summary records it."""
    summaries = sorted((workspace / "runs").glob("*/summary.json"), key=lambda p: (p.stat().st_mtime, p.name))
    for path in reversed(summaries):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        inbox = (doc.get("responses") or {}).get("inbox") or doc.get("inbox")
        if inbox:
            return Path(inbox), doc.get("as_of") or None
    return None, None


@contextmanager
def _all_traders_locked(workspace: Path) -> Iterator[None]:
    """Every trader's lock (transforms.plumbing.locks): one writer at a time, as for `ssdd run`."""
    from transforms.plumbing.locks import LockTimeout, known_traders, trader_locks

    timeout = settings_or_fail(workspace=workspace).lock_timeout_seconds
    try:
        with trader_locks(workspace, known_traders(workspace), timeout):
            yield
    except LockTimeout as exc:
        fail(str(exc), 1)


def report(workspace: AnalyticsWorkspaceOption = None) -> None:
    """Write reports/clearance.html and reports/aggregates/*.parquet from the analytics dataset."""
    from transforms.analytics.report import build_report

    ws = _workspace(workspace)
    result = build_report(ws)
    console.print(f"report:     {result.html} ({result.html_bytes / 1024:.0f} KiB, {result.seconds:.1f} s)",
                  highlight=False, soft_wrap=True)
    console.print(f"aggregates: {ws / 'reports' / 'aggregates'} ({len(result.aggregates)} Parquet files)",
                  highlight=False, soft_wrap=True)


def analytics_compact(workspace: AnalyticsWorkspaceOption = None) -> None:
    """Merge each partition's small Parquet files into one (content unchanged; atomic swap)."""
    from transforms.analytics.dataset import compact

    ws = _workspace(workspace)
    with _all_traders_locked(ws):  # no run appends while the files are merged
        done = compact(ws / "analytics")
    console.print(f"compacted {done.partitions} partitions: {done.files_before} files -> {done.files_after} "
                  f"({done.rows} rows unchanged)", highlight=False, soft_wrap=True)


def analytics_sync_events(workspace: AnalyticsWorkspaceOption = None) -> None:
    """Append every ledger event missing from analytics/events (e.g. after a crash mid-run)."""
    from transforms.analytics.dataset import append_events
    from transforms.filing.ledger import Ledger

    settings = settings_or_fail(workspace=_workspace(workspace))
    with Ledger(settings.ledger_location) as ledger:
        added = append_events(settings.workspace / "analytics", ledger.events(), "sync-events")
    console.print(f"{added} events added to {settings.workspace / 'analytics' / 'events'}", highlight=False,
                  soft_wrap=True)


def simulate_responses(
    workspace: Annotated[Path | None, typer.Option(help="Workspace folder (with the ledger).")] = None,
    inbox: Annotated[Path | None, typer.Option(
        help="Inbox to write <inbox>/_responses/ into; default: the last run's inbox, unless it is the "
             "repository's sample inbox.")] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="ISO-8601 'now', which names the file; default: the last run's --as-of.")] = None,
    single_window: Annotated[Path | None, typer.Option(
        "--single-window", help="Write the Mainland answers as China Single Window receipts into this client "
                                "root's InBox folders; default: single_window_dir when cn_delivery is "
                                "single_window.")] = None,
) -> None:
    """Write simulated customs responses for every current filing (a demo and test stub).

    When the workspace delivers to the China Single Window client (or with --single-window), the
    Mainland filing answers are written as the client's receipts in their real shapes (technical and
    business receipts, DecImportResponse) into <root>/<form>/InBox; the rest stays in the response CSV."""
    from transforms.devtools.simulator import ResponsesTargetError, responses_folder, simulate, write_responses
    from transforms.filing.ledger import Ledger
    from transforms.plumbing.timeutil import AsOfError, parse_as_of

    ws = _workspace(workspace)
    last_inbox, last_as_of = last_run(ws)
    settings = settings_or_fail(workspace=ws, as_of=as_of)
    now = settings.as_of
    try:
        if now is None:  # the last run's as-of, text its summary.json recorded: parsed where it is read
            if last_as_of is None:  # never the wall clock: a replay of the same night must write the same file
                fail(f"no run in {ws / 'runs'} recorded its --as-of; pass --as-of (e.g. 2026-11-26T08:00).")
            now = parse_as_of(last_as_of)
        target = responses_folder(inbox, last_inbox)
    except (AsOfError, ResponsesTargetError) as exc:
        fail(str(exc))
    with _all_traders_locked(ws):  # no run files (or reads responses) meanwhile
        with Ledger(settings.ledger_location) as ledger:
            filed = ledger.filed()
        if filed.empty:
            console.print("no current filings in the ledger: nothing to simulate.")
            return
        events = simulate(filed)
        sw_root = single_window or (settings.single_window_dir if settings.cn_delivery == "single_window"
                                    else None)
        receipts: list[Path] = []
        if sw_root is not None:
            from transforms.devtools.simulator_receipts import write_single_window_receipts

            with Ledger(settings.ledger_location) as ledger:
                outputs = {(sid, v): out for sid, v, out, _ in ledger.delivered_outputs()}
            events, receipts = write_single_window_receipts(
                events, filed, outputs, settings.workspace, sw_root, dec_form=settings.single_window_dec_form,
                manifest_form=settings.single_window_manifest_form)
        paths = write_responses(events, target, now)
    for p in paths:
        console.print(f"responses:  {p} ({len(filed)} filings)", highlight=False, soft_wrap=True)
    if receipts:
        console.print(f"receipts:   {len(receipts)} files in {sw_root}/*/InBox", highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command(short_help="Write the clearance report and its aggregates.")(report)
    app.command("simulate-responses", short_help="Write simulated customs responses (a demo stub).")(
        simulate_responses)
    analytics_app = typer.Typer(no_args_is_help=True, help="Maintain the Parquet analytics dataset.")
    analytics_app.command("compact")(analytics_compact)
    analytics_app.command("sync-events")(analytics_sync_events)
    app.add_typer(analytics_app, name="analytics")
