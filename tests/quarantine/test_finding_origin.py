"""A finding on a value the item master or the trip plan supplied points at that file's cell, and that
file gets the error workbook, with one finding per cell."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import load_workbook

from transforms.assembly.provenance import point_to_origin
from transforms.filing.quarantine import one_per_cell

REPO = Path(__file__).resolve().parents[2]
AS_OF = "2026-11-25T20:00:00+08:00"


def _set(path: Path, header: str, row: int, value: str) -> None:
    wb = load_workbook(path)
    ws = wb.active
    assert ws is not None
    ws.cell(row, [c.value for c in ws[1]].index(header) + 1).value = value
    wb.save(path)


def _rows(book: Path) -> list[list[Any]]:
    ws = next(s for s in load_workbook(book).worksheets if s.title.startswith("Rows"))
    return [[(c.value, c.comment is not None) for c in r] for r in ws.iter_rows()]


def test_item_master_and_trip_plan_cells_get_the_findings(tmp_path: Path, run_flow: Any) -> None:
    inbox, ws = tmp_path / "inbox", tmp_path / "ws"
    shutil.copytree(REPO / "data" / "samples" / "inbox", inbox)
    # the Kingdee export has no HK code: MF-LAP-14's comes from the item master, for three lines
    _set(inbox / "mingfai" / "item_master.xlsx", "hs_hk", 2, "8471.30")
    # a container number with a wrong check digit (the run used to end on it)
    _set(inbox / "mingfai" / "trip_plan.xlsx", "container_no", 2, "MSKU1234566")
    summary = run_flow(inbox, ws, AS_OF)
    held = next(s for s in summary.submissions if s.trip_ref == "MF-T001")
    assert held.status == "held"
    assert held.reasons == [
        "mingfai/item_master.xlsx (sheet 物料) row 2, column hs_hk: hs_hk '8471.30' must be 8 digits (HKHS).",
        "mingfai/trip_plan.xlsx (sheet 車次) row 2, column container_no: container_no 'MSKU1234566' fails the ISO "
        "6346 check digit."]
    out = ws / "quarantine" / "mingfai"
    assert sorted(p.name for p in out.glob("*.xlsx")) == ["item_master.xlsx.errors.xlsx", "trip_plan.xlsx.errors.xlsx"]
    master = _rows(out / "item_master.xlsx.errors.xlsx")
    hs = [v for v, _ in master[0]].index("hs_hk")
    assert [r[0][0] for r in master[1:]] == [2]                      # one row, one finding per cell
    assert master[1][hs] == ("8471.30", True)
    listing = load_workbook(out / "item_master.xlsx.errors.xlsx")["Findings 问题清单"]
    assert listing.max_row == 2
    plan = _rows(out / "trip_plan.xlsx.errors.xlsx")
    col = [v for v, _ in plan[0]].index("container_no")
    assert plan[1][col] == ("MSKU1234566", True) and plan[1][0] == (2, False)


def test_relocated_sentence_and_one_per_cell() -> None:
    findings = pd.DataFrame([
        {"rule_id": "V06", "severity": "error", "src_file": "t/inv.csv", "src_sheet": "", "src_row": 4,
         "src_column": "hs_cn", "value": "8517", "submission_id": "s1",
         "message_en": "t/inv.csv row 4, column hs_cn: hs_cn '8517' must be 10 digits.",
         "message_zh": "t/inv.csv 第4行「hs_cn」列：商品编码「8517」应为10位数字。"},
        {"rule_id": "V13", "severity": "error", "src_file": None, "src_sheet": None, "src_row": None,
         "src_column": "seal_id", "value": "S\x07", "submission_id": "s1", "message_en": "seal_id bad.",
         "message_zh": "封志号错误。"}])
    origins = pd.DataFrame([{"src_file": "t/inv.csv", "src_row": 4, "origin_file": "t/im.xlsx",
                             "origin_sheet": "Items", "origin_row": 9, "filled": 1 << 3}])   # hs_cn
    trips = pd.DataFrame([{"submission_id": "s1", "src_file": "t/plan.csv", "src_sheet": "", "src_row": 3}])
    headers = {"t/im.xlsx": {"hs_cn": "海关编码"}, "t/plan.csv": {"seal_id": "封条"}}
    out = point_to_origin(findings, origins, headers, trips)
    assert out[["src_file", "src_sheet", "src_row", "src_column"]].values.tolist() == [
        ["t/im.xlsx", "Items", 9, "海关编码"], ["t/plan.csv", "", 3, "封条"]]
    assert out["message_en"].tolist() == [
        "t/im.xlsx (sheet Items) row 9, column 海关编码: hs_cn '8517' must be 10 digits.",
        "t/plan.csv row 3, column 封条: seal_id bad."]
    assert out["message_zh"].tolist()[0] == \
        "t/im.xlsx (sheet Items) 第9行「海关编码」列：商品编码「8517」应为10位数字。"
    twice = pd.concat([out, out.assign(severity="warning", value="", message_en="empty")], ignore_index=True)
    assert one_per_cell(twice)["message_en"].tolist() == out["message_en"].tolist()


def test_a_total_the_trip_plan_stated_is_reported_on_the_plans_cell(tmp_path: Path, run_flow: Any) -> None:
    """A one-invoice trip's package count and gross mass come from the trip plan (總件數, 總毛重): a
    total that disagrees with the invoice lines is a warning on the plan's cell, not on an invoice
    column that does not exist ("goods_lines….xlsx row 2, column total_packages_qty")."""
    inbox, ws = tmp_path / "inbox", tmp_path / "ws"
    shutil.copytree(REPO / "data" / "samples" / "inbox" / "acme", inbox / "acme")
    plan = inbox / "acme" / "trip_plan.csv"
    head, row = plan.read_text(encoding="utf-8-sig").splitlines()[:2]
    # the lines of ACME-INV-7001 hold 40 + 30 + 50 = 120 cartons and 600 + 540 + 600 = 1,740 kg
    plan.write_text(f"{head},總件數,總毛重(公斤)\n{row},125,1900\n", encoding="utf-8-sig")
    summary = run_flow(inbox, ws, AS_OF)
    assert [(s.trip_ref, s.status) for s in summary.submissions] == [("AC-T101", "filed")]   # warnings hold nothing
    out = ws / "quarantine" / "acme"
    assert sorted(p.name for p in out.glob("*.xlsx")) == ["trip_plan.csv.errors.xlsx"]
    found = pd.read_csv(out / "trip_plan.csv.errors.csv", encoding="utf-8-sig", dtype=str)
    assert found[["rule_id", "src_file", "src_row", "src_column", "value", "message_en"]].values.tolist() == [
        ["V10", "acme/trip_plan.csv", "2", "總毛重(公斤)", "1900",
         "acme/trip_plan.csv row 2, column 總毛重(公斤): stated_gross_mass_kg '1900' differs from the sum of the "
         "lines' gross_mass_kg (1740) by more than 1 %."],
        ["V11", "acme/trip_plan.csv", "2", "總件數", "125",
         "acme/trip_plan.csv row 2, column 總件數: total_packages_qty '125' differs from the sum of the lines' "
         "packages_qty (120)."]]
    listing = load_workbook(out / "trip_plan.csv.errors.xlsx")["Findings 问题清单"]
    assert [r[2:6] for r in listing.iter_rows(min_row=2, values_only=True)] == [
        ("acme/trip_plan.csv", None, 2, "總毛重(公斤)"), ("acme/trip_plan.csv", None, 2, "總件數")]


def test_the_stated_total_map_moves_only_its_own_cell() -> None:
    """Keyed by the invoice cell and the canonical column: the consignment's other findings on the same
    row stay on the invoice."""
    findings = pd.DataFrame([
        {"rule_id": "V11", "severity": "warning", "src_file": "t/inv.csv", "src_sheet": "", "src_row": 2,
         "src_column": "total_packages_qty", "value": "9", "submission_id": "s1",
         "message_en": "t/inv.csv row 2, column total_packages_qty: total_packages_qty '9' differs.",
         "message_zh": "t/inv.csv 第2行「total_packages_qty」列：总件数「9」不符。"},
        {"rule_id": "V10", "severity": "error", "src_file": "t/inv.csv", "src_sheet": "", "src_row": 2,
         "src_column": "Gross", "value": "0", "submission_id": "s1",
         "message_en": "t/inv.csv row 2, column Gross: gross_mass_kg '0' must be greater than 0.",
         "message_zh": "t/inv.csv 第2行「Gross」列：毛重「0」应大于0。"}])
    stated = {("t/inv.csv", 2, "total_packages_qty"): ("t/plan.xlsx", "Trips", 7, "total_packages_qty")}
    headers = {"t/inv.csv": {"gross_mass_kg": "Gross"}, "t/plan.xlsx": {"total_packages_qty": "Pkgs"}}
    out = point_to_origin(findings, pd.DataFrame(), headers, None, stated)
    assert out[["src_file", "src_sheet", "src_row", "src_column"]].values.tolist() == [
        ["t/plan.xlsx", "Trips", 7, "Pkgs"], ["t/inv.csv", "", 2, "Gross"]]
    assert out["message_en"].tolist() == [
        "t/plan.xlsx (sheet Trips) row 7, column Pkgs: total_packages_qty '9' differs.",
        "t/inv.csv row 2, column Gross: gross_mass_kg '0' must be greater than 0."]
    assert out["message_zh"].tolist()[0] == "t/plan.xlsx (sheet Trips) 第7行「Pkgs」列：总件数「9」不符。"


def test_a_totals_row_that_disagrees_is_reported_on_the_totals_row(tmp_path: Path, run_flow: Any) -> None:
    """A file of one invoice with a totals row (合计): its gross mass is the independent total of the
    line-sum check, and a disagreement is a warning on that row's gross-mass cell."""
    inbox, ws = tmp_path / "inbox", tmp_path / "ws"
    shutil.copytree(REPO / "data" / "samples" / "inbox" / "acme", inbox / "acme")
    book = inbox / "acme" / "goods_lines_20261125.xlsx"
    wb = load_workbook(book)
    sheet = wb.active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    total = [None] * len(header)
    total[0], total[header.index("gross_mass_kg")] = "合计", 1900     # the lines weigh 600 + 540 + 600 kg
    sheet.append(total)
    wb.save(book)
    summary = run_flow(inbox, ws, AS_OF)
    assert [(s.trip_ref, s.status) for s in summary.submissions] == [("AC-T101", "filed")]
    lines = next(f for f in summary.files if f.path == "acme/goods_lines_20261125.xlsx")
    assert (lines.rows_in, lines.rows_ignored, lines.rows_filed) == (4, 1, 3)
    found = pd.read_csv(ws / "quarantine" / "acme" / "goods_lines_20261125.xlsx.errors.csv", encoding="utf-8-sig",
                        dtype=str)
    assert found[["rule_id", "src_sheet", "src_row", "src_column", "message_en"]].values.tolist() == [
        ["V10", sheet.title, "5", "gross_mass_kg",
         f"acme/goods_lines_20261125.xlsx (sheet {sheet.title}) row 5, column gross_mass_kg: stated_gross_mass_kg "
         "'1900' differs from the sum of the lines' gross_mass_kg (1740) by more than 1 %."]]
