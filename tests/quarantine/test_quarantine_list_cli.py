"""`ssdd quarantine list` shows Hong Kong times, labelled, not bare UTC."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from flows.cli import app
from transforms.filing.ledger import Ledger
from transforms.plumbing.settings import load_settings

HKT = timezone(timedelta(hours=8))


def test_list_shows_first_seen_and_crossing_in_hong_kong_time(tmp_path: Path) -> None:
    ledger = Ledger(load_settings(workspace=tmp_path).ledger_location)
    items = pd.DataFrame([{"trader": "mingfai", "src_file": "mingfai/k3.csv", "src_sheet": "", "src_row": 4,
                           "rule_id": "V06", "reason": "hs_cn must be 10 digits",
                           "crossing_at": datetime(2026, 11, 26, 7, 45, tzinfo=HKT)}])
    ledger.quarantine_upsert(items, "run-1", as_of=datetime(2026, 11, 25, 20, 0, tzinfo=HKT))
    out = CliRunner().invoke(app, ["quarantine", "list", "--workspace", str(tmp_path)], env={"COLUMNS": "250"})
    assert out.exit_code == 0, out.output
    assert "2026-11-25 20:00 HKT" in out.output      # stored as 12:00 UTC
    assert "2026-11-26 07:45 HKT" in out.output
    assert "12:00" not in out.output and "23:45" not in out.output
    assert "first seen (HKT)" in out.output
