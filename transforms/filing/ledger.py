"""The filing ledger: every submission's versions, status, customs events and quarantine items.

SQLite in WAL mode (``synchronous=NORMAL``, a busy timeout) at a ``sqlite:///path`` URL; the schema
comes from the versioned migrations in :mod:`transforms.filing.ledger_migrations`. History is append-only:
``versions`` rows are never updated or deleted (triggers refuse it), so an auditor can replay a
submission's whole life: filed, held, amended, cancelled, accepted, arrived, released.

Ordering with the outbox (why a crash at any moment is safe)
------------------------------------------------------------
The caller asks :meth:`Ledger.decide`, renders the filing to temporary files, fsyncs, validates and
renames them into the outbox, and only **then** calls :meth:`Ledger.record_filed`, one short
transaction. A crash between rename and commit leaves files whose version the ledger does not
know: the next run gets the same decision (the ledger did not move), re-renders the same bytes
(deterministic writers, same as-of) over them and commits. ``record_filed`` is idempotent (the same
submission, version and hash again is a no-op), so a crash after the commit does no harm either.

Status of a submission: ``held`` (never filed), ``filed``, then from customs events ``accepted``,
``rejected``, ``arrived``, ``released``; ``cancelled`` only through :meth:`Ledger.cancel`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final, Literal

import pandas as pd

from transforms.filing.ledger_migrations import MIGRATIONS
from transforms.filing.responses import (
    EVENT_STATUS,
    ROW_COLUMN,
    STATUS_PRECEDENCE,
    RowReject,
    events_frame,
    hk_date,
)
from transforms.model.canonical import EVENTS
from transforms.model.identity import quarantine_item_id
from transforms.plumbing.timeutil import HK_TZ

#: Fixed namespace of submission ids; changing it would change every id and file name. (The same value
#: as ``transforms.assembly.assemble``; that module should import this one.)

FC_ORIGINAL: Final = "9"  # EDIFACT 1225: original (also a re-sent rejected trip)
FC_REPLACE: Final = "5"   # replace: an amendment
FC_CANCEL: Final = "1"    # cancellation

BUSY_TIMEOUT_MS: Final = 10_000
QuarantineStatus = Literal["open", "resolved", "dismissed", "all"]
Status = Literal["held", "filed", "accepted", "rejected", "arrived", "released", "cancelled"]
_PHYSICAL: Final = frozenset({"arrived", "released"})
_ACTIVE: Final = ("filed", "accepted", "rejected")  # filed, the truck not yet seen at the border
_RELEASES: Final = frozenset(t for t, s in EVENT_STATUS.items() if s == "released")


class LedgerError(Exception):
    """A ledger operation refused; the message is one sentence a user can act on."""


@dataclass(frozen=True)
class Decision:
    action: Literal["new", "amend", "unchanged", "refile", "cancel", "cancelled"]
    version: int
    function_code: str


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


def ledger_path(url_or_path: str | Path) -> Path:
    """The database file behind ``sqlite:///relative``, ``sqlite:////absolute`` or a plain path."""
    if isinstance(url_or_path, Path):
        return url_or_path
    if "://" not in url_or_path:
        return Path(url_or_path)
    scheme, _, rest = url_or_path.partition("://")
    if scheme.lower() != "sqlite":
        raise LedgerError(f"ledger URL scheme {scheme!r} is not supported; only sqlite:///path ledgers are "
                          "supported now.")
    if not rest.startswith("/") or rest == "/":
        raise LedgerError(f"ledger URL {url_or_path!r} has no path; expected sqlite:///path/to/ledger.db.")
    return Path(rest[1:])


def _iso(value: datetime, what: str) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must carry a time zone, got {value.isoformat()}")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _dt(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _iso_or_none(value: datetime | None, what: str) -> str | None:
    """Like :func:`_iso`; a missing value (None, NaT) is None, e.g. a held trip without a crossing time."""
    if value is None or _missing(value):
        return None
    return _iso(value, what)


def _pydatetime(value: Any) -> datetime:
    stamp: datetime = pd.Timestamp(value).to_pydatetime()
    return stamp


def _current_version(row: sqlite3.Row | None) -> int:
    return 0 if row is None or row["current_version"] is None else int(row["current_version"])


def _append_version(cur: sqlite3.Cursor, submission_id: str, version: int, function_code: str | None,
                    content_hash: str | None, status: str, run_id: str, as_of: str, *,
                    outputs: Mapping[str, str] | None = None, reasons: Sequence[str] = ()) -> None:
    """The only way a row enters ``versions`` (append-only: nothing updates or deletes it)."""
    cur.execute("INSERT INTO versions (submission_id, version, function_code, content_hash, status, run_id, "
                "as_of, outputs, reasons, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (submission_id, version, function_code, content_hash, status, run_id, as_of,
                 json.dumps(dict(sorted((outputs or {}).items())), ensure_ascii=False),
                 json.dumps(list(reasons), ensure_ascii=False), _now()))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class Ledger:
    """The filing ledger at a path or ``sqlite:///path`` URL; created and migrated on open."""

    def __init__(self, url_or_path: str | Path) -> None:
        self.path = ledger_path(url_or_path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._batch: sqlite3.Cursor | None = None   # the open transaction of batch(), if any
        self._conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                     check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self._conn.execute("PRAGMA foreign_keys=ON")
        try:
            self._migrate()
        except BaseException:
            self._conn.close()
            raise

    # -- plumbing ---------------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Every write inside is one transaction: a chunk of 500 filings commits once, not 500 times.

        All or nothing, like each write alone: if anything inside raises, none of it is recorded (the
        files of the chunk are already in place; the next run re-renders them byte for byte and
        records them, as after a crash between rename and commit)."""
        with self._lock:
            if self._batch is not None:   # already inside a batch of this ledger: join it
                yield
                return
            with self._begin() as cur:
                self._batch = cur
                try:
                    yield
                finally:
                    self._batch = None

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Cursor]:
        """One short write transaction; inside :meth:`batch`, the batch's transaction."""
        with self._lock:
            if self._batch is not None:
                yield self._batch
                return
            with self._begin() as cur:
                yield cur

    @contextmanager
    def _begin(self) -> Iterator[sqlite3.Cursor]:
        """BEGIN IMMEDIATE (the write lock up front), COMMIT, or ROLLBACK on any exception."""
        cur = self._conn.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            yield cur
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        cur.execute("COMMIT")

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return list(self._conn.execute(sql, params).fetchall())

    def _migrate(self) -> None:
        with self._tx() as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                        "description TEXT NOT NULL, applied_at TEXT NOT NULL)")
            have = cur.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]
            latest = MIGRATIONS[-1].version
            if have > latest:
                raise LedgerError(f"ledger {self.path} has schema version {have}, newer than this ssdd knows "
                                  f"({latest}); upgrade ssdd before using it.")
            for migration in MIGRATIONS:
                if migration.version <= have:
                    continue
                for statement in migration.statements:
                    cur.execute(statement)
                cur.execute("INSERT INTO schema_version VALUES (?, ?, ?)",
                            (migration.version, migration.description, _now()))

    def schema_version(self) -> int:
        return int(self._rows("SELECT MAX(version) FROM schema_version")[0][0])

    def pragma(self, name: Literal["journal_mode", "synchronous", "busy_timeout"]) -> str:
        return str(self._rows(f"PRAGMA {name}")[0][0])

    # -- decisions and filings --------------------------------------------------------------------

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
        crossing = _iso_or_none(expected_crossing_at, "expected_crossing_at")
        control_point = _text(control_point)
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
        as_of_iso = _iso(as_of, "as_of")
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
            current = _current_version(before)
            if version != current + 1:
                raise LedgerError(f"cannot record version {version} of {submission_id}: the ledger's current "
                                  f"version is {current}, so the next one is {current + 1}.")
            _append_version(cur, submission_id, version, function_code, content_hash, "filed", run_id,
                            as_of_iso, outputs=outputs)
            cur.execute("UPDATE submissions SET current_version = ?, current_hash = ?, status = 'filed', "
                        "carrier_code = ?, trip_ref = ?, direction = ?, control_point = ?, "
                        "expected_crossing_at = ?, updated_at = ? WHERE submission_id = ?",
                        (version, content_hash, carrier_code, trip_ref, direction, control_point,
                         _iso(expected_crossing_at, "expected_crossing_at"), as_of_iso, submission_id))
            if cn_trip_batch_no:
                cur.execute("INSERT OR IGNORE INTO submission_refs VALUES ('CN_TRIP_BATCH', ?, ?, ?)",
                            (cn_trip_batch_no, submission_id, as_of_iso))

    def record_held(self, *, submission_id: str, run_id: str, as_of: datetime, reasons: Sequence[str],
                    trader: str | Collection[str], carrier_code: str, trip_ref: str, direction: str,
                    control_point: str | None = None, expected_crossing_at: datetime | None = None,
                    content_hash: str | None = None) -> None:
        """Record an attempt held back by errors; a filed version stays current (idempotent per run)."""
        as_of_iso = _iso(as_of, "as_of")
        reasons_json = json.dumps(list(reasons), ensure_ascii=False)
        with self._tx() as cur:
            before = self._upsert_submission(
                cur, submission_id=submission_id, trader=trader, carrier_code=carrier_code, trip_ref=trip_ref,
                direction=direction, control_point=control_point, expected_crossing_at=expected_crossing_at,
                now=as_of_iso)
            current = _current_version(before)
            attempt = current + 1  # the version this content would have had
            if cur.execute("SELECT 1 FROM versions WHERE submission_id = ? AND version = ? "
                           "AND status = 'held' AND run_id = ? AND content_hash IS ? AND reasons = ?",
                           (submission_id, attempt, run_id, content_hash, reasons_json)).fetchone():
                return
            _append_version(cur, submission_id, attempt, None, content_hash, "held", run_id, as_of_iso,
                            reasons=reasons)
            if current == 0:
                cur.execute("UPDATE submissions SET updated_at = ?, "
                            "control_point = COALESCE(?, control_point), "
                            "expected_crossing_at = COALESCE(?, expected_crossing_at) WHERE submission_id = ?",
                            (as_of_iso, _text(control_point),
                             _iso_or_none(expected_crossing_at, "expected_crossing_at"), submission_id))

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
            f"({','.join('?' * len(_physical_types()))}) ORDER BY occurred_at LIMIT 1",
            (submission_id, *_physical_types())).fetchone()
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
        as_of_iso = _iso(as_of, "as_of")
        with self._tx() as cur:
            decision = self._cancel_decision(cur, submission_id)
            current_hash = cur.execute("SELECT current_hash FROM submissions WHERE submission_id = ?",
                                       (submission_id,)).fetchone()[0]
            _append_version(cur, submission_id, decision.version, FC_CANCEL, current_hash, "cancelled", run_id,
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
        as_of_iso = _iso(as_of, "as_of")
        seen = set(seen_ids)
        carriers = None if carrier_codes is None else set(carrier_codes)
        rows = self._rows(
            "SELECT s.submission_id, s.carrier_code, s.trip_ref, s.expected_crossing_at FROM submissions s "
            "JOIN submission_traders t ON t.submission_id = s.submission_id WHERE t.trader = ? "
            f"AND s.status IN ({','.join('?' * len(_ACTIVE))}) "
            "ORDER BY s.expected_crossing_at, s.submission_id",
            (trader, *_ACTIVE))
        missing: list[tuple[str, str]] = []
        for row in rows:
            crossing = _dt(row["expected_crossing_at"])
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
        return [{**dict(r), "as_of": _dt(r["as_of"])} for r in rows]

    # -- reading ----------------------------------------------------------------------------------

    def status(self, submission_id: str) -> str | None:
        rows = self._rows("SELECT status FROM submissions WHERE submission_id = ?", (submission_id,))
        return str(rows[0]["status"]) if rows else None

    def history(self, submission_id: str) -> list[dict[str, Any]]:
        """Every version row (filed, held, cancelled) in the order recorded; never rewritten."""
        rows = self._rows("SELECT version, function_code, content_hash, status, run_id, as_of, outputs, "
                          "reasons, created_at FROM versions WHERE submission_id = ? ORDER BY seq",
                          (submission_id,))
        return [{**dict(r), "as_of": _dt(r["as_of"]), "created_at": _dt(r["created_at"]),
                 "outputs": json.loads(r["outputs"]), "reasons": json.loads(r["reasons"])} for r in rows]

    def current(self, submission_id: str) -> dict[str, Any] | None:
        """The submission row plus traders, CCRNs, batch number and its current version's outputs."""
        rows = self._rows("SELECT * FROM submissions WHERE submission_id = ?", (submission_id,))
        if not rows:
            return None
        out: dict[str, Any] = dict(rows[0])
        for key in ("expected_crossing_at", "created_at", "updated_at"):
            out[key] = _dt(out[key])
        out["traders"] = [r[0] for r in self._rows(
            "SELECT trader FROM submission_traders WHERE submission_id = ? ORDER BY trader",
            (submission_id,))]
        refs = self._rows("SELECT scheme, value FROM submission_refs WHERE submission_id = ? "
                          "ORDER BY recorded_at, value", (submission_id,))
        out["ccrns"] = [r["value"] for r in refs if r["scheme"] == "CCRN"]
        out["ccrn"] = out["ccrns"][-1] if out["ccrns"] else None
        batches = [r["value"] for r in refs if r["scheme"] == "CN_TRIP_BATCH"]
        out["cn_trip_batch_no"] = batches[-1] if batches else None
        version = self._rows("SELECT function_code, outputs, as_of FROM versions WHERE submission_id = ? "
                             "AND version = ? AND status <> 'held'", (submission_id, out["current_version"]))
        out["function_code"] = version[0]["function_code"] if version else None
        out["outputs"] = json.loads(version[0]["outputs"]) if version else {}
        out["filed_at"] = _dt(version[0]["as_of"]) if version else None
        return out

    def filed(self) -> pd.DataFrame:
        """Current filings (not held, not cancelled): one row per submission, for the simulator/reports.

        ``trader`` joins a shared truck's traders with ``;`` (sorted); ``filed_at`` is the as-of of the
        current version; ``ccrn`` the latest CCRN customs issued, if any.
        """
        rows = self._rows(
            "SELECT s.submission_id, s.current_version AS version, v.function_code, "
            "s.current_hash AS content_hash, s.status, "
            "(SELECT group_concat(trader, ';') FROM (SELECT trader FROM submission_traders t "
            " WHERE t.submission_id = s.submission_id ORDER BY trader)) AS trader, "
            "s.carrier_code, s.trip_ref, s.direction, s.control_point, s.expected_crossing_at, "
            "v.as_of AS filed_at, "
            "(SELECT value FROM submission_refs r WHERE r.submission_id = s.submission_id "
            " AND scheme = 'CCRN' ORDER BY recorded_at DESC, value DESC LIMIT 1) AS ccrn, "
            "(SELECT value FROM submission_refs r WHERE r.submission_id = s.submission_id "
            " AND scheme = 'CN_TRIP_BATCH' ORDER BY recorded_at DESC, value DESC LIMIT 1) AS cn_trip_batch_no "
            "FROM submissions s JOIN versions v ON v.submission_id = s.submission_id "
            "AND v.version = s.current_version AND v.status = 'filed' "
            "WHERE s.status NOT IN ('held', 'cancelled') ORDER BY s.expected_crossing_at, s.submission_id")
        columns = ["submission_id", "version", "function_code", "content_hash", "status", "trader",
                   "carrier_code", "trip_ref", "direction", "control_point", "expected_crossing_at", "filed_at",
                   "ccrn", "cn_trip_batch_no"]
        frame = pd.DataFrame([dict(r) for r in rows], columns=columns)
        for col in ("expected_crossing_at", "filed_at"):
            frame[col] = pd.to_datetime(frame[col], utc=True, format="ISO8601").astype("datetime64[us, UTC]")
        frame["version"] = frame["version"].astype("Int64")
        return frame

    def delivered_outputs(self) -> list[tuple[str, int, dict[str, str], str | None]]:
        """``(submission_id, version, outputs, batch number)`` of every version that wrote files (filed,
        amended or cancelled; not held), for matching China Single Window receipts to what they answer
        (:func:`transforms.filing.receipts.receipt_index`). One SELECT; older versions are kept because a
        receipt may answer one after the next is filed."""
        rows = self._rows(
            "SELECT v.submission_id, v.version, v.outputs, "
            "(SELECT value FROM submission_refs r WHERE r.submission_id = v.submission_id "
            " AND scheme = 'CN_TRIP_BATCH' ORDER BY recorded_at DESC, value DESC LIMIT 1) AS batch "
            "FROM versions v WHERE v.status <> 'held' AND v.outputs <> '{}' ORDER BY v.submission_id, v.seq")
        return [(str(r["submission_id"]), int(r["version"]), json.loads(r["outputs"]), r["batch"]) for r in rows]

    def events(self, submission_id: str | None = None, *, unmatched: bool = False) -> pd.DataFrame:
        """Stored events (EVENTS columns), by occurrence; ``unmatched=True`` reads events_unmatched."""
        table = "events_unmatched" if unmatched else "events"
        where = " WHERE submission_id = ?" if submission_id else ""
        rows = self._rows(f"SELECT {', '.join(EVENTS.names)} FROM {table}{where} "
                          "ORDER BY occurred_at, event_id", (submission_id,) if submission_id else ())
        return events_frame(_from_sql(dict(r)) for r in rows)

    # -- customs events ---------------------------------------------------------------------------

    def apply_events(self, events: pd.DataFrame) -> EventOutcome:
        """Store new customs events (deduplicated by event_id) and update each submission's status.

        Events are matched by submission id, else by reference (submission id, CCRN or Mainland trip
        batch number); a CCRN_ISSUED event registers its CCRN first so later rows can quote it. Rows
        that match nothing go to ``events_unmatched`` and are retried on every call.
        """
        unknown = set(events.columns) - set(EVENTS.names) - {ROW_COLUMN}
        if unknown:
            raise ValueError(f"events frame has columns outside EVENTS: {sorted(unknown)}")
        rows = events[ROW_COLUMN].tolist() if ROW_COLUMN in events.columns else [None] * len(events)
        records = [{**_to_sql(r), ROW_COLUMN: None if _missing(n) else int(n)}
                   for r, n in zip(events.to_dict("records"), rows, strict=True)]
        # CCRN issues first (an ARRIVED quoting the CCRN may precede it in the file), releases last
        # (a release is checked against the arrival of its side, which may come later in the file).
        records.sort(key=lambda r: (r["event_type"] != "CCRN_ISSUED", r["event_type"] in _RELEASES))
        inserted, duplicates, unmatched, rematched = 0, 0, 0, 0
        stored: list[dict[str, Any]] = []
        refused: list[RowReject] = []
        touched: set[str] = set()
        with self._tx() as cur:
            seen: set[str] = set()
            for rec in records:
                if rec["event_id"] in seen or _stored(cur, rec["event_id"]):
                    duplicates += 1
                    continue
                seen.add(rec["event_id"])
                sid = _match(cur, rec)
                if sid is None:
                    inserted += 1
                    unmatched += 1
                    rec["submission_id"] = rec["submission_id"] or None
                    _insert_event(cur, "events_unmatched", rec)
                    continue   # analytics hear of it once it matches a filing
                refusal = _before_arrival(cur, rec, sid)
                if refusal is not None:
                    refused.append(refusal)
                    continue
                inserted += 1
                _attach(cur, rec, sid)
                stored.append(rec)
                touched.add(sid)
            for row in cur.execute(f"SELECT {', '.join(EVENTS.names)} FROM events_unmatched "
                                   "ORDER BY occurred_at").fetchall():
                rec = dict(row)
                if rec["event_id"] in seen:
                    continue  # tried above, after this frame's CCRNs were registered
                sid = _match(cur, rec)
                if sid is None:
                    continue
                cur.execute("DELETE FROM events_unmatched WHERE event_id = ?", (rec["event_id"],))
                _attach(cur, rec, sid)
                stored.append(rec)
                touched.add(sid)
                rematched += 1
            changed: dict[str, str] = {}
            for sid in sorted(touched):
                new = _refresh_status(cur, sid)
                if new is not None:
                    changed[sid] = new
        return EventOutcome(len(records), inserted, duplicates, unmatched, rematched, changed,
                            events_frame(_from_sql(r) for r in stored), refused)

    # -- quarantine -------------------------------------------------------------------------------

    def quarantine_upsert(self, items: pd.DataFrame, run_id: str, *, as_of: datetime | None = None) -> None:
        """Record quarantined rows seen in this run (first_seen kept; a resolved item that recurs reopens).

        Columns: trader, src_file, rule_id, reason and a row key (``row_key``, or ``src_sheet``/``src_row``);
        optional submission_id, crossing_at, item_id (computed when absent).
        """
        missing = {"trader", "src_file", "rule_id", "reason"} - set(items.columns)
        if missing:
            raise ValueError(f"quarantine items lack columns {sorted(missing)}")
        seen_at = _now() if as_of is None else _iso(as_of, "as_of")
        rows = []
        for rec in items.to_dict("records"):
            trader, src_file, rule_id = str(rec["trader"]), str(rec["src_file"]), str(rec["rule_id"])
            row_key = (_text(rec.get("row_key"))
                       or f"{_text(rec.get('src_sheet')) or ''}!{_text(rec.get('src_row'))}")
            item_id = _text(rec.get("item_id")) or quarantine_item_id(trader, src_file, rule_id, row_key)
            crossing = rec.get("crossing_at")
            crossing_iso = None if _missing(crossing) else _iso(_pydatetime(crossing), "crossing_at")
            rows.append((item_id, trader, src_file, row_key, _text(rec.get("submission_id")), rule_id,
                         str(rec["reason"]), crossing_iso, run_id, seen_at, run_id, seen_at))
        with self._tx() as cur:
            cur.executemany(
                "INSERT INTO quarantine_items (item_id, trader, src_file, row_key, submission_id, rule_id, "
                "reason, crossing_at, first_seen_run, first_seen_at, last_seen_run, last_seen_at, status) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,'open') ON CONFLICT (item_id) DO UPDATE SET "
                "reason = excluded.reason, submission_id = COALESCE(excluded.submission_id, submission_id), "
                "crossing_at = COALESCE(excluded.crossing_at, crossing_at), "
                "last_seen_run = excluded.last_seen_run, last_seen_at = excluded.last_seen_at, "
                "status = CASE status WHEN 'dismissed' THEN 'dismissed' ELSE 'open' END, "
                "resolved_run = CASE status WHEN 'resolved' THEN NULL ELSE resolved_run END", rows)

    def quarantine_resolve(self, item_ids: Collection[str], run_id: str) -> None:
        """Mark open items resolved by this run (their rows were filed or no longer fail)."""
        with self._tx() as cur:
            cur.executemany("UPDATE quarantine_items SET status = 'resolved', resolved_run = ? "
                            "WHERE item_id = ? AND status = 'open'", [(run_id, i) for i in item_ids])

    def quarantine_dismiss(self, item_id: str, by: str, reason: str) -> None:
        """A person decided the item needs no fix; it stays dismissed even if the row fails again."""
        if not by.strip() or not reason.strip():
            raise LedgerError("dismissing a quarantine item needs who dismissed it and why.")
        with self._tx() as cur:
            done = cur.execute("UPDATE quarantine_items SET status = 'dismissed', dismissed_by = ?, "
                               "dismissed_reason = ?, dismissed_at = ? WHERE item_id = ?",
                               (by.strip(), reason.strip(), _now(), item_id)).rowcount
            if not done:
                raise LedgerError(f"cannot dismiss {item_id}: the ledger has no quarantine item with that "
                                  "id.")

    def quarantine_list(self, status: QuarantineStatus = "open") -> pd.DataFrame:
        """Quarantine items, oldest first (by first seen), with the trip's expected crossing."""
        where = "" if status == "all" else " WHERE status = ?"
        rows = self._rows(f"SELECT * FROM quarantine_items{where} ORDER BY first_seen_at, rowid",
                          () if status == "all" else (status,))
        columns = ["item_id", "trader", "src_file", "row_key", "submission_id", "rule_id", "reason",
                   "crossing_at", "first_seen_run", "first_seen_at", "last_seen_run", "last_seen_at", "status",
                   "resolved_run", "dismissed_by", "dismissed_reason", "dismissed_at"]
        frame = pd.DataFrame([dict(r) for r in rows], columns=columns)
        for col in ("crossing_at", "first_seen_at", "last_seen_at", "dismissed_at"):
            frame[col] = pd.to_datetime(frame[col], utc=True, format="ISO8601").astype("datetime64[us, UTC]")
        return frame


# -- event helpers (module level: they run inside a Ledger transaction) -----------------------------

def _physical_types() -> tuple[str, ...]:
    return tuple(sorted(t for t, s in EVENT_STATUS.items() if s in _PHYSICAL))


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str | list | tuple) and bool(pd.isna(value)))


def _text(value: Any) -> str | None:
    if _missing(value):
        return None
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return text or None


def _to_sql(rec: Mapping[Any, Any]) -> dict[str, Any]:
    """A frame record as SQLite values: timestamps ISO UTC, dates ISO, NA as None."""
    out: dict[str, Any] = {}
    for name in EVENTS.names:
        value: Any = rec.get(name)
        if _missing(value):
            out[name] = None
        elif name in ("occurred_at", "received_at"):
            out[name] = _iso(pd.Timestamp(value).to_pydatetime(), name)
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
        out[name] = _dt(out.get(name))
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
    if rec["event_type"] not in _RELEASES:
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


def _refresh_status(cur: sqlite3.Cursor, submission_id: str) -> str | None:
    """Recompute a filed submission's status from its events; returns it when it changed."""
    sub = cur.execute("SELECT status, current_version FROM submissions WHERE submission_id = ?",
                      (submission_id,)).fetchone()
    if sub["status"] in ("held", "cancelled"):
        return None
    rows = cur.execute("SELECT event_type, occurred_at, version FROM events WHERE submission_id = ?",
                       (submission_id,)).fetchall()
    new = fold_status([(r["occurred_at"], r["event_type"], r["version"]) for r in rows],
                      int(sub["current_version"]))
    if new == sub["status"]:
        return None
    cur.execute("UPDATE submissions SET status = ? WHERE submission_id = ?", (new, submission_id))
    return new


def fold_status(events: Sequence[tuple[str, str, int | None]], current_version: int) -> Status:
    """A filed submission's status from its events ``(occurred_at ISO UTC, event_type, version)``.

    Latest by occurred_at wins, ties broken RELEASED > ARRIVED > REJECTED > ACCEPTED. Two rules keep
    the status honest when sides disagree: an acceptance does not clear a rejection of the same
    version (the other side still refuses it), and filing responses never undo the truck's progress
    (arrived/released). Acceptances and rejections of an older version are ignored.
    """
    state: Status = "filed"
    keyed = []
    for occurred_at, event_type, version in events:
        new = EVENT_STATUS.get(event_type)
        if new is None:
            continue
        if new not in _PHYSICAL and version is not None and version < current_version:
            continue
        keyed.append((occurred_at, STATUS_PRECEDENCE[new], new))
    for _, _, new in sorted(keyed):
        if new in _PHYSICAL:
            state = "arrived" if new == "arrived" else "released"
        elif state in _PHYSICAL or (state == "rejected" and new == "accepted"):
            continue
        else:
            state = "rejected" if new == "rejected" else "accepted"
    return state
