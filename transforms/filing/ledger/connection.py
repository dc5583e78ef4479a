"""The ledger's SQLite connection: opening and migrating the file, and the transactions every write runs in.

One connection per :class:`~transforms.filing.ledger.Ledger`, shared by threads under one re-entrant
lock; autocommit mode (``isolation_level=None``) so that transactions are exactly the ``BEGIN
IMMEDIATE`` … ``COMMIT`` written here, never ones the sqlite3 module opens behind our back.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final, Literal, Self

from transforms.filing.ledger.migrations import MIGRATIONS
from transforms.filing.ledger.values import utc_now_iso

BUSY_TIMEOUT_MS: Final = 10_000


class LedgerError(Exception):
    """A ledger operation refused; the message is one sentence a user can act on."""


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


class LedgerConnection:
    """The ledger file at a path or ``sqlite:///path`` URL, created and migrated on open.

    The parts of the ledger (:mod:`~transforms.filing.ledger.versions`, :mod:`~.events`,
    :mod:`~.quarantine_items`) build on this class, so they all write through the same :meth:`_tx`
    and a :meth:`batch` spans any of them."""

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

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Self:
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
                            (migration.version, migration.description, utc_now_iso()))

    def schema_version(self) -> int:
        return int(self._rows("SELECT MAX(version) FROM schema_version")[0][0])

    def pragma(self, name: Literal["journal_mode", "synchronous", "busy_timeout"]) -> str:
        return str(self._rows(f"PRAGMA {name}")[0][0])
