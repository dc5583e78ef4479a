"""The value formatting all writers share, and the problems a preflight reports.

Every value that reaches XML goes through one of the helpers below: text is checked for characters
XML 1.0 forbids (invariant 4 of architecture.md: such text must never reach a writer, so it raises
instead of being dropped or escaped), decimals get the model's fixed scale without float noise, and
timestamps are converted explicitly to Hong Kong time so the process ``TZ`` never matters.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Final, Literal

from lxml import etree

from transforms.model.canonical import MASS, MONEY, QTY
from transforms.plumbing.timeutil import HK_TZ

WriterId = Literal["single", "hk", "cn"]

#: Decimal scales of the canonical model (mass 14,3; money 18,2; quantity 18,5).
MASS_SCALE: Final[int] = MASS.scale
MONEY_SCALE: Final[int] = MONEY.scale
QTY_SCALE: Final[int] = QTY.scale
#: 报关单 DeclPrice = DeclTotal / GQty, rounded to 4 decimals.
PRICE_SCALE: Final = 4

#: Whether the filing travels through the SSDD scheme: today it forwards Mainland→HK road cargo only
#: (ssdd-domain.md §1.6 [S13]); the other direction is filed independently on each side.
SCHEME: Final = {"HK_IMPORT": "SSDD_FORWARDED", "HK_EXPORT": "INDEPENDENT"}

# XML 1.0 Char production: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
_NOT_XML_CHAR: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SCALES: Final = {s: Decimal(1).scaleb(-s) for s in range(0, 8)}


class XmlTextError(ValueError):
    """A value holds a character that XML 1.0 cannot carry (it should have been refused at ingest)."""


class MissingValueError(ValueError):
    """A value the document must carry is absent (the preflight should have held the submission)."""


@dataclass(frozen=True)
class MappingProblem:
    """Why a writer cannot produce its document for a submission; the submission is held.

    ``value`` is the canonical value that has no mapping (None when the value itself is missing),
    ``table`` the reference table consulted (None for a missing value)."""

    writer: WriterId
    field: str
    value: str | None
    table: str | None
    message_en: str
    message_zh: str
    consignment_seq: int | None = None
    line_no: int | None = None


class MappingError(ValueError):
    """Raised by ``render`` when called for a bundle whose preflight reports problems."""

    def __init__(self, problems: Sequence[MappingProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(p.message_en for p in self.problems))


def serialise(root: etree._Element) -> bytes:
    """The one output form of every writer."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# ---------------------------------------------------------------------------------------------
# values
# ---------------------------------------------------------------------------------------------

def is_missing(value: Any) -> bool:
    """None, NaN/NaT/pd.NA, or a blank string."""
    if value is None:
        return True
    t = type(value)
    if t is str:
        return not value or value.isspace()
    if t is int or t is bool:
        return False
    if t is float:
        return bool(value != value)
    try:  # pd.NA / pd.NaT / numpy NaN without importing pandas here
        return bool(value != value)
    except (TypeError, ValueError):
        return False


def text(value: Any, what: str) -> str:
    """A value as XML text, trimmed; raises :class:`XmlTextError` for characters XML 1.0 forbids."""
    s = (value if isinstance(value, str) else str(value)).strip()
    if s.isprintable():   # fast path: a printable character is always an XML 1.0 character
        return s
    bad = _NOT_XML_CHAR.search(s)
    if bad is not None:
        raise XmlTextError(f"{what}: character U+{ord(bad.group()):04X} cannot be written to XML 1.0 "
                           f"(value {s!r}); it must be refused at ingest")
    return s


def opt_text(value: Any, what: str) -> str | None:
    return None if is_missing(value) else text(value, what)


def to_decimal(value: Any, scale: int, what: str) -> Decimal:
    """The value at a fixed scale: floats are rounded first (``Decimal(str(round(v, scale)))``) so
    binary noise such as 12.300000000001 never shows."""
    if isinstance(value, bool):
        raise ValueError(f"{what}: expected a number, got {value!r}")
    try:
        if isinstance(value, Decimal):
            d = value
        elif isinstance(value, int):
            d = Decimal(value)
        elif isinstance(value, float) or hasattr(value, "__float__"):
            f = float(value)
            if not math.isfinite(f):
                raise ValueError(f"{what}: {value!r} is not a finite number")
            d = Decimal(str(round(f, scale)))
        else:
            d = Decimal(str(value).strip())
        q = d.quantize(_SCALES[scale], rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(f"{what}: {value!r} is not a decimal number") from None
    return q.copy_abs() if q.is_zero() else q


def dec_text(value: Decimal) -> str:
    return f"{value:f}"


_FIXED: Final = {s: f"{{:.{s}f}}".format for s in range(0, 8)}


def fmt_decimal(value: Any, scale: int, what: str) -> str:
    """Fixed-scale text of a number; the same digits as ``f"{to_decimal(value, scale, what):f}"``."""
    if type(value) is float and math.isfinite(value):
        # fast path for the pipeline's float64 cells: round first, then print exactly ``scale`` places
        s: str = _FIXED[scale](round(value, scale))
        return s[1:] if s[0] == "-" and not s.strip("-0.") else s
    return f"{to_decimal(value, scale, what):f}"


def fmt_int(value: Any, what: str) -> str:
    if isinstance(value, bool):
        raise ValueError(f"{what}: expected a whole number, got {value!r}")
    if isinstance(value, int):
        return str(value)
    f = float(value)
    if not f.is_integer():
        raise ValueError(f"{what}: {value!r} is not a whole number")
    return str(int(f))


def fmt_bool(value: Any) -> str:
    return "true" if bool(value) else "false"


def hk_time(value: Any, what: str) -> datetime:
    """A tz-aware timestamp (datetime, pandas Timestamp or ISO text) in Hong Kong time."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip())
    if not isinstance(value, datetime):
        raise ValueError(f"{what}: {value!r} is not a timestamp")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what}: {value!r} has no time zone; canonical timestamps are stored UTC")
    return value.astimezone(HK_TZ)


def fmt_iso_hk(value: Any, what: str) -> str:
    """ISO 8601 with the explicit Hong Kong offset, whole seconds: 2026-11-25T08:00:00+08:00."""
    t = hk_time(value, what)
    off = t.utcoffset()
    assert off is not None
    secs = int(off.total_seconds())
    sign = "+" if secs >= 0 else "-"
    secs = abs(secs)
    return f"{t:%Y-%m-%dT%H:%M:%S}{sign}{secs // 3600:02d}:{secs % 3600 // 60:02d}"


def fmt_date(value: Any, what: str) -> str:
    if isinstance(value, datetime):  # includes pandas Timestamp: a date column read as timestamps
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return date.fromisoformat(value.strip()).isoformat()
    raise ValueError(f"{what}: {value!r} is not a date")


def as_list(value: Any) -> list[Any]:
    """A list-valued cell (list, tuple, numpy array) as a list; missing → []."""
    if value is None or isinstance(value, str | bytes):
        return [] if value is None else [value]
    if isinstance(value, float) and math.isnan(value):
        return []
    if isinstance(value, Iterable):
        return list(value)
    return [value]


# ---------------------------------------------------------------------------------------------
# building
# ---------------------------------------------------------------------------------------------

_SubElement: Final = etree.SubElement


class Tags(dict[str, str]):
    """Local name -> Clark-notation tag in one namespace, built on first use (a plain dict lookup after)."""

    def __init__(self, namespace: str) -> None:
        super().__init__()
        self.ns = "{" + namespace + "}"

    def __missing__(self, name: str) -> str:
        tag = self[name] = self.ns + name
        return tag


class Builder:
    """``etree.SubElement`` in one namespace, with the text set in the same call."""

    __slots__ = ("ns", "tags")

    def __init__(self, namespace: str) -> None:
        self.tags = Tags(namespace)
        self.ns = self.tags.ns

    def tag(self, name: str) -> str:
        return self.tags[name]

    def root(self, name: str) -> etree._Element:
        nsmap: Any = {None: self.ns[1:-1]}  # the default namespace (lxml-stubs type the keys as str)
        return etree.Element(self.tags[name], nsmap=nsmap)

    def el(self, parent: etree._Element, name: str, value: str | None = None,
           attrib: dict[str, str] | None = None) -> etree._Element:
        tag = self.tags[name]
        e = _SubElement(parent, tag, attrib) if attrib else _SubElement(parent, tag)
        if value is not None:
            e.text = value
        return e

    def opt(self, parent: etree._Element, name: str, value: str | None,
            attrib: dict[str, str] | None = None) -> None:
        """Add the element only when it has a value."""
        if value is not None:
            self.el(parent, name, value, attrib)


def problem(writer: WriterId, field: str, value: str | None, table: str | None, en: str, zh: str, *,
            consignment_seq: int | None = None, line_no: int | None = None) -> MappingProblem:
    return MappingProblem(writer, field, value, table, en, zh, consignment_seq, line_no)
