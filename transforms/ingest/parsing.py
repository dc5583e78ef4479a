"""Cell parsers: text as traders write it -> canonical values.

Each parser takes a pandas Series of raw text (None for empty cells) and returns the parsed
Series plus a boolean mask of cells that were present but could not be parsed, so the caller can
report every bad cell with its provenance. Nothing here guesses: an unparseable cell is reported.

The text work (trimming, separators, patterns) runs on the column's Python strings in one pass, and
only the conversions (``pd.to_numeric``, ``pd.to_datetime``) are vectorised. Most sheets are a few
dozen rows, where each pandas string operation costs ~0.1 ms whatever the length (the conversion to
Arrow strings and back dominates): ten of them per column made the parsers most of a small file's
ingest. The semantics are Python's (``str.strip``, ``re``), which is what the pandas string methods
applied before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
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


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def _stripped(raw: pd.Series) -> list[str | None]:
    """Each cell's text without surrounding whitespace; None where the cell is missing."""
    return [None if _missing(v) else str(v).strip() for v in raw.tolist()]


def _series(values: Sequence[object], index: pd.Index, dtype: str = "object") -> pd.Series:
    return pd.Series(values, index=index, dtype=dtype)


def _flags(texts: list[str | None]) -> list[bool]:
    """Which trimmed cells hold something."""
    return [bool(t) for t in texts]


def present(raw: pd.Series) -> pd.Series:
    """Cells that hold something other than whitespace."""
    return _series(_flags(_stripped(raw)), raw.index, "bool")


def clean_text(raw: pd.Series) -> Parsed:
    return _series([t or None for t in _stripped(raw)], raw.index), _series([False] * len(raw), raw.index, "bool")


#: accounting negatives: (12.50) is -12.50
_ACCOUNTING_NEGATIVE = re.compile(r"^\((.*)\)$")


@lru_cache(maxsize=16)
def _thousands(sep: str) -> re.Pattern[str]:
    # a thousands separator only counts between digit groups of three
    return re.compile(rf"(?<=\d){re.escape(sep)}(?=\d{{3}}(\D|$))")


def _number_text(text: str, decimal: str, thousands: str) -> str:
    # each step only where its character occurs: most cells are plain digits, and a column can be long
    s = text.replace("\u00a0", "").replace(" ", "") if " " in text or "\u00a0" in text else text
    if thousands and thousands in s:
        s = _thousands(thousands).sub("", s)
    if decimal == "," and "," in s:
        s = s.replace(",", ".")
    return _ACCOUNTING_NEGATIVE.sub(r"-\1", s) if s.startswith("(") else s


def parse_number(raw: pd.Series, decimal: str = ".", thousands: str = ",") -> Parsed:
    """Numbers with thousands separators and decimal commas (``1.234,56``, ``"12,345.60"``)."""
    texts = _stripped(raw)
    s = _series([None if t is None else _number_text(t, decimal, thousands) for t in texts], raw.index)
    num = pd.to_numeric(s, errors="coerce").astype("float64")
    bad = _series(_flags(texts), raw.index, "bool") & num.isna()
    return num, bad


def out_of_range(num: pd.Series) -> pd.Series:
    """Parsed numbers no declaration can carry: infinite, or of magnitude :data:`NUMBER_LIMIT` and up."""
    values = num.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        return pd.Series(~np.isnan(values) & ~(np.abs(values) < NUMBER_LIMIT), index=num.index)


def parse_integer(raw: pd.Series, decimal: str = ".", thousands: str = ",") -> Parsed:
    num, bad = parse_number(raw, decimal, thousands)
    values = num.to_numpy()
    with np.errstate(invalid="ignore"):
        frac = pd.Series(~np.isnan(values) & (values != np.floor(np.where(np.isnan(values), 0.0, values))),
                         index=num.index)
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


#: ISO text as the readers render real Excel dates and times
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?$")


def _parse_moments(raw: pd.Series, formats: Sequence[str]) -> Parsed:
    texts = _stripped(raw)
    has = _series(_flags(texts), raw.index, "bool")
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    if not has.any():
        return out, has
    iso = [t if t and _ISO_MOMENT.match(t) else None for t in texts]
    if any(iso):
        out = _in_years(_strptime(_series(iso, raw.index), "ISO8601"))
    todo = has & out.isna()
    for fmt in formats:
        if not todo.any():
            break
        rest = [t if left else None for t, left in zip(texts, todo.tolist(), strict=True)]
        if fmt == SERIAL_FORMAT:
            # a number is a serial only where the profile says so: 10407 may be a Minguo year-month
            got = _serial_to_ts(_series([t if t and _SERIAL.match(t) else None for t in rest], raw.index))
        elif fmt == ROC_FORMAT:
            got = parse_roc(_series(rest, raw.index))
        else:
            got = _strptime(_series(rest, raw.index), fmt)
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

    texts = _stripped(raw)
    out = [aliases.get(normalise_key(str(v))) if t else None for v, t in zip(raw.tolist(), texts, strict=True)]
    return _series(out, raw.index), _series([bool(t) and o is None for t, o in zip(texts, out, strict=True)],
                                            raw.index, "bool")


def clean_code(raw: pd.Series, pad_to: int | None = None) -> Parsed:
    """Identifiers, trimmed. Fixed-length numeric codes (``pad_to``) also lose separators
    (``8517.13.00.00``) and get their leading zeros back.

    A code read from a number cell may have lost its leading zeros (``0303890090`` stored as
    303890090); the profile's ``pad_to`` restores them only when the code list fixes the length.
    """
    codes: list[str | None] = []
    bad: list[bool] = []
    for text in _stripped(raw):
        if not text:
            codes.append(None)
            bad.append(False)
        elif not pad_to:
            codes.append(text)
            bad.append(False)
        else:
            code, too_long = _fixed_length(text, pad_to)
            codes.append(code)
            bad.append(too_long)
    return _series(codes, raw.index), _series(bad, raw.index, "bool")


_FLOAT_TAIL = re.compile(r"^(\d+)\.0$")
_DOTTED = re.compile(r"[\d.\s\-]+")
#: what separates the digit groups of a written code (8517.13.00.00, "8517 1300 00")
CODE_SEPARATORS = re.compile(r"[\s.\-]")


def _fixed_length(text: str, pad_to: int) -> tuple[str, bool]:
    """A fixed-length numeric code as written (8517.13.00.00, "8517 1300 00", 8517130000.0) ->
    its digits with leading zeros restored, and whether it has more digits than the code allows."""
    if text.isdecimal():   # the common case; isdecimal() is exactly re's \d (Unicode category Nd)
        return text.zfill(pad_to), len(text) > pad_to
    s = _FLOAT_TAIL.sub(r"\1", text) if text.endswith(".0") else text
    if _DOTTED.fullmatch(s):
        s = CODE_SEPARATORS.sub("", s)
    if not s.isdecimal():
        return s, False
    return s.zfill(pad_to), len(s) > pad_to


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
        u = [None if t is None else t.upper() for t in _stripped(units)]
        unknown_unit = _series([k is not None and k not in _MASS_FACTORS for k in u], values.index, "bool")
        factor = _series([np.nan if k is not None and k not in _MASS_FACTORS else _MASS_FACTORS.get(k or "", 1.0)
                          for k in u], values.index, "float64")
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
    texts = _stripped(raw)
    out = [table.get(normalise_key(str(v))) if t else None for v, t in zip(raw.tolist(), texts, strict=True)]
    return _series(out, raw.index), _series([bool(t) and o is None for t, o in zip(texts, out, strict=True)],
                                            raw.index, "bool")
