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
