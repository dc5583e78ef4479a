"""DuckDB views over the analytics dataset: the tables, the ``current_*`` views and the derived metrics.

:func:`connect` opens an in-memory DuckDB with these views over ``analytics/``; :func:`views_sql` is
the same SQL as text (``analytics/views.sql``, relative paths, for the DuckDB CLI run from that
folder). The metric definitions are written once, here, and read by the report and the README.

Metric definitions (minutes; every timestamp is UTC in the data, Hong Kong time for hour/weekday/day):

- **lead time** = ``expected_crossing_at - filed_at`` of the current version (how far ahead it was filed).
- **acceptance latency** per side = first acceptance of the current version - ``filed_at`` of that
  version. Hong Kong: ``ACI_ACCEPTED`` or ``CCRN_ISSUED``, whichever comes first; Mainland: ``01``
  (``CN_MANIFEST_ACCEPTED``).
- **clearance time** per side, from that side's own events only: Mainland = first ``ARRIVED`` (CN) ->
  first ``11`` (``CN_RELEASED``) at or after it; Hong Kong = first ``ARRIVED`` (HK) -> first
  ``RELEASED`` (HK) at or after it, **only when Hong Kong sends a release**. Hong Kong often sends
  none; then the HK clearance time is unknown (null, counted in ``hk_release_missing``), never
  replaced by the CCRN or the acceptance, which come before the truck reaches the border.
- **rejections** per side = rejection events (HK ``REJECTED``; CN ``03`` and ``CN_DEC_REJECTED``) over all versions;
  **re-filings** = versions after the first filed as an original again (function code 9, after a
  rejection or cancellation); **amendments** = versions with function code 5.
- **quarantine rate** per trader and rule = trips with at least one blocking (error) finding of the
  rule / trips of that trader checked (filed or held), over the whole dataset. Every hold counts:
  the holds the writers' crosswalk preflight or the ledger make after the checks are findings of
  rule ``W01`` (``transforms.filing.quarantine.WRITER_HOLD_RULE``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import duckdb
import pyarrow as pa

from transforms.filing.responses import CN_EVENT_TYPES, EVENT_STATUS, HK_EVENT_TYPES
from transforms.model.canonical import FILING_TABLES, TABLES
from transforms.plumbing.timeutil import HK_TZ

HK_TIME_ZONE: Final = HK_TZ.key  # the IANA name DuckDB's timezone() takes


def _types(side_types: frozenset[str], status: str) -> str:
    names = sorted(t for t in side_types if EVENT_STATUS.get(t) == status)
    return ", ".join(f"'{n}'" for n in names)


# Event vocabulary from transforms.filing.responses (single source): which types accept, reject, release.
HK_ACCEPTED: Final = _types(HK_EVENT_TYPES, "accepted")
CN_ACCEPTED: Final = _types(CN_EVENT_TYPES, "accepted")
HK_REJECTED: Final = _types(HK_EVENT_TYPES, "rejected")
CN_REJECTED: Final = _types(CN_EVENT_TYPES, "rejected")
HK_RELEASED: Final = _types(HK_EVENT_TYPES - {"ARRIVED"}, "released")
CN_RELEASED: Final = _types(CN_EVENT_TYPES - {"ARRIVED"}, "released")


def _duck_type(typ: pa.DataType) -> str:
    if pa.types.is_string(typ):
        return "VARCHAR"
    if pa.types.is_int32(typ):
        return "INTEGER"
    if pa.types.is_boolean(typ):
        return "BOOLEAN"
    if pa.types.is_date32(typ):
        return "DATE"
    if pa.types.is_timestamp(typ):
        return "TIMESTAMPTZ"
    if isinstance(typ, pa.Decimal128Type):
        return f"DECIMAL({typ.precision},{typ.scale})"
    if pa.types.is_list(typ):
        return f"{_duck_type(typ.value_type)}[]"
    raise TypeError(f"no DuckDB type for {typ}")


def _table_view(root: Path, name: str, relative: bool) -> str:
    folder = root / name
    has_files = folder.is_dir() and any(folder.glob("*/*/*.parquet"))
    if not has_files:
        # typed and empty until the first append, so queries and the report work on a new workspace
        cols = [f"CAST(NULL AS {_duck_type(c.type)}) AS {c.name}" for c in TABLES[name].columns
                if c.name not in ("crossing_date", "control_point")]
        cols += ["CAST(NULL AS DATE) AS crossing_date", "CAST(NULL AS VARCHAR) AS control_point"]
        return f"CREATE OR REPLACE VIEW {name} AS SELECT {', '.join(cols)} WHERE false;"
    glob = f"{name}/**/*.parquet" if relative else (folder.resolve() / "**" / "*.parquet").as_posix()
    glob = glob.replace("'", "''")
    return (f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet('{glob}', hive_partitioning = true, "
            "hive_types = {'crossing_date': DATE, 'control_point': VARCHAR}, union_by_name = true);")


_CURRENT: Final = """
CREATE OR REPLACE VIEW current_submissions AS
SELECT * FROM submissions QUALIFY row_number() OVER (PARTITION BY submission_id ORDER BY version DESC) = 1;
"""

_CURRENT_CHILD: Final = """
CREATE OR REPLACE VIEW current_{t} AS
SELECT t.* FROM {t} t SEMI JOIN current_submissions s ON t.submission_id = s.submission_id AND t.version = s.version;
"""

_METRICS: Final = f"""
-- one row per submission: the current version plus what both sides answered
CREATE OR REPLACE VIEW submission_metrics AS
WITH cur AS (SELECT * FROM current_submissions),
hist AS (
  SELECT submission_id, min(created_at) AS first_filed_at, count(*) AS versions,
         count(*) FILTER (WHERE version > 1 AND function_code = '9') AS refilings,
         count(*) FILTER (WHERE function_code = '5') AS amendments
  FROM submissions GROUP BY submission_id),
ev AS (
  SELECT e.submission_id, e.side, e.event_type, e.occurred_at,
         coalesce(e.version, c.version) = c.version AS of_current
  FROM events e JOIN cur c ON c.submission_id = e.submission_id),
agg AS (
  SELECT submission_id,
    min(occurred_at) FILTER (WHERE of_current AND side = 'HK' AND event_type IN ({HK_ACCEPTED})) AS hk_accepted_at,
    min(occurred_at) FILTER (WHERE of_current AND side = 'CN' AND event_type IN ({CN_ACCEPTED})) AS cn_accepted_at,
    min(occurred_at) FILTER (WHERE side = 'HK' AND event_type = 'ARRIVED') AS hk_arrived_at,
    min(occurred_at) FILTER (WHERE side = 'CN' AND event_type = 'ARRIVED') AS cn_arrived_at,
    count(*) FILTER (WHERE side = 'HK' AND event_type IN ({HK_REJECTED})) AS hk_rejections,
    count(*) FILTER (WHERE side = 'CN' AND event_type IN ({CN_REJECTED})) AS cn_rejections
  FROM ev GROUP BY submission_id),
rel AS (
  SELECT ev.submission_id,
    min(ev.occurred_at) FILTER (WHERE ev.side = 'HK' AND ev.event_type IN ({HK_RELEASED})
                                AND ev.occurred_at >= a.hk_arrived_at) AS hk_released_at,
    min(ev.occurred_at) FILTER (WHERE ev.side = 'CN' AND ev.event_type IN ({CN_RELEASED})
                                AND ev.occurred_at >= a.cn_arrived_at) AS cn_released_at
  FROM ev JOIN agg a ON a.submission_id = ev.submission_id GROUP BY ev.submission_id),
traders AS (
  SELECT submission_id, list(DISTINCT trader ORDER BY trader) AS traders FROM current_consignments GROUP BY 1),
chapters AS (
  SELECT submission_id, list(DISTINCT substr(coalesce(hs_hk, hs_cn), 1, 2) ORDER BY 1) AS hs_chapters
  FROM current_goods_items WHERE coalesce(hs_hk, hs_cn) IS NOT NULL GROUP BY 1)
SELECT c.submission_id, c.version, c.direction, c.control_point, c.crossing_date, c.carrier_code, c.trip_ref,
  coalesce(t.traders, []::VARCHAR[]) AS traders, coalesce(g.hs_chapters, []::VARCHAR[]) AS hs_chapters,
  c.expected_crossing_at, c.created_at AS filed_at, h.first_filed_at, h.versions, h.refilings, h.amendments,
  coalesce(a.hk_rejections, 0) AS hk_rejections, coalesce(a.cn_rejections, 0) AS cn_rejections,
  a.hk_accepted_at, a.cn_accepted_at, a.cn_arrived_at, r.cn_released_at, a.hk_arrived_at, r.hk_released_at,
  epoch(c.expected_crossing_at - c.created_at) / 60.0 AS lead_time_min,
  epoch(a.hk_accepted_at - c.created_at) / 60.0 AS hk_acceptance_min,
  epoch(a.cn_accepted_at - c.created_at) / 60.0 AS cn_acceptance_min,
  epoch(r.cn_released_at - a.cn_arrived_at) / 60.0 AS cn_clearance_min,
  epoch(r.hk_released_at - a.hk_arrived_at) / 60.0 AS hk_clearance_min,
  (a.hk_arrived_at IS NOT NULL AND r.hk_released_at IS NULL) AS hk_release_missing
FROM cur c JOIN hist h USING (submission_id)
LEFT JOIN agg a USING (submission_id) LEFT JOIN rel r USING (submission_id)
LEFT JOIN traders t USING (submission_id) LEFT JOIN chapters g USING (submission_id);

-- one row per consignment of the current version; customs answer per trip, so the trip's metrics apply
CREATE OR REPLACE VIEW consignment_metrics AS
WITH chapters AS (
  SELECT submission_id, consignment_seq, list(DISTINCT substr(coalesce(hs_hk, hs_cn), 1, 2) ORDER BY 1) AS hs_chapters
  FROM current_goods_items WHERE coalesce(hs_hk, hs_cn) IS NOT NULL GROUP BY ALL)
SELECT k.submission_id, k.version, k.consignment_seq, k.trader, k.invoice_no, k.ucr,
  coalesce(g.hs_chapters, []::VARCHAR[]) AS hs_chapters,
  m.* EXCLUDE (submission_id, version, traders, hs_chapters)
FROM current_consignments k JOIN submission_metrics m USING (submission_id)
LEFT JOIN chapters g USING (submission_id, consignment_seq);

-- one row per submission and side the truck arrived at: the clearance-time facts, in Hong Kong time
CREATE OR REPLACE VIEW clearance AS
WITH sides AS (
  SELECT submission_id, version, control_point, direction, traders, hs_chapters, 'CN' AS side,
         cn_arrived_at AS arrived_at, cn_released_at AS released_at, cn_clearance_min AS clearance_min
  FROM submission_metrics WHERE cn_arrived_at IS NOT NULL
  UNION ALL
  SELECT submission_id, version, control_point, direction, traders, hs_chapters, 'HK',
         hk_arrived_at, hk_released_at, hk_clearance_min
  FROM submission_metrics WHERE hk_arrived_at IS NOT NULL)
SELECT *, CAST(timezone('{HK_TIME_ZONE}', arrived_at) AS DATE) AS arrival_date,
       hour(timezone('{HK_TIME_ZONE}', arrived_at)) AS arrival_hour,
       isodow(timezone('{HK_TIME_ZONE}', arrived_at)) AS arrival_weekday
FROM sides;

-- rejection events with their reason (the detail customs sent)
CREATE OR REPLACE VIEW rejections AS
SELECT e.submission_id, e.version, e.side, e.event_type, e.raw_status_code, e.occurred_at,
       coalesce(nullif(trim(e.detail), ''), '(no reason given)') AS reason, e.control_point,
       coalesce(t.traders, []::VARCHAR[]) AS traders
FROM events e
LEFT JOIN (SELECT submission_id, list(DISTINCT trader ORDER BY trader) AS traders FROM consignments GROUP BY 1) t
  USING (submission_id)
WHERE (e.side = 'HK' AND e.event_type IN ({HK_REJECTED})) OR (e.side = 'CN' AND e.event_type IN ({CN_REJECTED}));

-- trips per trader that went through the checks: filed (any version) or held with a finding
CREATE OR REPLACE VIEW trips_checked AS
SELECT DISTINCT trader, submission_id FROM (
  SELECT trader, submission_id FROM consignments
  UNION ALL
  SELECT trader, submission_id FROM findings WHERE submission_id IS NOT NULL AND trader IS NOT NULL);

CREATE OR REPLACE VIEW quarantine_rates AS
WITH held AS (
  SELECT DISTINCT trader, rule_id, submission_id FROM findings
  WHERE severity = 'error' AND submission_id IS NOT NULL AND trader IS NOT NULL),
checked AS (SELECT trader, count(DISTINCT submission_id) AS trips_checked FROM trips_checked GROUP BY trader)
SELECT h.trader, h.rule_id, count(DISTINCT h.submission_id) AS trips_quarantined, c.trips_checked,
       count(DISTINCT h.submission_id) / c.trips_checked AS quarantine_rate
FROM held h JOIN checked c USING (trader) GROUP BY h.trader, h.rule_id, c.trips_checked;
"""


def views_sql(root: Path, *, relative: bool = False) -> str:
    """The SQL creating every view; ``relative`` paths for a file read from inside ``analytics/``."""
    head = ("-- ssdd analytics views (generated; do not edit). From inside the analytics/ folder:\n"
            "--   python -c \"import duckdb; c = duckdb.connect(); c.execute(open('views.sql').read()); "
            "print(c.sql('FROM submission_metrics LIMIT 5'))\"\n" if relative else "")
    parts = [head, "SET TimeZone = 'UTC';"]
    parts += [_table_view(root, name, relative) for name in TABLES]
    parts.append(_CURRENT)
    parts += [_CURRENT_CHILD.format(t=t) for t in FILING_TABLES if t != "submissions"]
    parts.append(_METRICS)
    return "\n".join(parts) + "\n"


def connect(root: Path, *, database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with every view over the dataset at ``root`` (absolute paths)."""
    con = duckdb.connect(database)
    con.execute(views_sql(root))
    return con
