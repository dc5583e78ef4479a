"""Assembled lines + their trips -> the canonical frames (vectorised; one pass per table).

Consignment totals come from group sums over the lines; an *independent* total (a trip plan's
stated total for a single-invoice trip, or a totals row of a file that holds just that invoice) is
kept apart in ``stated_gross_mass_kg`` so the line-sum check has something real to compare with.
The goods lines' Mainland units come from :mod:`transforms.assembly.cn_units`; a trip's mode of
transport, equipment and waybill numbers from its plan row (:mod:`transforms.assembly.conveyance_record`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from transforms.assembly.cn_units import mainland_units
from transforms.assembly.conveyance_record import SOURCE_HEADERS, bill_numbers, equipment_rows, transport_mode
from transforms.model.canonical import GOODS_ITEMS, empty_frame
from transforms.model.inputs import CellProblem, StatedOrigins
from transforms.model.reference import Reference
from transforms.plumbing.text import shown
from transforms.plumbing.timeutil import HK_TZ

if TYPE_CHECKING:
    from transforms.model.inputs import TraderInput
    from transforms.model.trader import Customer, SelfParty, TraderSettings

# Filled from trader.yaml / the commercial columns by transforms.assembly.mainland_record; null until then.
_MAINLAND_CONSIGNMENT_COLUMNS = (
    "contract_no", "trading_country", "cn_foreign_port", "marks_and_numbers", "goods_place", "cn_entry_type",
    "cn_decl_trn_rel", "cn_dec_type", "freight_amount_value", "freight_amount_currency", "freight_mark",
    "insurance_amount_value", "insurance_amount_currency", "insurance_mark", "place_of_loading",
)
# Line columns a consignment is summed or picked from; a source without one contributes nulls.
_CONSIGNMENT_INPUTS = ("packages_type", "customer", "incoterm", "gross_mass_kg", "net_mass_kg", "packages_qty")


def _clean(v: Any) -> Any:
    if v is None or v is pd.NaT or v is pd.NA:
        return None
    if isinstance(v, float) and np.isnan(v):
        return None
    return v


def _file_totals(traders: dict[str, TraderInput], key: str) -> dict[str, tuple[float, str, int | None]]:
    """A totals row is an independent total only for a file that holds a single invoice: its value,
    sheet and row, by file."""
    out: dict[str, tuple[float, str, int | None]] = {}
    for tin in traders.values():
        for src in tin.lines:
            frame = src.table.frame
            if key in src.table.totals and frame["invoice_no"].nunique() == 1:
                out[src.label] = (src.table.totals[key], str(frame["src_sheet"].iloc[0] or ""), src.table.totals_row)
    return out


def _problem(row: dict[str, Any], column: str, value: str, rule: str, en: str, zh: str) -> CellProblem:
    f, r = str(row["src_file"]), int(row["src_row"])
    return CellProblem(f, str(row["src_sheet"] or ""), r, column, column, value, rule, f"{f}: {en}", f"{f}：{zh}")


def _unknown_customer(row: dict[str, Any], inv: Any) -> CellProblem:
    name = shown(row["customer"])
    if not name:
        return _problem(row, "customer", "", "A03",
                        f"invoice '{shown(inv)}' names no customer (the consignee); fill in the customer as "
                        "trader.yaml lists it.",
                        f"发票「{shown(inv)}」未填写客户（收货人）；请按 trader.yaml 中的客户名称填写。")
    return _problem(row, "customer", name, "A03",
                    f"customer '{name}' of invoice '{shown(inv)}' is not among the customers in trader.yaml; "
                    "add it with its name and address (the consignee).",
                    f"发票「{shown(inv)}」的客户「{name}」不在 trader.yaml 的客户列表中；"
                    "请补充其名称和地址（收货人）。")


def build_frames(lines: pd.DataFrame, trips: pd.DataFrame, traders: dict[str, TraderInput], reference: Reference,
                 sub_problems: list[tuple[str, CellProblem]], stated: StatedOrigins,
                 ) -> tuple[dict[str, pd.DataFrame], dict[str, set[str]]]:
    """The canonical frames and each submission's source files; ``stated`` receives where the
    consignment totals stated apart from the lines are written (:attr:`Assembly.stated_origins`)."""
    from transforms.model.canonical import FILING_TABLES

    if lines.empty:
        return {name: empty_frame(name) for name in FILING_TABLES}, {}
    lines = lines.sort_values(["submission_id", "trader", "invoice_no", "_order", "src_row"]).reset_index(drop=True)
    first_of_invoice = ~lines.duplicated(["submission_id", "trader", "invoice_no"])
    lines["consignment_seq"] = first_of_invoice.groupby(lines["submission_id"]).cumsum().astype("int64")
    lines["line_no"] = lines.groupby(["submission_id", "consignment_seq"]).cumcount() + 1
    lines["version"] = 0
    for column, values in mainland_units(lines, reference).items():
        lines[column] = values
    goods = lines[[c for c in GOODS_ITEMS.names if c in lines.columns]].copy()

    trip_rows = {str(r["submission_id"]): {str(k): _clean(v) for k, v in r.items()} for r in trips.to_dict("records")}
    plan_headers = {src.label: src.table.headers for t in traders.values() for src in t.trips}
    for trip in trip_rows.values():   # a problem on a plan cell names the plan's own header
        trip[SOURCE_HEADERS] = plan_headers.get(str(trip.get("src_file")), {})
    bills = _bills(trip_rows, sub_problems)
    consignments, parties = _consignments(lines, trip_rows, bills, traders, reference, sub_problems, stated)
    sources = _sources(lines, trip_rows, traders)
    subs, transport, trailers, equipment, seals = _conveyance(trip_rows, traders, parties,
                                                              reference.alias_map("transport_mode"), sub_problems)

    def frame(rows: list[dict[str, Any]], name: str) -> pd.DataFrame:
        return pd.DataFrame(rows) if rows else empty_frame(name)

    return {
        "submissions": frame(subs, "submissions"), "transport": frame(transport, "transport"),
        "parties": frame(parties, "parties"), "consignments": frame(consignments, "consignments"),
        "goods_items": goods, "trailers": frame(trailers, "trailers"), "equipment": frame(equipment, "equipment"),
        "seals": frame(seals, "seals"),
    }, sources


def _sources(lines: pd.DataFrame, trips: dict[str, dict[str, Any]],
             traders: dict[str, TraderInput]) -> dict[str, set[str]]:
    """Every file that fed a submission: its lines, trip plan, trader settings and item masters."""
    sources: dict[str, set[str]] = {}
    pairs = lines[["submission_id", "src_file", "trader"]].drop_duplicates()
    for sid, src_file, trader in pairs.itertuples(index=False):
        s = sources.setdefault(str(sid), {str(trips[str(sid)]["src_file"])})
        s.add(str(src_file))
        tin = traders[str(trader)]
        s.add(tin.settings_label)
        s.update(m.label for m in tin.masters)
    return sources


def _bills(trips: dict[str, dict[str, Any]], sub_problems: list[tuple[str, CellProblem]],
           ) -> dict[tuple[str, str], str]:
    """(submission_id, invoice_no) -> 提（运）单号 from the trip plan's bill_nos."""
    out: dict[tuple[str, str], str] = {}
    for sid, trip in trips.items():
        problems: list[CellProblem] = []
        out.update({(sid, inv): bill for inv, bill in bill_numbers(trip, problems).items()})
        sub_problems.extend((sid, p) for p in problems)
    return out


@dataclass(frozen=True)
class _Invoices:
    """What every consignment row is made from besides its own lines: the trips, the plan's waybill
    numbers, the Rec 21 package words and the stated gross mass of files that hold a single invoice."""

    trips: dict[str, dict[str, Any]]
    bills: dict[tuple[str, str], str]
    package_words: dict[str, str]
    file_gross: dict[str, tuple[float, str, int | None]]
    #: filled by :func:`_consignment`: the totals stated apart from the lines, and where (Assembly.stated_origins)
    stated: StatedOrigins


def _consignments(lines: pd.DataFrame, trips: dict[str, dict[str, Any]], bills: dict[tuple[str, str], str],
                  traders: dict[str, TraderInput], reference: Reference, sub_problems: list[tuple[str, CellProblem]],
                  stated: StatedOrigins,
                  ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One consignment per invoice of a trip, with its consignor and consignee; what an invoice lacks
    or mixes is appended to ``sub_problems`` (in the order currency, package type, customer), and where
    its stated totals are written to ``stated``."""
    table, mixed = _invoice_table(lines)
    words = dict(zip(*(reference.table("rec21_package_types")[c] for c in ("code", "name")), strict=True))
    invoices = _Invoices(trips, bills, words, _file_totals(traders, "gross_mass_kg"), stated)
    consignments: list[dict[str, Any]] = []
    parties: list[dict[str, Any]] = []
    for rec in table.to_dict("records"):
        row = {str(k): _clean(v) for k, v in rec.items()}
        sid, seq = str(row["submission_id"]), int(row["consignment_seq"])
        trader = traders[str(row["trader"])]
        ts = trader.settings
        inv = shown(row["invoice_no"])
        if (row["line_amount_currency_n"] or 0) > 1:
            sub_problems.append((sid, _mixed_currencies(row, inv, mixed[(sid, seq)])))
        pkg_type = _package_type(row, inv, ts, sid, sub_problems)
        customer = ts.customer(row["customer"])
        if customer is None:
            sub_problems.append((sid, _unknown_customer(row, inv)))
        consignments.append(_consignment(row, sid, seq, inv, ts, customer, pkg_type, invoices))
        parties.extend(_trade_parties(sid, seq, ts.self_, customer, trader.settings_label))
    return consignments, parties


def _invoice_table(lines: pd.DataFrame) -> tuple[pd.DataFrame, dict[Any, list[str]]]:
    """One row per (submission, consignment): its first line's trader, invoice and source, the sums of
    its lines, its first currency, package type, customer and incoterm, and how many currencies and
    package types its lines state (``*_n``); with the currencies of each consignment that mixes them."""
    for c in _CONSIGNMENT_INPUTS:
        if c not in lines:
            lines[c] = None
    g = lines.groupby(["submission_id", "consignment_seq"], sort=True)
    head = g[["trader", "invoice_no", "src_file", "src_sheet", "src_row"]].first()
    sums = g[["gross_mass_kg", "net_mass_kg", "line_amount_value", "packages_qty"]].sum(min_count=1)
    picks = g[["line_amount_currency", "packages_type", "customer", "incoterm"]].first()
    counts = g[["line_amount_currency", "packages_type"]].nunique()
    table = head.join(sums).join(picks).join(counts.add_suffix("_n")).reset_index()
    # keyed (submission_id, consignment_seq) as the groupby gives them
    mixed = {k: sorted(set(v)) for k, v in lines.dropna(subset=["line_amount_currency"]).groupby(
        ["submission_id", "consignment_seq"])["line_amount_currency"]} if (counts["line_amount_currency"] > 1).any() \
        else {}
    return table, mixed


def _mixed_currencies(row: dict[str, Any], inv: str, currencies: list[str]) -> CellProblem:
    return _problem(row, "line_amount_currency", "/".join(currencies), "A04",
                    f"invoice '{inv}' mixes currencies {', '.join(currencies)}; one invoice must use one currency.",
                    f"发票「{inv}」混用币制 {', '.join(currencies)}；同一发票只能使用一种币制。")


def _package_type(row: dict[str, Any], inv: str, ts: TraderSettings, sid: str,
                  sub_problems: list[tuple[str, CellProblem]]) -> str | None:
    """The one package type the invoice's lines state, else trader.yaml's default (a warning, A05W)."""
    pkg_type: str | None = row["packages_type"] if (row["packages_type_n"] or 0) == 1 else None
    if pkg_type is None and ts.defaults.package_type:
        pkg_type = ts.defaults.package_type
        sub_problems.append((sid, _problem(
            row, "packages_type", pkg_type, "A05W",
            f"invoice '{inv}' states no package type; the trader default '{pkg_type}' from trader.yaml was used.",
            f"发票「{inv}」未注明包装种类，已使用 trader.yaml 中的默认值「{pkg_type}」。")))
    return pkg_type


def _consignment(row: dict[str, Any], sid: str, seq: int, inv: str, ts: TraderSettings, customer: Customer | None,
                 pkg_type: str | None, invoices: _Invoices) -> dict[str, Any]:
    """The consignment record of one invoice. The trip plan's stated packages and gross mass count only
    for a trip of a single invoice (else they are the truck's, not the invoice's)."""
    trip = invoices.trips[sid]
    one_invoice_trip = len(trip.get("invoice_nos") or []) == 1
    stated_pkgs = trip.get("total_packages_qty") if one_invoice_trip else None
    total_pkgs = stated_pkgs if stated_pkgs is not None else row["packages_qty"]
    stated_gross = trip.get("stated_gross_mass_kg") if one_invoice_trip else None
    # where each stated total is written: a finding on it must name that cell, not the first line's
    here = (str(row["src_file"]), int(row["src_row"]))
    for column, value in (("total_packages_qty", stated_pkgs), ("stated_gross_mass_kg", stated_gross)):
        if value is not None:
            invoices.stated[(*here, column)] = (str(trip["src_file"]), str(trip.get("src_sheet") or ""),
                                                int(trip["src_row"]), column)
    if stated_gross is None and here[0] in invoices.file_gross:
        stated_gross, sheet, totals_row = invoices.file_gross[here[0]]
        if totals_row is not None:
            invoices.stated[(*here, "stated_gross_mass_kg")] = (here[0], sheet, totals_row, "gross_mass_kg")
    trader = str(row["trader"])
    importing = trip["direction"] == "HK_IMPORT"
    return {
        "submission_id": sid, "version": 0, "consignment_seq": seq, "trader": trader, "invoice_no": str(inv),
        "ucr": f"{trader}-{inv}"[:35], "cn_bill_no": invoices.bills.get((sid, str(inv))),
        "total_packages_qty": int(total_pkgs) if total_pkgs is not None else None,
        "total_packages_type": pkg_type, "total_packages_derived": stated_pkgs is None,
        "package_description": invoices.package_words.get(pkg_type, pkg_type) if pkg_type else None,
        "gross_mass_kg": row["gross_mass_kg"], "net_mass_kg": row["net_mass_kg"],
        "stated_gross_mass_kg": stated_gross, "invoice_amount_value": row["line_amount_value"],
        "invoice_amount_currency": row["line_amount_currency"] if (row["line_amount_currency_n"] or 0) == 1
        else None,
        "incoterm": row["incoterm"], "cn_transaction_method": ts.declaration.cn_transaction_method,
        "freight_payment_method": "1", "cn_trade_mode": ts.declaration.cn_trade_mode,
        "cn_levy_nature": ts.declaration.cn_levy_nature, "cn_procedure_code": "RD01",
        "cn_origin_district": ts.declaration.cn_origin_district,
        "country_of_consignment": ts.self_.country if importing else "HK",
        "country_of_destination": "HK" if importing else (customer.country if customer else None),
        "equipment_refs": [trip["container_no"]] if trip.get("container_no") else None,
        **dict.fromkeys(_MAINLAND_CONSIGNMENT_COLUMNS),
        "src_file": row["src_file"], "src_sheet": row["src_sheet"], "src_row": int(row["src_row"]),
    }


def _trade_parties(sid: str, seq: int, consignor: SelfParty, consignee: Customer | None,
                   settings_label: str) -> list[dict[str, Any]]:
    """The consignor (the trader) and the consignee (its customer, when trader.yaml lists it)."""
    return [{
        "submission_id": sid, "version": 0, "consignment_seq": seq, "role": role, "name": party.name_en,
        "name_zh": party.name_zh, "address_lines": party.address, "address_city": party.city,
        "address_country": party.country, "ids_hk_brn": party.ids.hk_brn, "ids_cn_uscc": party.ids.cn_uscc,
        "ids_cn_customs_code": party.ids.cn_customs_code, "src_file": settings_label}
        for role, party in (("CONSIGNOR", consignor), ("CONSIGNEE", consignee)) if party is not None]


def _conveyance(trips: dict[str, dict[str, Any]], traders: dict[str, TraderInput], parties: list[dict[str, Any]],
                modes: Mapping[str, str], sub_problems: list[tuple[str, CellProblem]],
                ) -> tuple[list[dict[str, Any]], ...]:
    """Per trip: its submission header (mode from the plan or trader.yaml), truck, carrier party and
    equipment; an unusable plan cell is appended to ``sub_problems`` (the trip is held)."""
    subs: list[dict[str, Any]] = []
    transport: list[dict[str, Any]] = []
    trailers: list[dict[str, Any]] = []
    equipment: list[dict[str, Any]] = []
    seals: list[dict[str, Any]] = []
    for sid, trip in sorted(trips.items()):
        carrier = traders[str(trip["trader"])].settings.carrier
        crossing = pd.Timestamp(trip["expected_crossing_at"]) if trip["expected_crossing_at"] is not None else None
        where = {"src_file": trip["src_file"], "src_sheet": trip["src_sheet"], "src_row": int(trip["src_row"])}
        problems: list[CellProblem] = []
        subs.append({
            "submission_id": sid, "version": 0, "function_code": "9", "direction": trip["direction"],
            "mode": transport_mode(trip, carrier, modes, problems),
            "control_point": trip["control_point"], "trip_ref": trip["trip_ref"], "carrier_code": trip["carrier_code"],
            "expected_crossing_at": crossing,
            "crossing_date": crossing.tz_convert(HK_TZ).date() if crossing is not None else None,
            # assigned by the carrier for the crossing (trip plan); never composed here
            "cn_trip_batch_no": trip.get("cn_trip_batch_no"), **where})
        transport.append({
            "submission_id": sid, "version": 0, "vehicle_reg_hk": trip.get("vehicle_reg_hk"),
            "vehicle_reg_cn": trip.get("vehicle_reg_cn"), "vehicle_customs_code": trip.get("vehicle_customs_code"),
            "driver_name": trip.get("driver_name"), "driver_cn_code": trip.get("driver_cn_code"),
            "carrier_code": trip["carrier_code"], "carrier_name": carrier.name_en if carrier else None,
            "carrier_cn_customs_code": carrier.cn_customs_code if carrier else None, **where})
        parties.append({"submission_id": sid, "version": 0, "consignment_seq": 0, "role": "CARRIER",
                        "name": carrier.name_en if carrier else trip["carrier_code"],
                        "ids_cn_customs_code": carrier.cn_customs_code if carrier else None, **where})
        more = equipment_rows(sid, trip, carrier, problems)
        sub_problems.extend((sid, p) for p in problems)
        for rows, new in zip((trailers, equipment, seals), more, strict=True):
            rows.extend(new)
    return subs, transport, trailers, equipment, seals
