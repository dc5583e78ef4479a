"""``ssdd cancel`` then the nightly run with the same files still in the inbox: the trip stays cancelled
(it used to be re-filed as v3), the run says why and what a person does, and responses to the
cancelled filing do not mark it released."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from tests.conftest import DEMO_SENDER_ID, DEMO_TRANSMITTER
from transforms.filing.ledger import Ledger
from transforms.filing.submissions import WriterOptions, cancel_submission
from transforms.plumbing.timeutil import parse_as_of

REPO = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-25T20:00:00+08:00"


def test_cancelled_trip_is_not_refiled_by_the_next_run(tmp_path: Path, run_flow: Any) -> None:
    inbox, ws = tmp_path / "inbox", tmp_path / "ws"
    shutil.copytree(REPO / "data" / "samples" / "inbox" / "acme", inbox / "acme")
    [sub] = run_flow(inbox, ws, AS_OF).submissions
    sid = sub.submission_id
    ledger = Ledger(ws / "ledger.sqlite")
    cancelled = cancel_submission(sid, ledger=ledger, workspace=ws, run_id="cancel-1",
                                  as_of=parse_as_of("2026-11-25T21:00:00+08:00"),
                                  options=WriterOptions(sender_id=DEMO_SENDER_ID, transmitter_name=DEMO_TRANSMITTER))
    assert (cancelled.status, cancelled.version) == ("cancelled", 2)
    responses = inbox / "_responses"
    responses.mkdir()
    (responses / "late.csv").write_text(
        "submission_id,reference,side,event,occurred_at,detail,version\n"
        f"{sid},,HK,ARRIVED,2026-11-25T21:30:00+08:00,,1\n"
        f"{sid},,HK,RELEASED,2026-11-25T21:40:00+08:00,,1\n", encoding="utf-8")

    night = run_flow(inbox, ws, "2026-11-25T22:00:00+08:00")
    [again] = night.submissions
    assert (again.status, again.version) == ("cancelled", 2)
    assert again.reasons == [
        "Trip AC-T101 was cancelled on 2026-11-25 with ssdd cancel and stays cancelled, so its files in the inbox "
        "are not filed again; to file this truck anew give it a new trip_ref in the trip plan, otherwise remove "
        "its files from the inbox."]
    assert not (ws / "outbox" / "cn" / f"{sid}_v3.xml").exists()
    assert [h["version"] for h in ledger.history(sid)] == [1, 2]
    assert ledger.status(sid) == "cancelled"          # the responses to v1 are stored, the trip stays cancelled
    assert night.totals()["submissions_cancelled"] == 1
