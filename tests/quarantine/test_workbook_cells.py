"""Any text a trader sends fits in the error workbook and its CSV twin: control characters shown
visibly, formulas neutralised wherever a spreadsheet program would still see one."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from transforms.filing.quarantine import neutralise, publish_reports, report_jobs


@pytest.mark.parametrize(("sent", "shown"), [
    ("=1+1", "'=1+1"), ("+86 755", "'+86 755"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1+1", "'\t=1+1"), ("\r=1", "'\r=1"), ("  =HYPERLINK(\"x\")", "'  =HYPERLINK(\"x\")"),
    ("\x07=1", "'␇=1"), ("＝1+1", "'＝1+1"), ("a\x07b", "a␇b"), ("seal\x00\x1b", "seal␀␛"),
    ("x\x7fy\x85", "x␡y<U+0085>"), ("plain 文字", "plain 文字"), ("a\tb", "a\tb")])
def test_cells_are_neutralised_and_controls_visible(sent: str, shown: str) -> None:
    assert neutralise(sent) == shown


def test_held_row_with_control_characters_gets_its_workbook(tmp_path: Path) -> None:
    src = tmp_path / "inbox" / "acme" / "orders.csv"
    src.parent.mkdir(parents=True)
    src.write_text("Invoice No,Seal,Qty\nINV-1,SL\x07120034,x\nINV-2,\x1b=cmd|' /C calc'!A0,3\n", encoding="utf-8")
    findings = pd.DataFrame([
        {"rule_id": "V10", "severity": "error", "src_file": "acme/orders.csv", "src_sheet": "", "src_row": 2,
         "src_column": "Seal", "value": "SL\x07120034", "message_en": "acme/orders.csv row 2, column Seal: "
         "'SL\x07120034' holds a control character.", "message_zh": "封志号含控制字符", "submission_id": None},
        {"rule_id": "V10", "severity": "error", "src_file": "acme/orders.csv", "src_sheet": "", "src_row": 3,
         "src_column": "Seal", "value": "\x1b=cmd|' /C calc'!A0", "message_en": "row 3: bad seal.",
         "message_zh": "封志号", "submission_id": None}])
    [book] = publish_reports(report_jobs(findings, inbox=tmp_path / "inbox", out_dir=tmp_path / "q", trader="acme",
                                         language="zh-Hans"))
    wb = load_workbook(book)
    rows = [[c.value for c in r] for r in wb["Rows"].iter_rows()]
    assert rows[1] == [2, "INV-1", "SL␇120034", "x"]
    assert rows[2] == [3, "INV-2", "'␛=cmd|' /C calc'!A0", "3"]
    assert wb["Rows"]["C2"].comment.text.startswith("V10: acme/orders.csv row 2, column Seal: 'SL␇120034'")
    twin = book.with_suffix("").with_suffix(".errors.csv").read_bytes().decode("utf-8-sig")
    values = [r[6] for r in csv.reader(io.StringIO(twin))][1:]
    assert values == ["SL␇120034", "'␛=cmd|' /C calc'!A0"]
