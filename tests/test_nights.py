"""Files arrive on different nights: lines wait for their trip as pending, an archived file's
pending lines are carried in the store, and the newest export of an invoice replaces its lines."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "samples" / "inbox"


def test_lines_wait_for_a_trip_plan_that_arrives_the_next_night(tmp_path: Path, run_flow: Any) -> None:
    inbox, ws = tmp_path / "inbox", tmp_path / "ws"
    shutil.copytree(SAMPLE / "acme", inbox / "acme")
    plan = inbox / "acme" / "trip_plan.csv"
    held_back = plan.read_bytes()
    plan.unlink()

    night1 = run_flow(inbox, ws, "2026-11-25T20:00:00+08:00")
    lines = {f.path: f for f in night1.files}["acme/goods_lines_20261125.xlsx"]
    assert (lines.rows_in, lines.rows_pending, lines.rows_filed) == (3, 3, 0)
    assert night1.pending == [{"trader": "acme", "invoice_no": "ACME-INV-7001", "lines": 3,
                               "reason": "no trip plan lists this invoice yet"}]
    assert night1.submissions == []

    # the export is archived away; the trip plan lands the next night
    archived = tmp_path / "archive"
    archived.mkdir()
    shutil.move(str(inbox / "acme" / "goods_lines_20261125.xlsx"), archived)
    plan.write_bytes(held_back)
    night2 = run_flow(inbox, ws, "2026-11-25T21:00:00+08:00")
    carried = {f.path: f for f in night2.files}["acme/goods_lines_20261125.xlsx"]
    assert carried.status == "carried" and (carried.rows_in, carried.rows_filed) == (3, 3)
    assert [(s.trip_ref, s.status) for s in night2.submissions] == [("AC-T101", "filed")]
    assert night2.pending == []
    assert all(f.reconciles() for f in night2.files)


def test_newest_export_replaces_an_invoice_wholesale(tmp_path: Path, run_flow: Any) -> None:
    import os

    from openpyxl import load_workbook

    inbox, ws = tmp_path / "inbox", tmp_path / "ws"
    shutil.copytree(SAMPLE / "acme", inbox / "acme")
    old = inbox / "acme" / "goods_lines_20261125.xlsx"
    wb = load_workbook(old)
    sheet = wb.active
    assert sheet is not None
    sheet.delete_rows(4)          # the re-export drops the chairs and changes the T-shirt quantity
    sheet["K2"] = 2500
    sheet["N2"] = 8000
    newer = inbox / "acme" / "goods_lines_20261126.xlsx"
    wb.save(newer)
    os.utime(old, (1_795_000_000, 1_795_000_000))
    os.utime(newer, (1_795_086_400, 1_795_086_400))

    summary = run_flow(inbox, ws, "2026-11-25T20:00:00+08:00")
    files = {f.path: f for f in summary.files}
    assert files["acme/goods_lines_20261125.xlsx"].rows_superseded == 3
    assert files["acme/goods_lines_20261126.xlsx"].rows_filed == 2
    assert [(s.trip_ref, s.status) for s in summary.submissions] == [("AC-T101", "filed")]
    from lxml import etree

    sid = summary.submissions[0].submission_id
    hk = etree.parse(str(ws / "outbox" / "hk" / f"{sid}_v1.xml")).getroot()
    counts = hk.xpath("count(//*[local-name()='GovernmentAgencyGoodsItem'])")
    assert counts == 2
