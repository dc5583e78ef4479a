"""How the ledger's values are written to and read from SQLite: times as ISO text in UTC, blanks as NULL.

Every part of the ledger (versions, customs events, quarantine items) stores times the same way, so
that text comparison in SQL (``as_of <= ?``, ``ORDER BY occurred_at``) orders them as time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd


def iso_utc(value: datetime, what: str) -> str:
    """A time as stored: ISO 8601 in UTC to the microsecond; a naive time is refused (whose clock?)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must carry a time zone, got {value.isoformat()}")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def iso_utc_or_none(value: datetime | None, what: str) -> str | None:
    """Like :func:`iso_utc`; a missing value (None, NaT) is None, e.g. a held trip without a crossing time."""
    if value is None or is_missing(value):
        return None
    return iso_utc(value, what)


def from_iso(text: str | None) -> datetime | None:
    """A stored time read back (NULL stays None)."""
    return None if text is None else datetime.fromisoformat(text)


def py_datetime(value: Any) -> datetime:
    """A frame cell (Timestamp, datetime64, ISO text) as a Python datetime."""
    stamp: datetime = pd.Timestamp(value).to_pydatetime()
    return stamp


def utc_now_iso() -> str:
    """The wall clock for bookkeeping columns (created_at, applied_at), never for what a filing says."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def is_missing(value: Any) -> bool:
    """None, NaN, NaT or pandas NA; a string or a list is never missing, however empty."""
    return value is None or (not isinstance(value, str | list | tuple) and bool(pd.isna(value)))


def text_or_none(value: Any) -> str | None:
    """A frame cell as stored text: blank is None, and ``12.0`` (a number a spreadsheet made a float) is ``12``."""
    if is_missing(value):
        return None
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return text or None
