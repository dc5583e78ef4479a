"""Per-trader store of what later nights still need: the latest item master and trip plans, and
lines still waiting for their trip.

Files arrive on different nights, and with ``--archive`` (the default for ``watch``) yesterday's
files are no longer in the inbox. The store keeps, per trader, the mapped rows of item masters and
trip plans and the *pending* commercial lines, as Parquet under ``<workspace>/store/<trader>/``.
A stored table is used only when its source file is not in tonight's inbox (a file still in the
inbox is read again, so nothing is counted twice), and always ranks older than tonight's files.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from transforms.model.inputs import MappedTable, SourceTable, TraderInput
from transforms.plumbing.atomic import write_atomic

#: invoice -> when it was first seen (UTC ISO), for every invoice still pending: the clock of the
#: pending age for invoices without a date (an undated invoice must not wait forever)
FIRST_SEEN = "first_seen.json"
FIRST_SEEN_DAYS = 90
STORED_ORDER = -1   # older than any file of tonight's inbox


def _path(root: Path, trader: str, kind: str) -> Path:
    return root / trader / f"{kind}.parquet"


def _read(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path) if path.is_file() else pd.DataFrame()


def load_into(root: Path, tin: TraderInput, present: set[str]) -> dict[str, str]:
    """Add stored tables whose source files are not in tonight's inbox, and when each pending invoice
    was first seen; returns the stored files' sha256 by path."""
    trader = tin.settings.trader
    known = _shas(root, trader)
    tin.first_seen.update(_first_seen(root, trader))
    used: dict[str, str] = {}
    for kind, target in (("masters", tin.masters), ("trips", tin.trips), ("lines", tin.lines)):
        frame = _read(_path(root, trader, kind))
        if frame.empty:
            continue
        frame = frame[~frame["src_file"].isin(present)]
        for src_file, part in frame.groupby("src_file", sort=True):
            table = MappedTable(frame=part.reset_index(drop=True), headers={}, rows_in=0, rows_ignored=0)
            target.append(SourceTable(trader, str(src_file), STORED_ORDER, table))
            used[str(src_file)] = known.get(str(src_file), "")
    return used


def _shas(root: Path, trader: str) -> dict[str, str]:
    path = root / trader / "files.json"
    return dict(json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else {}


def _first_seen(root: Path, trader: str) -> dict[str, str]:
    path = root / trader / FIRST_SEEN
    return {str(k): str(v) for k, v in json.loads(path.read_text(encoding="utf-8")).items()} if path.is_file() \
        else {}


def _seen(known: dict[str, str], pending: pd.DataFrame) -> dict[str, str]:
    """Tonight's pending invoices with their first-seen time, plus earlier entries for
    :data:`FIRST_SEEN_DAYS`: an undated invoice quarantined after the pending age must not start a
    new clock (and wait again) the next night its file is still in the inbox."""
    seen = {k: pd.Timestamp(v) for k, v in known.items()}
    if not pending.empty and "first_seen" in pending:
        for inv, t in pending.dropna(subset=["invoice_no"]).groupby("invoice_no")["first_seen"].min().items():
            seen[str(inv)] = min(pd.Timestamp(t), seen.get(str(inv), pd.Timestamp(t)))
    if not seen:
        return {}
    horizon = max(seen.values()) - pd.Timedelta(days=FIRST_SEEN_DAYS)
    return {k: v.isoformat() for k, v in sorted(seen.items()) if v >= horizon}


def _frames(sources: Iterable[SourceTable]) -> pd.DataFrame:
    parts = [s.table.frame for s in sources if not s.table.frame.empty]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def save(root: Path, tin: TraderInput, pending: pd.DataFrame, shas: dict[str, str]) -> None:
    """Keep tonight's item masters and trip plans (with the stored ones they did not replace) and
    the lines still pending, keyed by (src_file, src_row)."""
    trader = tin.settings.trader
    folder = root / trader
    folder.mkdir(parents=True, exist_ok=True)
    lines = _frames(tin.lines)
    if not lines.empty:
        keys = set(zip(pending["src_file"], pending["src_row"], strict=True)) if not pending.empty else set()
        mask = [(f, r) in keys for f, r in zip(lines["src_file"], lines["src_row"], strict=True)]
        lines = lines[mask]
    for kind, frame in (("masters", _frames(tin.masters)), ("trips", _frames(tin.trips)), ("lines", lines)):
        path = _path(root, trader, kind)
        if frame.empty:
            path.unlink(missing_ok=True)
            continue
        frame = frame.drop(columns=[c for c in ("trader", "_order") if c in frame.columns])
        buf = io.BytesIO()
        frame.reset_index(drop=True).to_parquet(buf, index=False)
        write_atomic(path, buf.getvalue(), None)
    write_atomic(folder / FIRST_SEEN, json.dumps(_seen(tin.first_seen, pending), indent=1).encode("utf-8"), None)
    # sha256 of every file the store holds rows of, for the filings' provenance
    kept = {**_shas(root, trader), **shas}
    write_atomic(folder / "files.json", json.dumps(dict(sorted(kept.items())), indent=1).encode("utf-8"), None)
