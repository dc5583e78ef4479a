"""The run's "now": ``--as-of`` fixes it for every time rule so replays give the same result.

It is parsed once, where it enters (the settings model for a flag, ``SSDD_AS_OF`` or ``ssdd.toml``;
:func:`parse_as_of` for the as-of a summary.json recorded), and passed on as an aware ``datetime``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Final
from zoneinfo import ZoneInfo

#: Hong Kong time, the one definition: crossing dates, file names and every timestamp in an output use it.
#: Kept free of heavy imports (the CLI and every layer import it).
HK_TZ: Final = ZoneInfo("Asia/Hong_Kong")


class AsOfError(ValueError):
    """An as-of that is not a date-time, said in one sentence."""


def parse_as_of(value: str | date) -> datetime:
    """ISO-8601 text (or a TOML date-time) as an aware moment.

    A value without an offset is Hong Kong time, not an error: the filings, the traders' crossing
    times and the operators are all in Hong Kong, and ``--as-of 2026-11-25T20:00`` has always meant
    20:00 there. A date alone is midnight Hong Kong time."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise AsOfError(f"--as-of '{value}' is not an ISO-8601 date-time such as 2026-11-25T20:00 or "
                            "2026-11-25T20:00:00+08:00.") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=HK_TZ)
    return moment


def as_of_or_now(as_of: datetime | None) -> datetime:
    """``as_of``, or without an ``--as-of`` the current time in Hong Kong. A run calls it once, at its
    start (flows/service.py), so every stage and the after-run alerts share the same "now"."""
    return as_of if as_of is not None else datetime.now(UTC).astimezone(HK_TZ)
