"""Retention: what ``ssdd prune`` may delete from a workspace, and deleting it.

Each workspace folder has a keep-period in days (setting ``retention_days``): ``runs/<run-id>/`` and
``archive/<run-id>/`` go as a whole, ``logs/``, ``quarantine/`` and ``reports/`` file by file, by age
(modification time). The newest run is always kept (``ssdd check-nightly`` reads it).

Filings are records customs may ask for: an ``outbox/`` file is deleted only when the ledger says
its submission was released by customs at least ``filings_retention_years`` ago. A file of a
submission that is held, filed, accepted, rejected, arrived, cancelled or unknown to the ledger is
never deleted. The ledger itself is append-only and never pruned (its history is the audit trail).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

import pandas as pd

from transforms.filing.ledger import Ledger, ledger_path
from transforms.filing.responses import EVENT_STATUS

DAYS_PER_YEAR: Final = 365.25
_RELEASED: Final = frozenset(t for t, s in EVENT_STATUS.items() if s == "released")
#: folder -> what one item is ("dir": each sub-folder as a whole, "file": each file)
FOLDERS: Final[Mapping[str, str]] = {"runs": "dir", "archive": "dir", "logs": "file", "quarantine": "file",
                                     "reports": "file"}


@dataclass(frozen=True)
class Expired:
    folder: str
    path: Path
    size: int
    modified: datetime


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _modified(path: Path) -> datetime:
    marker = next((path / n for n in ("summary.json", "manifest.json") if (path / n).is_file()), path)
    return datetime.fromtimestamp(marker.stat().st_mtime).astimezone()


def _items(workspace: Path, folder: str) -> Iterable[Path]:
    root = workspace / folder
    if not root.is_dir():
        return []
    if FOLDERS[folder] == "dir":
        return sorted(p for p in root.iterdir() if p.is_dir())
    return sorted(p for p in root.rglob("*") if p.is_file())


def plan(workspace: Path, retention_days: Mapping[str, int], *, filings_retention_years: float, now: datetime,
         ledger_url: str) -> list[Expired]:
    """Everything past its keep-period, oldest first within each folder; deletes nothing."""
    out: list[Expired] = []
    for folder in FOLDERS:
        limit = now - timedelta(days=retention_days[folder])
        items = [(p, _modified(p)) for p in _items(workspace, folder)]
        if folder == "runs" and items:
            newest = max(items, key=lambda pm: pm[1])[0]
            items = [(p, m) for p, m in items if p != newest]
        out += [Expired(folder, p, _size(p), m) for p, m in sorted(items, key=lambda pm: pm[1]) if m < limit]
    out += _expired_filings(workspace, now - timedelta(days=DAYS_PER_YEAR * filings_retention_years), ledger_url)
    return out


def released_before(ledger: Ledger, cutoff: datetime) -> dict[str, datetime]:
    """Submissions customs released before ``cutoff``: id -> release time (latest release event)."""
    out: dict[str, datetime] = {}
    filed = ledger.filed()
    for sid in filed.loc[filed["status"] == "released", "submission_id"]:
        events = ledger.events(str(sid))
        stamps = events.loc[events["event_type"].isin(_RELEASED), "occurred_at"]
        if stamps.empty:
            continue
        released: datetime = pd.Timestamp(stamps.max()).to_pydatetime()
        if released < cutoff:
            out[str(sid)] = released
    return out


def _expired_filings(workspace: Path, cutoff: datetime, ledger_url: str) -> list[Expired]:
    if not (workspace / "outbox").is_dir() or not ledger_path(ledger_url).is_file():
        return []
    with Ledger(ledger_url) as ledger:
        old = released_before(ledger, cutoff)
        paths = {out for sid in old for v in ledger.history(sid) for out in v["outputs"].values()}
    out = []
    for rel in sorted(paths):
        p = workspace / rel
        if p.is_file() and p.resolve().is_relative_to((workspace / "outbox").resolve()):
            out.append(Expired("outbox", p, p.stat().st_size, datetime.fromtimestamp(p.stat().st_mtime).astimezone()))
    return out


def delete(expired: Sequence[Expired], workspace: Path) -> int:
    """Delete the planned items (and folders they leave empty); returns bytes freed."""
    freed = 0
    for item in expired:
        if item.path.is_dir():
            shutil.rmtree(item.path)
        elif item.path.exists():
            item.path.unlink()
        else:
            continue
        freed += item.size
        parent = item.path.parent
        top = workspace / item.folder
        while parent != top and parent.is_relative_to(top) and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return freed
