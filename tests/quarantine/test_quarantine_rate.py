"""The quarantine rate counts every hold, also those the writers' crosswalk preflight made (W01), and
the README's polars example runs on a fresh sample workspace and gives the DuckDB view's numbers."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from transforms.analytics_sql import connect

REPO = Path(__file__).resolve().parents[2]
AS_OF = "2026-11-25T20:00:00+08:00"

#: The README's polars example, verbatim ("Rejection reasons per trader and the quarantine rate per
#: rule in polars"): the README must carry this identical text.
README_POLARS = '''
from pathlib import Path

import polars as pl

from transforms.model import TABLES

root = Path("data/workspace/analytics")
hive = {"crossing_date": pl.Date, "control_point": pl.String}


def scan(table: str) -> pl.LazyFrame:
    """One analytics table; an empty one with the table's columns until a run has appended to it."""
    if not any((root / table).glob("*/*/*.parquet")):
        return pl.from_arrow(TABLES[table].schema.empty_table()).lazy()
    return pl.scan_parquet(root / table / "**" / "*.parquet", hive_partitioning=True, hive_schema=hive)


traders = scan("consignments").select("submission_id", "trader").unique()
rejections = (scan("events")
              .filter(pl.col("event_type").is_in(["REJECTED", "CN_MANIFEST_REJECTED"]))
              .join(traders, on="submission_id")
              .group_by("trader", "side", "detail").len("rejections")
              .sort("rejections", descending=True).collect())

# a trip counts as checked when it was filed or held; held = at least one error finding of the rule
findings = scan("findings").filter(pl.col("submission_id").is_not_null(), pl.col("trader").is_not_null())
checked = (pl.concat([traders, findings.select("submission_id", "trader")]).unique()
           .group_by("trader").len("trips_checked"))
rates = (findings.filter(pl.col("severity") == "error")
         .group_by("trader", "rule_id").agg(pl.col("submission_id").n_unique().alias("trips_quarantined"))
         .join(checked, on="trader")
         .with_columns((pl.col("trips_quarantined") / pl.col("trips_checked")).alias("quarantine_rate"))
         .sort("quarantine_rate", "trader", "rule_id", descending=[True, False, False]).collect())
print(rejections, rates, sep="\\n")
'''


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
