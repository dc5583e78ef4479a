"""Filing ledger: ids, decisions, history, held attempts, cancellation, flags, storage settings."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from tests.ledger.ledger_helpers import AS_OF, CROSSING, HKT, event, file_it, trip_id
from transforms.filing.ledger import Decision, EventOutcome, Ledger, LedgerError, ledger_path
from transforms.filing.ledger.migrations import MIGRATIONS
from transforms.model.canonical import EVENTS
from transforms.model.identity import submission_id_for

Apply = Callable[..., EventOutcome]

# -- ids and storage ---------------------------------------------------------------------------------


def test_submission_id_is_a_fixed_uuid5_of_the_normalised_business_key() -> None:
    assert submission_id_for("CARR01", "T001", "HK_IMPORT") == "e75079e4-2783-5210-ace9-7b99501f0880"
    # full-width characters, case and stray spaces do not make a new trip
    assert submission_id_for(" carr01 ", "Ｔ００１", "hk_import") == "e75079e4-2783-5210-ace9-7b99501f0880"
    assert submission_id_for("CARR01", "T001", "HK_EXPORT") != submission_id_for("CARR01", "T001", "HK_IMPORT")


def test_url_forms_and_refused_schemes(tmp_path: Path) -> None:
    assert ledger_path("sqlite:///data/workspace/ledger.sqlite") == Path("data/workspace/ledger.sqlite")
    assert ledger_path("sqlite:////var/ssdd/ledger.sqlite") == Path("/var/ssdd/ledger.sqlite")
    assert ledger_path(tmp_path / "x.db") == tmp_path / "x.db"
    with pytest.raises(LedgerError, match="only sqlite:///path ledgers are supported"):
        Ledger("postgresql://ssdd@db/ledger")
    with pytest.raises(LedgerError, match="has no path"):
        Ledger("sqlite://")


def test_wal_mode_synchronous_normal_and_busy_timeout(ledger: Ledger) -> None:
    assert ledger.pragma("journal_mode") == "wal"
    assert ledger.pragma("synchronous") == "1"  # NORMAL
    assert int(ledger.pragma("busy_timeout")) >= 1000


def test_migrations_are_recorded_once_and_a_newer_ledger_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/l.sqlite"
    Ledger(url).close()
    with Ledger(url) as again:
        assert again.schema_version() == MIGRATIONS[-1].version
    con = sqlite3.connect(tmp_path / "l.sqlite")
    assert con.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == len(MIGRATIONS)
    con.execute("INSERT INTO schema_version VALUES (999, 'from the future', '2030-01-01')")
    con.commit()
    con.close()
    with pytest.raises(LedgerError, match="schema version 999, newer than this ssdd knows"):
        Ledger(url)


def test_events_tables_carry_exactly_the_model_columns(ledger: Ledger, tmp_path: Path) -> None:
    con = sqlite3.connect(tmp_path / "ledger.sqlite")
    for table in ("events", "events_unmatched"):
        columns = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
        assert columns == EVENTS.names, f"{table}: add a migration for the model's new EVENTS columns"


# -- decisions ---------------------------------------------------------------------------------------


def test_decisions_new_unchanged_amend(ledger: Ledger) -> None:
    sid = trip_id()
    assert ledger.decide(sid, "h1") == Decision("new", 1, "9")
    file_it(ledger, sid, "h1")
    assert ledger.status(sid) == "filed"
    # re-running the same inbox: nothing new to file
    assert ledger.decide(sid, "h1") == Decision("unchanged", 1, "9")
    # a changed trip: an amendment, version 2, function code 5 (replace)
    assert file_it(ledger, sid, "h2", run_id="run-2") == Decision("amend", 2, "5")
    assert ledger.decide(sid, "h2") == Decision("unchanged", 2, "5")
    current = ledger.current(sid)
    assert current is not None
    assert (current["current_version"], current["current_hash"], current["function_code"]) == (2, "h2", "5")
    assert current["outputs"] == {"hk": f"outbox/hk/{sid}_v2.xml"}
    assert current["traders"] == ["mingfai"]


def test_rejected_filing_is_refiled_as_new_not_as_a_change(ledger: Ledger, apply: Apply) -> None:
    sid = trip_id()
    file_it(ledger, sid, "h1")
    apply(event("CN", "CN_MANIFEST_REJECTED", AS_OF + timedelta(minutes=5), submission_id=sid, raw="03",
                detail="承运人代码未备案 / carrier code is not registered"))
    assert ledger.status(sid) == "rejected"
    assert ledger.decide(sid, "h1") == Decision("refile", 2, "9")
    assert ledger.decide(sid, "h2") == Decision("refile", 2, "9")
    file_it(ledger, sid, "h2", run_id="run-2", as_of=AS_OF + timedelta(hours=1))
    assert ledger.status(sid) == "filed"
    assert [(h["version"], h["function_code"]) for h in ledger.history(sid)] == [(1, "9"), (2, "9")]


def test_record_filed_is_idempotent_and_refuses_conflicts(ledger: Ledger) -> None:
    sid = trip_id()
    file_it(ledger, sid, "h1")
    kwargs = dict(submission_id=sid, version=1, function_code="9", run_id="run-1", as_of=AS_OF, trader="mingfai",
                  carrier_code="CARR01", trip_ref="T001", direction="HK_IMPORT", control_point="LMC",
                  expected_crossing_at=CROSSING, outputs={})
    ledger.record_filed(content_hash="h1", **kwargs)  # the re-run after a crash between rename and commit
    assert len(ledger.history(sid)) == 1
    with pytest.raises(LedgerError, match="already recorded with another content hash"):
        ledger.record_filed(content_hash="other", **kwargs)
    with pytest.raises(LedgerError, match="the next one is 2"):
        ledger.record_filed(content_hash="h3", **{**kwargs, "version": 3, "function_code": "5"})
    with pytest.raises(LedgerError, match=r"cancellations go through Ledger\.cancel"):
        ledger.record_filed(content_hash="h2", **{**kwargs, "version": 2, "function_code": "1"})
    with pytest.raises(ValueError, match="must carry a time zone"):
        ledger.record_filed(content_hash="h2", **{**kwargs, "version": 2, "function_code": "5",
                                                  "as_of": AS_OF.replace(tzinfo=None)})


def test_history_only_grows_and_the_database_refuses_rewrites(ledger: Ledger, tmp_path: Path) -> None:
    sid = trip_id()
    snapshots = []
    file_it(ledger, sid, "h1")
    snapshots.append(ledger.history(sid))
    ledger.record_held(submission_id=sid, run_id="run-2", as_of=AS_OF, reasons=["V07 gross mass missing"],
                       trader="mingfai", carrier_code="CARR01", trip_ref="T001", direction="HK_IMPORT",
                       content_hash="h2")
    snapshots.append(ledger.history(sid))
    file_it(ledger, sid, "h3", run_id="run-3")
    snapshots.append(ledger.history(sid))
    ledger.cancel(sid, run_id="run-4", as_of=AS_OF + timedelta(hours=2))
    snapshots.append(ledger.history(sid))
    for earlier, later in itertools.pairwise(snapshots):
        assert later[: len(earlier)] == earlier and len(later) == len(earlier) + 1
    assert [(h["status"], h["version"], h["function_code"]) for h in snapshots[-1]] == [
        ("filed", 1, "9"), ("held", 2, None), ("filed", 2, "5"), ("cancelled", 3, "1")]
    con = sqlite3.connect(tmp_path / "ledger.sqlite")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE versions SET content_hash = 'forged'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM versions")


def test_held_never_filed_trip_is_held_then_filed_as_v1(ledger: Ledger) -> None:
    sid = trip_id()
    reasons = ["V03 HS code missing on line 4"]
    for _ in range(2):  # the same run recorded twice (crash re-run) adds one row only
        ledger.record_held(submission_id=sid, run_id="run-1", as_of=AS_OF, reasons=reasons, trader="mingfai",
                           carrier_code="CARR01", trip_ref="T001", direction="HK_IMPORT", control_point="LMC",
                           expected_crossing_at=CROSSING, content_hash="h0")
    assert ledger.status(sid) == "held"
    assert [(h["status"], h["reasons"]) for h in ledger.history(sid)] == [("held", reasons)]
    assert ledger.filed().empty
    assert ledger.decide(sid, "h1") == Decision("new", 1, "9")
    file_it(ledger, sid, "h1", run_id="run-2")
    assert ledger.status(sid) == "filed"


def test_held_amendment_keeps_the_filed_version_current(ledger: Ledger) -> None:
    sid = trip_id()
    file_it(ledger, sid, "h1")
    ledger.record_held(submission_id=sid, run_id="run-2", as_of=AS_OF, reasons=["V11 currency blank"],
                       trader="mingfai", carrier_code="CARR01", trip_ref="T001", direction="HK_IMPORT",
                       content_hash="h2")
    current = ledger.current(sid)
    assert current is not None
    assert (current["status"], current["current_version"], current["current_hash"]) == ("filed", 1, "h1")
    assert ledger.history(sid)[-1]["status"] == "held"
    assert ledger.decide(sid, "h2") == Decision("amend", 2, "5")


def test_shared_truck_lists_every_trader(ledger: Ledger) -> None:
    sid = trip_id()
    file_it(ledger, sid, "h1", trader="mingfai")
    file_it(ledger, sid, "h2", trader="wingon", run_id="run-2")
    current = ledger.current(sid)
    assert current is not None and current["traders"] == ["mingfai", "wingon"]
    assert ledger.filed().loc[0, "trader"] == "mingfai;wingon"


# -- cancellation ------------------------------------------------------------------------------------


def test_cancel_before_arrival_then_refile_as_new(ledger: Ledger) -> None:
    sid = trip_id()
    file_it(ledger, sid, "h1")
    assert ledger.check_cancel(sid) == Decision("cancel", 2, "1")
    assert ledger.cancel(sid, run_id="cancel-1", as_of=AS_OF + timedelta(hours=1)) == Decision("cancel", 2, "1")
    assert ledger.status(sid) == "cancelled"
    assert ledger.filed().empty
    with pytest.raises(LedgerError, match="already cancelled"):
        ledger.cancel(sid, run_id="cancel-2", as_of=AS_OF)
    # the trip's files are still in the inbox (or it comes back changed): it stays cancelled
    assert ledger.decide(sid, "h1") == Decision("cancelled", 2, "1")
    assert ledger.decide(sid, "h2") == Decision("cancelled", 2, "1")
    assert ledger.cancelled_note(sid, "T001")[0] == (
        "Trip T001 was cancelled on 2026-11-25 with ssdd cancel and stays cancelled, so its files in the inbox are "
        "not filed again; to file this truck anew give it a new trip_ref in the trip plan, otherwise remove its "
        "files from the inbox.")


def test_cancel_unknown_or_never_filed_is_refused(ledger: Ledger) -> None:
    with pytest.raises(LedgerError, match="has no submission with that id"):
        ledger.cancel(trip_id("NOPE"), run_id="c", as_of=AS_OF)
    sid = trip_id("T009")
    ledger.record_held(submission_id=sid, run_id="r", as_of=AS_OF, reasons=["x"], trader="mingfai",
                       carrier_code="CARR01", trip_ref="T009", direction="HK_IMPORT")
    with pytest.raises(LedgerError, match="never filed"):
        ledger.cancel(sid, run_id="c", as_of=AS_OF)


@pytest.mark.parametrize(("side", "event_type", "words"), [
    ("HK", "ARRIVED", "the truck arrived at LMC"),
    ("CN", "CN_RELEASED", "the truck was released at LMC"),
])
def test_cancel_after_arrival_or_release_is_refused_with_a_reason(ledger: Ledger, apply: Apply, side: str,
                                                                  event_type: str, words: str) -> None:
    sid = trip_id()
    file_it(ledger, sid, "h1")
    apply(event(side, event_type, CROSSING, submission_id=sid))
    with pytest.raises(LedgerError) as err:
        ledger.cancel(sid, run_id="c", as_of=CROSSING + timedelta(hours=1))
    message = str(err.value)
    assert words in message and "2026-11-25 14:30 HKT" in message
    assert "never cancelled after arrival or release" in message
    assert ledger.status(sid) in ("arrived", "released")
    assert [h["status"] for h in ledger.history(sid)] == ["filed"]


# -- re-sent trip plans ------------------------------------------------------------------------------


def test_trip_missing_from_a_resent_plan_is_flagged_never_cancelled(ledger: Ledger, apply: Apply) -> None:
    kept, dropped, other_day, other_carrier, crossed = (
        trip_id("T1"), trip_id("T2"), trip_id("T3"), trip_id("T4", carrier="CARR02"), trip_id("T5"))
    file_it(ledger, kept, "a", trip_ref="T1")
    file_it(ledger, dropped, "b", trip_ref="T2")
    file_it(ledger, other_day, "c", trip_ref="T3", crossing=CROSSING + timedelta(days=3))
    file_it(ledger, other_carrier, "d", trip_ref="T4", carrier="CARR02")
    file_it(ledger, crossed, "e", trip_ref="T5")
    apply(event("HK", "ARRIVED", CROSSING, submission_id=crossed))
    flagged = ledger.missing_from_resend("mingfai", {kept}, run_id="run-2", as_of=AS_OF, carrier_codes={"CARR01"},
                                         crossing_dates=(date(2026, 11, 25), date(2026, 11, 26)))
    assert flagged == [dropped]
    assert ledger.status(dropped) == "filed"  # flagged, not cancelled
    assert [h["status"] for h in ledger.history(dropped)] == ["filed"]
    flags = ledger.flags(dropped)
    assert len(flags) == 1 and flags[0]["kind"] == "missing_from_resend" and "T2" in flags[0]["detail"]
    # the same run asking again records no second flag; another trader's plan flags nothing of ours
    ledger.missing_from_resend("mingfai", {kept}, run_id="run-2", as_of=AS_OF, carrier_codes={"CARR01"},
                               crossing_dates=(date(2026, 11, 25), date(2026, 11, 26)))
    assert len(ledger.flags(dropped)) == 1
    assert ledger.missing_from_resend("wingon", set(), run_id="run-2", as_of=AS_OF) == []


def test_filed_frame_for_the_simulator(ledger: Ledger) -> None:
    sid = trip_id()
    file_it(ledger, sid, "h1", batch="CNB202611250001")
    frame = ledger.filed()
    row = frame.iloc[0]
    assert row["submission_id"] == sid and row["version"] == 1 and row["control_point"] == "LMC"
    assert row["expected_crossing_at"] == CROSSING and row["filed_at"] == AS_OF
    assert str(frame["expected_crossing_at"].dtype) == "datetime64[us, UTC]"
    assert row["cn_trip_batch_no"] == "CNB202611250001" and row["trader"] == "mingfai"
    assert AS_OF.tzinfo == HKT


def test_held_trip_without_crossing_time_or_control_point_is_recorded(ledger: Ledger) -> None:
    sid = trip_id("T010")
    ledger.record_held(submission_id=sid, run_id="r", as_of=AS_OF, reasons=["V05 expected crossing missing"],
                       trader="mingfai", carrier_code="CARR01", trip_ref="T010", direction="HK_IMPORT",
                       control_point=None, expected_crossing_at=pd.NaT)
    current = ledger.current(sid)
    assert current is not None
    assert (current["status"], current["expected_crossing_at"], current["control_point"]) == ("held", None, None)


def test_two_connections_share_one_ledger(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/shared.sqlite"
    with Ledger(url) as a, Ledger(url) as b:
        sid = trip_id()
        file_it(a, sid, "h1")
        assert b.decide(sid, "h1") == Decision("unchanged", 1, "9")
        file_it(b, sid, "h2", run_id="run-2")
        assert a.status(sid) == "filed" and a.decide(sid, "h2").action == "unchanged"


def test_a_batch_commits_all_its_filings_at_once_or_none_of_them(ledger: Ledger, tmp_path: Path) -> None:
    first, second, third = (submission_id_for("CARR01", f"T00{i}", "HK_IMPORT") for i in (1, 2, 3))
    with ledger.batch():
        file_it(ledger, first, "h1", trip_ref="T001")
        file_it(ledger, second, "h2", trip_ref="T002")
        # not yet visible to another connection: one transaction, committed at the end
        other = sqlite3.connect(ledger.path)
        assert other.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 0
    assert other.execute("SELECT COUNT(*) FROM versions WHERE status = 'filed'").fetchone()[0] == 2
    with pytest.raises(LedgerError, match="the next one is 2"), ledger.batch():
        file_it(ledger, third, "h3", trip_ref="T003")
        ledger.record_filed(submission_id=first, version=3, function_code="5", content_hash="h9", run_id="run-1",
                            as_of=AS_OF, trader="mingfai", carrier_code="CARR01", trip_ref="T001",
                            direction="HK_IMPORT", control_point="LMC", expected_crossing_at=CROSSING, outputs={})
    assert ledger.current(third) is None          # the whole batch rolled back, the good filing too
    assert [h["version"] for h in ledger.history(first)] == [1]
    file_it(ledger, third, "h3", trip_ref="T003")  # and the ledger takes writes again afterwards
    assert ledger.current(third)["current_version"] == 1
    other.close()
