"""One hand-made fixture per family (typed by hand, not written by the repo's generator)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.families.test_families import _map

HAND = Path(__file__).resolve().parent / "handmade"


def test_kingdee_tax_rule_declares_amount_before_tax() -> None:
    pid, t = _map(HAND / "kingdee_tax.csv")
    f = t.frame
    assert pid == "kingdee_sales_outbound"
    assert f["line_amount_value"].tolist() == [20000.0, 1000.0]   # 税率 13 % -> 金额; 0 % -> 价税合计
    assert f["line_amount_currency"].tolist() == ["CNY", "CNY"]
    assert f["quantity_value"].tolist() == [2000.0, 500.0]
    assert f["quantity_unit_raw"].tolist() == ["个", "条"]
    assert f["packages_type"].tolist() == ["CT", "BG"]
    assert f["country_of_origin"].tolist() == ["CN", "VN"]
    assert t.rows_ignored == 1 and t.totals["line_amount_value"] == 23600.0


def test_sap_handmade_quoted_semicolons_and_leading_zeros() -> None:
    pid, t = _map(HAND / "sap_billing.csv")
    f = t.frame
    assert pid == "sap_billing"
    assert f["invoice_no"].tolist() == ["0090012001", "0090012001"]
    assert f["description_en"].tolist() == ["Cable, USB-C; 1m", "Charger 20W"]
    assert f["quantity_value"].tolist() == [2500.0, 40.0]
    assert f["line_amount_value"].tolist() == [1875.0, 320.0]
    # '62.500' G is 62,500 grams in SAP's German number format ('.' groups thousands)
    assert f["gross_mass_kg"].tolist() == [62.5, round(8.8 * 0.45359237, 3)]
    assert f["net_mass_kg"].tolist() == [50.0, round(6.4 * 0.45359237, 3)]
    assert f["country_of_origin"].tolist() == ["DE", "CN"]


def test_hk_handmade_big5_hkscs() -> None:
    pid, t = _map(HAND / "hk_invoice.csv")
    f = t.frame
    assert pid == "hk_trader_invoice"
    assert f["description_zh"].tolist() == ["𨋢門感應器", "鞋"]
    assert f["invoice_no"].tolist() == ["INV/HK/2611/07", "INV/HK/2611/07"]
    assert f["country_of_origin"].tolist() == ["JP", "VN"]
    assert f["quantity_unit"].tolist() == ["SET", "PR"]


def test_trip_plan_handmade_traditional_headers_and_directions() -> None:
    pid, t = _map(HAND / "trip_plan.csv")
    f = t.frame
    assert pid == "trip_plan"
    assert f["control_point"].tolist() == ["MKT", "SBC"]
    assert f["direction"].tolist() == ["HK_EXPORT", "HK_IMPORT"]
    assert f["invoice_nos"].tolist() == [["INV/HK/2611/07", "INV/HK/2611/08"], ["0090012001"]]
    assert [str(ts) for ts in f["expected_crossing_at"]] == ["2026-11-26 22:15:00+00:00", "2026-11-27 14:40:00+00:00"]
    assert f["container_no"].tolist()[0] == "CSQU3054383"


def test_item_master_handmade() -> None:
    pid, t = _map(HAND / "item_master.csv")
    assert pid == "item_master"
    assert t.frame["hs_cn"].tolist() == ["8518300000", "8544422100"]
    legal_2 = t.frame["cn_unit_legal_2"]
    assert legal_2.iloc[0] == "035" and pd.isna(legal_2.iloc[1])


def test_canonical_template_handmade_csv() -> None:
    pid, t = _map(HAND / "canonical.csv")
    assert pid == "ssdd_canonical"
    assert t.frame["hs_hk"].tolist() == ["61091000"] and t.frame["quantity_unit"].tolist() == ["H87"]


def test_yonyou_handmade_spreadsheetml_under_title_rows() -> None:
    pid, t = _map(HAND / "yonyou.xml")
    f = t.frame
    assert pid == "yonyou_u8_export_invoice"
    assert f["hs_cn"].tolist() == ["0303899000"]
    assert f["src_row"].tolist() == [5]
    assert f["line_amount_currency"].tolist() == ["USD"]
    assert t.rows_ignored == 1
