"""The clearance-time report: ``reports/clearance.html`` (charts first, tables second) and its aggregates.

The aggregates come from :mod:`transforms.analytics.aggregates` and are written as Parquet under
``reports/aggregates/``; the page is one self-contained HTML file: inline SVG, inline CSS, no script and
no reference to anything outside the file, so it opens offline and can be mailed.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any, Final

import pyarrow as pa

from transforms.analytics.aggregates import SIDES, compute_aggregates, write_aggregates
from transforms.analytics.sql import HK_TIME_ZONE
from transforms.analytics.svg import SIDE_COLOURS, Quantiles, bars, histogram, lines, quantile_columns, quantile_rows
from transforms.model.canonical import MODEL_VERSION
from transforms.plumbing.atomic import write_atomic

WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HOURS: Final = [f"{h:02d}" for h in range(24)]
#: Rows per chart for long dimensions (traders, HS chapters): the busiest first; tables list more.
CHART_ROWS: Final = 25
#: Rows per HTML table; the Parquet aggregates always hold every row.
TABLE_ROWS: Final = 200

DEFINITIONS: Final = (
    ("Clearance time, Mainland (CN)",
     "From the Mainland ARRIVED event to the first 11 海关放行 (CN_RELEASED) at or after it, per trip."),
    ("Clearance time, Hong Kong (HK)",
     "From the Hong Kong ARRIVED event to the first Hong Kong RELEASED at or after it, only for trips where "
     "Hong Kong sent a release. Hong Kong often sends none: those trips have no HK clearance time (shown as "
     "'arrived, no release'), and the CCRN or e-ACI acceptance is never used instead, because it comes "
     "before the truck reaches the border."),
    ("Lead time", "Expected crossing time minus the filing time of the current version."),
    ("Acceptance latency",
     "Filing time of the current version to that side's first acceptance of it (HK: ACI_ACCEPTED or "
     "CCRN_ISSUED; CN: 01 海关接受申报)."),
    ("Rejections and re-filings",
     "Rejection events per side (HK REJECTED, CN 03 海关退单) with the reason customs sent; a re-filing is "
     "a later version filed as an original again (function code 9) after a rejection."),
    ("Quarantine rate",
     "Per trader and rule: trips held at least once by a blocking finding of that rule, divided by the "
     "trader's trips that went through the checks (filed or held)."),
    ("Hours, weekdays and days", f"Hong Kong local time ({HK_TIME_ZONE}) of the truck's arrival on that side."),
    ("Quantiles", "p50/p90/p99 by linear interpolation between closest ranks; n = trips with a value."),
)


@dataclass(frozen=True)
class ReportResult:
    html: Path
    aggregates: dict[str, Path]
    html_bytes: int
    seconds: float


def _q(row: dict[str, Any]) -> Quantiles | None:
    if row.get("p50") is None:
        return Quantiles(int(row.get("trips_arrived") or 0), None, None, None)
    return Quantiles(int(row.get("trips_cleared") or row.get("n") or 0), row["p50"], row.get("p90"), row.get("p99"))


def _panels(table: pa.Table, categories: Sequence[str]) -> list[tuple[str, list[Quantiles | None]]]:
    rows = table.to_pylist()
    out = []
    for side in SIDES:
        by_key = {r["key"]: r for r in rows if r["side"] == side}
        if by_key:
            out.append((side, [_q(by_key[c]) if c in by_key else None for c in categories]))
    return out


def _categories(table: pa.Table, *, busiest: bool) -> list[str]:
    rows = table.to_pylist()
    if not busiest:
        seen: dict[str, Any] = {}
        for r in sorted(rows, key=lambda r: (r["sort_key"], r["key"])):
            seen.setdefault(r["key"], None)
        return list(seen)
    totals: dict[str, int] = {}
    for r in rows:
        totals[r["key"]] = totals.get(r["key"], 0) + int(r["trips_arrived"])
    return [k for k, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))][:CHART_ROWS]


def _num(v: Any, digits: int = 1) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return escape(str(v))


def _table(name: str, table: pa.Table, columns: Sequence[tuple[str, str]], key: Callable[[dict[str, Any]], str],
           caption: str, pct: Sequence[str] = ()) -> str:
    rows = table.to_pylist()
    head = "".join(f"<th>{escape(label)}</th>" for _, label in columns)
    body = io.StringIO()
    for r in rows[:TABLE_ROWS]:
        side = escape(str(r.get("side", "")))
        body.write(f'<tr data-side="{side}" data-key="{escape(key(r))}">')
        for col, _ in columns:
            v = r.get(col)
            text = f"{v:.1%}" if col in pct and isinstance(v, float) else _num(v)
            cls = ' class="n"' if isinstance(v, int | float) and not isinstance(v, bool) else ""
            body.write(f"<td{cls}>{text}</td>")
        body.write("</tr>")
    more = (f'<p class="note">{len(rows) - TABLE_ROWS} more rows in reports/aggregates/{name}.parquet</p>'
            if len(rows) > TABLE_ROWS else "")
    return (f'<section class="table"><h3>{escape(caption)}</h3><table data-aggregate="{name}"><thead><tr>{head}'
            f"</tr></thead><tbody>{body.getvalue()}</tbody></table>{more}</section>")


_CLEARANCE_COLS: Final = (("side", "side"), ("key", "group"), ("trips_arrived", "arrived"),
                          ("trips_cleared", "with release"), ("p50", "p50 min"), ("p90", "p90 min"),
                          ("p99", "p99 min"), ("mean", "mean min"))

_CSS: Final = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:24px auto;max-width:960px;
color:#222;background:#fff;line-height:1.4}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 8px;border-bottom:1px solid #ccc}
h3{font-size:15px;margin:18px 0 6px}
.meta{color:#555;font-size:13px}.tiles{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0}
.tile{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:150px}
.tile b{display:block;font-size:20px}.tile span{color:#555;font-size:12px}
figure{margin:14px 0 22px}figcaption{font-weight:600;margin-bottom:4px}
table{border-collapse:collapse;font-size:12.5px;width:100%}th,td{border-bottom:1px solid #e3e3e3;padding:3px 6px;
text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f4f4f4}
.note{color:#666;font-size:12px}dl{font-size:13px}dt{font-weight:600}dd{margin:0 0 6px 14px}
"""


def _figure(dimension: str, caption: str, svg: str, note: str = "") -> str:
    extra = f'<p class="note">{escape(note)}</p>' if note else ""
    return (f'<figure class="chart" data-dimension="{dimension}"><figcaption>{escape(caption)}</figcaption>'
            f"{svg}{extra}</figure>")


def _tiles(facts: dict[str, Any]) -> str:
    def tile(value: str, label: str) -> str:
        return f'<div class="tile"><b>{escape(value)}</b><span>{escape(label)}</span></div>'

    def pq_(side: str) -> str:
        p = facts.get(f"{side}_p")
        return "–" if not p or p[0] is None else f"{p[0]:.0f} / {p[1]:.0f} min"

    trips = int(facts["trips"] or 0)
    hk_arr = int(facts["hk_arrived"] or 0)
    cover = f"{int(facts['hk_released'] or 0) / hk_arr:.0%}" if hk_arr else "–"
    rejected = f"{int(facts['trips_rejected'] or 0) / trips:.1%}" if trips else "–"
    return '<div class="tiles">' + "".join([
        tile(f"{trips:,}", "trips filed (current versions)"),
        tile(f"{int(facts['events'] or 0):,}", "customs events"),
        tile(pq_("CN"), "CN clearance p50 / p90"),
        tile(pq_("HK"), "HK clearance p50 / p90"),
        tile(cover, "HK arrivals with a release event"),
        tile(rejected, "trips rejected at least once"),
    ]) + "</div>"


def render_html(aggs: dict[str, pa.Table], facts: dict[str, Any], generated_at: datetime) -> str:
    """The page top-down: header and tiles, the definitions folded away, the charts, the tables, and the
    definitions again at the foot for a printed copy."""
    definitions = "".join(f"<dt>{escape(t)}</dt><dd>{escape(d)}</dd>" for t, d in DEFINITIONS)
    return (
        _page_head(facts, generated_at) + _tiles(facts) +
        '<details><summary>How each figure is defined</summary><dl>' + definitions + "</dl></details>"
        "<h2>Charts</h2>" + "".join(_charts(aggs)) +
        "<h2>Tables</h2>" + "".join(_tables(aggs)) +
        "<h2>Definitions</h2><dl>" + definitions + "</dl></body></html>")


def _page_head(facts: dict[str, Any], generated_at: datetime) -> str:
    """The document head (inline CSS), the title and the line saying which crossing dates, run time and
    canonical model the page stands for."""
    span = (f"{facts['first_day']} to {facts['last_day']}" if facts.get("first_day") else "no trips yet")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>ssdd clearance report</title><style>{_CSS}</style></head><body>"
        "<h1>Clearance times at the HK–Mainland land crossings</h1>"
        f'<p class="meta">Crossing dates {escape(span)} · generated {generated_at:%Y-%m-%d %H:%M} UTC · '
        f"canonical model {escape(MODEL_VERSION)} · aggregates in reports/aggregates/*.parquet</p>")


def _charts(aggs: dict[str, pa.Table]) -> list[str]:
    """Every chart in page order: clearance time first (distribution, then one per dimension, then the
    daily trend), then what slows filings down (rejections, findings, latency)."""
    return [_distribution_chart(aggs), *_dimension_charts(aggs), _daily_chart(aggs), _rejections_chart(aggs),
            _findings_chart(aggs), _latency_chart(aggs)]


def _distribution_chart(aggs: dict[str, pa.Table]) -> str:
    dist = aggs["clearance_distribution"].to_pylist()
    return _figure("distribution", "Clearance time distribution per side (minutes)", histogram(
        [(s, [(r["bin_lo"], r["bin_hi"], r["trips"]) for r in dist if r["side"] == s]) for s in SIDES
         if any(r["side"] == s for r in dist)], "Clearance time distribution"),
        "The last bin of each side also holds the slowest 1 %.")


#: Clearance time per dimension: chart id, aggregate, caption, busiest first, horizontal rows. Traders and
#: HS chapters are long lists, charted as rows of the busiest; the others keep their natural order as columns.
_DIMENSIONS: Final = (
    ("control_point", "clearance_by_control_point", "Clearance time by control point", False, False),
    ("trader", "clearance_by_trader", "Clearance time by trader", True, True),
    ("hs_chapter", "clearance_by_hs_chapter", "Clearance time by HS chapter", True, True),
    ("hour", "clearance_by_hour", "Clearance time by hour of arrival (HK time)", False, False),
    ("weekday", "clearance_by_weekday", "Clearance time by weekday of arrival (HK time)", False, False))


def _dimension_charts(aggs: dict[str, pa.Table]) -> list[str]:
    charts = []
    for dim, name, caption, busiest, horizontal in _DIMENSIONS:
        cats = (HOURS if dim == "hour" else list(WEEKDAYS) if dim == "weekday"
                else _categories(aggs[name], busiest=busiest))
        panels = _panels(aggs[name], cats)
        chart = quantile_rows(cats, panels, caption) if horizontal else quantile_columns(cats, panels, caption)
        note = f"The {CHART_ROWS} busiest shown; every row is in the table below." if busiest and len(
            set(aggs[name]["key"].to_pylist())) > CHART_ROWS else ""
        charts.append(_figure(dim, caption, chart, note))
    return charts


def _daily_chart(aggs: dict[str, pa.Table]) -> str:
    """p50 solid and p90 dashed per side, one point per day of arrival; a series with no value is left out."""
    daily = aggs["daily_trend"].to_pylist()
    days = sorted({str(r["day"]) for r in daily})
    series = []
    for side in SIDES:
        by_day = {str(r["day"]): r for r in daily if r["side"] == side}
        for q, dashed in (("p50", False), ("p90", True)):
            values = [by_day[d][q] if d in by_day else None for d in days]
            if any(v is not None for v in values):
                series.append((f"{side} {q}", SIDE_COLOURS[side], values, dashed))
    return _figure("daily", "Daily trend: clearance p50 and p90 per side (day of arrival, HK time)",
                   lines(days, series, "Daily clearance trend"))


def _rejections_chart(aggs: dict[str, pa.Table]) -> str:
    reasons = aggs["rejection_reasons"].to_pylist()[:CHART_ROWS]
    return _figure("rejection_reasons", "Rejection reasons (events)", bars(
        [f"{r['side']}: {r['reason']}" for r in reasons],
        [(s, SIDE_COLOURS[s], [float(r["events"]) if r["side"] == s else 0.0 for r in reasons]) for s in SIDES],
        "Rejection reasons"))


def _findings_chart(aggs: dict[str, pa.Table]) -> str:
    findings = aggs["findings_by_trader"].to_pylist()
    traders = sorted({r["trader"] for r in findings})[:CHART_ROWS]
    sev = (("error", "#8e2c8e"), ("warning", "#d49a1f"))
    return _figure("findings_trader", "Data-quality findings per trader (distinct findings)", bars(
        traders, [(s, colour, [float(sum(r["findings"] for r in findings if r["trader"] == t and r["severity"] == s))
                               for t in traders]) for s, colour in sev], "Findings per trader"))


def _latency_chart(aggs: dict[str, pa.Table]) -> str:
    latency = aggs["filing_latency"].to_pylist()
    lat_cats = [f"{r['metric']} {r['side']}".replace(" -", "") for r in latency]
    return _figure("filing_latency", "Lead time and acceptance latency (p50 dark, p90 light, p99 tick; minutes)",
                   quantile_rows(lat_cats, [("", [Quantiles(int(r["n"]), r["p50"], r["p90"], r["p99"])
                                                  for r in latency])], "Lead time and acceptance latency"))


def _tables(aggs: dict[str, pa.Table]) -> list[str]:
    """The aggregates as tables, in page order: each shows its first TABLE_ROWS rows and names the Parquet
    file that holds them all."""
    return [
        _table("clearance_by_control_point", aggs["clearance_by_control_point"], _CLEARANCE_COLS,
               lambda r: str(r["key"]), "Clearance time by control point"),
        _table("clearance_by_trader", aggs["clearance_by_trader"], _CLEARANCE_COLS, lambda r: str(r["key"]),
               "Clearance time by trader"),
        _table("clearance_by_hs_chapter", aggs["clearance_by_hs_chapter"], _CLEARANCE_COLS, lambda r: str(r["key"]),
               "Clearance time by HS chapter"),
        _table("clearance_by_hour", aggs["clearance_by_hour"], _CLEARANCE_COLS, lambda r: str(r["key"]),
               "Clearance time by hour of arrival (HK time)"),
        _table("clearance_by_weekday", aggs["clearance_by_weekday"], _CLEARANCE_COLS, lambda r: str(r["key"]),
               "Clearance time by weekday of arrival (HK time)"),
        _table("daily_trend", aggs["daily_trend"], (("day", "day"), ("side", "side"), ("trips_arrived", "arrived"),
               ("trips_cleared", "with release"), ("p50", "p50 min"), ("p90", "p90 min")),
               lambda r: str(r["day"]), "Daily trend"),
        _table("filing_latency", aggs["filing_latency"], (("metric", "metric"), ("side", "side"), ("n", "n"),
               ("p50", "p50 min"), ("p90", "p90 min"), ("p99", "p99 min")),
               lambda r: f"{r['metric']}/{r['side']}", "Lead time and acceptance latency"),
        _table("rejection_reasons", aggs["rejection_reasons"], (("side", "side"), ("reason", "reason"),
               ("events", "events"), ("trips", "trips")), lambda r: str(r["reason"]), "Rejection reasons"),
        _table("rejections_by_trader", aggs["rejections_by_trader"], (("trader", "trader"), ("side", "side"),
               ("reason", "reason"), ("events", "events"), ("trips", "trips")), lambda r: str(r["trader"]),
               "Rejection reasons per trader"),
        _table("findings_by_trader", aggs["findings_by_trader"], (("trader", "trader"), ("rule_id", "rule"),
               ("severity", "severity"), ("findings", "findings"), ("rows", "source rows"), ("trips", "trips")),
               lambda r: str(r["trader"]), "Data-quality findings per trader"),
        _table("quarantine_rates", aggs["quarantine_rates"], (("trader", "trader"), ("rule_id", "rule"),
               ("trips_quarantined", "trips quarantined"), ("trips_checked", "trips checked"),
               ("quarantine_rate", "rate")), lambda r: f"{r['trader']}/{r['rule_id']}",
               "Quarantine rate per trader and rule", pct=("quarantine_rate",)),
    ]


def build_report(workspace: Path, *, generated_at: datetime | None = None) -> ReportResult:
    """Write ``reports/clearance.html`` and ``reports/aggregates/*.parquet`` for the workspace."""
    t0 = time.perf_counter()
    aggs, facts = compute_aggregates(workspace / "analytics")
    reports = workspace / "reports"
    paths = write_aggregates(aggs, reports / "aggregates")
    html = render_html(aggs, facts, generated_at or datetime.now(UTC)).encode("utf-8")
    target = reports / "clearance.html"
    write_atomic(target, html, None)
    return ReportResult(target, paths, len(html), round(time.perf_counter() - t0, 3))
