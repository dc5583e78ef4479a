"""Customs events in the ledger: storing them once, matching them to submissions, refusing impossible ones.

An event (``transforms.model.canonical.EVENTS``) comes from a response file or a China Single Window
receipt. It is stored once by its event id, whatever file repeats it; matched to its submission by
id or by a reference customs gave back (CCRN, Mainland trip batch number); and folded into the
submission's status (:mod:`transforms.filing.ledger.status`). An event that matches nothing yet
waits in ``events_unmatched`` and is tried again on every call, since the CCRN it quotes may be
issued by a later file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

from transforms.filing.ledger.connection import LedgerConnection
from transforms.filing.ledger.status import RELEASES, refresh_status
from transforms.filing.ledger.values import from_iso, is_missing, iso_utc
from transforms.filing.responses import ROW_COLUMN, RowReject, events_frame, hk_date
from transforms.model.canonical import EVENTS
from transforms.plumbing.timeutil import HK_TZ


@dataclass(frozen=True)
class EventOutcome:
    received: int
    inserted: int      # newly stored, matched or not
    duplicates: int    # event ids already stored (or repeated within the frame)
    unmatched: int     # newly stored without a known submission (kept in events_unmatched)
    rematched: int     # earlier unmatched events that now match a submission
    status_changed: dict[str, str] = field(default_factory=dict)
    #: newly stored and rematched events of known submissions (unmatched ones wait in the ledger),
    #: EVENTS columns, enriched with version/control point/date
    events: pd.DataFrame = field(default_factory=lambda: events_frame([]))
    #: events refused against what the ledger knows (a release before that side's arrival)
    refused: list[RowReject] = field(default_factory=list)


@dataclass
class _Intake:
    """What one :meth:`CustomsEvents.apply_events` call did so far, tallied inside its transaction."""

    inserted: int = 0
    duplicates: int = 0
    unmatched: int = 0
    rematched: int = 0
    stored: list[dict[str, Any]] = field(default_factory=list)   # in the order stored
    refused: list[RowReject] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)   # submissions whose status may have moved
    seen: set[str] = field(default_factory=set)      # event ids of this frame, tried once already


class CustomsEvents(LedgerConnection):
    """Applying customs events to the ledger and reading them back."""

    def apply_events(self, events: pd.DataFrame) -> EventOutcome:
        """Store new customs events (deduplicated by event_id) and update each submission's status.

        Events are matched by submission id, else by reference (submission id, CCRN or Mainland trip
        batch number); a CCRN_ISSUED event registers its CCRN first so later rows can quote it. Rows
        that match nothing go to ``events_unmatched`` and are retried on every call.
        """
        records = _event_records(events)
        intake = _Intake()
        with self._tx() as cur:
            for rec in records:
                _take_new(cur, rec, intake)
            _rematch_waiting(cur, intake)
            changed: dict[str, str] = {}
            for sid in sorted(intake.touched):
                new = refresh_status(cur, sid)
                if new is not None:
                    changed[sid] = new
        return EventOutcome(len(records), intake.inserted, intake.duplicates, intake.unmatched, intake.rematched,
                            changed, events_frame(_from_sql(r) for r in intake.stored), intake.refused)

    def events(self, submission_id: str | None = None, *, unmatched: bool = False) -> pd.DataFrame:
        """Stored events (EVENTS columns), by occurrence; ``unmatched=True`` reads events_unmatched."""
        table = "events_unmatched" if unmatched else "events"
        where = " WHERE submission_id = ?" if submission_id else ""
        rows = self._rows(f"SELECT {', '.join(EVENTS.names)} FROM {table}{where} "
                          "ORDER BY occurred_at, event_id", (submission_id,) if submission_id else ())
        return events_frame(_from_sql(dict(r)) for r in rows)


def _event_records(events: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame's events as SQLite values with their source row, in the order they are applied."""
    unknown = set(events.columns) - set(EVENTS.names) - {ROW_COLUMN}
    if unknown:
        raise ValueError(f"events frame has columns outside EVENTS: {sorted(unknown)}")
    rows = events[ROW_COLUMN].tolist() if ROW_COLUMN in events.columns else [None] * len(events)
    records = [{**_to_sql(r), ROW_COLUMN: None if is_missing(n) else int(n)}
               for r, n in zip(events.to_dict("records"), rows, strict=True)]
    # CCRN issues first (an ARRIVED quoting the CCRN may precede it in the file), releases last
    # (a release is checked against the arrival of its side, which may come later in the file).
    records.sort(key=lambda r: (r["event_type"] != "CCRN_ISSUED", r["event_type"] in RELEASES))
    return records


def _take_new(cur: sqlite3.Cursor, rec: dict[str, Any], intake: _Intake) -> None:
    """Store one event of the frame: skipped if already known, waiting if unmatched, refused if impossible."""
    if rec["event_id"] in intake.seen or _stored(cur, rec["event_id"]):
        intake.duplicates += 1
        return
    intake.seen.add(rec["event_id"])
    sid = _match(cur, rec)
    if sid is None:
        intake.inserted += 1
        intake.unmatched += 1
        rec["submission_id"] = rec["submission_id"] or None
        _insert_event(cur, "events_unmatched", rec)
        return   # analytics hear of it once it matches a filing
    refusal = _before_arrival(cur, rec, sid)
    if refusal is not None:
        intake.refused.append(refusal)
        return
    intake.inserted += 1
    _attach(cur, rec, sid)
    intake.stored.append(rec)
    intake.touched.add(sid)


def _rematch_waiting(cur: sqlite3.Cursor, intake: _Intake) -> None:
    """Attach the earlier unmatched events that now match a submission (e.g. a CCRN issued just now)."""
    for row in cur.execute(f"SELECT {', '.join(EVENTS.names)} FROM events_unmatched "
                           "ORDER BY occurred_at").fetchall():
        rec = dict(row)
        if rec["event_id"] in intake.seen:
            continue  # tried above, after this frame's CCRNs were registered
        sid = _match(cur, rec)
        if sid is None:
            continue
        cur.execute("DELETE FROM events_unmatched WHERE event_id = ?", (rec["event_id"],))
        _attach(cur, rec, sid)
        intake.stored.append(rec)
        intake.touched.add(sid)
        intake.rematched += 1


def _to_sql(rec: Mapping[Any, Any]) -> dict[str, Any]:
    """A frame record as SQLite values: timestamps ISO UTC, dates ISO, NA as None."""
    out: dict[str, Any] = {}
    for name in EVENTS.names:
        value: Any = rec.get(name)
        if is_missing(value):
            out[name] = None
        elif name in ("occurred_at", "received_at"):
            out[name] = iso_utc(pd.Timestamp(value).to_pydatetime(), name)
        elif name == "crossing_date":
            out[name] = pd.Timestamp(value).date().isoformat()
        elif name in ("version", "consignment_seq"):
            out[name] = int(value)
        else:
            out[name] = str(value)
    for required in ("event_id", "side", "event_type", "occurred_at"):
        if out[required] is None:
            raise ValueError(f"event without {required}: {dict(rec)}")
    return out


def _from_sql(rec: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(rec)
    for name in ("occurred_at", "received_at"):
        out[name] = from_iso(out.get(name))
    crossing = out.get("crossing_date")
    out["crossing_date"] = None if crossing is None else date.fromisoformat(crossing)
    return out


def _stored(cur: sqlite3.Cursor, event_id: str) -> bool:
    hit = cur.execute("SELECT 1 FROM events WHERE event_id = ? UNION ALL "
                      "SELECT 1 FROM events_unmatched WHERE event_id = ?", (event_id, event_id)).fetchone()
    return hit is not None


def _match(cur: sqlite3.Cursor, rec: Mapping[str, Any]) -> str | None:
    """The submission an event belongs to: its submission id, else its reference (id, CCRN, batch no.)."""
    if rec["submission_id"]:
        hit = cur.execute("SELECT submission_id FROM submissions WHERE submission_id = ?",
                          (rec["submission_id"],)).fetchone()
        if hit is not None:
            return str(hit[0])
    ref = rec["reference"]
    if not ref:
        return None
    hit = cur.execute("SELECT submission_id FROM submissions WHERE submission_id = ? UNION ALL "
                      "SELECT submission_id FROM submission_refs WHERE value = ? LIMIT 1",
                      (ref, ref)).fetchone()
    return None if hit is None else str(hit[0])


def _attach(cur: sqlite3.Cursor, rec: dict[str, Any], submission_id: str) -> None:
    """Store a matched event, filling what the submission knows (version, control point, crossing date)."""
    sub = cur.execute("SELECT current_version, control_point, expected_crossing_at FROM submissions "
                      "WHERE submission_id = ?", (submission_id,)).fetchone()
    rec["submission_id"] = submission_id
    rec["control_point"] = rec["control_point"] or sub["control_point"]
    if rec["crossing_date"] is None and sub["expected_crossing_at"]:
        rec["crossing_date"] = hk_date(datetime.fromisoformat(sub["expected_crossing_at"])).isoformat()
    if rec["version"] is None:
        # The version the event answers: the latest filing recorded at or before it happened.
        hit = cur.execute("SELECT MAX(version) FROM versions WHERE submission_id = ? AND status <> 'held' "
                          "AND as_of <= ?", (submission_id, rec["occurred_at"])).fetchone()[0]
        rec["version"] = hit if hit is not None else sub["current_version"]
    _insert_event(cur, "events", rec)
    if rec["event_type"] == "CCRN_ISSUED" and rec["reference"]:
        cur.execute("INSERT OR IGNORE INTO submission_refs VALUES ('CCRN', ?, ?, ?)",
                    (rec["reference"], submission_id, rec["occurred_at"]))


def _before_arrival(cur: sqlite3.Cursor, rec: Mapping[str, Any], submission_id: str) -> RowReject | None:
    """A release stamped before the truck's arrival on the same side is refused (a clock or data error)."""
    if rec["event_type"] not in RELEASES:
        return None
    arrived = cur.execute("SELECT MIN(occurred_at) FROM events WHERE submission_id = ? AND side = ? "
                          "AND event_type = 'ARRIVED'", (submission_id, rec["side"])).fetchone()[0]
    if arrived is None or rec["occurred_at"] >= arrived:
        return None
    file, row = rec["source"] or "a response file", rec[ROW_COLUMN]
    where = f"{file} row {row}" if row is not None else file
    at, then = (datetime.fromisoformat(t).astimezone(HK_TZ).isoformat(timespec="minutes")
                for t in (rec["occurred_at"], arrived))
    return RowReject(file, row, "occurred_at", at,
                     f"{where}, column occurred_at: the {rec['side']} release at {at} comes before the truck's "
                     f"{rec['side']} arrival at {then}; expected a release at or after the arrival.")


def _insert_event(cur: sqlite3.Cursor, table: str, rec: Mapping[str, Any]) -> None:
    marks = ", ".join("?" * len(EVENTS.names))
    cur.execute(f"INSERT INTO {table} ({', '.join(EVENTS.names)}) VALUES ({marks})",
                [rec[n] for n in EVENTS.names])
