"""Drafting a profile for an ERP outside the built-in families, finishing it, and filing its export."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from flows.cli import app
from tests.families.fixtures import write_csv
from transforms.assembly.assemble import assemble
from transforms.ingest.folders import ingest_trader
from transforms.ingest.profiles.draft import NEEDED, draft_yaml, read_sample
from transforms.ingest.profiles.registry import load_profiles
from transforms.ingest.readers import ReadRefused, read_file
from transforms.model.reference import Reference
from transforms.plumbing.timeutil import parse_as_of

REPO = Path(__file__).resolve().parents[2]
# An "Odoo" invoice-lines export: English headers no built-in profile uses.
ODOO_HEADER = ["Invoice Reference", "Invoice Date", "Customer", "Product Code", "Product Name (CN)", "Quantity",
               "Unit of Measure", "Unit Price", "Subtotal", "Currency", "Country of Origin", "HS Code CN",
               "Gross Weight (kg)", "Net Weight (kg)", "Cartons"]


def _odoo(path: Path) -> Path:
    rows = [ODOO_HEADER,
            ["ODO-1", "2026-11-25", "Acme HK Distribution", "AC-TS-COT", "男式棉制T恤衫", "100", "PCS", "3.20",
             "320.00", "USD", "CN", "6109100010", "25", "20", "2"],
            ["ODO-1", "2026-11-25", "Acme HK Distribution", "AC-SHOE-RN", "纺织鞋面运动鞋", "10", "PR", "14.00",
             "140.00", "USD", "CN", "6404110000", "9", "6", "1"]]
    return write_csv(path, rows, "utf-8")


def test_draft_maps_most_needed_fields_and_a_short_finish_files_the_export(tmp_path: Path) -> None:
    export = _odoo(tmp_path / "odoo_invoice_lines.csv")
    profiles = load_profiles(None)
    text, coverage = draft_yaml(export, read_file(export), profiles, "odoo_invoice_lines")
    assert coverage >= 0.8, text
    draft = yaml.safe_load(text)
    assert draft["columns"]["hs_cn"]["headers"] == ["HS Code CN"]
    assert draft["columns"]["line_amount_currency"]["headers"] == ["Currency"]
    # a person finishes it: the fields still missing, in at most ten YAML lines
    missing = [f for f in NEEDED if f not in draft["columns"]]
    finishing = {"invoice_no": {"headers": ["Invoice Reference"], "required": True},
                 "invoice_date": {"headers": ["Invoice Date"], "type": "date"},
                 "sku": {"headers": ["Product Code"], "type": "code"},
                 "description_zh": {"headers": ["Product Name (CN)"]},
                 "line_amount_value": {"headers": ["Subtotal"], "type": "number", "required": True},
                 "packages_qty": {"headers": ["Cartons"], "type": "integer"}}
    added = {k: v for k, v in finishing.items() if k in missing or k not in draft["columns"]}
    added_lines = yaml.safe_dump(added, default_flow_style=None, sort_keys=False).strip().splitlines()
    assert len(added_lines) <= 10, added_lines
    draft["columns"].update(added)
    user_dir = tmp_path / "profiles"
    user_dir.mkdir()
    (user_dir / "odoo_invoice_lines.yaml").write_text(yaml.safe_dump(draft, allow_unicode=True), encoding="utf-8")

    inbox = tmp_path / "inbox"
    shutil.copytree(REPO / "data" / "samples" / "inbox" / "acme", inbox / "acme")
    (inbox / "acme" / "goods_lines_20261125.xlsx").unlink()
    shutil.copy(export, inbox / "acme" / export.name)
    trips = (inbox / "acme" / "trip_plan.csv").read_text(encoding="utf-8-sig").replace("ACME-INV-7001", "ODO-1")
    (inbox / "acme" / "trip_plan.csv").write_text(trips, encoding="utf-8")
    settings = (inbox / "acme" / "trader.yaml").read_text(encoding="utf-8").replace(
        "profile: ssdd_canonical", "profile: odoo_invoice_lines")
    (inbox / "acme" / "trader.yaml").write_text(settings, encoding="utf-8")

    load_profiles.cache_clear()
    ing = ingest_trader(inbox / "acme", inbox, load_profiles(user_dir), Reference.load())
    load_profiles.cache_clear()
    report = {f.path: f for f in ing.files}["acme/odoo_invoice_lines.csv"]
    assert report.status == "read" and report.profile == "odoo_invoice_lines@1" and report.rows_in == 2
    assert ing.problems == []
    assert ing.input is not None
    asm = assemble([ing.input], Reference.load(), as_of=parse_as_of("2026-11-25T20:00:00+08:00"),
                   pending_max_age=timedelta(hours=72))
    assert asm.problems == [] and asm.submission_problems == []
    goods = asm.frames["goods_items"]
    assert goods["hs_cn"].tolist() == ["6109100010", "6404110000"]
    assert goods["line_amount_value"].tolist() == [320.0, 140.0]
    assert asm.frames["consignments"]["invoice_no"].tolist() == ["ODO-1"]


# --- the role of the file, its encoding, markup, personal data (issue #13) ---------------------------------

def _draft(path: Path) -> tuple[dict[str, Any], str]:
    profiles = load_profiles(None)
    text, _coverage = draft_yaml(path, read_sample(path, profiles), profiles, "new_source")
    return yaml.safe_load(text), text


def test_a_trucking_companys_trip_plan_is_drafted_as_a_trip_plan(tmp_path: Path) -> None:
    rows = [["Trip No.", "Border Crossing", "Crossing Time", "Direction", "HK Plate", "Mainland Plate", "Driver",
             "Invoices"],
            ["T-9001", "LMC", "2026/11/26 07:45", "南下", "AB1234", "粤Z·A123港", "陳大文", "INV-1;INV-2"],
            ["T-9002", "SBC", "2026/11/26 09:10", "北上", "CD5678", "粤Z·B456港", "李小明", "INV-3"]]
    draft, text = _draft(write_csv(tmp_path / "haulier_plan.csv", rows, "utf-8"))
    assert draft["role"] == "trip_plan", text
    cols = draft["columns"]
    assert {k: v["headers"] for k, v in cols.items()} == {
        "trip_ref": ["Trip No."], "control_point": ["Border Crossing"], "expected_crossing_at": ["Crossing Time"],
        "direction": ["Direction"], "vehicle_reg_hk": ["HK Plate"], "vehicle_reg_cn": ["Mainland Plate"],
        "driver_name": ["Driver"], "invoice_nos": ["Invoices"]}
    assert cols["invoice_nos"]["type"] == "list" and cols["expected_crossing_at"]["type"] == "datetime"
    assert draft["datetime_formats"] == ["%Y/%m/%d %H:%M"]
    assert cols["trip_ref"]["required"] is True and "required" not in cols["driver_name"]
    assert "invoice_no" not in cols and "line_amount_value" not in cols  # not commercial lines
    # the carrier may come from trader.yaml, so a plan without a carrier column lacks nothing required
    assert "# Still needed:" not in text or "carrier_code" not in text.split("# Still needed:")[1].splitlines()[0]


def test_an_item_master_is_drafted_as_an_item_master(tmp_path: Path) -> None:
    rows = [["Item Code", "English Description", "中文名称", "海关编码", "申报要素", "Brand"],
            ["P-100", "Cotton T-shirt", "棉制T恤衫", "6109100010", "T恤衫|针织|棉100%", "ACME"],
            ["P-200", "Running shoes", "运动鞋", "6404110000", "运动鞋|纺织材料", "ACME"]]
    draft, text = _draft(write_csv(tmp_path / "materials.csv", rows, "utf-8"))
    assert draft["role"] == "item_master", text
    assert {k: v["headers"][0] for k, v in draft["columns"].items()} == {
        "sku": "Item Code", "description_en": "English Description", "description_zh": "中文名称",
        "hs_cn": "海关编码", "cn_declaration_elements": "申报要素", "brand": "Brand"}
    assert draft["columns"]["hs_cn"]["pad_to"] == 10
    assert [k for k, v in draft["columns"].items() if v.get("required")] == ["sku", "description_en", "hs_cn"]


def test_big5_hkscs_headers_are_drafted_as_written_not_as_gb18030_mojibake(tmp_path: Path) -> None:
    rows = [["發票號碼", "貨品編號", "貨品說明", "數量", "單價", "金額", "幣別"],
            ["HK-1", "LIFT-01", "𨋢門零件", "2", "150.00", "300.00", "HKD"],
            ["HK-1", "LIFT-02", "升降機按鈕", "4", "25.00", "100.00", "HKD"]]
    path = write_csv(tmp_path / "hk_invoice.csv", rows, "big5hkscs")
    assert path.read_bytes().decode("gb18030")  # the trap: the same bytes are valid (nonsense) GB18030
    draft, text = _draft(path)
    assert draft["encodings"] == ["big5hkscs"], text
    assert {k: v["headers"][0] for k, v in draft["columns"].items()} == {
        "invoice_no": "發票號碼", "sku": "貨品編號", "description_zh": "貨品說明", "quantity_value": "數量",
        "unit_price": "單價", "line_amount_value": "金額", "line_amount_currency": "幣別"}


def test_an_xml_file_is_refused_with_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "invoices.xml"
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<Invoices>\n  <Invoice no="INV-1" amount="10"/>\n'
                    "</Invoices>\n", encoding="utf-8")
    with pytest.raises(ReadRefused) as refused:
        read_sample(path, load_profiles(None))
    assert refused.value.reason.startswith("invoices.xml is an XML document, not a table, so no profile can be "
                                           "drafted from it; export the data as .xlsx or CSV")
    done = CliRunner().invoke(app, ["profiles", "new", "--from", str(path), "--out", str(tmp_path / "x.yaml")],
                              env={"COLUMNS": "300"})
    assert done.exit_code == 2 and "is an XML document, not a table" in done.output
    assert not (tmp_path / "x.yaml").exists()
    page = tmp_path / "report.htm"
    page.write_text("<!DOCTYPE html><html><body><table><tr><td>INV-1</td><td>10</td></tr></table></body></html>",
                    encoding="utf-16")
    with pytest.raises(ReadRefused, match=r"^report\.htm is an HTML web page, not a table"):
        read_sample(page, load_profiles(None))


def test_no_personal_data_field_below_high_confidence(tmp_path: Path) -> None:
    # an 18-digit customs declaration number under 海关编号 resembles 司机海关编号 (driver_cn_code)
    rows = [["发票号", "数量", "金额", "海关编号"], ["INV-1", "10", "100.00", "531620261000123456"]]
    draft, text = _draft(write_csv(tmp_path / "lines.csv", rows, "utf-8"))
    assert draft["role"] == "commercial_lines"
    assert not set(draft["columns"]) & {"driver_name", "driver_cn_code", "driver_hk_id_masked", "driver_phone"}
    rows = [["车次编号", "管制站", "预计过境时间", "方向", "海关编号", "司机编号", "Driver (relief)"],
            ["T-1", "LMC", "2026-11-26 07:45", "南下", "531620261000123456", "D440300789", "陳大文"]]
    draft, text = _draft(write_csv(tmp_path / "plan.csv", rows, "utf-8"))
    assert draft["role"] == "trip_plan"
    assert not set(draft["columns"]) & {"driver_name", "driver_cn_code", "driver_hk_id_masked", "driver_phone"}, text
    assert "#   海关编号 -> (unmapped)" in text and "but driver_cn_code is personal data" in text
    assert "#   Driver (relief) -> (unmapped)" in text and "but driver_name is personal data" in text
