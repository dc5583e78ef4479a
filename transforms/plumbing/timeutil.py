"""The run's "now": ``--as-of`` fixes it for every time rule so replays give the same result."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final
from zoneinfo import ZoneInfo

#: Hong Kong time, the one definition: crossing dates, file names and every timestamp in an output use it.
#: Kept free of heavy imports (the CLI and every layer import it).
HK_TZ: Final = ZoneInfo("Asia/Hong_Kong")


class AsOfError(ValueError):
    pass


def parse_as_of(text: str | None) -> datetime:
    """ISO-8601; a value without an offset is Hong Kong time. None means the current time."""
    if text is None or not str(text).strip():
        return datetime.now(UTC).astimezone(HK_TZ)
    try:
        value = datetime.fromisoformat(str(text).strip())
    except ValueError:
        raise AsOfError(f"--as-of '{text}' is not an ISO-8601 date-time such as 2026-11-25T20:00 or "
                        "2026-11-25T20:00:00+08:00.") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=HK_TZ)
    return value
