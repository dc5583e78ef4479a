"""A bad cell holds its whole truck: the trader gets the row back with the failing cell highlighted and
the reason in English and Chinese, the counts reconcile, and a refused file never stops the run."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
AS_OF = "2026-11-25T20:00:00+08:00"


def _break_hs_code(csv_path: Path) -> None:
    """XS-2611-002's smartphone line gets a 9-digit Mainland code, as a trader might type it."""
    text = csv_path.read_bytes().decode("gb18030")
    rows = list(csv.reader(io.StringIO(text)))
    for r in rows:
        if r and r[0] == "XS-2611-002":
            r[12] = "8517.1300.0"   # HS编码 typed with dots and one digit short: 9 digits, not a lost zero
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    csv_path.write_bytes(out.getvalue().encode("gb18030"))


def test_bad_cell_holds_the_truck_and_comes_back_highlighted(tmp_path: Path, run_flow: Any) -> None:
    inbox, ws = tmp_path / "inbox", tmp_path / "ws"
    shutil.copytree(REPO / "data" / "samples" / "inbox", inbox)
    kingdee = inbox / "mingfai" / "销售出库单_20261125.csv"
    _break_hs_code(kingdee)
    # a broken file beside them: refused in one sentence, the run goes on
    shutil.copy(CORPUS / "spreadsheets" / "calamine" / "pass_protected.xlsx", inbox / "acme" / "orders.xlsx")

    summary = run_flow(inbox, ws, AS_OF)
    status = {s.trip_ref: s.status for s in summary.submissions}
    assert status == {"MF-T001": "held", "MF-T002": "held", "AC-T101": "filed"}
    held = next(s for s in summary.submissions if s.trip_ref == "MF-T001")
    assert any("8517.1300.0" in r or "851713000" in r for r in held.reasons), held.reasons

    files = {f.path: f for f in summary.files}
    refused = files["acme/orders.xlsx"]
    assert refused.status == "refused" and "password" in (refused.reason or "") and "\n" not in refused.reason
    kd = files["mingfai/销售出库单_20261125.csv"]
    # the whole truck MF-T001 (3 lines) and the HZM truck (1 line) are held; XS-2611-004 waits
    assert (kd.rows_in, kd.rows_filed, kd.rows_quarantined, kd.rows_ignored, kd.rows_pending) == (6, 0, 4, 1, 1)
    assert all(f.reconciles() for f in summary.files)

    book = ws / "quarantine" / "mingfai" / "销售出库单_20261125.csv.errors.xlsx"
    wb = load_workbook(book)
    assert wb.sheetnames[0] == "Summary 摘要"
    rows_sheet = next(s for s in wb.worksheets if s.title.startswith("Rows"))
    header = [c.value for c in rows_sheet[1]]
    col = header.index("HS编码") + 1
    hit = next(r for r in rows_sheet.iter_rows(min_row=2) if r[0].value == 4)   # source row 4 = the phone line
    cell = hit[col - 1]
    assert cell.value == "8517.1300.0"
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert cell.comment is not None
    comment = cell.comment.text
    assert comment == ("V06: mingfai/销售出库单_20261125.csv row 4, column HS编码: hs_cn '8517.1300.0' must be 10 "
                       "digits (China 商品编号).\nmingfai/销售出库单_20261125.csv 第4行「HS编码」列："
                       "商品编码「8517.1300.0」应为10位数字。")
    twin = (ws / "quarantine" / "mingfai" / "销售出库单_20261125.csv.errors.csv").read_text(encoding="utf-8-sig")
    assert "8517.1300.0" in twin
