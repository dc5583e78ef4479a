"""The clearance report's aggregates: every figure of ``reports/clearance.html`` as an Arrow table,
written as Parquet under ``reports/aggregates/``.

Read from the analytics dataset through the DuckDB views of :mod:`transforms.analytics.sql` (so the
report and an analyst's query share one definition of every metric). Quantiles are continuous (linear
interpolation between closest ranks, DuckDB ``quantile_cont``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from transforms.analytics.sql import connect
from transforms.model.canonical import MODEL_VERSION
from transforms.plumbing.atomic import write_atomic

SIDES: Final = ("CN", "HK")


def _minutes_dim(dim: str, key_sql: str, order_sql: str, source: str = "clearance_t") -> str:
    return f"""
SELECT side, {key_sql} AS key, min({order_sql}) AS sort_key, count(*) AS trips_arrived,
       count(clearance_min) AS trips_cleared,
       quantile_cont(clearance_min, 0.5) AS p50, quantile_cont(clearance_min, 0.9) AS p90,
       quantile_cont(clearance_min, 0.99) AS p99, avg(clearance_min) AS mean
FROM {source} GROUP BY side, {key_sql} ORDER BY side, sort_key, key"""


_UNNEST_TRADERS: Final = ("(SELECT *, unnest(CASE WHEN len(traders) = 0 THEN ['(unknown)'] ELSE traders END) "
                          "AS trader FROM clearance_t)")
_UNNEST_CHAPTERS: Final = ("(SELECT *, unnest(CASE WHEN len(hs_chapters) = 0 THEN ['??'] ELSE hs_chapters END) "
                           "AS hs_chapter FROM clearance_t)")

QUERIES: Final[dict[str, str]] = {
    "clearance_by_control_point": _minutes_dim("control_point", "coalesce(control_point, '?')", "0"),
    "clearance_by_trader": _minutes_dim("trader", "trader", "-1", _UNNEST_TRADERS),
    "clearance_by_hs_chapter": _minutes_dim("hs_chapter", "hs_chapter", "0", _UNNEST_CHAPTERS),
    "clearance_by_hour": _minutes_dim("hour", "lpad(CAST(arrival_hour AS VARCHAR), 2, '0')", "arrival_hour"),
    "clearance_by_weekday": _minutes_dim(
        "weekday", "['Mon','Tue','Wed','Thu','Fri','Sat','Sun'][arrival_weekday]", "arrival_weekday"),
    "daily_trend": """
SELECT arrival_date AS day, side, count(*) AS trips_arrived, count(clearance_min) AS trips_cleared,
       quantile_cont(clearance_min, 0.5) AS p50, quantile_cont(clearance_min, 0.9) AS p90
FROM clearance_t GROUP BY ALL ORDER BY day, side""",
    "filing_latency": """
SELECT metric, side, count(v) AS n, quantile_cont(v, 0.5) AS p50, quantile_cont(v, 0.9) AS p90,
       quantile_cont(v, 0.99) AS p99
FROM (SELECT 'lead time' AS metric, '-' AS side, lead_time_min AS v FROM submission_metrics_t
      UNION ALL SELECT 'acceptance latency', 'HK', hk_acceptance_min FROM submission_metrics_t
      UNION ALL SELECT 'acceptance latency', 'CN', cn_acceptance_min FROM submission_metrics_t)
GROUP BY ALL ORDER BY metric DESC, side""",
    "rejection_reasons": """
SELECT side, reason, count(*) AS events, count(DISTINCT submission_id) AS trips
FROM rejections GROUP BY ALL ORDER BY events DESC, side, reason""",
    "rejections_by_trader": """
SELECT trader, side, reason, count(*) AS events, count(DISTINCT submission_id) AS trips
FROM (SELECT *, unnest(CASE WHEN len(traders) = 0 THEN ['(unknown)'] ELSE traders END) AS trader FROM rejections)
GROUP BY ALL ORDER BY trader, events DESC, side, reason""",
    "findings_by_trader": """
SELECT coalesce(trader, '(unknown)') AS trader, rule_id, severity, count(DISTINCT finding_id) AS findings,
       count(DISTINCT (src_file, src_row)) AS rows, count(DISTINCT submission_id) AS trips
FROM findings GROUP BY ALL ORDER BY trader, severity, findings DESC, rule_id""",
    "quarantine_rates": """
SELECT trader, rule_id, trips_quarantined, trips_checked, quarantine_rate FROM quarantine_rates
UNION ALL
SELECT c.trader, '(any rule)', count(DISTINCT f.submission_id), c.n, count(DISTINCT f.submission_id) / c.n
FROM (SELECT trader, count(DISTINCT submission_id) AS n FROM trips_checked GROUP BY trader) c
LEFT JOIN findings f ON f.trader = c.trader AND f.severity = 'error' AND f.submission_id IS NOT NULL
GROUP BY c.trader, c.n
ORDER BY trader, rule_id""",
    "submission_metrics": "SELECT * FROM submission_metrics_t ORDER BY expected_crossing_at, submission_id",
    "consignment_metrics": "SELECT * FROM consignment_metrics ORDER BY expected_crossing_at, submission_id, "
                           "consignment_seq",
}


def _distribution(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Clearance-time histogram per side: about 30 bins up to the side's p99 (the last bin takes the tail)."""
    rows: list[dict[str, Any]] = []
    for side in SIDES:
        got = con.execute("SELECT quantile_cont(clearance_min, 0.99), count(clearance_min) FROM clearance_t "
                          "WHERE side = ? AND clearance_min >= 0", [side]).fetchone()
        if got is None or not got[1]:
            continue
        from transforms.analytics.svg import nice_ticks

        width = nice_ticks(max(float(got[0]), 1.0), 30)[1]
        nbins = max(1, int(float(got[0]) // width) + 1)
        counts = dict(con.execute(
            "SELECT least(CAST(floor(clearance_min / ?) AS BIGINT), ?) AS b, count(*) FROM clearance_t "
            "WHERE side = ? AND clearance_min >= 0 GROUP BY b", [width, nbins - 1, side]).fetchall())
        for b in range(nbins):
            rows.append({"side": side, "bin_lo": b * width, "bin_hi": (b + 1) * width,
                         "open_ended": b == nbins - 1, "trips": int(counts.get(b, 0))})
    schema = pa.schema([("side", pa.string()), ("bin_lo", pa.float64()), ("bin_hi", pa.float64()),
                        ("open_ended", pa.bool_()), ("trips", pa.int64())])
    return pa.Table.from_pylist(rows, schema=schema)


def compute_aggregates(analytics: Path) -> tuple[dict[str, pa.Table], dict[str, Any]]:
    """Every aggregate of the report as Arrow tables, plus facts for the page header."""
    con = connect(analytics)
    # computed once: the views built on submission_metrics (clearance, consignment_metrics) read this table
    con.execute("CREATE TABLE submission_metrics_t AS SELECT * FROM submission_metrics")
    con.execute("CREATE OR REPLACE VIEW submission_metrics AS SELECT * FROM submission_metrics_t")
    con.execute("CREATE TABLE clearance_t AS SELECT * FROM clearance")
    aggs = {name: con.sql(sql).to_arrow_table() for name, sql in QUERIES.items()}
    aggs["clearance_distribution"] = _distribution(con)
    facts_row = con.execute("""
SELECT count(*), count(cn_arrived_at), count(hk_arrived_at), count(hk_released_at),
       count(*) FILTER (WHERE hk_rejections + cn_rejections > 0), sum(refilings),
       min(crossing_date), max(crossing_date) FROM submission_metrics_t""").fetchone()
    assert facts_row is not None
    facts = dict(zip(("trips", "cn_arrived", "hk_arrived", "hk_released", "trips_rejected", "refilings",
                      "first_day", "last_day"), facts_row, strict=True))
    facts["events"] = con.execute("SELECT count(*) FROM events").fetchone()[0]  # type: ignore[index]
    for side in SIDES:
        q = con.execute("SELECT quantile_cont(clearance_min, [0.5, 0.9]) FROM clearance_t WHERE side = ?",
                        [side]).fetchone()
        facts[f"{side}_p"] = q[0] if q else None
    con.close()
    return aggs, facts


def write_aggregates(aggs: dict[str, pa.Table], folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, table in aggs.items():
        sink = pa.BufferOutputStream()
        meta = {b"ssdd_model_version": MODEL_VERSION.encode(), b"ssdd_aggregate": name.encode()}
        pq.write_table(table.replace_schema_metadata(meta), sink, compression="zstd")
        path = folder / f"{name}.parquet"
        write_atomic(path, sink.getvalue().to_pybytes(), None)
        out[name] = path
    return out
