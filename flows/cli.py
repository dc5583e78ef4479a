"""The ``ssdd`` command line. Errors are one sentence, never a traceback."""

from __future__ import annotations

import contextlib
import os
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Literal, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

T = TypeVar("T")

# Plain click help (rich_markup_mode=None, inherited by every sub-command): rich's option table squeezes
# option names to "--fail-on-quar…" on an 80-column terminal, click's layout wraps only the help text.
app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, rich_markup_mode=None,
                  help="ssdd: prepare, check and record HK-Mainland single-submission dual-declaration filings.")
profiles_app = typer.Typer(no_args_is_help=True, help="List, detect and draft source profiles.")
config_app = typer.Typer(no_args_is_help=True, help="Show the effective settings.")
app.add_typer(profiles_app, name="profiles")
app.add_typer(config_app, name="config")
# a pipe or CI log is not 80 columns wide: keep tables readable there too
console = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True)  # one sentence stays one line in logs and pipes


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]ssdd:[/] {message}", highlight=False)
    raise typer.Exit(code)


@app.command()
def run(
    inbox: Annotated[Path | None, typer.Option(help="Inbox folder (one sub-folder per trader).")] = None,
    workspace: Annotated[Path | None, typer.Option(help="Workspace folder for outputs.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="ISO-8601 'now'; no offset = Hong Kong time.")] = None,
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
    from transforms.settings import load_settings
    from transforms.timeutil import AsOfError, parse_as_of

    try:
        settings = load_settings(inbox=inbox, workspace=workspace, as_of=as_of,
                                 fail_on_quarantine=fail_on_quarantine, archive=archive, runner=runner,
                                 dask_address=address)
        parse_as_of(settings.as_of)
    except (AsOfError, ValueError) as exc:
        _fail(str(exc).splitlines()[0])
        return
    if not settings.inbox.is_dir():
        _fail(f"Inbox folder {settings.inbox} does not exist; pass --inbox DIR.")
    from flows.env import boot
    from flows.server import ServerError
    from flows.service import file_inbox, prepare_workspace  # locks, task runner, archive, alerts
    from transforms.inbox import trader_folders
    from transforms.pool import worth_workers

    prepare_workspace(settings)
    try:
        # a night read on worker processes starts their fork server now, while this process imports
        log_path = boot(settings.workspace, settings.prefect_startup_timeout,
                        warm_workers=worth_workers(trader_folders(settings.inbox), settings.workers, settings.runner))
    except ServerError as exc:
        _fail(f"the local Prefect API could not start: {exc}")
        return
    try:
        with _progress_bars():
            summary = file_inbox(settings)
    except Exception as exc:  # the run could not complete: one sentence, details in the Prefect log
        first = str(exc).splitlines()[0] if str(exc) else ""
        _fail(f"the run could not complete ({exc.__class__.__name__}: {first}); details in {log_path}.", 1)
        return
    _print_summary(summary, settings.workspace, limit=show)
    code = exit_code(summary, settings.fail_on_quarantine)
    if code:
        raise typer.Exit(code)


#: ``ssdd run`` exit codes (README "What a run does")
EXIT_COMPLETED, EXIT_FAILED, EXIT_ATTENTION, EXIT_INTERNAL_ERRORS = 0, 1, 3, 4


def exit_code(summary: object, fail_on_quarantine: bool) -> int:
    """0 completed; 1 could not complete or counts do not reconcile; 4 completed with internal errors
    (the traders or trips they touched were held, every other one filed); 3 with --fail-on-quarantine
    when a file was refused, a row quarantined or a trip held."""
    from transforms.summary import RunSummary

    assert isinstance(summary, RunSummary)
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


def _print_summary(summary: object, workspace: Path, limit: int = 0) -> None:
    """The per-file table (always whole: it is what reconciles), then the trips and notices, at most
    ``limit`` of each (0: all) so a night of 40,000 trips stays readable; the rest is counted."""
    from transforms.summary import RunSummary

    assert isinstance(summary, RunSummary)
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
    console.print(f"quarantine: {ws / 'quarantine'}" + (f" ({len(summary.quarantine_reports)} error workbooks)"
                                                          if summary.quarantine_reports else ""))
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


@profiles_app.command("list")
def profiles_list(
        profiles_dir: Annotated[Path | None, typer.Option(help="Extra user profiles folder.")] = None) -> None:
    """List the known profiles."""
    from transforms.profiles.registry import ProfileError, load_profiles

    try:
        profiles = load_profiles(profiles_dir)
    except ProfileError as exc:
        _fail(str(exc))
        return
    t = Table("id", "version", "role", "title")
    for p in profiles:
        t.add_row(p.id, str(p.profile_version), p.role, p.title)
    console.print(t)
    for sentence in profiles.refused.values():
        console.print(f"[yellow]not used[/] {escape(sentence)}", highlight=False, soft_wrap=True)


@profiles_app.command("detect")
def profiles_detect(
        file: Path,
        profiles_dir: Annotated[Path | None, typer.Option(help="Extra user profiles folder.")] = None) -> None:
    """Explain which profile a file matches, and why."""
    from transforms.profiles.match import detect
    from transforms.profiles.registry import ProfileError, load_profiles
    from transforms.readers import ReadRefused, read_file

    try:
        profiles = load_profiles(profiles_dir)
    except ProfileError as exc:
        _fail(str(exc))
        return
    from transforms.profiles.match import header_hint

    # a profile that loaded but cannot serve its role says what it lacks, whatever the file matches
    for sentence in profiles.refused.values():
        console.print(f"[yellow]not used[/] {escape(sentence)}", highlight=False, soft_wrap=True)
    try:
        wb = read_file(file, header_hint=header_hint(profiles))  # type: ignore[arg-type]
    except ReadRefused as exc:
        _fail(exc.reason)
        return
    found = detect(profiles, wb, file_label=file.name)
    for m in found.candidates:
        console.print(f"{m.profile.id}: sheet '{m.sheet.name}', header row {m.header_row_number}, "
                      f"{len(m.columns)}/{len(m.profile.columns)} columns"
                      + (f", missing {', '.join(m.missing_required)}" if m.missing_required else ""), highlight=False)
    if found.match is None:
        _fail(found.reason or "no profile matches")
    else:
        console.print(f"[green]{file.name} -> {found.match.profile.ref}[/]", highlight=False)


@profiles_app.command("new")
def profiles_new(
    from_file: Annotated[Path, typer.Option("--from", help="A sample export of the new ERP.")],
    profile_id: Annotated[str, typer.Option("--id", help="Id for the new profile (lowercase, _).")] = "my_erp_export",
    out: Annotated[Path | None, typer.Option(help="Where to write the draft YAML (default: <id>.yaml).")] = None,
    profiles_dir: Annotated[Path | None, typer.Option(help="Extra user profiles folder.")] = None,
) -> None:
    """Draft a profile from a sample export, for a person to finish."""
    import yaml

    from transforms.profiles.draft import draft_yaml, read_sample
    from transforms.profiles.registry import load_profiles
    from transforms.readers import ReadRefused

    profiles = load_profiles(profiles_dir)
    try:
        wb = read_sample(from_file, profiles)
    except ReadRefused as exc:
        _fail(exc.reason)
        return
    text, coverage = draft_yaml(from_file, wb, profiles, profile_id)
    target = out or Path(f"{profile_id}.yaml")
    if target.exists():
        _fail(f"{target} already exists; choose another --out or --id.")
    target.write_text(text, encoding="utf-8")
    role = yaml.safe_load(text)["role"]
    console.print(f"draft {role} profile written to {target} ({coverage:.0%} of the needed fields mapped); review it, "
                  "then put it in your profiles folder (--profiles-dir or SSDD_PROFILES_DIR).", highlight=False)


@profiles_app.command("schema")
def profiles_schema(out: Annotated[Path | None, typer.Option(help="Write the JSON schema here.")] = None) -> None:
    """Print (or write) the JSON schema of a profile, for editors."""
    from transforms.profiles.registry import json_schema

    if out is None:
        console.print(json_schema(), highlight=False)
    else:
        out.write_text(json_schema(), encoding="utf-8")


@config_app.command("show")
def config_show(workspace: Annotated[Path | None, typer.Option()] = None) -> None:
    """Print the effective settings and where each value came from (secrets masked)."""
    from transforms.settings import explain, load_settings

    settings = load_settings(workspace=workspace)
    t = Table("setting", "value", "from")
    for name, value, src in explain(settings, workspace=workspace):
        t.add_row(name, value, src)
    console.print(t)


from flows.cli_report import register as register_report  # noqa: E402

register_report(app)

from flows.cli_filings import register as register_filings  # noqa: E402
from flows.cli_ops import register as register_ops  # noqa: E402
from flows.cli_reference import register as register_reference  # noqa: E402

register_ops(app)
register_filings(app)
register_reference(app)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("ssdd: interrupted")
        sys.exit(130)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    main()
