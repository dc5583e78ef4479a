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
from typing import Any

import pandas as pd

from transforms.ledger import submission_id_for
from transforms.mapping import CellProblem, MappedTable
from transforms.parsing import HK_TZ
from transforms.reference import Reference, normalise_key
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


def _first(series: pd.Series) -> Any:
    s = series.dropna()
    return s.iloc[0] if len(s) else None


def assemble(inputs: Sequence[TraderInput], reference: Reference, *, as_of: datetime,
             pending_max_age: timedelta) -> Assembly:
    problems: list[CellProblem] = []
    sub_problems: list[tuple[str, CellProblem]] = []
    settings = {t.settings.trader: t for t in inputs}

    # -- trips: newest row per (carrier, trip_ref, direction) wins -------------------------------
    trips = _concat([s for t in inputs for s in t.trips])
    if not trips.empty:
        key_ok = trips[["carrier_code", "trip_ref", "direction"]].notna().all(axis=1)
        trips = trips[key_ok].copy()
        trips["submission_id"] = [submission_id_for(c, r, d) for c, r, d in
                                  zip(trips["carrier_code"], trips["trip_ref"], trips["direction"], strict=True)]
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
        lines["cn_declaration_elements"] = lines["cn_declaration_elements"].map(
            lambda v: [p.strip() for p in str(v).split("|")] if isinstance(v, str) and v.strip() else None)

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
    frames, sources = _build_frames(asm, trips_used, settings, reference, sub_problems)
    states = lines[["src_file", "src_row", "trader", "invoice_no", "state", "submission_id", "reason"]].copy()
    return Assembly(frames, states, problems, sub_problems, sources)


def _empty_frames() -> dict[str, pd.DataFrame]:
    from transforms.model import FILING_TABLES, empty_frame

    return {name: empty_frame(name) for name in FILING_TABLES}


def _build_frames(lines: pd.DataFrame, trips: pd.DataFrame, traders: dict[str, TraderInput],
                  reference: Reference, sub_problems: list[tuple[str, CellProblem]],
                  ) -> tuple[dict[str, pd.DataFrame], dict[str, set[str]]]:
    from transforms.model import GOODS_ITEMS

    if lines.empty:
        return _empty_frames(), {}
    unit_cn = reference.crosswalk("xw_unit_rec20_cn")
    lines = lines.sort_values(["submission_id", "trader", "invoice_no", "_order", "src_row"]).copy()
    cons_keys = lines[["submission_id", "trader", "invoice_no"]].drop_duplicates()
    cons_keys["consignment_seq"] = cons_keys.groupby("submission_id").cumcount() + 1
    lines = lines.merge(cons_keys, on=["submission_id", "trader", "invoice_no"], how="left")
    lines["line_no"] = lines.groupby(["submission_id", "consignment_seq"]).cumcount() + 1
    lines["version"] = 0

    # Mainland declared quantity/unit and legal quantities (tariff line decides the legal units)
    lines["cn_qty_declared"] = lines["quantity_value"]
    tariff = reference.table("cn_tariff_lines").set_index("hs_cn")
    cn_words = {normalise_key(str(n)).translate(_TRAD_TO_SIMP): str(c)
                for c, n in zip(reference.table("cn_units")["code"], reference.table("cn_units")["name_zh"],
                                strict=True)}
    raw_units = lines["quantity_unit_raw"] if "quantity_unit_raw" in lines else pd.Series(None, index=lines.index)
    lines["cn_unit_declared"] = [
        _declared_unit(raw, unit, hs, cn_words, unit_cn, tariff)
        for raw, unit, hs in zip(raw_units, lines["quantity_unit"], lines["hs_cn"], strict=True)]
    for n in ("1", "2"):
        col = f"cn_unit_legal_{n}"
        if col not in lines:
            lines[col] = None
        from_tariff = lines["hs_cn"].map(lambda h, n=n: _tariff_unit(tariff, h, n))
        lines[col] = lines[col].where(lines[col].notna(), from_tariff)
        lines[f"cn_qty_legal_{n}"] = [
            _legal_qty(u, du, q, nm) for u, du, q, nm in
            zip(lines[col], lines["cn_unit_declared"], lines["quantity_value"], _column(lines, "net_mass_kg"),
                strict=True)]

    goods = lines[[c for c in GOODS_ITEMS.names if c in lines.columns]].copy()

    trip_by_sid: dict[str, dict[str, Any]] = {
        str(r["submission_id"]): {str(k): (None if _missing(v) else v) for k, v in r.items()}
        for r in trips.to_dict("records")}
    consignments, parties = [], []
    sources: dict[str, set[str]] = {}
    for key, grp in lines.groupby(["submission_id", "consignment_seq"], sort=True):
        sid, seq = str(key[0]), _int(key[1])
        trader = str(grp["trader"].iloc[0])
        tin = traders[trader]
        ts = tin.settings
        trip = trip_by_sid[sid]
        sources.setdefault(sid, set()).update(grp["src_file"].unique())
        sources[sid].add(tin.settings_label)
        sources[sid].add(trip["src_file"])
        for m in tin.masters:
            sources[sid].add(m.label)
        first = grp.iloc[0]
        currencies = sorted(set(grp["line_amount_currency"].dropna()))
        if len(currencies) > 1:
            sub_problems.append((sid, _problem(
                first["src_file"], first["src_sheet"], _int(first["src_row"]), "line_amount_currency", "currency",
                "/".join(currencies), "A04",
                f"{first['src_file']}: invoice '{first['invoice_no']}' mixes currencies {', '.join(currencies)}; "
                "one invoice must use one currency.",
                f"{first['src_file']}：发票「{first['invoice_no']}」混用币制 {', '.join(currencies)}；"
                "同一发票只能使用一种币制。")))
        pkg_types = sorted(set(grp["packages_type"].dropna())) if "packages_type" in grp else []
        pkg_type = pkg_types[0] if len(pkg_types) == 1 else None
        if pkg_type is None and ts.defaults.package_type:
            pkg_type = ts.defaults.package_type
            sub_problems.append((sid, _problem(
                first["src_file"], first["src_sheet"], _int(first["src_row"]), "packages_type", "packages_type",
                pkg_type, "A05W",
                f"{first['src_file']}: invoice '{first['invoice_no']}' states no package type; the trader default "
                f"'{pkg_type}' from trader.yaml was used.",
                f"{first['src_file']}：发票「{first['invoice_no']}」未注明包装种类，"
                f"已使用 trader.yaml 中的默认值「{pkg_type}」。")))
        n_cons = len(trip.get("invoice_nos") or [])
        stated_pkgs = trip.get("total_packages_qty") if n_cons == 1 else None
        line_pkgs = grp["packages_qty"].sum(min_count=1) if "packages_qty" in grp else None
        total_pkgs = stated_pkgs if _num(stated_pkgs) else line_pkgs
        stated_gross = trip.get("stated_gross_mass_kg") if n_cons == 1 else None
        if not _num(stated_gross):
            stated_gross = _file_total(tin, grp, "gross_mass_kg")
        customer = ts.customer(_first(grp["customer"]) if "customer" in grp else None)
        if customer is None:
            name = _first(grp["customer"]) if "customer" in grp else None
            sub_problems.append((sid, _problem(
                first["src_file"], first["src_sheet"], _int(first["src_row"]), "customer", "customer", str(name),
                "A03", f"{first['src_file']}: customer '{name}' of invoice '{first['invoice_no']}' is not among the "
                "customers in trader.yaml; add it with its name and address (the consignee).",
                f"{first['src_file']}：发票「{first['invoice_no']}」的客户「{name}」不在 trader.yaml 的客户列表中；"
                "请补充其名称和地址（收货人）。")))
        consignments.append({
            "submission_id": sid, "version": 0, "consignment_seq": int(seq), "trader": trader,
            "invoice_no": str(first["invoice_no"]), "ucr": f"{trader}-{first['invoice_no']}"[:35],
            "total_packages_qty": _int(total_pkgs) if _num(total_pkgs) else None,
            "total_packages_type": pkg_type,
            "total_packages_derived": not _num(stated_pkgs),
            "package_description": _package_words(reference, pkg_type),
            "gross_mass_kg": grp["gross_mass_kg"].sum(min_count=1) if "gross_mass_kg" in grp else None,
            "net_mass_kg": grp["net_mass_kg"].sum(min_count=1) if "net_mass_kg" in grp else None,
            "stated_gross_mass_kg": stated_gross if _num(stated_gross) else None,
            "invoice_amount_value": grp["line_amount_value"].sum(min_count=1),
            "invoice_amount_currency": currencies[0] if len(currencies) == 1 else None,
            "incoterm": _first(grp["incoterm"]) if "incoterm" in grp else None,
            "cn_transaction_method": ts.declaration.cn_transaction_method,
            "freight_payment_method": "1",
            "cn_trade_mode": ts.declaration.cn_trade_mode,
            "cn_levy_nature": ts.declaration.cn_levy_nature,
            "cn_procedure_code": "RD01",
            "cn_origin_district": ts.declaration.cn_origin_district,
            "country_of_consignment": ts.self_.country if trip["direction"] == "HK_IMPORT" else "HK",
            "country_of_destination": "HK" if trip["direction"] == "HK_IMPORT" else customer.country if customer
            else None,
            "equipment_refs": [trip["container_no"]] if trip.get("container_no") else None,
            "src_file": first["src_file"], "src_sheet": first["src_sheet"], "src_row": _int(first["src_row"]),
        })
        me = ts.self_
        parties.append({"submission_id": sid, "version": 0, "consignment_seq": int(seq), "role": "CONSIGNOR",
                        "name": me.name_en, "name_zh": me.name_zh, "address_lines": me.address,
                        "address_city": me.city, "address_country": me.country, "ids_hk_brn": me.ids.hk_brn,
                        "ids_cn_uscc": me.ids.cn_uscc, "ids_cn_customs_code": me.ids.cn_customs_code,
                        "src_file": tin.settings_label})
        if customer is not None:
            parties.append({"submission_id": sid, "version": 0, "consignment_seq": int(seq), "role": "CONSIGNEE",
                            "name": customer.name_en, "name_zh": customer.name_zh,
                            "address_lines": customer.address, "address_city": customer.city,
                            "address_country": customer.country, "ids_hk_brn": customer.ids.hk_brn,
                            "ids_cn_uscc": customer.ids.cn_uscc,
                            "ids_cn_customs_code": customer.ids.cn_customs_code, "src_file": tin.settings_label})

    submissions, transport, trailers, equipment, seals = [], [], [], [], []
    for sid, trip in sorted(trip_by_sid.items()):
        tin = traders[str(trip["trader"])]
        crossing = pd.Timestamp(trip["expected_crossing_at"]) if pd.notna(trip["expected_crossing_at"]) else None
        submissions.append({
            "submission_id": sid, "version": 0, "function_code": "9", "direction": trip["direction"], "mode": "3",
            "control_point": trip["control_point"], "trip_ref": trip["trip_ref"],
            "carrier_code": trip["carrier_code"], "expected_crossing_at": crossing,
            "crossing_date": crossing.tz_convert(HK_TZ).date() if crossing is not None else None,
            "cn_trip_batch_no": f"{trip['carrier_code']}{trip['trip_ref']}"[:35],
            "src_file": trip["src_file"], "src_sheet": trip["src_sheet"], "src_row": _int(trip["src_row"]),
        })
        carrier = tin.settings.carrier
        transport.append({
            "submission_id": sid, "version": 0, "vehicle_reg_hk": trip.get("vehicle_reg_hk"),
            "vehicle_reg_cn": trip.get("vehicle_reg_cn"), "vehicle_customs_code": trip.get("vehicle_customs_code"),
            "driver_name": trip.get("driver_name"), "driver_cn_code": trip.get("driver_cn_code"),
            "carrier_code": trip["carrier_code"], "carrier_name": carrier.name_en if carrier else None,
            "carrier_cn_customs_code": carrier.cn_customs_code if carrier else None,
            "src_file": trip["src_file"], "src_sheet": trip["src_sheet"], "src_row": _int(trip["src_row"]),
        })
        parties.append({"submission_id": sid, "version": 0, "consignment_seq": 0, "role": "CARRIER",
                        "name": carrier.name_en if carrier else trip["carrier_code"],
                        "ids_cn_customs_code": carrier.cn_customs_code if carrier else None,
                        "src_file": trip["src_file"], "src_row": _int(trip["src_row"])})
        if trip.get("trailer_id"):
            trailers.append({"submission_id": sid, "version": 0, "trailer_seq": 1, "trailer_id": trip["trailer_id"]})
        if trip.get("container_no"):
            equipment.append({"submission_id": sid, "version": 0, "equipment_seq": 1,
                              "container_no": trip["container_no"], "full_empty": "5"})
        if trip.get("seal_id"):
            seals.append({"submission_id": sid, "version": 0, "equipment_seq": 1 if trip.get("container_no") else 0,
                          "seal_seq": 1, "seal_id": trip["seal_id"], "issuer": "CARRIER"})
    from transforms.model import empty_frame

    def frame(rows: list[dict[str, Any]], name: str) -> pd.DataFrame:
        return pd.DataFrame(rows) if rows else empty_frame(name)

    frames = {
        "submissions": frame(submissions, "submissions"), "transport": frame(transport, "transport"),
        "parties": frame(parties, "parties"), "consignments": frame(consignments, "consignments"),
        "goods_items": goods.reset_index(drop=True), "trailers": frame(trailers, "trailers"),
        "equipment": frame(equipment, "equipment"), "seals": frame(seals, "seals"),
    }
    return frames, sources


# The Mainland unit list is written in Simplified characters; HK exports write the same words in
# Traditional ones (個 臺 雙 …). Only the unit words are translated, nothing else.
_TRAD_TO_SIMP = str.maketrans("個臺雙條張隻塊噸聯卷輛對", "个台双条张只块吨联卷辆对")
_COUNT_UNITS = frozenset({"H87", "C62"})


def _declared_unit(raw: Any, unit: Any, hs: Any, cn_words: dict[str, str], unit_cn: dict[str, str],
                   tariff: pd.DataFrame) -> str | None:
    """GUnit: the trader's own unit word when the Mainland list has it (台, 件, 双 …); for a bare
    piece count, the tariff line's legal count unit; otherwise the Rec 20 crosswalk."""
    if isinstance(raw, str):
        hit = cn_words.get(normalise_key(raw).translate(_TRAD_TO_SIMP))
        if hit:
            return hit
    if unit in _COUNT_UNITS:
        legal = _tariff_unit(tariff, hs, "1")
        if legal and legal != _KG:
            return legal
    return unit_cn.get(unit) if isinstance(unit, str) else None


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame else pd.Series(None, index=frame.index, dtype=object)


def _int(v: Any) -> int:
    return int(v)


def _missing(v: Any) -> bool:
    if v is None or v is pd.NaT or v is pd.NA:
        return True
    return isinstance(v, float) and pd.isna(v)


def _num(v: Any) -> bool:
    return v is not None and not (isinstance(v, float) and pd.isna(v))


def _tariff_unit(tariff: pd.DataFrame, hs: Any, n: str) -> str | None:
    if not isinstance(hs, str) or hs not in tariff.index:
        return None
    v = tariff.at[hs, f"unit_{n}"]
    return str(v) if isinstance(v, str) and v.strip() else None


_KG = "035"


def _legal_qty(legal_unit: Any, declared_unit: Any, qty: Any, net_kg: Any) -> float | None:
    """Legal quantity in the tariff line's unit: net kg for 千克, the commercial quantity when the
    declared unit is the legal one; otherwise unknown (the check reports it)."""
    if not isinstance(legal_unit, str):
        return None
    if legal_unit == _KG:
        return float(net_kg) if _num(net_kg) else None
    if legal_unit == declared_unit and _num(qty):
        return float(qty)
    return None


def _file_total(tin: TraderInput, grp: pd.DataFrame, key: str) -> float | None:
    """A totals row is an independent total only when its file holds this one invoice."""
    for src in tin.lines:
        if (src.label == grp["src_file"].iloc[0] and key in src.table.totals
                and src.table.frame["invoice_no"].nunique() == 1):
            return src.table.totals[key]
    return None


def _package_words(reference: Reference, code: str | None) -> str | None:
    if not code:
        return None
    table = reference.table("rec21_package_types")
    hit = table.loc[table.iloc[:, 0] == code]
    return str(hit.iloc[0]["name"]) if len(hit) else code
