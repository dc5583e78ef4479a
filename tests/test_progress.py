"""The flow reports each stage and each file as it goes (the CLI draws these on a terminal)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def test_flow_reports_every_stage_in_order_and_every_file(tmp_path: Path, run_flow: Any) -> None:
    import flows.run as run_module

    events: list[tuple[str, dict[str, Any]]] = []
    inbox = tmp_path / "inbox"
    shutil.copytree(REPO / "data" / "samples" / "inbox", inbox)
    run_module.PROGRESS = lambda event, **d: events.append((event, d))
    try:
        summary = run_flow(inbox, tmp_path / "ws", "2026-11-25T20:00:00+08:00")
    finally:
        run_module.PROGRESS = None
    stages = [d["name"] for e, d in events if e == "stage"]
    assert stages == list(run_module.STAGES)
    files = sorted(d["path"] for e, d in events if e == "file")
    assert files == sorted(f.path for f in summary.files)
