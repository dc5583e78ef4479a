"""Response rows that used to end the run (after filing, and again every night while the file
stayed): impossible times and versions are refused rows with reasons; a release before the truck's
arrival is refused; an event matching no filing waits in the ledger instead of reaching analytics."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.ledger.ledger_helpers import AS_OF, file_it, trip_id
from transforms.analytics.responses import responses_summary
from transforms.filing.ledger import Ledger
from transforms.filing.responses import read_responses

HEADER = "submission_id,reference,side,event,occurred_at,detail,version\n"


def _inbox(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "inbox" / "_responses"
    folder.mkdir(parents=True)
    (folder / "r.csv").write_text(HEADER + text, encoding="utf-8")
    return tmp_path / "inbox"


def test_impossible_times_and_versions_are_refused_rows_not_a_failed_run(tmp_path: Path) -> None:
    sid = trip_id()
    inbox = _inbox(tmp_path,
                   f"{sid},,HK,ACI_ACCEPTED,0001-01-01T00:00:00+08:00,,1\n"    # OverflowError in astimezone
                   f"{sid},,HK,ACI_ACCEPTED,2026-11-25T08:03:00+08:00,,²\n"     # ValueError in int()
                   f"{sid},,HK,ACI_ACCEPTED,2026-11-25T08:04:00+08:00,,{'9' * 23}\n"   # OverflowError in Int64
                   f"{sid},,HK,ARRIVED,9999-12-31T23:00:00+08:00,,1\n"           # accepted silently before
                   f"{sid},,HK,ARRIVED,1999-12-31T23:00:00Z,,1\n"
                   f"{sid},,HK,ACI_ACCEPTED,2026-11-25T08:05:00+08:00,,1\n")
    events, rejects = read_responses(inbox, received_at=AS_OF)
    assert list(events["occurred_at"].dt.strftime("%H:%M")) == ["00:05"]
    assert [(r.row, r.column) for r in rejects] == [(2, "occurred_at"), (3, "version"), (4, "version"),
                                                    (5, "occurred_at"), (6, "occurred_at")]
    plausible = ("is not a plausible time for a customs response; expected a time from 2000 up to one day after "
                 "the run's as-of time (2026-11-25T08:00+08:00).")
    assert rejects[0].reason == f"_responses/r.csv row 2, column occurred_at: '0001-01-01T00:00:00+08:00' {plausible}"
    assert rejects[1].reason == ("_responses/r.csv row 3, column version: '²' is not a filing version; expected a "
                                 "whole number from 1 to 9,999, or blank.")
    assert rejects[2].reason.startswith(f"_responses/r.csv row 4, column version: '{'9' * 23}' is not a filing")
    assert rejects[3].reason == f"_responses/r.csv row 5, column occurred_at: '9999-12-31T23:00:00+08:00' {plausible}"


def test_release_before_arrival_is_refused_with_a_reason_in_the_summary(tmp_path: Path, ledger: Ledger) -> None:
    sid = trip_id()
    file_it(ledger, sid, "h1")
    inbox = _inbox(tmp_path,
                   f"{sid},,CN,11,2026-11-25T14:10:00+08:00,,1\n"        # release first in the file
                   f"{sid},,CN,ARRIVED,2026-11-25T14:40:00+08:00,,1\n"
                   f"{sid},,HK,ARRIVED,2026-11-25T15:00:00+08:00,,1\n"
                   f"{sid},,HK,RELEASED,2026-11-25T15:30:00+08:00,,1\n")
    events, rejects = read_responses(inbox, received_at=AS_OF + timedelta(hours=12))
    assert rejects == []
    outcome = ledger.apply_events(events)
    assert [(r.row, r.column) for r in outcome.refused] == [(2, "occurred_at")]
    assert outcome.refused[0].reason == (
        "_responses/r.csv row 2, column occurred_at: the CN release at 2026-11-25T14:10+08:00 comes before the "
        "truck's CN arrival at 2026-11-25T14:40+08:00; expected a release at or after the arrival.")
    assert sorted(outcome.events["event_type"]) == ["ARRIVED", "ARRIVED", "RELEASED"]
    assert ledger.status(sid) == "released"   # Hong Kong's release is real; the Mainland's was refused
    summary = responses_summary(inbox, outcome, rejects, appended=len(outcome.events))
    assert (summary["rows_rejected"], summary["files_rejected"]) == (1, 0)
    assert summary["rejected"][0]["reason"] == outcome.refused[0].reason


def test_unmatched_event_waits_in_the_ledger_and_reaches_analytics_only_once_matched(ledger: Ledger,
                                                                                     tmp_path: Path) -> None:
    inbox = _inbox(tmp_path, ",CCRN-LATER,HK,ARRIVED,2026-11-25T14:40:00+08:00,,\n")
    events, _ = read_responses(inbox, received_at=AS_OF)
    outcome = ledger.apply_events(events)
    assert (outcome.unmatched, len(outcome.events)) == (1, 0)   # used to be appended to analytics/events
    sid = trip_id()
    file_it(ledger, sid, "h1")
    issued = _inbox(tmp_path / "later", f"{sid},CCRN-LATER,HK,CCRN_ISSUED,2026-11-25T08:10:00+08:00,,1\n")
    later, _ = read_responses(issued, received_at=AS_OF)
    outcome = ledger.apply_events(later)
    assert outcome.rematched == 1
    assert sorted(outcome.events["event_type"]) == ["ARRIVED", "CCRN_ISSUED"]
    assert set(outcome.events["submission_id"]) == {sid}
