"""Typed spreadsheet values turned into the text a person reads in the cell.

Profiles parse numbers and dates from text (a trader's CSV only has text), so spreadsheet
values are rendered once, here, the way Excel's General format shows them: integral numbers
without ".0", at most 15 significant digits (Excel stores 17 but never shows more than 15, so
60.564999999999998 reads 60.565), never scientific notation (a 10-digit HS code stored as a
number must come back as its digits), dates as ISO text.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Final

from transforms.ingest.readers.raw import Cell

#: Floats cached per sheet before the cache is reset (bounds memory on sheets of distinct values).
FLOAT_CACHE_LIMIT: Final = 200_000


def float_text(value: float) -> str:
    """``1200.0`` -> ``"1200"``, ``12.5`` -> ``"12.5"``, ``60.564999999999998`` -> ``"60.565"``."""
    # %.15g rounds to what Excel shows and drops ".0"; only exponents (below 1e-4, from 1e15)
    # and the odd values (-0, nan, inf) need more care.
    text = "%.15g" % value  # noqa: UP031 - measurably faster than format() in this hot path
    if "e" in text or "n" in text or text == "-0":
        return _unusual_float_text(value, text)
    return text


def _unusual_float_text(value: float, text: str) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        return text
    positional = format(Decimal(text), "f")
    if "." in positional:
        positional = positional.rstrip("0").rstrip(".")
    return "0" if positional in ("-0", "") else positional


class FloatTexts(dict[float, str]):
    """Memo of :func:`float_text`: quantities, prices and codes repeat down a column."""

    def text(self, value: float) -> str:
        text = self[value] = float_text(value)
        return text


def _rounded_to_second(value: dt.datetime) -> dt.datetime:
    # Serial day fractions carry float noise (08:29:59.999996); Excel shows whole seconds.
    if value.microsecond:
        value = value.replace(microsecond=0) + dt.timedelta(seconds=round(value.microsecond / 1e6))
    return value


def duration_text(value: dt.timedelta) -> str:
    """Elapsed time as Excel's ``[h]:mm:ss`` shows it: ``"255:10:10"``."""
    seconds = round(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours}:{minutes:02d}:{secs:02d}"


def cell_text(value: object) -> Cell:
    """Any value a spreadsheet engine hands back, as display text (``None`` when empty)."""
    # Exact type checks: bool is an int and datetime is a date, and each reads differently.
    kind = type(value)
    if kind is str:
        return value or None  # type: ignore[return-value]
    if kind is float:
        return float_text(value)  # type: ignore[arg-type]
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if kind is int:
        return str(value)
    if kind is dt.datetime:
        return _rounded_to_second(value).isoformat()  # type: ignore[arg-type]
    if kind is dt.date:
        return value.isoformat()  # type: ignore[attr-defined, no-any-return]
    if kind is dt.time:
        moment = dt.datetime.combine(dt.date(2000, 1, 1), value)  # type: ignore[arg-type]
        return _rounded_to_second(moment).time().isoformat()
    if kind is dt.timedelta:
        return duration_text(value)  # type: ignore[arg-type]
    if value is None:
        return None
    return str(value) or None


# Serial day numbers: day 0 of the 1900 system is 1899-12-30 once Excel's fictitious 1900-02-29
# is accounted for (serials from 61 on); the 1904 system counts from 1904-01-01.
_EPOCH_1900: Final = dt.datetime(1899, 12, 30)
_EPOCH_1904: Final = dt.datetime(1904, 1, 1)


def serial_text(serial: float, *, date1904: bool = False) -> str:
    """An Excel serial date as ISO text: date only when it has no time of day."""
    if date1904:
        moment = _EPOCH_1904 + dt.timedelta(days=serial)
    elif serial < 61:
        # Serials 1..59 count from 1899-12-31; 60 is the phantom 1900-02-29, shown as 02-28.
        moment = dt.datetime(1899, 12, 31) + dt.timedelta(days=min(serial, 59) if serial >= 60 else serial)
    else:
        moment = _EPOCH_1900 + dt.timedelta(days=serial)
    moment = _rounded_to_second(moment)
    if moment.time() == dt.time(0, 0):
        return moment.date().isoformat()
    if serial < 1:
        return moment.time().isoformat()
    return moment.isoformat()
