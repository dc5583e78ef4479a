"""Error workbooks rendered on two processes are the workbooks rendered on one."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

import transforms.filing.quarantine as quarantine
import transforms.plumbing.runtime as runtime
from transforms.filing.quarantine import report_jobs


def _inbox(root: Path) -> pd.DataFrame:
    findings = []
    for n in (1, 2, 3):
        path = root / "inbox" / "acme" / f"orders_{n}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("Invoice No,Qty\n" + "".join(f"INV{n}-{i},{'x' if i % 2 else i}\n" for i in range(1, 7)),
                        encoding="utf-8")
        findings += [{"rule_id": "qty_number", "severity": "error", "src_file": f"acme/orders_{n}.csv",
                      "src_sheet": None, "src_row": i + 1, "src_column": "Qty", "value": "x",
                      "message_en": f"acme/orders_{n}.csv row {i + 1}, column Qty: 'x' is not a number.",
                      "message_zh": "数量应为数字", "submission_id": None} for i in range(1, 7, 2)]
    return pd.DataFrame(findings)


def _cells(book: Path) -> dict[str, list[list[object]]]:
    wb = load_workbook(book)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}


def test_pool_and_single_process_write_the_same_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    findings = _inbox(tmp_path)
    monkeypatch.setattr(runtime, "WORKBOOK_FINDINGS_PER_START_UP", 0)   # three small files: force the pool
    out = {}
    for workers in (1, 2):
        jobs = report_jobs(findings, inbox=tmp_path / "inbox", out_dir=tmp_path / f"q{workers}", trader="acme",
                           language="zh-Hant")
        out[workers] = quarantine.publish_reports(jobs, workers)
    assert [p.name for p in out[2]] == [f"orders_{n}.csv.errors.xlsx" for n in (1, 2, 3)]
    for one, two in zip(out[1], out[2], strict=True):
        assert _cells(one) == _cells(two)
        csv1 = one.with_suffix("").with_suffix(".errors.csv")
        assert csv1.read_bytes() == two.with_suffix("").with_suffix(".errors.csv").read_bytes()
    rows = _cells(out[2][0])["Rows"]
    assert rows[0] == ["source row / 原行号", "Invoice No", "Qty"]
    assert [r[0] for r in rows[1:]] == [2, 4, 6]           # the held rows as sent, source row numbers
    assert "數量應為數字" in _cells(out[2][0])["Findings 问题清单"][1]   # zh-Hant for this trader
