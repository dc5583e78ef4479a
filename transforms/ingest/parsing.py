"""Vectorised cell parsers: text as traders write it -> canonical values.

Each parser takes a pandas Series of raw text (None for empty cells) and returns the parsed
Series plus a boolean mask of cells that were present but could not be parsed, so the caller can
report every bad cell with its provenance. Nothing here guesses: an unparseable cell is reported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from transforms.plumbing.timeutil import HK_TZ

_EXCEL_EPOCH: Final = pd.Timestamp("1899-12-30")
_SERIAL = re.compile(r"^\d{4,6}(\.\d+)?$")
#: Named date formats a profile may list beside strptime patterns (profile ``date_formats``).
SERIAL_FORMAT: Final = "serial"   # Excel serial day numbers (46329 = 2026-11-03), 1900 system
ROC_FORMAT: Final = "roc"         # Minguo (ROC) calendar: year 114 = 2025, e.g. 1140925, 114/09/25
NAMED_FORMATS: Final = frozenset({SERIAL_FORMAT, ROC_FORMAT})
#: Minguo dates: optional 民國, a 2-3 digit year, then MMDD or separated month and day, optional time.
_ROC = re.compile(r"^(?:民國|民国)?\s*(?P<y>\d{2,3})(?:(?P<m>\d{2})(?P<d>\d{2})|[/.\-年]\s*(?P<m2>\d{1,2})"
                  r"[/.\-月]\s*(?P<d2>\d{1,2})日?)(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$")
_ROC_OFFSET: Final = 1911
#: Years a declaration can carry; anything outside is a damaged cell, not a date.
_YEARS: Final = (1900, 2199)
#: Excel serials of 1900-01-01 .. 2199-12-31.
_SERIAL_RANGE: Final = (1.0, 109574.0)
#: Largest magnitude a declared number may have: Mainland amounts are N19,4 (15 integer digits).
NUMBER_LIMIT: Final = 1e15
_LIST_SPLIT = re.compile(r"[;；,，、\r\n]+")

Parsed = tuple[pd.Series, pd.Series]


def present(raw: pd.Series) -> pd.Series:
    """Cells that hold something other than whitespace."""
    return raw.notna() & (raw.astype("string").str.strip().fillna("") != "")


def clean_text(raw: pd.Series) -> Parsed:
    out = raw.astype("string").str.strip()
    out = out.where(out != "", None)
    return out.astype(object).where(out.notna(), None), pd.Series(False, index=raw.index)


def parse_number(raw: pd.Series, decimal: str = ".", thousands: str = ",") -> Parsed:
    """Numbers with thousands separators and decimal commas (``1.234,56``, ``"12,345.60"``)."""
    has = present(raw)
    s = raw.astype("string").str.strip().str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
    if thousands:
        # a thousands separator only counts between digit groups of three
        sep = re.escape(thousands)
        s = s.str.replace(rf"(?<=\d){sep}(?=\d{{3}}(\D|$))", "", regex=True)
    if decimal == ",":
        s = s.str.replace(",", ".", regex=False)
    s = s.str.replace(r"^\((.*)\)$", r"-\1", regex=True)  # accounting negatives (12.50)
    num = pd.to_numeric(s, errors="coerce")
    bad = has & num.isna()
    return num.astype("float64"), bad


def out_of_range(num: pd.Series) -> pd.Series:
    """Parsed numbers no declaration can carry: infinite, or of magnitude :data:`NUMBER_LIMIT` and up."""
    return num.notna() & ~(num.abs() < NUMBER_LIMIT)


def parse_integer(raw: pd.Series, decimal: str = ".", thousands: str = ",") -> Parsed:
    num, bad = parse_number(raw, decimal, thousands)
    frac = num.notna() & (num != np.floor(num.fillna(0)))
    return num.where(~frac), bad | frac


def _serial_to_ts(values: pd.Series) -> pd.Series:
    days = pd.to_numeric(values, errors="coerce")
    days = days.where((days >= _SERIAL_RANGE[0]) & (days <= _SERIAL_RANGE[1]))
    return _EXCEL_EPOCH + pd.to_timedelta(days, unit="D")


def _one(text: object, fmt: str) -> datetime | None:
    """One cell through ``fmt``; None when it does not parse or lies outside the years we accept."""
    try:
        moment = datetime.strptime(str(text), fmt)
    except (TypeError, ValueError):
        return None
    return moment if _YEARS[0] <= moment.year <= _YEARS[1] else None


def _strptime(s: pd.Series, fmt: str) -> pd.Series:
    """``pd.to_datetime`` with ``fmt``; a cell out of pandas' range (a Minguo 0850925 read as year 850)
    makes the vectorised call raise, so then the cells are parsed one by one and that cell fails."""
    try:
        if fmt == "ISO8601":
            return pd.to_datetime(s, errors="coerce", format="ISO8601").astype("datetime64[ns]")
        return pd.to_datetime(s, format=fmt, errors="coerce").astype("datetime64[ns]")
    except (OverflowError, ValueError, pd.errors.OutOfBoundsDatetime):
        iso = "%Y-%m-%dT%H:%M:%S" if fmt == "ISO8601" else fmt
        return s.map(lambda v: None if v is None or v is pd.NA else _one(str(v).replace(" ", "T", 1)
                                                                       if fmt == "ISO8601" else v, _iso_fmt(v, iso))
                     ).astype("datetime64[ns]")


def _iso_fmt(value: object, fmt: str) -> str:
    """The ISO form a reader rendered (date only, minutes or seconds) for :func:`_one`."""
    if fmt != "%Y-%m-%dT%H:%M:%S":
        return fmt
    n = len(str(value))
    return "%Y-%m-%d" if n == 10 else "%Y-%m-%dT%H:%M" if n == 16 else fmt


def parse_roc(s: pd.Series) -> pd.Series:
    """Minguo (ROC) dates as Taiwanese ERPs write them: ``1140925``, ``0850925``, ``114/09/25``,
    ``民國114年9月25日``, optionally followed by a time; year + 1911 is the Gregorian year."""
    parts = s.astype("string").str.strip().str.extract(_ROC)
    if parts.empty or parts["y"].isna().all():
        return pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    num = parts.apply(pd.to_numeric, errors="coerce")
    when = pd.DataFrame({"year": num["y"] + _ROC_OFFSET, "month": num["m"].fillna(num["m2"]),
                         "day": num["d"].fillna(num["d2"]), "hour": num["H"].fillna(0),
                         "minute": num["M"].fillna(0), "second": num["S"].fillna(0)})
    ok = when["year"].between(*_YEARS) & when["month"].notna() & when["day"].notna()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    if ok.any():
        got = pd.to_datetime(when[ok].astype("int64"), errors="coerce").astype("datetime64[ns]")
        out[ok] = got
    return out


def _in_years(ts: pd.Series) -> pd.Series:
    return ts.where(ts.dt.year.between(*_YEARS))


def _parse_moments(raw: pd.Series, formats: Sequence[str]) -> Parsed:
    has = present(raw)
    s = raw.astype("string").str.strip()
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    todo = has.copy()
    # ISO text as the readers render real Excel dates/times
    iso = _strptime(s.where(todo & s.str.match(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?$")), "ISO8601")
    iso = _in_years(iso)
    out = out.where(iso.isna(), iso)
    todo &= out.isna()
    for fmt in formats:
        if not todo.any():
            break
        if fmt == SERIAL_FORMAT:
            # a number is a serial only where the profile says so: 10407 may be a Minguo year-month
            got = _serial_to_ts(s.where(todo & s.str.match(_SERIAL.pattern).fillna(False)))
        elif fmt == ROC_FORMAT:
            got = parse_roc(s.where(todo))
        else:
            got = _strptime(s.where(todo), fmt)
        got = _in_years(got)
        out = out.where(got.isna(), got)
        todo &= out.isna()
    return out, has & out.isna()


def parse_date(raw: pd.Series, formats: Sequence[str]) -> Parsed:
    ts, bad = _parse_moments(raw, formats)
    return ts.dt.normalize(), bad


def parse_local_datetime(raw: pd.Series, formats: Sequence[str], tz: ZoneInfo = HK_TZ) -> Parsed:
    """Local wall-clock times (Hong Kong unless the trader says otherwise) -> UTC timestamps."""
    ts, bad = _parse_moments(raw, formats)
    local = ts.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    bad = bad | (ts.notna() & local.isna())
    return local.dt.tz_convert(UTC), bad


def map_codes(raw: pd.Series, aliases: Mapping[str, str]) -> Parsed:
    """Names, aliases or codes -> canonical codes via a normalised alias map."""
    from transforms.model.reference import normalise_key

    has = present(raw)
    keys = raw.where(has, None).map(lambda v: None if v is None else normalise_key(str(v)))
    out = keys.map(lambda k: None if k is None else aliases.get(k))
    return out, has & out.isna()


def clean_code(raw: pd.Series, pad_to: int | None = None) -> Parsed:
    """Identifiers, trimmed. Fixed-length numeric codes (``pad_to``) also lose separators
    (``8517.13.00.00``) and get their leading zeros back.

    A code read from a number cell may have lost its leading zeros (``0303890090`` stored as
    303890090); the profile's ``pad_to`` restores them only when the code list fixes the length.
    """
    has = present(raw)
    s = raw.astype("string").str.strip()
    bad = pd.Series(False, index=raw.index)
    if pad_to:
        # fixed-length numeric codes arrive as 8517.13.00.00, "8517 1300 00" or 8517130000.0
        s = s.str.replace(r"^(\d+)\.0$", r"\1", regex=True)
        dotted = s.str.fullmatch(r"[\d.\s\-]+").fillna(False)
        s = s.where(~dotted, s.str.replace(r"[\s.\-]", "", regex=True))
        digits = s.str.fullmatch(r"\d+").fillna(False)
        short = digits & (s.str.len() < pad_to)
        s = s.where(~short, s.str.zfill(pad_to))
        bad = has & digits & (s.str.len() > pad_to)
    s = s.where(has, None)
    return s.astype(object).where(s.notna(), None), bad


def _split_slash(part: str) -> list[str]:
    """``INV1/INV2`` is two invoices, but ``INV/HK/2611/07`` is one: split on '/' only when every
    piece looks like a whole document number (a letter-and-digit code of four or more characters)."""
    pieces = [p.strip() for p in part.split("/")]
    if len(pieces) > 1 and all(len(p) >= 4 and any(c.isdigit() for c in p) for p in pieces):
        return pieces
    return [part]


def split_list(raw: pd.Series) -> Parsed:
    """``INV1; INV2`` / ``INV1,INV2`` / ``INV1/INV2`` / one per line -> list of trimmed values."""
    def split(v: object) -> list[str] | None:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        parts = [q for p in _LIST_SPLIT.split(str(v)) if p.strip() for q in _split_slash(p.strip())]
        return parts or None
    return raw.map(split), pd.Series(False, index=raw.index)


_MASS_FACTORS: Final = {"KGM": 1.0, "KG": 1.0, "KGS": 1.0, "GRM": 0.001, "G": 0.001, "LBR": 0.45359237,
                        "LB": 0.45359237, "LBS": 0.45359237, "TNE": 1000.0, "千克": 1.0, "公斤": 1.0,
                        "克": 0.001, "磅": 0.45359237, "吨": 1000.0, "噸": 1000.0}


def to_kg(values: pd.Series, units: pd.Series | str) -> Parsed:
    """Masses in KG, G or LB -> kg. An unknown unit is reported, not assumed to be kg."""
    if isinstance(units, str):
        factor = pd.Series(_MASS_FACTORS.get(units.upper(), np.nan), index=values.index)
        unknown_unit = pd.Series(units.upper() not in _MASS_FACTORS, index=values.index)
    else:
        u = units.astype("string").str.strip().str.upper()
        factor = u.map(lambda k: _MASS_FACTORS.get(k, np.nan) if isinstance(k, str) else 1.0).astype("float64")
        unknown_unit = u.notna() & factor.isna()
        factor = factor.fillna(1.0).where(~unknown_unit)
    with np.errstate(over="ignore", invalid="ignore"):   # 1e308 overflows; out_of_range reports it
        kg = (values * factor).round(3)
    return kg, values.notna() & unknown_unit


DIRECTIONS: Final = {
    "hk_import": "HK_IMPORT", "hkimport": "HK_IMPORT", "南下": "HK_IMPORT", "import": "HK_IMPORT",
    "hk_export": "HK_EXPORT", "hkexport": "HK_EXPORT", "北上": "HK_EXPORT", "export": "HK_EXPORT",
}


def parse_direction(raw: pd.Series, view: str | None = None) -> Parsed:
    """HK_IMPORT/南下 and HK_EXPORT/北上. A bare 进口/出口 is ambiguous unless the trader's
    settings say whose view it is (``view`` = "HK" or "CN")."""
    from transforms.model.reference import normalise_key

    table = dict(DIRECTIONS)
    if view == "HK":
        table.update({"进口": "HK_IMPORT", "進口": "HK_IMPORT", "出口": "HK_EXPORT"})
    elif view == "CN":
        table.update({"进口": "HK_EXPORT", "進口": "HK_EXPORT", "出口": "HK_IMPORT"})
    has = present(raw)
    out = raw.where(has, None).map(lambda v: None if v is None else table.get(normalise_key(str(v))))
    return out, has & out.isna()
