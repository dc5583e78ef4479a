"""The analytics dataset read by real clients (DuckDB, polars, pyarrow): layout, types, metrics, history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

from tests.analytics.case import (
    ALL_CN,
    CN_ACCEPTANCE,
    CN_CLEARANCE,
    HK_ACCEPTANCE,
    HK_CLEARANCE,
    LEAD_TIME,
    LMC_CN,
    SID,
    TRADER_CN,
    _frames,
    findings_frame,
    hk,
)
from transforms.analytics.dataset import append_events, append_tables, compact, read_table
from transforms.analytics.sql import connect
from transforms.model.canonical import EVENTS, MODEL_VERSION, SUBMISSIONS, TABLES
from transforms.plumbing.personal import hasher

HIVE = {"crossing_date": pl.Date, "control_point": pl.String}
TRIP_OF = {v: k for k, v in SID.items()}


def _scan(root: Path, table: str) -> pl.LazyFrame:
    return pl.scan_parquet(root / table / "**" / "*.parquet", hive_partitioning=True, hive_schema=HIVE)


def _duck(root: Path, sql: str) -> list[tuple[Any, ...]]:
    """Plain DuckDB over the files, without our views: what an analyst's own query sees."""
    return duckdb.sql(sql.replace("{root}", root.as_posix())).fetchall()


def test_layout_is_hive_partitioned_by_hk_crossing_date_and_control_point(case: dict[str, Any]) -> None:
    root = case["root"]
    folders = sorted({p.parent.relative_to(root).as_posix() for p in root.glob("*/*/*/*.parquet")})
    assert "submissions/crossing_date=2026-11-25/control_point=LMC" in folders
    assert "events/crossing_date=2026-11-25/control_point=HYW" in folders
    assert {f.split("/")[0] for f in folders} == {"submissions", "consignments", "goods_items", "transport",
                                                  "events", "findings"}


def test_files_carry_model_types_version_and_zstd(case: dict[str, Any]) -> None:
    for path in case["root"].glob("*/*/*/*.parquet"):
        table = path.parts[-4]
        meta = pq.read_metadata(path)
        schema = pq.read_schema(path)
        assert schema.metadata[b"ssdd_model_version"] == MODEL_VERSION.encode()
        assert schema.metadata[b"ssdd_table"] == table.encode()
        assert meta.row_group(0).column(0).compression == "ZSTD"
        model = TABLES[table].schema
        for field in schema:
            assert field.type == model.field(field.name).type, (table, field.name)
    # partition columns come back with the model's types through pyarrow's dataset reader
    subs = read_table(case["root"], "submissions")
    assert subs.schema.field("crossing_date").type == SUBMISSIONS.schema.field("crossing_date").type
    events = read_table(case["root"], "events")
    assert events.schema.field("occurred_at").type == EVENTS.schema.field("occurred_at").type


def test_duckdb_reads_the_files_untouched_and_sees_the_hand_written_timings(case: dict[str, Any]) -> None:
    rows = _duck(case["root"], """
        WITH e AS (SELECT * FROM read_parquet('{root}/events/**/*.parquet', hive_partitioning = true))
        SELECT a.submission_id, epoch(min(r.occurred_at) - min(a.occurred_at)) / 60
        FROM e a JOIN e r ON r.submission_id = a.submission_id
        WHERE a.side = 'CN' AND a.event_type = 'ARRIVED' AND r.side = 'CN' AND r.event_type = 'CN_RELEASED'
        GROUP BY a.submission_id""")
    assert {TRIP_OF[sid]: minutes for sid, minutes in rows} == CN_CLEARANCE
    (n_events,) = _duck(case["root"], "SELECT count(*) FROM read_parquet('{root}/events/**/*.parquet')")[0]
    assert n_events == 28  # 30 rows: one exact duplicate stored once, one refused for its time zone


def test_duckdb_views_give_every_metric_per_submission(case: dict[str, Any]) -> None:
    con = connect(case["root"])
    got = {TRIP_OF[r[0]]: r[1:] for r in con.execute(
        "SELECT submission_id, lead_time_min, hk_acceptance_min, cn_acceptance_min, cn_clearance_min, "
        "hk_clearance_min, hk_release_missing, cn_rejections, refilings, version FROM submission_metrics").fetchall()}
    for trip in CN_CLEARANCE:
        lead, hk_acc, cn_acc, cn_clear, hk_clear, missing, _, _, _ = got[trip]
        assert (lead, hk_acc, cn_acc, cn_clear) == (LEAD_TIME[trip], HK_ACCEPTANCE[trip], CN_ACCEPTANCE[trip],
                                                     CN_CLEARANCE[trip])
        assert hk_clear == HK_CLEARANCE.get(trip)
        assert missing is (trip not in HK_CLEARANCE)
    assert got["T3"][-3:] == (1, 1, 2)  # rejected once by the Mainland, re-filed once, current version 2
    assert got["T1"][-3:] == (0, 0, 1)
    q = dict(con.execute("SELECT control_point, quantile_cont(clearance_min, [0.5, 0.9, 0.99]) FROM clearance "
                         "WHERE side = 'CN' GROUP BY ALL").fetchall())
    assert q["LMC"] == pytest.approx([LMC_CN["p50"], LMC_CN["p90"], LMC_CN["p99"]])
    assert q["HYW"] == pytest.approx([20.0, 20.0, 20.0])
    consignments = con.execute("SELECT trader, hs_chapters, cn_clearance_min FROM consignment_metrics "
                               "ORDER BY cn_clearance_min").fetchall()
    assert consignments == [("acme", ["84"], 20.0), ("acme", ["84"], 40.0), ("mingfai", ["61"], 60.0),
                            ("mingfai", ["61"], 100.0)]


def test_current_view_keeps_the_latest_version_only(case: dict[str, Any]) -> None:
    con = connect(case["root"])
    assert con.execute("SELECT count(*) FROM submissions").fetchone() == (5,)  # history: T3 twice
    assert con.execute("SELECT count(*) FROM goods_items").fetchone() == (6,)  # T1 has two lines
    assert con.execute("SELECT count(*) FROM current_goods_items").fetchone() == (5,)
    current = dict(con.execute("SELECT trip_ref, version FROM current_submissions").fetchall())
    assert current == {"T1": 1, "T2": 1, "T3": 2, "T4": 1}
    assert con.execute("SELECT count(*), max(version) FROM current_consignments "
                       "WHERE submission_id = ?", [SID["T3"]]).fetchone() == (1, 2)


def test_polars_reads_the_dataset_and_agrees_on_quantiles(case: dict[str, Any]) -> None:
    events = _scan(case["root"], "events").filter(pl.col("side") == "CN")
    arrived = events.filter(pl.col("event_type") == "ARRIVED").group_by("submission_id").agg(
        pl.col("occurred_at").min().alias("arrived_at"), pl.col("control_point").first())
    released = events.filter(pl.col("event_type") == "CN_RELEASED").group_by("submission_id").agg(
        pl.col("occurred_at").min().alias("released_at"))
    clearance = arrived.join(released, on="submission_id").with_columns(
        ((pl.col("released_at") - pl.col("arrived_at")).dt.total_seconds() / 60).alias("minutes")).collect()
    assert clearance.schema["control_point"] == pl.String
    lmc = clearance.filter(pl.col("control_point") == "LMC")["minutes"]
    assert lmc.quantile(0.5, interpolation="linear") == LMC_CN["p50"]
    assert lmc.quantile(0.9, interpolation="linear") == pytest.approx(LMC_CN["p90"])
    assert clearance["minutes"].quantile(0.9, interpolation="linear") == pytest.approx(ALL_CN["p90"])
    traders = _scan(case["root"], "consignments").select("submission_id", "trader").unique().collect()
    per_trader = clearance.join(traders, on="submission_id").group_by("trader").agg(
        pl.col("minutes").quantile(0.5, interpolation="linear").alias("p50"),
        pl.col("minutes").quantile(0.9, interpolation="linear").alias("p90"))
    for row in per_trader.iter_rows(named=True):
        assert (row["p50"], row["p90"]) == pytest.approx((TRADER_CN[row["trader"]]["p50"],
                                                          TRADER_CN[row["trader"]]["p90"]))
    subs = _scan(case["root"], "submissions").collect()
    assert subs.schema["crossing_date"] == pl.Date and subs.height == 5


def test_quarantine_rate_per_trader_and_rule(case: dict[str, Any]) -> None:
    con = connect(case["root"])
    rates = {(t, r): (q, c, rate) for t, r, q, c, rate in con.execute("FROM quarantine_rates").fetchall()}
    # acme: T1, T3 filed and T5 held (V07 and V22) -> 1 of 3 trips per rule; mingfai only has a warning
    assert rates == {("acme", "V07"): (1, 3, pytest.approx(1 / 3)), ("acme", "V22"): (1, 3, pytest.approx(1 / 3))}
    # a finding without a trader takes it from its file's folder
    assert con.execute("SELECT trader FROM findings WHERE finding_id = 'f2'").fetchone() == ("acme",)


def test_rejection_reasons_are_kept_per_side(case: dict[str, Any]) -> None:
    con = connect(case["root"])
    assert con.execute("SELECT side, reason, traders FROM rejections").fetchall() == [
        ("CN", "承运人代码未备案 / carrier code is not registered", ["acme"])]


def test_append_is_idempotent_for_a_rerun_of_the_same_run(fresh: dict[str, Any]) -> None:
    root = fresh["root"]
    before = {name: read_table(root, name).num_rows for name in TABLES}
    frames = {**_frames(["T1", "T2", "T3", "T4"], 1, "9", hk(8, 0)), "findings": findings_frame("run-1")}
    again = append_tables(root, frames, "run-1", pii=hasher("test-key-0123456789abcdef"))
    assert all(n == 0 for n in again.values())
    # the same run's task retried with another run id still adds nothing: the key is (submission_id, version)
    assert all(n == 0 for k, n in append_tables(root, _frames(["T3"], 2, "9", hk(10, 0)), "run-2-retry",
                                                pii=hasher("k")).items())
    events = duckdb.sql(f"SELECT * FROM read_parquet('{root.as_posix()}/events/**/*.parquet')").df()
    assert append_events(root, events, "run-3") == 0
    assert {name: read_table(root, name).num_rows for name in TABLES} == before
    # history is never rewritten: an amendment is a new row beside the old one
    amended = _frames(["T1"], 2, "5", hk(11, 0))
    assert append_tables(root, amended, "run-4", pii=hasher("k"))["submissions"] == 1
    con = connect(root)
    assert con.execute("SELECT list(version ORDER BY version) FROM submissions WHERE trip_ref = 'T1'"
                       ).fetchone() == ([1, 2],)
    assert con.execute("SELECT amendments FROM submission_metrics WHERE trip_ref = 'T1'").fetchone() == (1,)


def test_compact_merges_files_without_changing_content(fresh: dict[str, Any]) -> None:
    root = fresh["root"]
    append_tables(root, _frames(["T1"], 2, "5", hk(11, 0)), "run-4", pii=hasher("k"))

    def snapshot() -> dict[str, list[tuple[Any, ...]]]:
        out = {}
        for name in TABLES:
            table = read_table(root, name)
            out[name] = sorted(tuple(str(v) for v in row.values()) for row in table.to_pylist())
        return out

    before, files_before = snapshot(), len(list(root.glob("*/*/*/*.parquet")))
    metrics_before = connect(root).execute("FROM submission_metrics ORDER BY submission_id").fetchall()
    done = compact(root)
    assert done.files_before > done.files_after and done.partitions >= 1
    assert len(list(root.glob("*/*/*/*.parquet"))) == files_before - done.files_before + done.files_after
    assert snapshot() == before
    assert connect(root).execute("FROM submission_metrics ORDER BY submission_id").fetchall() == metrics_before
    merged = next(root.glob("submissions/crossing_date=2026-11-25/control_point=LMC/*.parquet"))
    assert pq.read_schema(merged).metadata[b"ssdd_model_version"] == MODEL_VERSION.encode()
    assert not (root / ".staging").exists()
    assert compact(root).partitions == 0  # nothing left to merge
    # appends still dedupe against compacted files
    assert append_tables(root, _frames(["T1"], 2, "5", hk(11, 0)), "run-4", pii=hasher("k")) == {
        "submissions": 0, "consignments": 0, "goods_items": 0, "transport": 0}


def test_unmatched_events_wait_in_the_ledger_not_in_parquet(fresh: dict[str, Any]) -> None:
    from transforms.filing.responses import event_id_for, events_frame

    at = hk(21, 0)
    row = {"event_id": event_id_for(submission_id=None, reference="NOPE", side="HK", event_type="ARRIVED",
                                    raw_status_code=None, occurred_at=at, detail=None, version=None),
           "submission_id": None, "side": "HK", "event_type": "ARRIVED", "occurred_at": at, "reference": "NOPE"}
    assert append_events(fresh["root"], events_frame([row]), "run-9") == 0
