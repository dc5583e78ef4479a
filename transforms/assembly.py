"""Commercial lines + item master + trip plan + trader settings -> canonical frames.

One submission per truck trip (carrier + trip_ref + direction); a trip may carry consignments of
several traders (shared trucks are normal). Every input line ends in exactly one state:

- ``assembled``  - part of a submission (filed or held later by the checks),
- ``pending``    - waiting for a trip plan, or its trip waits for another invoice,
- ``superseded`` - a newer export of the same invoice replaced it (never summed),
- ``quarantined``- cannot be assembled (e.g. no trip after the pending age, unknown customer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd

from transforms.build import build_frames
from transforms.ledger import trip_ids
from transforms.mapping import CellProblem, MappedTable
from transforms.parsing import HK_TZ
from transforms.reference import Reference
from transforms.trader import TraderSettings

_MASTER_FILLS = ("description_en", "description_zh", "hs_hk", "hs_cn", "brand", "cn_unit_legal_1",
                 "cn_unit_legal_2", "cn_declaration_elements")


@dataclass
class SourceTable:
    """A mapped file of one trader, in arrival order (``order``: higher = newer export)."""

    trader: str
    label: str            # path relative to the inbox
    order: int
    table: MappedTable


@dataclass
class TraderInput:
    settings: TraderSettings
    settings_label: str
    lines: list[SourceTable] = field(default_factory=list)
    masters: list[SourceTable] = field(default_factory=list)
    trips: list[SourceTable] = field(default_factory=list)


@dataclass
class Assembly:
    frames: dict[str, pd.DataFrame]
    #: one row per input line: src_file, src_row, trader, invoice_no, state, submission_id, reason
    line_states: pd.DataFrame
    problems: list[CellProblem]
    #: problems keyed to a submission (hold it): (submission_id, CellProblem)
    submission_problems: list[tuple[str, CellProblem]]
    #: per submission: source files that fed it
    sources: dict[str, set[str]]
    #: which item-master row filled which line's column (transforms.provenance.master_origins)
    value_origins: pd.DataFrame | None = None


def _concat(items: Sequence[SourceTable]) -> pd.DataFrame:
    frames = []
    for it in items:
        f = it.table.frame.copy()
        f["trader"] = it.trader
        f["_order"] = it.order
        frames.append(f)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _problem(src_file: str, sheet: str, row: int, column: str, header: str, value: str, rule: str,
             en: str, zh: str) -> CellProblem:
    return CellProblem(src_file, sheet, row, column, header, value, rule, en, zh)


def assemble(inputs: Sequence[TraderInput], reference: Reference, *, as_of: datetime,
             pending_max_age: timedelta) -> Assembly:
    problems: list[CellProblem] = []
    sub_problems: list[tuple[str, CellProblem]] = []
    settings = {t.settings.trader: t for t in inputs}

    # -- trips: newest row per (carrier, trip_ref, direction) wins -------------------------------
    trips = _concat([s for t in inputs for s in t.trips])
    if not trips.empty:
        ids = trip_ids(trips)
        trips = trips.loc[ids.index].copy()
        trips["submission_id"] = ids
        trips = trips.sort_values(["_order", "src_row"]).drop_duplicates(
            ["trader", "submission_id"], keep="last")
    invoice_trip: dict[tuple[str, str], str] = {}
    trip_invoices: dict[str, set[tuple[str, str]]] = {}
    for rec in trips.to_dict("records") if not trips.empty else []:
        for inv in rec.get("invoice_nos") or []:
            invoice_trip[(rec["trader"], str(inv))] = rec["submission_id"]
            trip_invoices.setdefault(rec["submission_id"], set()).add((rec["trader"], str(inv)))

    # -- lines: newest export of an invoice replaces its lines wholesale ------------------------
    lines = _concat([s for t in inputs for s in t.lines])
    if lines.empty:
        return Assembly(_empty_frames(), pd.DataFrame(columns=["src_file", "src_row", "trader", "invoice_no",
                                                               "state", "submission_id", "reason"]),
                        problems, sub_problems, {})
    lines["invoice_no"] = lines["invoice_no"].astype("string").str.strip()
    newest = lines.groupby(["trader", "invoice_no"])["_order"].transform("max")
    lines["state"] = "assembled"
    lines["reason"] = None
    lines.loc[lines["_order"] < newest, "state"] = "superseded"
    lines.loc[lines["state"] == "superseded", "reason"] = "replaced by a newer export of the same invoice"

    # -- item master fills what the line lacks -------------------------------------------------
    masters = _concat([s for t in inputs for s in t.masters])
    if not masters.empty:
        masters = masters.sort_values("_order").drop_duplicates(["trader", "sku"], keep="last")
        mcols = ["trader", "sku", *[c for c in _MASTER_FILLS if c in masters.columns]]
        m = masters[mcols].rename(columns={c: f"m_{c}" for c in _MASTER_FILLS})
        lines = lines.merge(m, on=["trader", "sku"], how="left")
        in_master = lines["m_hs_cn"].notna() if "m_hs_cn" in lines else pd.Series(False, index=lines.index)
        for c in _MASTER_FILLS:
            if f"m_{c}" in lines:
                if c not in lines:
                    lines[c] = None
                lines[c] = lines[c].where(lines[c].notna(), lines[f"m_{c}"])
                lines = lines.drop(columns=[f"m_{c}"])
    else:
        in_master = pd.Series(False, index=lines.index)
    for c in ("hs_cn", "hs_hk", "description_en", "description_zh", "sku"):
        if c not in lines:
            lines[c] = None
    lines["_in_master"] = in_master.values
    # 申报要素 arrive '|'-separated from the master; the model keeps them as a list
    if "cn_declaration_elements" in lines:
        # split once per distinct text (they repeat per SKU), not once per line
        texts = lines["cn_declaration_elements"].tolist()
        split = {v: [p.strip() for p in v.split("|")] for v in set(texts) if isinstance(v, str) and v.strip()}
        lines["cn_declaration_elements"] = pd.Series([split.get(v) if isinstance(v, str) else None for v in texts],
                                                     index=lines.index, dtype=object)

    live = lines["state"] == "assembled"
    orphan = live & ~lines["_in_master"] & lines["hs_cn"].isna() & lines["hs_hk"].isna()
    for rec in lines[orphan].to_dict("records"):
        problems.append(_problem(
            rec["src_file"], rec["src_sheet"], rec["src_row"], "sku", "sku", str(rec["sku"]), "A01",
            f"{rec['src_file']} row {rec['src_row']}: SKU '{rec['sku']}' is not in the item master and the line "
            "carries no HS code; add the SKU to the item master or the code to the line.",
            f"{rec['src_file']} 第{rec['src_row']}行：物料编码「{rec['sku']}」不在物料主数据中，且该行没有商品编码；"
            "请在物料主数据中补充该物料或在该行填写商品编码。"))

    # -- lines meet their trips -----------------------------------------------------------------
    lines["submission_id"] = [invoice_trip.get((t, str(i))) for t, i in
                              zip(lines["trader"], lines["invoice_no"], strict=True)]
    no_trip = live & lines["submission_id"].isna()
    invoice_dates = pd.to_datetime(lines["invoice_date"], errors="coerce") if "invoice_date" in lines else None
    too_old = pd.Series(False, index=lines.index)
    if invoice_dates is not None:
        local_asof = pd.Timestamp(as_of).tz_convert(HK_TZ).tz_localize(None)
        too_old = (local_asof - invoice_dates) > pending_max_age
    lines.loc[no_trip & ~too_old, "state"] = "pending"
    lines.loc[no_trip & ~too_old, "reason"] = "no trip plan lists this invoice yet"
    lines.loc[no_trip & too_old, "state"] = "quarantined"
    lines.loc[no_trip & too_old, "reason"] = (
        f"no trip plan listed this invoice within {int(pending_max_age.total_seconds() // 3600)} hours")
    for rec in lines[no_trip & too_old].drop_duplicates(["trader", "invoice_no"]).to_dict("records"):
        problems.append(_problem(
            rec["src_file"], rec["src_sheet"], rec["src_row"], "invoice_no", "invoice_no", str(rec["invoice_no"]),
            "A02", f"{rec['src_file']} row {rec['src_row']}: invoice '{rec['invoice_no']}' is on no trip plan "
            f"after {int(pending_max_age.total_seconds() // 3600)} hours; send the trip plan that carries it.",
            f"{rec['src_file']} 第{rec['src_row']}行：发票「{rec['invoice_no']}」超过"
            f"{int(pending_max_age.total_seconds() // 3600)}小时仍未列入任何车次计划；请提供相应车次计划。"))

    # a trip whose invoices have not all arrived waits (a truck's manifest must be complete)
    have = set(zip(lines.loc[lines["state"] == "assembled", "trader"],
                   lines.loc[lines["state"] == "assembled", "invoice_no"], strict=True))
    waiting: dict[str, list[str]] = {}
    for sid, invs in trip_invoices.items():
        missing = sorted(f"{inv}" for (tr, inv) in invs if (tr, inv) not in have)
        if missing:
            waiting[sid] = missing
    wait_mask = (lines["state"] == "assembled") & lines["submission_id"].isin(list(waiting))
    lines.loc[wait_mask, "state"] = "pending"
    lines.loc[wait_mask, "reason"] = [f"its trip also lists invoice(s) {', '.join(waiting[s])}, not received yet"
                                      for s in lines.loc[wait_mask, "submission_id"]]

    asm = lines[lines["state"] == "assembled"].copy()
    trips_used = trips[trips["submission_id"].isin(set(asm["submission_id"]))] if not trips.empty else trips
    frames, sources = build_frames(asm, trips_used, settings, reference, sub_problems)
    states = lines[["src_file", "src_row", "trader", "invoice_no", "state", "submission_id", "reason"]].copy()
    return Assembly(frames, states, problems, sub_problems, sources)


def _empty_frames() -> dict[str, pd.DataFrame]:
    from transforms.model import FILING_TABLES, empty_frame

    return {name: empty_frame(name) for name in FILING_TABLES}
