"""Submissions and their versions: what to file, recording a filing, a held attempt or a cancellation.

``versions`` is append-only (triggers refuse UPDATE and DELETE), and :func:`append_version` is the
only way a row enters it; ``submissions`` keeps each trip's current version, hash and status so a
decision is one indexed read. A submission is created ``held`` by its first attempt, whether filed
or not, so an auditor sees a trip that never got through as well as one that did.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, Literal

from transforms.filing.ledger.connection import LedgerConnection, LedgerError
from transforms.filing.ledger.status import ACTIVE, physical_types
from transforms.filing.ledger.values import from_iso, iso_utc, iso_utc_or_none, text_or_none, utc_now_iso
from transforms.filing.responses import EVENT_STATUS, hk_date
from transforms.plumbing.timeutil import HK_TZ

FC_ORIGINAL: Final = "9"  # EDIFACT 1225: original (also a re-sent rejected trip)
FC_REPLACE: Final = "5"   # replace: an amendment
FC_CANCEL: Final = "1"    # cancellation


@dataclass(frozen=True)
class Decision:
    action: Literal["new", "amend", "unchanged", "refile", "cancel", "cancelled"]
    version: int
    function_code: str


def current_version_of(row: sqlite3.Row | None) -> int:
    """A submission row's current (filed) version; 0 when there is no row or it was only ever held."""
    return 0 if row is None or row["current_version"] is None else int(row["current_version"])


def append_version(cur: sqlite3.Cursor, submission_id: str, version: int, function_code: str | None,
                   content_hash: str | None, status: str, run_id: str, as_of: str, *,
                   outputs: Mapping[str, str] | None = None, reasons: Sequence[str] = ()) -> None:
    """The only way a row enters ``versions`` (append-only: nothing updates or deletes it)."""
    cur.execute("INSERT INTO versions (submission_id, version, function_code, content_hash, status, run_id, "
                "as_of, outputs, reasons, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (submission_id, version, function_code, content_hash, status, run_id, as_of,
                 json.dumps(dict(sorted((outputs or {}).items())), ensure_ascii=False),
                 json.dumps(list(reasons), ensure_ascii=False), utc_now_iso()))


class SubmissionVersions(LedgerConnection):
    """Decisions and filings: the versions of each submission, and flags on the ones still active."""

    def decide(self, submission_id: str, content_hash: str) -> Decision:
        """What to file for this content: new, amend, unchanged or refile (nothing is written)."""
        rows = self._rows("SELECT s.status, s.current_version, s.current_hash, v.function_code "
                          "FROM submissions s LEFT JOIN versions v ON v.submission_id = s.submission_id "
                          "AND v.version = s.current_version AND v.status <> 'held' "
                          "WHERE s.submission_id = ?", (submission_id,))
        if not rows or rows[0]["current_version"] is None:
            return Decision("new", 1, FC_ORIGINAL)
        row = rows[0]
        version = int(row["current_version"])
        if row["status"] == "cancelled":
            # a person cancelled it (ssdd cancel): the files still in the inbox must not file it again
            return Decision("cancelled", version, FC_CANCEL)
        if row["status"] == "rejected":
            # A rejected filing is re-sent as new, not as a change of something customs refused.
            return Decision("refile", version + 1, FC_ORIGINAL)
        if row["current_hash"] == content_hash:
            return Decision("unchanged", version, str(row["function_code"]))
        return Decision("amend", version + 1, FC_REPLACE)

    def _upsert_submission(self, cur: sqlite3.Cursor, *, submission_id: str, trader: str | Collection[str],
                           carrier_code: str, trip_ref: str, direction: str, control_point: str | None,
                           expected_crossing_at: datetime | None, now: str) -> sqlite3.Row | None:
        """Create the submission row if needed (status held); refresh descriptive columns otherwise."""
        before: sqlite3.Row | None = cur.execute("SELECT * FROM submissions WHERE submission_id = ?",
                                                 (submission_id,)).fetchone()
        crossing = iso_utc_or_none(expected_crossing_at, "expected_crossing_at")
        control_point = text_or_none(control_point)
        if before is None:
            cur.execute("INSERT INTO submissions (submission_id, carrier_code, trip_ref, direction, "
                        "control_point, expected_crossing_at, status, created_at, updated_at) "
                        "VALUES (?,?,?,?,?,?,'held',?,?)",
                        (submission_id, carrier_code, trip_ref, direction, control_point, crossing, now, now))
        traders = [trader] if isinstance(trader, str) else sorted(trader)
        cur.executemany("INSERT OR IGNORE INTO submission_traders VALUES (?, ?)",
                        [(submission_id, t) for t in traders])
        return before

    def record_filed(self, *, submission_id: str, version: int, function_code: str, content_hash: str,
                     run_id: str, as_of: datetime, trader: str | Collection[str], carrier_code: str,
                     trip_ref: str, direction: str, control_point: str, expected_crossing_at: datetime,
                     outputs: Mapping[str, str], cn_trip_batch_no: str | None = None) -> None:
        """Record a filing whose files are already renamed into the outbox (idempotent)."""
        if function_code not in (FC_ORIGINAL, FC_REPLACE):
            raise LedgerError(f"function code {function_code!r} is not a filing; expected 9 (original) or 5 "
                              "(replace); cancellations go through Ledger.cancel.")
        as_of_iso = iso_utc(as_of, "as_of")
        with self._tx() as cur:
            same = cur.execute("SELECT content_hash FROM versions WHERE submission_id = ? AND version = ? "
                               "AND status <> 'held'", (submission_id, version)).fetchone()
            if same is not None:
                if same["content_hash"] == content_hash:
                    return  # already recorded: a re-run after a crash between rename and commit
                raise LedgerError(f"version {version} of {submission_id} is already recorded with another "
                                  "content hash; ask Ledger.decide for the next version.")
            before = self._upsert_submission(
                cur, submission_id=submission_id, trader=trader, carrier_code=carrier_code, trip_ref=trip_ref,
                direction=direction, control_point=control_point, expected_crossing_at=expected_crossing_at,
                now=as_of_iso)
            current = current_version_of(before)
            if version != current + 1:
                raise LedgerError(f"cannot record version {version} of {submission_id}: the ledger's current "
                                  f"version is {current}, so the next one is {current + 1}.")
            append_version(cur, submission_id, version, function_code, content_hash, "filed", run_id,
                            as_of_iso, outputs=outputs)
            cur.execute("UPDATE submissions SET current_version = ?, current_hash = ?, status = 'filed', "
                        "carrier_code = ?, trip_ref = ?, direction = ?, control_point = ?, "
                        "expected_crossing_at = ?, updated_at = ? WHERE submission_id = ?",
                        (version, content_hash, carrier_code, trip_ref, direction, control_point,
                         iso_utc(expected_crossing_at, "expected_crossing_at"), as_of_iso, submission_id))
            if cn_trip_batch_no:
                cur.execute("INSERT OR IGNORE INTO submission_refs VALUES ('CN_TRIP_BATCH', ?, ?, ?)",
                            (cn_trip_batch_no, submission_id, as_of_iso))

    def record_held(self, *, submission_id: str, run_id: str, as_of: datetime, reasons: Sequence[str],
                    trader: str | Collection[str], carrier_code: str, trip_ref: str, direction: str,
                    control_point: str | None = None, expected_crossing_at: datetime | None = None,
                    content_hash: str | None = None) -> None:
        """Record an attempt held back by errors; a filed version stays current (idempotent per run)."""
        as_of_iso = iso_utc(as_of, "as_of")
        reasons_json = json.dumps(list(reasons), ensure_ascii=False)
        with self._tx() as cur:
            before = self._upsert_submission(
                cur, submission_id=submission_id, trader=trader, carrier_code=carrier_code, trip_ref=trip_ref,
                direction=direction, control_point=control_point, expected_crossing_at=expected_crossing_at,
                now=as_of_iso)
            current = current_version_of(before)
            attempt = current + 1  # the version this content would have had
            if cur.execute("SELECT 1 FROM versions WHERE submission_id = ? AND version = ? "
                           "AND status = 'held' AND run_id = ? AND content_hash IS ? AND reasons = ?",
                           (submission_id, attempt, run_id, content_hash, reasons_json)).fetchone():
                return
            append_version(cur, submission_id, attempt, None, content_hash, "held", run_id, as_of_iso,
                            reasons=reasons)
            if current == 0:
                cur.execute("UPDATE submissions SET updated_at = ?, "
                            "control_point = COALESCE(?, control_point), "
                            "expected_crossing_at = COALESCE(?, expected_crossing_at) WHERE submission_id = ?",
                            (as_of_iso, text_or_none(control_point),
                             iso_utc_or_none(expected_crossing_at, "expected_crossing_at"), submission_id))

    def cancelled_note(self, submission_id: str, trip_ref: str) -> tuple[str, str]:
        """Why a cancelled trip is not filed again, in English and Chinese (when, and what a person does)."""
        rows = self._rows("SELECT as_of FROM versions WHERE submission_id = ? AND status = 'cancelled' "
                          "ORDER BY version DESC LIMIT 1", (submission_id,))
        when = hk_date(datetime.fromisoformat(rows[0]["as_of"])).isoformat() if rows else "an earlier day"
        return (f"Trip {trip_ref} was cancelled on {when} with ssdd cancel and stays cancelled, so its files in the "
                "inbox are not filed again; to file this truck anew give it a new trip_ref in the trip plan, "
                "otherwise remove its files from the inbox.",
                f"车次 {trip_ref} 已于 {when} 通过 ssdd cancel 撤销并保持撤销，收件箱中的文件不会再次申报；"
                "如需重新申报该车辆，请在行程计划中使用新的 trip_ref，否则请从收件箱移除相关文件。")

    def check_cancel(self, submission_id: str) -> Decision:
        """The cancellation :meth:`cancel` would record; raises :class:`LedgerError` when refused."""
        with self._lock:
            return self._cancel_decision(self._conn.cursor(), submission_id)

    def _cancel_decision(self, cur: sqlite3.Cursor, submission_id: str) -> Decision:
        row = cur.execute("SELECT status, current_version, control_point FROM submissions "
                          "WHERE submission_id = ?", (submission_id,)).fetchone()
        if row is None:
            raise LedgerError(f"cannot cancel {submission_id}: the ledger has no submission with that id.")
        if row["current_version"] is None:
            raise LedgerError(f"cannot cancel {submission_id}: it was never filed (it is held), so there is "
                              "nothing to cancel.")
        if row["status"] == "cancelled":
            raise LedgerError(f"cannot cancel {submission_id}: it is already cancelled (version "
                              f"{row['current_version']}).")
        physical = cur.execute(
            "SELECT side, event_type, occurred_at FROM events WHERE submission_id = ? AND event_type IN "
            f"({','.join('?' * len(physical_types()))}) ORDER BY occurred_at LIMIT 1",
            (submission_id, *physical_types())).fetchone()
        if physical is not None:
            when = datetime.fromisoformat(physical["occurred_at"]).astimezone(HK_TZ)
            seen = "was released" if EVENT_STATUS[physical["event_type"]] == "released" else "arrived"
            raise LedgerError(f"cannot cancel {submission_id}: the truck {seen} at {row['control_point']} "
                              f"on {when:%Y-%m-%d %H:%M} HKT ({physical['side']} {physical['event_type']}), "
                              "and a filing is never cancelled after arrival or release.")
        return Decision("cancel", int(row["current_version"]) + 1, FC_CANCEL)

    def cancel(self, submission_id: str, *, run_id: str, as_of: datetime,
               outputs: Mapping[str, str] | None = None) -> Decision:
        """Cancel a filed trip (function code 1, a new version); refused after arrival or release."""
        as_of_iso = iso_utc(as_of, "as_of")
        with self._tx() as cur:
            decision = self._cancel_decision(cur, submission_id)
            current_hash = cur.execute("SELECT current_hash FROM submissions WHERE submission_id = ?",
                                       (submission_id,)).fetchone()[0]
            append_version(cur, submission_id, decision.version, FC_CANCEL, current_hash, "cancelled", run_id,
                            as_of_iso, outputs=outputs or {})
            cur.execute("UPDATE submissions SET current_version = ?, status = 'cancelled', updated_at = ? "
                        "WHERE submission_id = ?", (decision.version, as_of_iso, submission_id))
        return decision

    def missing_from_resend(self, trader: str, seen_ids: Collection[str], *, run_id: str, as_of: datetime,
                            carrier_codes: Collection[str] | None = None,
                            crossing_dates: tuple[date, date] | None = None) -> list[str]:
        """Trips filed for ``trader`` that a re-sent trip plan no longer lists: flagged, never cancelled.

        The scope is what the re-sent plan covers: its carriers and its first..last crossing date (HK
        local, inclusive); trips the truck already made (arrived, released) or cancelled are out of scope.
        Returns the flagged submission ids (earliest crossing first) and records a flag for each.
        """
        as_of_iso = iso_utc(as_of, "as_of")
        seen = set(seen_ids)
        carriers = None if carrier_codes is None else set(carrier_codes)
        rows = self._rows(
            "SELECT s.submission_id, s.carrier_code, s.trip_ref, s.expected_crossing_at FROM submissions s "
            "JOIN submission_traders t ON t.submission_id = s.submission_id WHERE t.trader = ? "
            f"AND s.status IN ({','.join('?' * len(ACTIVE))}) "
            "ORDER BY s.expected_crossing_at, s.submission_id",
            (trader, *ACTIVE))
        missing: list[tuple[str, str]] = []
        for row in rows:
            crossing = from_iso(row["expected_crossing_at"])
            if row["submission_id"] in seen or (carriers is not None and row["carrier_code"] not in carriers):
                continue
            if crossing_dates is not None and (
                    crossing is None or not crossing_dates[0] <= hk_date(crossing) <= crossing_dates[1]):
                continue
            missing.append((row["submission_id"], f"trip {row['trip_ref']} of carrier {row['carrier_code']} "
                            f"(filed for {trader}) is no longer listed in the re-sent trip plan"))
        with self._tx() as cur:
            cur.executemany("INSERT OR IGNORE INTO flags VALUES (?, 'missing_from_resend', ?, ?, ?)",
                            [(sid, run_id, as_of_iso, detail) for sid, detail in missing])
        return [sid for sid, _ in missing]

    def flags(self, submission_id: str | None = None) -> list[dict[str, Any]]:
        where = " WHERE submission_id = ?" if submission_id else ""
        rows = self._rows(f"SELECT submission_id, kind, run_id, as_of, detail FROM flags{where} "
                          "ORDER BY as_of, rowid", (submission_id,) if submission_id else ())
        return [{**dict(r), "as_of": from_iso(r["as_of"])} for r in rows]
