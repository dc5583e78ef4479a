"""Operations commands: ``serve``, ``watch``, ``deployments render``, ``prune``, ``check-nightly``.

Like the rest of the CLI, errors are one sentence. Nothing here imports Prefect at module level: Prefect
reads its settings once, at import, so each command sets the environment (:func:`flows.env.configure`,
a server's URL) first.
"""

from __future__ import annotations

import os
import signal
import threading
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from flows.cli_common import InboxOption, OutputsWorkspaceOption, console, err, fail, settings_or_fail

if TYPE_CHECKING:
    from transforms.plumbing.settings import Settings


def _require_pii_key(command: str) -> None:
    if not os.environ.get("SSDD_PII_KEY"):
        fail(f"{command} runs unattended on real drivers' data, so it needs SSDD_PII_KEY in the environment "
             "(a long random secret for hashing personal data); set it and start again.")


def _need_inbox(settings: Settings) -> None:
    if not settings.inbox.is_dir():
        fail(f"Inbox folder {settings.inbox} does not exist; pass --inbox DIR.")


def is_sample_inbox(inbox: Path) -> bool:
    from transforms.plumbing.paths import DATA_DIR

    return inbox.resolve() == (DATA_DIR / "samples" / "inbox").resolve()


def serve(
    inbox: InboxOption = None,
    workspace: OutputsWorkspaceOption = None,
    every: Annotated[float | None, typer.Option(
        help="Run each deployment every N seconds instead of its cron (to try the schedule out).")] = None,
) -> None:
    """Serve the nightly filing and analytics refresh on their schedules (Asia/Hong_Kong).

    With PREFECT_API_URL set, connects to that Prefect server; otherwise starts `prefect server start`
    on loopback (database in the workspace) and stops it on exit.
    """
    _require_pii_key("ssdd serve")
    settings = settings_or_fail(inbox=inbox, workspace=workspace)
    _need_inbox(settings)
    from flows.server import ServerError, prefect_api
    from flows.service import prepare_workspace

    prepare_workspace(settings)
    try:
        with prefect_api(settings.workspace, startup_timeout=settings.prefect_startup_timeout) as url:
            from flows.env import attach_log_file, configure

            configure(settings.workspace, startup_timeout=settings.prefect_startup_timeout)
            from prefect import serve as prefect_serve

            from flows.deployments import runner_deployments

            attach_log_file(settings.workspace)
            deployments = runner_deployments(settings, every_seconds=every)
            when = f"every {every:g} s" if every else f"filing at '{settings.nightly_cron}', analytics at " \
                f"'{settings.analytics_cron}' (Asia/Hong_Kong)"
            console.print(f"serving {', '.join(d.name for d in deployments)} against {url}: {when}; "
                          "Ctrl-C stops.", highlight=False)
            signal.signal(signal.SIGTERM, _interrupt)
            prefect_serve(*deployments, print_starting_message=False)
    except ServerError as exc:
        fail(str(exc))
    console.print("ssdd serve stopped.")


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def watch(
    inbox: Annotated[Path | None, typer.Option(help="Inbox folder to watch (one sub-folder per trader).")] = None,
    workspace: OutputsWorkspaceOption = None,
    archive: Annotated[bool | None, typer.Option(
        "--archive/--no-archive", help="Move finished files to the workspace archive (default: on).")] = None,
    settle: Annotated[float | None, typer.Option(
        help="Seconds a folder must be unchanged before it is read (setting watch_settle_seconds).")] = None,
    poll: Annotated[float | None, typer.Option(
        help="Seconds between scans (setting watch_poll_seconds).")] = None,
) -> None:
    """File each trader folder as soon as its files have stopped changing."""
    _require_pii_key("ssdd watch")
    settings = settings_or_fail(inbox=inbox, workspace=workspace, archive=archive, watch_settle_seconds=settle,
                         watch_poll_seconds=poll)
    _need_inbox(settings)
    if archive is None and "archive" not in settings.model_fields_set:
        # on by default for watch, but the shipped sample inbox is never emptied unless asked
        settings = settings.model_copy(update={"archive": not is_sample_inbox(settings.inbox)})
    from flows.env import boot
    from flows.server import ServerError
    from flows.service import file_inbox, prepare_workspace
    from flows.watch import watch as watch_inbox

    prepare_workspace(settings)
    try:
        boot(settings.workspace, settings.prefect_startup_timeout)
    except ServerError as exc:
        fail(f"the local Prefect API could not start: {exc}")
    stop, wake = threading.Event(), threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        wake.set()
        err.print("ssdd watch: stopping after the current run (again to interrupt it).")

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)

    def run_snapshot(snapshot: Path) -> None:
        summary = file_inbox(settings.model_copy(update={"inbox": snapshot}), source_inbox=settings.inbox)
        t = summary.totals()
        console.print(f"{datetime.now():%H:%M:%S} run {summary.run_id} {summary.status}: {t['files_read']} files "
                      f"read, {t['submissions_filed'] + t['submissions_amended']} trips filed, "
                      f"{t['submissions_held']} held, {t['rows_quarantined']} rows quarantined", highlight=False)

    console.print(f"watching {settings.inbox} (settle {settings.watch_settle_seconds:g} s, scan every "
                  f"{settings.watch_poll_seconds:g} s, archive {'on' if settings.archive else 'off'}); Ctrl-C stops.",
                  highlight=False)
    from prefect.exceptions import TerminationSignal

    try:
        watch_inbox(settings.inbox, settings.workspace, settle_seconds=settings.watch_settle_seconds,
                    poll_seconds=settings.watch_poll_seconds, run=run_snapshot, stop=stop, wake=wake)
    except (TerminationSignal, KeyboardInterrupt):   # stopped during a run (the flow took SIGTERM)
        fail("ssdd watch stopped during a run; nothing is half-written and the next run files what it missed.",
             143)
    console.print("ssdd watch stopped.")


def deployments_render(
    out: Annotated[Path | None, typer.Option(help="Where to write (default: prefect.yaml at the repo root).")] = None,
    check: Annotated[bool, typer.Option("--check", help="Exit 1 if the file differs; write nothing.")] = False,
) -> None:
    """Write the deployments defined in flows/deployments.py to prefect.yaml."""
    from flows.env import configure

    settings = settings_or_fail()
    configure(None)
    from flows.deployments import PREFECT_YAML, render_prefect_yaml
    from transforms.plumbing.paths import REPO_ROOT

    target = out or REPO_ROOT / PREFECT_YAML
    text = render_prefect_yaml(settings)
    if check:
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            fail(f"{target} is not what flows/deployments.py renders; run `ssdd deployments render`.", 1)
        console.print(f"{target} is up to date.")
        return
    target.write_text(text, encoding="utf-8")
    console.print(f"wrote {target}", highlight=False)


def prune(
    workspace: Annotated[Path | None, typer.Option(help="Workspace folder to prune.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be deleted; delete nothing.")] = False,
) -> None:
    """Delete workspace files past their keep-period (setting retention_days); filings are kept
    until filings_retention_years after customs released the truck, and the ledger is never pruned."""
    from transforms.ops.retention import delete, plan

    settings = settings_or_fail(workspace=workspace)
    if not settings.workspace.is_dir():
        fail(f"Workspace folder {settings.workspace} does not exist; pass --workspace DIR.")
    items = plan(settings.workspace, settings.retention_days, filings_retention_years=settings.filings_retention_years,
                 now=datetime.now().astimezone(), ledger_url=settings.ledger_location)
    t = Table("folder", "keep", "items", "MB")
    for folder in (*settings.retention_days, "outbox"):
        mine = [i for i in items if i.folder == folder]
        keep = f"{settings.filings_retention_years:g} y after release" if folder == "outbox" \
            else f"{settings.retention_days[folder]} d"
        t.add_row(folder, keep, str(len(mine)), f"{sum(i.size for i in mine) / 1e6:.1f}")
    console.print(t)
    if dry_run:
        for i in items:
            console.print(f"would delete {i.path.relative_to(settings.workspace).as_posix()} "
                          f"({i.modified:%Y-%m-%d})", highlight=False)
        return
    freed = delete(items, settings.workspace)
    console.print(f"deleted {len(items)} items, {freed / 1e6:.1f} MB freed.")


def check_nightly(
    workspace: Annotated[Path | None, typer.Option(help="Workspace folder of the nightly run.")] = None,
    max_age_hours: Annotated[float, typer.Option(help="Alert when the newest run is older than this.")] = 26,
) -> None:
    """Exit 1 (and alert) when no run has finished within --max-age-hours (for cron or monitoring)."""
    from transforms.ops.notify import alert, newest_summary

    settings = settings_or_fail(workspace=workspace)
    found = newest_summary(settings.workspace)
    now = datetime.now().astimezone()
    if found is not None:
        finished = datetime.fromtimestamp(found[0].stat().st_mtime).astimezone()
        age = (now - finished).total_seconds() / 3600
        if age <= max_age_hours:
            console.print(f"newest run {found[1].get('run_id')} finished {age:.1f} h ago ({found[1].get('status')}).",
                          highlight=False)
            return
        message = (f"the newest ssdd run in {settings.workspace} ({found[1].get('run_id')}) finished {age:.1f} h ago, "
                   f"more than {max_age_hours:g} h: the nightly run did not happen.")
    else:
        message = f"no ssdd run has finished in {settings.workspace} yet: the nightly run did not happen."
    for problem in alert(settings, "nightly_missed", message, max_age_hours=max_age_hours,
                         newest_run=found[1].get("run_id") if found else None):
        err.print(f"ssdd: alert not delivered: {problem}", highlight=False)
    fail(message, 1)


def register(app: typer.Typer) -> None:
    # short_help: the command list of `ssdd --help` has about 56 columns for it on an 80-column terminal
    app.command(short_help="Serve the nightly filing and analytics schedules.")(serve)
    app.command(short_help="File each trader folder once its files have settled.")(watch)
    app.command(short_help="Delete workspace files past their keep-period.")(prune)
    app.command("check-nightly", short_help="Exit 1 (and alert) when the nightly run is overdue.")(check_nightly)
    deployments_app = typer.Typer(no_args_is_help=True, help="The scheduled deployments (nightly filing, analytics).")
    deployments_app.command("render")(deployments_render)
    app.add_typer(deployments_app, name="deployments")
