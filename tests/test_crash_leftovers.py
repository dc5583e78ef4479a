"""A run killed mid-write leaves hidden temp files; the next run removes them, and only those."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from tests.writers.helpers import dead_writer_temp
from transforms.plumbing.atomic import temp_path

REPO = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-25T20:00:00+08:00"


def _hidden_temps(ws: Path) -> list[Path]:
    return sorted(p for p in ws.rglob(".*.tmp"))


def test_next_run_sweeps_what_a_killed_run_left_half_written(tmp_path: Path, run_flow: Any) -> None:
    inbox, ws = tmp_path / "inbox", tmp_path / "ws"
    shutil.copytree(REPO / "data" / "samples" / "inbox", inbox)
    first = run_flow(inbox, ws, AS_OF)
    killed_run = ws / "runs" / first.run_id
    # what a kill -9 between write and rename leaves: the summary of its own run folder, an XML
    leftovers = [dead_writer_temp(killed_run, "summary.json"), dead_writer_temp(ws / "outbox" / "hk", "x_v1.xml")]
    outside = dead_writer_temp(tmp_path, "not-in-the-workspace.json")
    in_progress = temp_path(ws / "outbox" / "cn" / "y_v1.xml")  # a live writer: another trader's run
    in_progress.write_bytes(b"being written")

    run_flow(inbox, ws, "2026-11-25T20:30:00+08:00")

    assert _hidden_temps(ws) == [in_progress]
    assert outside.exists()
    assert not any(p.exists() for p in leftovers)
