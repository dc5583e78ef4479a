"""The clearance report without a browser: self-contained, one chart per dimension, the case's figures shown."""

from __future__ import annotations

import re
from typing import Any

import duckdb
import pytest

from tests.analytics.case import ALL_CN, LMC_CN, TRADER_CN
from transforms.analytics.report import build_report

DIMENSIONS = ("distribution", "control_point", "trader", "hs_chapter", "hour", "weekday", "daily",
              "rejection_reasons", "findings_trader")


@pytest.fixture(scope="module")
def report(case: dict[str, Any]) -> dict[str, Any]:
    result = build_report(case["workspace"])
    return {"result": result, "html": result.html.read_text(encoding="utf-8")}


def _row(html: str, aggregate: str, key: str, side: str = "CN") -> str:
    table = re.search(rf'<table data-aggregate="{aggregate}">.*?</table>', html, re.S)
    assert table, aggregate
    row = re.search(rf'<tr data-side="{side}" data-key="{re.escape(key)}">(.*?)</tr>', table.group(0), re.S)
    assert row, (aggregate, key)
    return row.group(1)


def test_report_is_self_contained(report: dict[str, Any]) -> None:
    html = report["html"]
    assert "http://" not in html and "https://" not in html
    lowered = html.lower()
    for outside in ("<script", "<link", "<img", "<iframe", "@import", "url(", "src=", "href="):
        assert outside not in lowered, outside
    assert report["result"].html.name == "clearance.html" and report["result"].html.parent.name == "reports"


def test_one_chart_per_dimension_and_charts_before_tables(report: dict[str, Any]) -> None:
    html = report["html"]
    figures = re.findall(r'<figure class="chart" data-dimension="([a-z_]+)">(.*?)</figure>', html, re.S)
    dims = [d for d, _ in figures]
    for dim in DIMENSIONS:
        assert dims.count(dim) == 1, dim
    for dim, body in figures:
        assert "<svg" in body and ("<rect" in body or "<polyline" in body or "<circle" in body), dim
    assert html.index("<figure") < html.index("<table")


def test_hand_written_quantiles_are_in_the_page(report: dict[str, Any]) -> None:
    html = report["html"]
    lmc = _row(html, "clearance_by_control_point", "LMC")
    assert f">{LMC_CN['p50']:.1f}<" in lmc and f">{LMC_CN['p90']:.1f}<" in lmc and f">{LMC_CN['p99']:.1f}<" in lmc
    for trader, q in TRADER_CN.items():
        row = _row(html, "clearance_by_trader", trader)
        assert f">{q['p50']:.1f}<" in row and f">{q['p90']:.1f}<" in row
    assert f"{ALL_CN['p50']:.0f} / {ALL_CN['p90']:.0f} min" in html  # the CN tile
    hk = _row(html, "clearance_by_control_point", "LMC", side="HK")
    assert ">3<" in hk.replace(" ", "") or "<td class=\"n\">2</td>" in hk  # arrivals shown beside releases
    assert ">12.0<" in hk
    assert "承运人代码未备案" in html and "no HK clearance time" in html  # reasons and definitions


def test_every_aggregate_is_written_as_parquet(report: dict[str, Any], case: dict[str, Any]) -> None:
    paths = report["result"].aggregates
    for name in ("clearance_by_control_point", "clearance_by_trader", "clearance_by_hs_chapter", "clearance_by_hour",
                 "clearance_by_weekday", "daily_trend", "rejection_reasons", "findings_by_trader", "quarantine_rates",
                 "clearance_distribution", "filing_latency", "submission_metrics", "consignment_metrics"):
        assert paths[name] == case["workspace"] / "reports" / "aggregates" / f"{name}.parquet"
        assert paths[name].is_file()
    got = duckdb.sql(f"SELECT p50, p90 FROM read_parquet('{paths['clearance_by_control_point']}') "
                     "WHERE side = 'CN' AND key = 'LMC'").fetchall()[0]
    assert got == pytest.approx((LMC_CN["p50"], LMC_CN["p90"]))
    hours = dict(duckdb.sql(f"SELECT key, p50 FROM read_parquet('{paths['clearance_by_hour']}') "
                            "WHERE side = 'CN'").fetchall())
    assert hours == {"14": 40.0, "15": 20.0, "16": 60.0, "18": 100.0}
    weekday = duckdb.sql(f"SELECT key, trips_arrived FROM read_parquet('{paths['clearance_by_weekday']}') "
                         "WHERE side = 'CN'").fetchall()
    assert weekday == [("Wed", 4)]


def test_report_on_an_empty_workspace_still_renders(tmp_path: Any) -> None:
    result = build_report(tmp_path)
    html = result.html.read_text(encoding="utf-8")
    assert "no data yet" in html and "http" not in html
