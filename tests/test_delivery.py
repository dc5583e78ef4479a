"""China Single Window folder contract: filings land in <form>/OutBox, receipts come back from InBox
and FailBox as customs events."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from transforms.delivery import BOXES, read_receipts
from transforms.ledger import Ledger
from transforms.timeutil import parse_as_of

REPO = Path(__file__).resolve().parents[1]


def test_filings_go_to_outbox_and_receipts_update_the_ledger(tmp_path: Path, run_flow: Any) -> None:
    inbox, ws, sw = tmp_path / "inbox", tmp_path / "ws", tmp_path / "swclient"
    shutil.copytree(REPO / "data" / "samples" / "inbox" / "acme", inbox / "acme")
    summary = run_flow(inbox, ws, "2026-11-25T20:00:00+08:00", cn_delivery="single_window", single_window_dir=sw)
    [sub] = summary.submissions
    name = f"{sub.submission_id}_v1.xml"
    form = sw / "MT2401"                            # goods leaving the Mainland: export pre-loading manifest
    assert sorted(p.name for p in form.iterdir()) == sorted(BOXES)
    assert (form / "OutBox" / name).read_bytes() == (ws / "outbox" / "cn" / name).read_bytes()
    assert not [p for p in (form / "OutBox").iterdir() if p.name.startswith(".")]

    message_id = f"CN_MT2401_1p0_{sub.submission_id.replace('-', '')}_v1"
    (form / "InBox" / "receipt_1.xml").write_text(
        f"<CommonResponeMessage><MessageID>{message_id}</MessageID><ResponseCode>01</ResponseCode>"
        "<ResponseTime>20261125201500</ResponseTime><ResponseInfo>海关接受申报</ResponseInfo>"
        "</CommonResponeMessage>", encoding="utf-8")
    (form / "FailBox" / "bad.xml").write_text("<Receipt><MessageID>nothing we sent</MessageID></Receipt>")
    events, rejects = read_receipts(sw, received_at=parse_as_of("2026-11-25T20:30:00+08:00"))
    assert events["event_type"].tolist() == ["CN_MANIFEST_ACCEPTED"]
    assert events["occurred_at"].iloc[0].isoformat() == "2026-11-25T12:15:00+00:00"
    assert [r.reason for r in rejects] == ["MT2401/FailBox/bad.xml names no message ssdd sent (expected "
                                           "CN_MT…_1p0_<id>_v<n>)."]

    run_flow(inbox, ws, "2026-11-25T20:30:00+08:00", cn_delivery="single_window", single_window_dir=sw)
    assert Ledger(ws / "ledger.sqlite").status(sub.submission_id) == "accepted"
