"""Why a line waits, and when waiting ends: the reasons and clocks of the *pending* state.

A line waits for a trip plan that lists its invoice, or its trip waits for another invoice it
lists. Every wait has a reason a person can act on, and a clock: the invoice date when the line
has one, else the time ssdd first saw the invoice (kept in the store across nights), so an undated
invoice does not wait forever. A number that differs from a listed one only by look-alike
characters (O/0, I/1/L) is said, and the trip that lists the look-alike is held rather than filed
short of the line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd

from transforms.model.inputs import CellProblem
from transforms.plumbing.timeutil import HK_TZ

_LOOK_ALIKE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-_./]+")


def look_alike_key(invoice: str) -> str:
    """An invoice number with look-alike characters folded (INV-0O1 and INV-001 share a key)."""
    return _SEPARATORS.sub("", str(invoice).upper()).translate(_LOOK_ALIKE)


def hours(age: timedelta) -> int:
    return int(age.total_seconds() // 3600)


def first_seen(lines: pd.DataFrame, known: Mapping[str, Mapping[str, str]], as_of: datetime) -> pd.Series:
    """When each line's invoice was first seen (UTC): from the store for invoices seen on an earlier
    night, else now."""
    now = pd.Timestamp(as_of).tz_convert("UTC")
    seen = [known.get(str(t), {}).get(str(i)) for t, i in zip(lines["trader"], lines["invoice_no"], strict=True)]
    out = pd.to_datetime(pd.Series(seen, index=lines.index, dtype=object), utc=True, errors="coerce")
    return out.fillna(now).where(out.isna() | (out <= now), now)


def expired(lines: pd.DataFrame, as_of: datetime, max_age: timedelta) -> pd.Series:
    """Lines whose wait is over: counted from the invoice date, or from first seen when undated."""
    local_asof = pd.Timestamp(as_of).tz_convert(HK_TZ).tz_localize(None)
    seen = pd.to_datetime(lines["first_seen"], utc=True).dt.tz_convert(HK_TZ).dt.tz_localize(None)
    if "invoice_date" in lines:
        dated = pd.to_datetime(lines["invoice_date"], errors="coerce")
        start = dated.where(dated.notna(), seen)
    else:
        start = seen
    return (local_asof - start) > max_age


@dataclass
class TripIndex:
    """What the trip plans list, for the reasons: (trader, invoice) -> trip, and per look-alike key."""

    invoice_trip: dict[tuple[str, str], str]
    trip_ref: dict[str, str]
    by_look: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for (trader, inv), sid in sorted(self.invoice_trip.items()):
            self.by_look.setdefault((trader, look_alike_key(inv)), []).append((inv, sid))

    def look_alike(self, trader: str, invoice: str) -> tuple[str, str] | None:
        """A listed invoice (number, submission id) that differs from ``invoice`` only by look-alikes."""
        for listed, sid in self.by_look.get((trader, look_alike_key(invoice)), []):
            if listed != invoice:
                return listed, sid
        return None


def no_trip_reason(trader: str, invoice: str, index: TripIndex, set_aside: Mapping[tuple[str, str], str],
                   refused_plans: Mapping[str, list[str]]) -> str:
    """Why no trip takes this invoice tonight, in one clause a trader can act on."""
    alike = index.look_alike(trader, invoice)
    if alike is not None:
        return (f"no trip plan lists this invoice, but trip {index.trip_ref.get(alike[1], '')} lists '{alike[0]}', "
                "which differs only by look-alike characters (O/0, I/1); correct the number where it is wrong")
    if (trader, invoice) in set_aside:
        return set_aside[(trader, invoice)]
    if refused_plans.get(trader):
        return (f"the trip plan {', '.join(refused_plans[trader])} was refused tonight, so no trip lists this "
                "invoice yet; fix that file (its reason is in the summary)")
    return "no trip plan lists this invoice yet"


def look_alike_holds(pending: pd.DataFrame, index: TripIndex, have: set[tuple[str, str]]
                     ) -> list[tuple[str, CellProblem]]:
    """A line waiting for a trip whose invoice looks like one a trip lists *and has*: that truck would
    be filed short of the line, so it is held with the line's cell named."""
    out: list[tuple[str, CellProblem]] = []
    for rec in pending.drop_duplicates(["trader", "invoice_no"]).to_dict("records"):
        trader, inv = str(rec["trader"]), str(rec["invoice_no"])
        alike = index.look_alike(trader, inv)
        if alike is None or (trader, alike[0]) not in have:
            continue
        listed, sid = alike
        f, sheet, row = str(rec["src_file"]), str(rec["src_sheet"] or ""), int(rec["src_row"])
        ref = index.trip_ref.get(sid, "")
        out.append((sid, CellProblem(
            f, sheet, row, "invoice_no", "invoice_no", inv, "A07",
            f"{f} row {row}: invoice '{inv}' is on no trip plan, but trip {ref} lists '{listed}', which differs "
            "only by look-alike characters (O/0, I/1); the trip is held so that it is not filed short of this "
            "line; correct the invoice number in the export or the trip plan.",
            f"{f} 第{row}行：发票「{inv}」不在任何车次计划中，而车次 {ref} 列有仅字形相近（O/0、I/1）的「{listed}」；"
            "为免该车申报漏掉此行，已暂扣该车次；请更正出口文件或车次计划中的发票编号。")))
    return out
