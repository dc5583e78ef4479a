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
from datetime import datetime, timedelta

import pandas as pd

from transforms.assembly import pending
from transforms.assembly.build import build_frames
from transforms.assembly.mainland_record import fill_mainland_record
from transforms.ingest import trip_plan
from transforms.model.identity import trip_ids
from transforms.model.inputs import Assembly, CellProblem, SourceTable, StatedOrigins, TraderInput
from transforms.model.reference import Reference
from transforms.plumbing.text import shown

_MASTER_FILLS = ("description_en", "description_zh", "hs_hk", "hs_cn", "brand", "cn_unit_legal_1",
                 "cn_unit_legal_2", "cn_declaration_elements", "cn_ciq_code")


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
    trips, index, trip_invoices = _trips(inputs)
    set_aside = trip_plan.set_aside_invoices((s.trader, s.label, s.table.frame) for t in inputs for s in t.trips)
    refused = {t.settings.trader: t.refused_plans for t in inputs if t.refused_plans}

    # -- lines: newest export of an invoice replaces its lines wholesale ------------------------
    lines = _concat([s for t in inputs for s in t.lines])
    if lines.empty:
        return Assembly(_empty_frames(), pd.DataFrame(columns=list(LINE_STATE_COLUMNS)), problems, sub_problems, {})
    invoice_no = lines["invoice_no"].astype("string").str.strip()
    lines["invoice_no"] = invoice_no.where(invoice_no != "")
    newest = lines.groupby(["trader", "invoice_no"])["_order"].transform("max")
    lines["state"] = "assembled"
    lines["reason"] = None
    lines.loc[lines["_order"] < newest, "state"] = "superseded"
    lines.loc[lines["state"] == "superseded", "reason"] = "replaced by a newer export of the same invoice"
    lines = _fill_from_master(lines, inputs)
    problems += _apply_defaults(lines, inputs)
    live = lines["state"] == "assembled"
    problems += _orphans(lines[live & ~lines["_in_master"] & lines["hs_cn"].isna() & lines["hs_hk"].isna()])
    problems += _no_invoice_no(lines, live & lines["invoice_no"].isna())
    live = lines["state"] == "assembled"

    # -- lines meet their trips -----------------------------------------------------------------
    lines["submission_id"] = [index.invoice_trip.get((t, str(i))) for t, i in
                              zip(lines["trader"], lines["invoice_no"], strict=True)]
    lines["first_seen"] = pending.first_seen(lines, {t.settings.trader: t.first_seen for t in inputs}, as_of)
    too_old = pending.expired(lines, as_of, pending_max_age)
    no_trip = live & lines["submission_id"].isna()
    waits = no_trip & ~too_old
    lines.loc[waits, "state"] = "pending"
    lines.loc[waits, "reason"] = [pending.no_trip_reason(str(t), str(i), index, set_aside, refused)
                                  for t, i in zip(lines.loc[waits, "trader"], lines.loc[waits, "invoice_no"],
                                                  strict=True)]
    problems += _expire(lines, no_trip & too_old, pending_max_age)

    # a trip whose invoices have not all arrived waits (a truck's manifest must be complete)
    have = set(zip(lines.loc[lines["state"] == "assembled", "trader"],
                   lines.loc[lines["state"] == "assembled", "invoice_no"], strict=True))
    sub_problems += pending.look_alike_holds(lines[waits], index, have)
    problems += _wait_for_invoices(lines, trip_invoices, have, index, too_old, pending_max_age)

    asm = lines[lines["state"] == "assembled"].copy()
    trips_used = trips[trips["submission_id"].isin(set(asm["submission_id"]))] if not trips.empty else trips
    stated: StatedOrigins = {}
    frames, sources = build_frames(asm, trips_used, settings, reference, sub_problems, stated)
    fill_mainland_record(frames, asm, settings, reference, sub_problems)
    states = lines[list(LINE_STATE_COLUMNS)].copy()
    return Assembly(frames, states, problems, sub_problems, sources, stated_origins=stated)


#: one row per input line in :attr:`Assembly.line_states`
LINE_STATE_COLUMNS = ("src_file", "src_row", "trader", "invoice_no", "state", "submission_id", "reason", "first_seen")


def _trips(inputs: Sequence[TraderInput]) -> tuple[pd.DataFrame, pending.TripIndex, dict[str, set[tuple[str, str]]]]:
    """Usable trip-plan rows, newest row per (trader, carrier, trip_ref, direction), and what they list."""
    trips = trip_plan.usable(_concat([s for t in inputs for s in t.trips]))
    if not trips.empty:
        ids = trip_ids(trips)
        trips = trips.loc[ids.index].copy()
        trips["submission_id"] = ids
        trips = trips.sort_values(["_order", "src_row"]).drop_duplicates(["trader", "submission_id"], keep="last")
    invoice_trip: dict[tuple[str, str], str] = {}
    trip_invoices: dict[str, set[tuple[str, str]]] = {}
    refs: dict[str, str] = {}
    for rec in trips.to_dict("records") if not trips.empty else []:
        refs[rec["submission_id"]] = str(rec["trip_ref"])
        for inv in rec.get("invoice_nos") or []:
            invoice_trip[(rec["trader"], str(inv))] = rec["submission_id"]
            trip_invoices.setdefault(rec["submission_id"], set()).add((rec["trader"], str(inv)))
    return trips, pending.TripIndex(invoice_trip, refs), trip_invoices


def _fill_from_master(lines: pd.DataFrame, inputs: Sequence[TraderInput]) -> pd.DataFrame:
    """The item master fills what the line lacks; ``_in_master`` says whether the SKU is in it."""
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
    return lines


def _apply_defaults(lines: pd.DataFrame, inputs: Sequence[TraderInput]) -> list[CellProblem]:
    """trader.yaml ``defaults.country_of_origin`` fills an *empty* origin cell (never one that held a
    value ssdd could not read: that stays a finding), with a warning per invoice (source-formats.md §G)."""
    out: list[CellProblem] = []
    for tin in inputs:
        origin = tin.settings.defaults.country_of_origin
        if not origin:
            continue
        unreadable = {(p.src_file, p.src_row) for s in tin.lines for p in s.table.problems
                      if p.column == "country_of_origin"}
        if "country_of_origin" not in lines:
            lines["country_of_origin"] = None
        empty = (lines["trader"] == tin.settings.trader) & (lines["state"] == "assembled") \
            & lines["country_of_origin"].isna() \
            & pd.Series([(f, r) not in unreadable for f, r in zip(lines["src_file"], lines["src_row"], strict=True)],
                        index=lines.index, dtype=bool)
        lines.loc[empty, "country_of_origin"] = origin
        for rec in lines[empty].drop_duplicates(["invoice_no"]).to_dict("records"):
            inv = shown(rec["invoice_no"])
            out.append(_problem(
                rec["src_file"], rec["src_sheet"], rec["src_row"], "country_of_origin", "country_of_origin", origin,
                "A09W", f"{rec['src_file']} row {rec['src_row']}: invoice '{inv}' states no country of origin; the "
                f"trader default '{origin}' from trader.yaml was used.",
                f"{rec['src_file']} 第{rec['src_row']}行：发票「{inv}」未注明原产国，"
                f"已使用 trader.yaml 中的默认值「{origin}」。"))
    return out


def _orphans(orphan: pd.DataFrame) -> list[CellProblem]:
    out = []
    for rec in orphan.to_dict("records"):
        sku = shown(rec["sku"])
        if sku:
            en = f"SKU '{sku}' is not in the item master and the line carries no HS code; add the SKU to the " \
                 "item master or the code to the line."
            zh = f"物料编码「{sku}」不在物料主数据中，且该行没有商品编码；" \
                 "请在物料主数据中补充该物料或在该行填写商品编码。"
        else:
            en = "the line has neither a SKU nor an HS code; add the SKU (found in the item master) or the HS code."
            zh = "该行既无物料编码也无商品编码；请填写物料编码（须在物料主数据中）或商品编码。"
        f, r = rec["src_file"], rec["src_row"]
        out.append(_problem(f, rec["src_sheet"], r, "sku", "sku", sku, "A01", f"{f} row {r}: {en}",
                            f"{f} 第{r}行：{zh}"))
    return out


def _no_invoice_no(lines: pd.DataFrame, mask: pd.Series) -> list[CellProblem]:
    """A goods line with no invoice number can be listed by no trip: quarantined now, not pending forever."""
    lines.loc[mask, "state"] = "quarantined"
    lines.loc[mask, "reason"] = "the line has no invoice number, so no trip plan can list it"
    return [_problem(rec["src_file"], rec["src_sheet"], rec["src_row"], "invoice_no", "invoice_no", "", "A08",
                     f"{rec['src_file']} row {rec['src_row']}: the line has no invoice number, so no trip plan can "
                     "list it; fill in the invoice number.",
                     f"{rec['src_file']} 第{rec['src_row']}行：该行没有发票编号，无法列入车次计划；请填写发票编号。")
            for rec in lines[mask].to_dict("records")]


def _expire(lines: pd.DataFrame, mask: pd.Series, max_age: timedelta) -> list[CellProblem]:
    h = pending.hours(max_age)
    lines.loc[mask, "state"] = "quarantined"
    lines.loc[mask, "reason"] = f"no trip plan listed this invoice within {h} hours"
    return [_problem(
        rec["src_file"], rec["src_sheet"], rec["src_row"], "invoice_no", "invoice_no", str(rec["invoice_no"]),
        "A02", f"{rec['src_file']} row {rec['src_row']}: invoice '{rec['invoice_no']}' is on no trip plan "
        f"after {h} hours; send the trip plan that carries it.",
        f"{rec['src_file']} 第{rec['src_row']}行：发票「{rec['invoice_no']}」超过{h}小时仍未列入任何车次计划；"
        "请提供相应车次计划。")
        for rec in lines[mask].drop_duplicates(["trader", "invoice_no"]).to_dict("records")]


def _wait_for_invoices(lines: pd.DataFrame, trip_invoices: dict[str, set[tuple[str, str]]],
                       have: set[tuple[str, str]], index: pending.TripIndex, too_old: pd.Series,
                       max_age: timedelta) -> list[CellProblem]:
    """Lines of a trip that lists an invoice no commercial file contains wait within the pending window,
    then are quarantined with the trip plan's invoice named."""
    waiting: dict[str, list[str]] = {}
    for sid, invs in trip_invoices.items():
        # another trader's copy of a trip plan lists the owner's invoices under its own name: an invoice
        # already on the truck through one trader is not waited for from another (a copy never blocks)
        on_truck = {inv for (tr, inv) in invs if (tr, inv) in have}
        missing = sorted(f"{inv}" for (tr, inv) in invs if (tr, inv) not in have and inv not in on_truck)
        if missing:
            waiting[sid] = missing
    on_trip = (lines["state"] == "assembled") & lines["submission_id"].isin(list(waiting))
    if not on_trip.any():
        return []
    h = pending.hours(max_age)
    sids = lines.loc[on_trip, "submission_id"]
    waits, over = on_trip & ~too_old, on_trip & too_old
    lines.loc[waits, "state"] = "pending"
    lines.loc[waits, "reason"] = [f"trip {index.trip_ref.get(s, '')} also lists invoice(s) {', '.join(waiting[s])}, "
                                  "which no commercial file contains yet" for s in sids[waits[on_trip]]]
    lines.loc[over, "state"] = "quarantined"
    lines.loc[over, "reason"] = [f"trip {index.trip_ref.get(s, '')} lists invoice(s) {', '.join(waiting[s])}, which no "
                                 f"commercial file contained within {h} hours" for s in sids[over[on_trip]]]
    return [_problem(
        rec["src_file"], rec["src_sheet"], rec["src_row"], "invoice_no", "invoice_no", str(rec["invoice_no"]), "A06",
        f"{rec['src_file']} row {rec['src_row']}: invoice '{rec['invoice_no']}' travels on trip "
        f"{index.trip_ref.get(rec['submission_id'], '')}, whose trip plan also lists "
        f"{', '.join(waiting[rec['submission_id']])}, and no commercial file contained it within {h} hours; send "
        "that invoice or correct the trip plan.",
        f"{rec['src_file']} 第{rec['src_row']}行：发票「{rec['invoice_no']}」所在车次 "
        f"{index.trip_ref.get(rec['submission_id'], '')} 的车次计划还列有 {', '.join(waiting[rec['submission_id']])}，"
        f"但{h}小时内未收到该发票；请提供该发票或更正车次计划。")
        for rec in lines[over].drop_duplicates(["trader", "invoice_no"]).to_dict("records")]


def _empty_frames() -> dict[str, pd.DataFrame]:
    from transforms.model.canonical import FILING_TABLES, empty_frame

    return {name: empty_frame(name) for name in FILING_TABLES}
