"""The quarantine rate counts every hold, also those the writers' crosswalk preflight made (W01), and
the README's polars example runs on a fresh sample workspace and gives the DuckDB view's numbers."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from transforms.analytics.sql import connect

REPO = Path(__file__).resolve().parents[2]
AS_OF = "2026-11-25T20:00:00+08:00"



def _readme_polars() -> str:
    """The README's polars example (the block after "the quarantine rate per rule in polars"), as
    the README carries it: the test runs the text a user copies."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index("```python\n", text.index("the quarantine rate per rule in polars")) + len("```python\n")
    return text[start:text.index("```", start)]


#: The README's polars example, read from the README itself.
README_POLARS = _readme_polars()


def _readme_polars(workspace_parent: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.chdir(workspace_parent)
    scope: dict[str, Any] = {"__name__": "readme"}
    exec(compile(README_POLARS, "README.md", "exec"), scope)   # the README's own example
    return scope


def test_fresh_workspace_gives_empty_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "data" / "workspace" / "analytics").mkdir(parents=True)
    scope = _readme_polars(tmp_path, monkeypatch)
    assert scope["rejections"].is_empty() and scope["rates"].is_empty()
    assert scope["rates"].columns == ["trader", "rule_id", "trips_quarantined", "trips_checked", "quarantine_rate"]


def test_writer_holds_count_and_polars_agrees_with_duckdb(tmp_path: Path, run_flow: Any,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    inbox, ws = tmp_path / "inbox", tmp_path / "data" / "workspace"
    shutil.copytree(REPO / "data" / "samples" / "inbox", inbox)
    summary = run_flow(inbox, ws, AS_OF)
    # the HZM trip is held by the crosswalk preflight (no Mainland customs code), not by a GX rule
    assert {s.trip_ref: s.status for s in summary.submissions} == {"MF-T001": "filed", "MF-T002": "held",
                                                                     "AC-T101": "filed"}
    sql = connect(ws / "analytics").sql(
        "SELECT trader, rule_id, trips_quarantined, trips_checked, quarantine_rate FROM quarantine_rates "
        "ORDER BY quarantine_rate DESC, trader, rule_id").fetchall()
    assert sql == [("mingfai", "W01", 1, 2, 0.5)]
    scope = _readme_polars(tmp_path, monkeypatch)
    assert scope["rates"].rows() == sql
    assert scope["rejections"].is_empty()      # no customs response yet
