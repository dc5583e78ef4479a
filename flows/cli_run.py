"""``ssdd run``: file every trader folder in the inbox once, then print what happened."""

from __future__ import annotations

import contextlib
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from flows.cli_common import AsOfOption, InboxOption, OutputsWorkspaceOption, console, fail, settings_or_fail

if TYPE_CHECKING:
    from transforms.ops.summary import RunSummary

T = TypeVar("T")


def run(
    inbox: InboxOption = None,
    workspace: OutputsWorkspaceOption = None,
    as_of: AsOfOption = None,
    fail_on_quarantine: Annotated[bool | None, typer.Option(
        "--fail-on-quarantine/--no-fail-on-quarantine",
        help="Exit 3 when a file was refused, a row quarantined or a trip held.")] = None,
    archive: Annotated[bool | None, typer.Option(
        "--archive/--no-archive",
        help="Move finished inbox files to <workspace>/archive/<run-id>/ (default off).")] = None,
    runner: Annotated[Literal["local", "dask"] | None, typer.Option(
        help="Task runner: local (threads + a process pool) or dask (prefect-dask).")] = None,
    address: Annotated[str | None, typer.Option(
        help="Dask scheduler address tcp://HOST:PORT for --runner dask (default: a local 2-worker cluster).")] = None,
    show: Annotated[int, typer.Option(
        help="Print at most this many trips, and of each kind of notice (held, flagged, pending); 0 prints all. "
             "Every trip and reason is in summary.json either way.")] = 40,
) -> None:
    """File every trader folder in the inbox once.

    Exit codes: 0 completed; 1 the run could not complete (or its counts do not reconcile); 3 with
    --fail-on-quarantine, a file was refused, a row quarantined or a trip held; 4 completed with
    internal errors: the traders or trips they touched were held, every other one was filed, and
    summary.json lists them under internal_errors.
    """
    settings = settings_or_fail(inbox=inbox, workspace=workspace, as_of=as_of, fail_on_quarantine=fail_on_quarantine,
                                archive=archive, runner=runner, dask_address=address)
    if not settings.inbox.is_dir():
        fail(f"Inbox folder {settings.inbox} does not exist; pass --inbox DIR.")
    from flows.env import boot
    from flows.server import ServerError
    from flows.service import file_inbox, prepare_workspace  # locks, task runner, archive, alerts
    from transforms.ingest.inbox import trader_folders
    from transforms.plumbing.runtime import reading, worth_a_pool

    prepare_workspace(settings)
    try:
        # a night read on worker processes starts their fork server now, while this process imports
        log_path = boot(settings.workspace, settings.prefect_startup_timeout,
                        warm_workers=worth_a_pool(reading(trader_folders(settings.inbox)), settings.workers,
                                                 settings.runner))
    except ServerError as exc:
        fail(f"the local Prefect API could not start: {exc}")
    try:
        with _progress_bars():
            summary = file_inbox(settings)
    except Exception as exc:  # the run could not complete: one sentence, details in the Prefect log
        first = str(exc).splitlines()[0] if str(exc) else ""
        fail(f"the run could not complete ({exc.__class__.__name__}: {first}); details in {log_path}.", 1)
    print_summary(summary, settings.workspace, limit=show)
    code = exit_code(summary, settings.fail_on_quarantine)
    if code:
        raise typer.Exit(code)


#: ``ssdd run`` exit codes (README "What a run does")
EXIT_COMPLETED, EXIT_FAILED, EXIT_ATTENTION, EXIT_INTERNAL_ERRORS = 0, 1, 3, 4


def exit_code(summary: RunSummary, fail_on_quarantine: bool) -> int:
    """0 completed; 1 could not complete or counts do not reconcile; 4 completed with internal errors
    (the traders or trips they touched were held, every other one filed); 3 with --fail-on-quarantine
    when a file was refused, a row quarantined or a trip held."""
    if summary.status == "completed_with_errors":
        return EXIT_INTERNAL_ERRORS
    if summary.status != "completed":
        return EXIT_FAILED
    return EXIT_ATTENTION if fail_on_quarantine and summary.attention else EXIT_COMPLETED


@contextlib.contextmanager
def _progress_bars() -> Iterator[None]:
    """Per-stage and per-file progress on a terminal; nothing when output goes to a pipe or a log."""
    if not sys.stdout.isatty():
        yield
        return
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    import flows.run as run_module

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}"),
                  TimeElapsedColumn(), console=console, transient=False) as bars:
        stages = bars.add_task("stages: ingest", total=len(run_module.STAGES))
        files = bars.add_task("files read", total=None)
        steps = [0]

        def on_event(event: str, **d: object) -> None:
            if event == "file":
                bars.advance(files)
                bars.update(files, description=f"files read (last: {d['path']}, {d['status']})")
            elif event == "stage":
                # a night of several batches repeats the batch stages once per batch
                batches = int(str(d.get("batches") or 1))
                steps[0] += 1
                total = max(steps[0], len(run_module.STAGES) + (batches - 1) * len(run_module.BATCH_STAGES))
                where = f" (batch {d['batch']} of {batches})" if batches > 1 and d.get("batch") else ""
                bars.update(stages, completed=steps[0], total=total,
                            description=f"stages: {d['name']}{where} {d['seconds']} s")

        run_module.PROGRESS = on_event
        try:
            yield
        finally:
            run_module.PROGRESS = None


def print_summary(summary: RunSummary, workspace: Path, limit: int = 0) -> None:
    """The per-file table (always whole: it is what reconciles), then the trips and notices, at most
    ``limit`` of each (0: all) so a night of 40,000 trips stays readable; the rest is counted."""
    t = Table(title=f"ssdd run {summary.run_id} (as of {summary.as_of})", show_lines=False)
    for col in ("file", "profile", "status", "in", "filed", "quar.", "ign.", "pend.", "supers.", "ref."):
        t.add_column(col, overflow="fold")
    for f in summary.files:
        t.add_row(f.path, f.profile or "-", f.status, *(str(getattr(f, k)) for k in (
            "rows_in", "rows_filed", "rows_quarantined", "rows_ignored", "rows_pending", "rows_superseded",
            "rows_reference")))
    console.print(t)
    for f in summary.files:
        if f.status == "refused":
            console.print(f"[yellow]refused[/] {escape(f.path)}: {escape(f.reason or '')}", highlight=False,
                          soft_wrap=True)
    for error in summary.internal_errors:   # each one sentence; the traceback is in the log, with the run id
        console.print(f"[bold red]internal error[/] {escape(error.reason)}", highlight=False, soft_wrap=True)
    summary_json = workspace / "runs" / summary.run_id / "summary.json"
    # trips needing a person first (held, then amended or cancelled), then the routine ones
    order = {"held": 0, "amended": 1, "cancelled": 1, "filed": 2, "unchanged": 3}
    trips = sorted(summary.submissions, key=lambda e: order.get(e.status, 1))
    s = Table(title="submissions (one per truck trip)")
    for col in ("trip", "direction", "cp", "status", "v", "invoices", "submission_id"):
        s.add_column(col, overflow="fold")
    for e in _first(trips, limit):
        s.add_row(e.trip_ref, e.direction, e.control_point or "-", e.status, str(e.version), ", ".join(e.invoices),
                  e.submission_id)
    console.print(s)
    _more(len(trips), limit, "trips", Counter(e.status for e in trips), summary_json)
    held = [(e.status, e.trip_ref, reason) for e in trips for reason in dict.fromkeys(e.reasons)]
    for status, trip_ref, reason in _first(held, limit):
        console.print(f"[red]{status}[/] {escape(trip_ref)}: {escape(reason)}", highlight=False, soft_wrap=True)
    _more(len(held), limit, "held reasons", None, summary_json)
    for flag in _first(summary.flagged, limit):
        console.print(f"[magenta]flagged[/] {flag['submission_id']} ({flag['trader']}): {escape(flag['reason'])}",
                      highlight=False, soft_wrap=True)
    _more(len(summary.flagged), limit, "flagged trips", None, summary_json)
    for p in _first(summary.pending, limit):
        console.print(f"[cyan]pending[/] {p['trader']} invoice {escape(p['invoice_no'])} ({p['lines']} lines): "
                      f"{escape(p['reason'])}", highlight=False, soft_wrap=True)
    _more(len(summary.pending), limit, "pending invoices", None, summary_json)
    ws = workspace
    console.print(f"outputs:    {ws / 'outbox'} (single/, hk/, cn/dec/, cn/rmft/)")
    books = len(summary.quarantine_reports)
    console.print(f"quarantine: {ws / 'quarantine'}"
                  + (f" ({books} error workbook{'s' if books != 1 else ''})" if books else ""))
    console.print(f"analytics:  {ws / 'analytics'}")
    r = summary.responses
    if r.get("rows_read") or r.get("files_rejected"):  # said only when customs' answers were there to read
        folder = Path(str(r.get("inbox", ""))) / str(r.get("folder", "_responses"))
        console.print(f"responses:  {r.get('events_new', 0)} new events from {folder} "
                      f"({r.get('status_changed', 0)} trip statuses changed, {r.get('rows_rejected', 0)} rows and "
                      f"{r.get('files_rejected', 0)} files refused)", highlight=False, soft_wrap=True)
    if summary.data_docs:
        console.print(f"data docs:  {ws / summary.data_docs}")
    console.print(f"summary:    {ws / 'runs' / summary.run_id / 'summary.json'}")


def _first(items: list[T], limit: int) -> list[T]:
    return items if limit <= 0 else items[:limit]


def _more(total: int, limit: int, what: str, by_status: Counter[str] | None, where: Path) -> None:
    if limit <= 0 or total <= limit:
        return
    counts = f" ({', '.join(f'{k} {v:,}' for k, v in sorted(by_status.items()))})" if by_status else ""
    console.print(f"… {total - limit:,} more {what} not shown, {total:,} in all{counts}; every one is in {where} "
                  "(--show 0 prints all).", highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command()(run)
