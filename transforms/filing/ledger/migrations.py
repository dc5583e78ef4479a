"""Versioned schema migrations of the filing ledger, applied in order, each exactly once.

A migration is never edited after it ships: a change to the schema is a new entry at the end
(``schema_version`` records which ones a ledger has). Statements are listed one by one so each
runs inside the migration's transaction (``executescript`` would commit on its own).

The events tables carry exactly the columns of :data:`transforms.model.canonical.EVENTS`; a test fails when
the model gains a column that no migration adds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


_EVENT_COLUMNS = """
    version          INTEGER,
    consignment_seq  INTEGER,
    side             TEXT NOT NULL CHECK (side IN ('HK', 'CN')),
    event_type       TEXT NOT NULL,
    occurred_at      TEXT NOT NULL,
    received_at      TEXT,
    source           TEXT,
    reference        TEXT,
    raw_status_code  TEXT,
    detail           TEXT,
    control_point    TEXT,
    crossing_date    TEXT"""

_INITIAL = (
    """CREATE TABLE submissions (
    submission_id        TEXT PRIMARY KEY,
    carrier_code         TEXT NOT NULL,
    trip_ref             TEXT NOT NULL,
    direction            TEXT NOT NULL,
    control_point        TEXT,
    expected_crossing_at TEXT,
    current_version      INTEGER,
    current_hash         TEXT,
    status               TEXT NOT NULL CHECK (status IN
                           ('held', 'filed', 'accepted', 'rejected', 'arrived', 'released', 'cancelled')),
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
)""",
    # Shared trucks are normal: one trip may carry several traders' consignments.
    """CREATE TABLE submission_traders (
    submission_id TEXT NOT NULL REFERENCES submissions (submission_id),
    trader        TEXT NOT NULL,
    PRIMARY KEY (submission_id, trader)
)""",
    "CREATE INDEX submission_traders_by_trader ON submission_traders (trader)",
    # References customs give back or the Mainland side uses: CCRN (one per consignment) and the
    # 货物运输批次号. Responses may quote them instead of the submission id.
    """CREATE TABLE submission_refs (
    scheme        TEXT NOT NULL CHECK (scheme IN ('CCRN', 'CN_TRIP_BATCH')),
    value         TEXT NOT NULL,
    submission_id TEXT NOT NULL REFERENCES submissions (submission_id),
    recorded_at   TEXT NOT NULL,
    PRIMARY KEY (scheme, value)
)""",
    "CREATE INDEX submission_refs_by_submission ON submission_refs (submission_id)",
    """CREATE TABLE versions (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id TEXT NOT NULL REFERENCES submissions (submission_id),
    version       INTEGER NOT NULL,
    function_code TEXT,
    content_hash  TEXT,
    status        TEXT NOT NULL CHECK (status IN ('filed', 'held', 'cancelled')),
    run_id        TEXT NOT NULL,
    as_of         TEXT NOT NULL,
    outputs       TEXT NOT NULL,
    reasons       TEXT NOT NULL,
    created_at    TEXT NOT NULL
)""",
    # One filing (or cancellation) per version; held attempts may repeat run after run.
    "CREATE UNIQUE INDEX versions_one_filing ON versions (submission_id, version) WHERE status <> 'held'",
    "CREATE INDEX versions_by_submission ON versions (submission_id, seq)",
    # History is append-only: the database itself refuses to rewrite it.
    """CREATE TRIGGER versions_never_updated BEFORE UPDATE ON versions
BEGIN SELECT RAISE(ABORT, 'versions is append-only: history is never updated'); END""",
    """CREATE TRIGGER versions_never_deleted BEFORE DELETE ON versions
BEGIN SELECT RAISE(ABORT, 'versions is append-only: history is never deleted'); END""",
    f"""CREATE TABLE events (
    event_id         TEXT PRIMARY KEY,
    submission_id    TEXT NOT NULL REFERENCES submissions (submission_id),{_EVENT_COLUMNS}
)""",
    "CREATE INDEX events_by_submission ON events (submission_id, occurred_at)",
    f"""CREATE TABLE events_unmatched (
    event_id         TEXT PRIMARY KEY,
    submission_id    TEXT,{_EVENT_COLUMNS}
)""",
    """CREATE TABLE flags (
    submission_id TEXT NOT NULL REFERENCES submissions (submission_id),
    kind          TEXT NOT NULL,
    run_id        TEXT NOT NULL,
    as_of         TEXT NOT NULL,
    detail        TEXT NOT NULL,
    PRIMARY KEY (submission_id, kind, run_id)
)""",
    """CREATE TABLE quarantine_items (
    item_id          TEXT PRIMARY KEY,
    trader           TEXT NOT NULL,
    src_file         TEXT NOT NULL,
    row_key          TEXT NOT NULL,
    submission_id    TEXT,
    rule_id          TEXT NOT NULL,
    reason           TEXT NOT NULL,
    crossing_at      TEXT,
    first_seen_run   TEXT NOT NULL,
    first_seen_at    TEXT NOT NULL,
    last_seen_run    TEXT NOT NULL,
    last_seen_at     TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('open', 'resolved', 'dismissed')),
    resolved_run     TEXT,
    dismissed_by     TEXT,
    dismissed_reason TEXT,
    dismissed_at     TEXT
)""",
    "CREATE INDEX quarantine_by_status ON quarantine_items (status, first_seen_at)",
)

MIGRATIONS: Final[tuple[Migration, ...]] = (
    Migration(1, "submissions, versions, references, events, flags, quarantine", _INITIAL),
)
