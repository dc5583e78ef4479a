"""`ssdd prune`: folders past their keep-period go (dry run lists them and deletes nothing); filings
go only three years after customs released the truck; the newest run and the ledger always stay."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.ledger.ledger_helpers import event, file_it, trip_id
from transforms.filing.ledger import Ledger
from transforms.filing.responses import events_frame

DAY = 86400


def _old(path: Path, days: float, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(text, encoding="utf-8")
    stamp = time.time() - days * DAY
    os.utime(path, (stamp, stamp))
    return path


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    _old(ws / "runs" / "r-old" / "summary.json", 100)
    _old(ws / "runs" / "r-older" / "summary.json", 200)
    _old(ws / "runs" / "r-new" / "summary.json", 1)
    _old(ws / "logs" / "ssdd.jsonl.2026-01-01", 40)
    _old(ws / "logs" / "ssdd.jsonl", 0)
    _old(ws / "quarantine" / "acme" / "old.errors.xlsx", 181)
    _old(ws / "quarantine" / "acme" / "new.errors.xlsx", 10)
    _old(ws / "archive" / "r-old" / "acme" / "goods.csv", 400)
    _old(ws / "archive" / "r-old" / "manifest.json", 400)
    _old(ws / "reports" / "clearance.html", 91)
    now = datetime.now(UTC)
    with Ledger(ws / "ledger.sqlite") as ledger:
        for ref, released_days_ago in (("OLD", 4 * 365), ("RECENT", 300), ("OPEN", None)):
            sid = trip_id(ref)
            file_it(ledger, sid, f"hash-{ref}", trip_ref=ref, as_of=now - timedelta(days=5 * 365))
            _old(ws / "outbox" / "hk" / f"{sid}_v1.xml", 5 * 365)
            if released_days_ago is not None:
                ledger.apply_events(events_frame([event("CN", "CN_RELEASED", now - timedelta(days=released_days_ago),
                                                        submission_id=sid, version=1)]))
    return ws


def _prune(ws: Path, *flags: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SSDD_")}
    result = CliRunner().invoke(app, ["prune", "--workspace", str(ws), *flags], env={**env, "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def _files(ws: Path) -> set[str]:
    return {p.relative_to(ws).as_posix() for p in ws.rglob("*") if p.is_file() and "ledger" not in p.name}


def test_dry_run_lists_and_deletes_nothing(workspace: Path) -> None:
    before = _files(workspace)
    out = _prune(workspace, "--dry-run")
    assert _files(workspace) == before
    for expected in ("runs/r-old", "runs/r-older", "logs/ssdd.jsonl.2026-01-01", "quarantine/acme/old.errors.xlsx",
                     "archive/r-old", "reports/clearance.html", f"outbox/hk/{trip_id('OLD')}_v1.xml"):
        assert f"would delete {expected} " in out, out
    assert "r-new" not in out and "new.errors.xlsx" not in out


def test_prune_keeps_what_retention_requires(workspace: Path) -> None:
    _prune(workspace)
    left = _files(workspace)
    assert left == {"runs/r-new/summary.json", "logs/ssdd.jsonl", "quarantine/acme/new.errors.xlsx",
                    f"outbox/hk/{trip_id('RECENT')}_v1.xml", f"outbox/hk/{trip_id('OPEN')}_v1.xml"}
    assert (workspace / "ledger.sqlite").is_file()
    with Ledger(workspace / "ledger.sqlite") as ledger:       # history untouched
        assert [h["version"] for h in ledger.history(trip_id("OLD"))] == [1]


def test_the_newest_run_is_kept_even_when_old(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    _old(ws / "runs" / "only" / "summary.json", 500)
    _prune(ws)
    assert (ws / "runs" / "only" / "summary.json").is_file()
