"""Re-run, amendment, cancellation and response ingestion end to end through the flow and the ledger."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from openpyxl import load_workbook

from tests.conftest import DEMO_SENDER_ID, DEMO_TRANSMITTER
from transforms.filing.ledger import Ledger, LedgerError
from transforms.filing.submissions import cancel_submission
from transforms.plumbing.settings import Settings
from transforms.plumbing.timeutil import parse_as_of

REPO = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-25T20:00:00+08:00"


def _texts(path: Path, name: str) -> list[str]:
    root = etree.parse(str(path)).getroot()
    return [str(t) for t in root.xpath(f"//*[local-name()='{name}']/text()")]


def test_amend_then_cancel_then_refuse_after_arrival(tmp_path: Path, run_flow: Any) -> None:
    inbox, ws = tmp_path / "inbox", tmp_path / "ws"
    shutil.copytree(REPO / "data" / "samples" / "inbox" / "acme", inbox / "acme")
    first = run_flow(inbox, ws, AS_OF)
    [sub] = first.submissions
    sid = sub.submission_id
    assert (sub.status, sub.version) == ("filed", 1)

    again = run_flow(inbox, ws, "2026-11-25T20:30:00+08:00")
    assert [(s.status, s.version) for s in again.submissions] == [("unchanged", 1)]

    book = inbox / "acme" / "goods_lines_20261125.xlsx"
    wb = load_workbook(book)
    ws_sheet = wb.active
    assert ws_sheet is not None
    ws_sheet["K2"], ws_sheet["N2"] = 2500, 8000       # 2,500 T-shirts instead of 2,400
    wb.save(book)
    amended = run_flow(inbox, ws, "2026-11-25T21:00:00+08:00")
    assert [(s.status, s.version) for s in amended.submissions] == [("amended", 2)]
    out = amended.submissions[0].outputs
    # the amendment: a change (5) of the road manifest with a reason on every waybill, the conveyance
    # confirmation deleted (3) and applied for again (2), a new declaration version
    assert sorted(out) == ["cn_conveyance", "cn_conveyance_delete", "cn_dec_1", "cn_manifest", "hk", "single"]
    manifest = ws / out["cn_manifest"]
    assert _texts(manifest, "FunctionCode") == ["5"] and _texts(manifest, "ChangeReasonCode") == ["004"]
    assert _texts(ws / out["cn_conveyance_delete"], "FunctionCode") == ["3"]
    assert _texts(ws / out["cn_conveyance"], "FunctionCode") == ["2"]
    assert out["cn_dec_1"] == f"outbox/cn/dec/{sid}_v2_dec1.xml"
    for rel in sub.outputs.values():   # history is kept, never overwritten
        assert (ws / rel).is_file()

    ledger = Ledger(ws / "ledger.sqlite")
    result = cancel_submission(sid, ledger=ledger, workspace=ws, run_id="cancel-1",
                               as_of=parse_as_of("2026-11-25T22:00:00+08:00"),
                               settings=Settings(workspace=ws, cn_sender_id=DEMO_SENDER_ID,
                                                 cn_transmitter_name=DEMO_TRANSMITTER))
    assert (result.status, result.version) == ("cancelled", 3)
    # a cancellation deletes the road manifest and the confirmation; the declaration (暂存 in the
    # broker's client) is deleted there, so no DecMessage is sent
    assert sorted(result.outputs) == ["cn_conveyance_delete", "cn_manifest", "hk", "single"]
    assert _texts(ws / result.outputs["cn_manifest"], "FunctionCode") == ["3"]   # Mainland CN010 3 = 删除申请
    assert _texts(ws / result.outputs["cn_conveyance_delete"], "FunctionCode") == ["3"]
    assert [h["version"] for h in ledger.history(sid)] == [1, 2, 3]
    with pytest.raises(LedgerError, match="already cancelled"):
        ledger.check_cancel(sid)


def test_responses_update_status_and_block_cancel_after_arrival(tmp_path: Path, run_flow: Any) -> None:
    inbox, ws = tmp_path / "inbox", tmp_path / "ws"
    shutil.copytree(REPO / "data" / "samples" / "inbox" / "acme", inbox / "acme")
    [sub] = run_flow(inbox, ws, AS_OF).submissions
    responses = inbox / "_responses"
    responses.mkdir()
    (responses / "hk_feed.csv").write_text(
        "submission_id,reference,side,event,occurred_at,detail\n"
        f"{sub.submission_id},,HK,ACI_ACCEPTED,2026-11-25T20:05:00+08:00,\n"
        f"{sub.submission_id},CCRN0000123,HK,CCRN_ISSUED,2026-11-25T20:06:00+08:00,\n"
        f"{sub.submission_id},,HK,ARRIVED,2026-11-26T07:50:00+08:00,\n"
        f"{sub.submission_id},,HK,ARRIVED,2026-11-26T07:50:00+08:00,\n"
        "UNKNOWN-REF,,CN,01,2026-11-26T07:51:00+08:00,\n", encoding="utf-8")
    summary = run_flow(inbox, ws, "2026-11-26T08:00:00+08:00")
    ledger = Ledger(ws / "ledger.sqlite")
    assert ledger.status(sub.submission_id) == "arrived"
    r = summary.responses
    assert (r["rows_read"], r["events_new"], r["duplicates"], r["unmatched"]) == (5, 4, 1, 1)
    assert (ledger.current(sub.submission_id) or {})["ccrn"] == "CCRN0000123"
    with pytest.raises(LedgerError, match="arrived"):
        ledger.check_cancel(sub.submission_id)


def test_trip_missing_from_a_resent_plan_is_flagged_never_cancelled(tmp_path: Path, run_flow: Any) -> None:
    inbox, ws = tmp_path / "inbox", tmp_path / "ws"
    shutil.copytree(REPO / "data" / "samples" / "inbox" / "acme", inbox / "acme")
    [sub] = run_flow(inbox, ws, AS_OF).submissions
    plan = inbox / "acme" / "trip_plan.csv"
    # the trucking company re-sends the day's plan: AC-T101 is gone, AC-T102 replaces it
    plan.write_text(plan.read_text(encoding="utf-8-sig").replace("AC-T101", "AC-T102").replace(
        "ACME-INV-7001", "ACME-INV-7002"), encoding="utf-8")
    again = run_flow(inbox, ws, "2026-11-25T21:00:00+08:00")
    assert [f["submission_id"] for f in again.flagged] == [sub.submission_id]
    assert "no longer lists it" in again.flagged[0]["reason"]
    assert Ledger(ws / "ledger.sqlite").status(sub.submission_id) == "filed"     # flagged, not cancelled
