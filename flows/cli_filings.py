"""``ssdd cancel`` and ``ssdd quarantine list|dismiss``: the ledger's lifecycle commands."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich.table import Table

from flows.cli_common import AsOfOption, WorkspaceOption, console, fail, settings_or_fail

if TYPE_CHECKING:
    from transforms.filing.ledger import Ledger
    from transforms.plumbing.settings import Settings


def _ledger(workspace: Path | None, **flags: object) -> tuple[Settings, Ledger]:
    from transforms.filing.ledger import Ledger

    settings = settings_or_fail(workspace=workspace, **flags)
    return settings, Ledger(settings.ledger_location)


def hk_time(value: Any) -> str:
    """A ledger time (UTC) as Hong Kong local time, labelled: traders and customs think in HKT."""
    import pandas as pd

    from transforms.plumbing.timeutil import HK_TZ

    if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "":
        return "-"
    moment = pd.Timestamp(value)
    if moment.tzinfo is None:
        moment = moment.tz_localize("UTC")
    return f"{moment.tz_convert(HK_TZ):%Y-%m-%d %H:%M} HKT"


def cancel(
    submission_id: Annotated[str, typer.Argument(help="The submission id (see runs/<id>/summary.json).")],
    workspace: WorkspaceOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Cancel a filed trip: writes the three cancellation files (function code 1) and records them.

    Refused for a trip that was never filed, is already cancelled, or whose truck has arrived or been
    released."""
    from transforms.filing.delivery import deliver_versions
    from transforms.filing.ledger import LedgerError
    from transforms.filing.submissions import cancel_submission
    from transforms.plumbing.locks import LockTimeout, trader_locks
    from transforms.plumbing.timeutil import as_of_or_now

    settings, ledger = _ledger(workspace, as_of=as_of)
    moment = as_of_or_now(settings.as_of)
    try:
        current = ledger.current(submission_id) or {}
        traders = sorted(current.get("traders") or [])
        with trader_locks(settings.workspace, traders, settings.lock_timeout_seconds):
            result = cancel_submission(
                submission_id, ledger=ledger, workspace=settings.workspace,
                run_id=f"cancel-{moment.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}", as_of=moment,
                settings=settings)
        deliver_versions(settings, [result.outputs])   # the deletions go to the client too
    except (LedgerError, LockTimeout, FileNotFoundError, ValueError) as exc:
        fail(str(exc).splitlines()[0])
    console.print(f"cancelled {submission_id} as version {result.version}: "
                  + ", ".join(result.outputs.values()), highlight=False)


def quarantine_list(
    workspace: WorkspaceOption = None,
    status: Annotated[Literal["open", "resolved", "dismissed", "all"],
                      typer.Option(help="open, resolved, dismissed or all.")] = "open",
) -> None:
    """Held items, oldest first, with the crossing time each one is blocking."""
    _, ledger = _ledger(workspace)
    items = ledger.quarantine_list(status)
    table = Table("item", "first seen (HKT)", "crossing (HKT)", "trader", "file", "row", "rule", "reason",
                  "status")
    for rec in items.to_dict("records"):
        table.add_row(str(rec["item_id"])[:12], hk_time(rec.get("first_seen_at")),
                      hk_time(rec.get("crossing_at")), str(rec["trader"]), str(rec["src_file"]),
                      str(rec.get("row_key") or ""), str(rec["rule_id"]), str(rec["reason"]), str(rec["status"]))
    console.print(table)
    console.print(f"{len(items)} item(s) {status}.")


def quarantine_dismiss(
    item_id: Annotated[str, typer.Argument(help="Item id (or its first 12 characters) from `quarantine list`.")],
    by: Annotated[str, typer.Option(help="Who decided the item needs no fix.")],
    reason: Annotated[str, typer.Option(help="Why.")],
    workspace: WorkspaceOption = None,
) -> None:
    """Close an item a person decided needs no fix; it stays closed if the row fails again."""
    from transforms.filing.ledger import LedgerError

    _, ledger = _ledger(workspace)
    items = ledger.quarantine_list("all")
    hits = [i for i in items["item_id"] if str(i).startswith(item_id)] if not items.empty else []
    if len(hits) != 1:
        fail(f"{'no' if not hits else 'more than one'} quarantine item starts with {item_id!r}; "
             "copy the id from `ssdd quarantine list --status all`.")
    try:
        ledger.quarantine_dismiss(hits[0], by, reason)
    except LedgerError as exc:
        fail(str(exc))
    console.print(f"dismissed {hits[0]}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(cancel)
    quarantine_app = typer.Typer(no_args_is_help=True, help="What is held in quarantine, oldest first.")
    quarantine_app.command("list")(quarantine_list)
    quarantine_app.command("dismiss")(quarantine_dismiss)
    app.add_typer(quarantine_app, name="quarantine")
