"""Trip plans as trucking companies really send them (source-formats.md §F).

Only ``trip_ref``, control point, expected crossing, direction, a plate and the invoice list are
required of a plan; the carrier is often left out, and then it is the carrier ``trader.yaml`` names
(its ``code``, else its Mainland customs code), so the trip key stays carrier + trip_ref + direction.

A row that cannot name its trip (blank trip_ref, direction or carrier) or lists no invoice is *set
aside*: it stays in the mapped table with its reason in :data:`SET_ASIDE`, is counted quarantined
(never "reference"), gets a sentence naming file, row, column and value, and the lines of the
invoices it lists are told why they wait, instead of the row vanishing.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from transforms.ingest.profiles.match import find_header
from transforms.ingest.profiles.schema import Profile
from transforms.ingest.readers import RawWorkbook
from transforms.model.inputs import CellProblem, MappedTable
from transforms.model.trader import TraderSettings

#: column of a trip-plan frame holding why the row was set aside (null for a usable row)
SET_ASIDE = "_set_aside"
#: the columns a row needs to name its trip and its cargo, in the order they are reported
_NEEDED = ("trip_ref", "direction", "carrier_code", "invoice_nos")
_CARRIER_FROM_SETTINGS = "carrier.code or carrier.cn_customs_code in trader.yaml"


def settings_carrier(settings: TraderSettings) -> str | None:
    """The carrier code a trip plan without one stands for: trader.yaml's carrier."""
    carrier = settings.carrier
    if carrier is None:
        return None
    return carrier.code or carrier.cn_customs_code


def _blank(values: pd.Series) -> pd.Series:
    return values.map(lambda v: v is None or v is pd.NA or (isinstance(v, float) and v != v) or not str(v).strip())


def _no_invoices(values: pd.Series) -> pd.Series:
    return values.map(lambda v: not isinstance(v, list | tuple) or not [i for i in v if str(i).strip()])


def settle_trip_plan(table: MappedTable, settings: TraderSettings) -> None:
    """Fill the carrier from trader.yaml where the plan has none; set aside rows that name no trip
    or no invoice, each with a sentence (in ``table.problems``) unless mapping already reported the
    cell (an unknown direction)."""
    frame = table.frame
    carrier = settings_carrier(settings)
    if "carrier_code" not in frame:
        frame["carrier_code"] = carrier
    elif carrier is not None:
        frame["carrier_code"] = frame["carrier_code"].where(~_blank(frame["carrier_code"]), carrier)
    for key in _NEEDED:
        if key not in frame:
            frame[key] = None
    reported = {(p.src_row, p.column) for p in table.problems}
    reasons: list[str | None] = [None] * len(frame)
    for key in _NEEDED:
        empty = _no_invoices(frame[key]) if key == "invoice_nos" else _blank(frame[key])
        for pos in (i for i, e in enumerate(empty.tolist()) if e):
            row = int(frame["src_row"].iloc[pos])
            header = table.headers.get(key, key)
            unreadable = (row, key) in reported
            if reasons[pos] is None:
                reasons[pos] = (f"has a {header} that could not be read" if unreadable else
                                "lists no invoice" if key == "invoice_nos" else f"has no {header}")
            if not unreadable:
                table.problems.append(_set_aside_problem(frame, pos, key, header, carrier is None))
                reported.add((row, key))
    frame[SET_ASIDE] = pd.Series(reasons, index=frame.index, dtype=object)


def _set_aside_problem(frame: pd.DataFrame, pos: int, key: str, header: str, no_carrier: bool) -> CellProblem:
    src_file, sheet, row = str(frame["src_file"].iloc[pos]), str(frame["src_sheet"].iloc[pos] or ""), \
        int(frame["src_row"].iloc[pos])
    where = f"{src_file}{f' (sheet {sheet})' if sheet else ''}"
    if key == "carrier_code" and no_carrier:
        fix_en = f"fill it, or name the carrier in trader.yaml ({_CARRIER_FROM_SETTINGS})"
        fix_zh = "请填写，或在 trader.yaml 中注明承运人（carrier.code 或 carrier.cn_customs_code）"
    elif key == "invoice_nos":
        fix_en, fix_zh = "list the invoice numbers this truck carries", "请填写该车所载的发票编号"
    else:
        fix_en, fix_zh = "fill it", "请填写"
    return CellProblem(
        src_file, sheet, row, key, header, "", "T01",
        f"{where} row {row}, column {header}: the cell is empty, so this trip-plan row names no "
        f"{'invoice' if key == 'invoice_nos' else 'trip'} and was set aside; {fix_en}.",
        f"{where} 第{row}行「{header}」列：单元格为空，该车次计划行无法使用，已搁置；{fix_zh}。")


def usable(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of a trip-plan frame that name their trip and list their invoices."""
    return frame[frame[SET_ASIDE].isna()] if SET_ASIDE in frame else frame


def set_aside_invoices(frames: Iterable[tuple[str, str, pd.DataFrame]]) -> dict[tuple[str, str], str]:
    """(trader, invoice) -> why the plan row listing it cannot be used, from (trader, file, frame)."""
    out: dict[tuple[str, str], str] = {}
    for trader, label, frame in frames:
        if SET_ASIDE not in frame:
            continue
        aside = frame[frame[SET_ASIDE].notna()]
        for invoices, row, reason in zip(aside["invoice_nos"], aside["src_row"], aside[SET_ASIDE], strict=True):
            for inv in invoices if isinstance(invoices, list | tuple) else []:
                out.setdefault((trader, str(inv).strip()),
                               f"the trip plan row that lists it ({label} row {int(row)}) {reason} and was set aside")
    return out


def counts(table: MappedTable) -> tuple[int, int]:
    """(reference rows, quarantined rows) of a mapped trip plan."""
    aside = int(table.frame[SET_ASIDE].notna().sum()) if SET_ASIDE in table.frame else 0
    return len(table.frame) - aside, aside


def looks_like_trip_plan(profiles: Iterable[Profile], wb: RawWorkbook) -> bool:
    """A refused file whose closest profile is a trip plan: its traders' lines are told the plan was
    refused, not that no plan lists them."""
    best: tuple[int, str] | None = None
    for profile in profiles:
        for sheet in (s for s in wb.sheets if not s.hidden):
            m = find_header(profile, sheet)
            if m is not None and (best is None or len(m.columns) > best[0]):
                best = (len(m.columns), profile.role)
    return best is not None and best[1] == "trip_plan" and best[0] >= 2
