"""The quarantine items' lifecycle in the ledger: open when a row fails, resolved, or dismissed by a person.

An item is one source row failing one rule (:func:`transforms.model.identity.quarantine_item_id`),
so the same row failing again on a later night is the same item: its first sighting is kept, its
last one moves. The trader-facing reports of these rows are :mod:`transforms.filing.quarantine`.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Literal

import pandas as pd

from transforms.filing.ledger.connection import LedgerConnection, LedgerError
from transforms.filing.ledger.values import is_missing, iso_utc, py_datetime, text_or_none, utc_now_iso
from transforms.model.identity import quarantine_item_id

QuarantineStatus = Literal["open", "resolved", "dismissed", "all"]


class QuarantineItems(LedgerConnection):
    """Recording, resolving, dismissing and listing quarantine items."""

    def quarantine_upsert(self, items: pd.DataFrame, run_id: str, *, as_of: datetime | None = None) -> None:
        """Record quarantined rows seen in this run (first_seen kept; a resolved item that recurs reopens).

        Columns: trader, src_file, rule_id, reason and a row key (``row_key``, or ``src_sheet``/``src_row``);
        optional submission_id, crossing_at, item_id (computed when absent).
        """
        missing = {"trader", "src_file", "rule_id", "reason"} - set(items.columns)
        if missing:
            raise ValueError(f"quarantine items lack columns {sorted(missing)}")
        seen_at = utc_now_iso() if as_of is None else iso_utc(as_of, "as_of")
        rows = []
        for rec in items.to_dict("records"):
            trader, src_file, rule_id = str(rec["trader"]), str(rec["src_file"]), str(rec["rule_id"])
            row_key = (text_or_none(rec.get("row_key"))
                       or f"{text_or_none(rec.get('src_sheet')) or ''}!{text_or_none(rec.get('src_row'))}")
            item_id = text_or_none(rec.get("item_id")) or quarantine_item_id(trader, src_file, rule_id, row_key)
            crossing = rec.get("crossing_at")
            crossing_iso = None if is_missing(crossing) else iso_utc(py_datetime(crossing), "crossing_at")
            rows.append((item_id, trader, src_file, row_key, text_or_none(rec.get("submission_id")), rule_id,
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
                               (by.strip(), reason.strip(), utc_now_iso(), item_id)).rowcount
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
