"""``ssdd cancel`` then the nightly run with the same files still in the inbox: the trip stays cancelled
(it used to be re-filed as v3), the run says why and what a person does, and responses to the
cancelled filing do not mark it released."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from flows.cli import app
from tests.conftest import DEMO_SENDER_ID, DEMO_TRANSMITTER
from transforms.filing.ledger import Ledger
from transforms.filing.submissions import cancel_submission
from transforms.plumbing.settings import Settings
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
                                  settings=Settings(workspace=ws, cn_sender_id=DEMO_SENDER_ID,
                                                    cn_transmitter_name=DEMO_TRANSMITTER))
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


def test_ssdd_cancel_files_the_cancellation_at_its_as_of(tmp_path: Path, run_flow: Any) -> None:
    inbox, ws = tmp_path / "inbox", tmp_path / "ws"
    shutil.copytree(REPO / "data" / "samples" / "inbox" / "acme", inbox / "acme")
    [sub] = run_flow(inbox, ws, AS_OF).submissions
    sid = sub.submission_id
    runner = CliRunner()
    bad = runner.invoke(app, ["cancel", sid, "--workspace", str(ws), "--as-of", "tonight"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    assert bad.output.startswith("ssdd: --as-of 'tonight' is not an ISO-8601 date-time")
    done = runner.invoke(app, ["cancel", sid, "--workspace", str(ws), "--as-of", "2026-11-25T21:00"])
    assert done.exit_code == 0, done.output
    assert done.output.startswith(f"cancelled {sid} as version 2: ")
    [_, cancel] = Ledger(ws / "ledger.sqlite").history(sid)   # no offset: 21:00 Hong Kong time
    assert (cancel["status"], cancel["as_of"]) == ("cancelled", datetime(2026, 11, 25, 13, 0, tzinfo=UTC))
    assert str(cancel["run_id"]).startswith("cancel-20261125T210000-")
