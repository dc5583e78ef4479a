"""Synthetic canonical frames with planted defects, for the parity test and the benchmark.

:func:`clean_frames` builds a consistent run (every rule passes) from the reference data itself;
:data:`DEFECTS` knows, per rule key, how to break given rows of that rule's table. Nothing here is
used by the pipeline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from expectations.context import CodeLists, hk_date
from expectations.custom import _ISO6346_VALUES, _USCC_ALPHABET, _USCC_WEIGHTS
from expectations.rules import Rule

__all__ = ["DEFECTS", "Frames", "break_rule", "clean_frames", "iso6346_number", "uscc_number"]

Frames = dict[str, pd.DataFrame]
Positions = npt.NDArray[np.int64]

_LINES_PER_CONSIGNMENT: Final = 10
_CONSIGNMENTS_PER_SUBMISSION: Final = 2


def iso6346_number(owner: str, serial: int) -> str:
    """A container number with a correct check digit (owner = 3 letters, category U)."""
    body = f"{owner}U{serial:06d}"
    total = sum(_ISO6346_VALUES[ch] * 2**i for i, ch in enumerate(body))
    return f"{body}{total % 11 % 10}"


def uscc_number(rng: np.random.Generator) -> str:
    body = "91" + "".join(rng.choice(list(_USCC_ALPHABET), size=15))
    total = sum(_USCC_ALPHABET.index(ch) * w for ch, w in zip(body, _USCC_WEIGHTS, strict=True))
    return body + _USCC_ALPHABET[(31 - total % 31) % 31]


@dataclass(frozen=True)
class _Tariff:
    hs_cn: str
    unit_1: str
    unit_2: str
    element_count: int


def _tariffs(reference: CodeLists, on: date) -> list[_Tariff]:
    table = reference.table("cn_tariff_lines", on=on)
    return [_Tariff(str(h), str(u1), str(u2), int(str(c))) for h, u1, u2, c in
            zip(table["hs_cn"], table["unit_1"], table["unit_2"], table["element_count"], strict=True)]


def clean_frames(reference: CodeLists, as_of: datetime, goods_lines: int, seed: int = 7) -> Frames:
    """A run of ``goods_lines`` lines that passes every rule (crossings 2 h to 3 days after as_of)."""
    rng = np.random.default_rng(seed)
    n_cons = max(1, goods_lines // _LINES_PER_CONSIGNMENT)
    n_subs = max(1, n_cons // _CONSIGNMENTS_PER_SUBMISSION)
    as_of_utc = pd.Timestamp(as_of).tz_convert("UTC")
    tariffs = _tariffs(reference, hk_date(as_of))
    control_points = sorted(reference.codes("control_points", on=hk_date(as_of)))

    sub_ids = np.array([f"sub-{i:07d}" for i in range(n_subs)], dtype=object)
    crossing = as_of_utc + pd.to_timedelta(rng.integers(120, 3 * 24 * 60, size=n_subs), unit="min")
    crossing_dates = pd.DatetimeIndex(crossing).tz_convert("Asia/Hong_Kong").date
    submissions = pd.DataFrame({
        "submission_id": sub_ids, "version": 1, "function_code": "9",
        "direction": np.where(rng.random(n_subs) < 0.8, "HK_IMPORT", "HK_EXPORT"), "mode": "3",
        "control_point": rng.choice(control_points, size=n_subs), "trip_ref": [f"T{i:07d}" for i in range(n_subs)],
        "carrier_code": "CARR1", "expected_crossing_at": crossing, "crossing_date": crossing_dates,
        "created_at": as_of_utc, "content_hash": "0" * 64, "cn_trip_batch_no": [f"B{i:07d}" for i in range(n_subs)],
        "src_file": "carrier/trips.xlsx", "src_sheet": "Trips", "src_row": np.arange(n_subs) + 2,
    })

    cons_sub = np.minimum(np.arange(n_cons) // _CONSIGNMENTS_PER_SUBMISSION, n_subs - 1)
    cons_seq = np.zeros(n_cons, dtype=np.int64)
    for i in range(1, n_cons):
        cons_seq[i] = cons_seq[i - 1] + 1 if cons_sub[i] == cons_sub[i - 1] else 0
    cons_seq += 1
    traders = np.array([f"trader{k % 5}" for k in range(n_cons)], dtype=object)

    n = goods_lines
    line_cons = np.minimum(np.arange(n) // _LINES_PER_CONSIGNMENT, n_cons - 1)
    line_no = np.zeros(n, dtype=np.int64)
    for i in range(1, n):
        line_no[i] = line_no[i - 1] + 1 if line_cons[i] == line_cons[i - 1] else 0
    line_no += 1
    pick = rng.integers(0, len(tariffs), size=n)
    hs_cn = np.array([t.hs_cn for t in tariffs], dtype=object)[pick]
    unit_1 = np.array([t.unit_1 for t in tariffs], dtype=object)[pick]
    unit_2 = np.array([t.unit_2 or None for t in tariffs], dtype=object)[pick]
    count = np.array([t.element_count for t in tariffs])[pick]
    qty = rng.integers(1, 500, size=n).astype("float64")
    price = np.round(rng.uniform(0.5, 200.0, size=n), 2)
    net = np.round(rng.uniform(1.0, 500.0, size=n), 3)
    gross = np.round(net * 1.1 + 0.5, 3)
    packages = rng.integers(1, 20, size=n).astype("float64")
    # 品牌类型 1 (境内自主品牌), 出口享惠情况 0 (不享受), then the tariff line's other elements
    elements = [["1", "0", *(f"v{k}" for k in range(2, c))] for c in count.tolist()]
    line_files = np.array([f"{t}/invoices.xlsx" for t in traders], dtype=object)[line_cons]
    goods = pd.DataFrame({
        "submission_id": sub_ids[cons_sub[line_cons]], "version": 1, "consignment_seq": cons_seq[line_cons],
        "line_no": line_no, "trader": traders[line_cons], "invoice_no": [f"INV{c:07d}" for c in line_cons],
        "sku": [f"SKU{p:05d}" for p in pick], "description_en": "goods", "description_zh": "货物",
        "hs_hk": [h[:6] + "00" for h in hs_cn], "hs_cn": hs_cn, "cn_declaration_elements": elements,
        "brand": "ACME", "model": "M1", "quantity_value": qty, "quantity_unit": "H87", "quantity_unit_raw": "pcs",
        "cn_qty_declared": qty, "cn_unit_declared": unit_1, "cn_qty_legal_1": qty, "cn_unit_legal_1": unit_1,
        "cn_qty_legal_2": np.where(pd.isna(unit_2), np.nan, net), "cn_unit_legal_2": unit_2,
        "packages_qty": packages, "packages_type": "CT", "gross_mass_kg": gross, "net_mass_kg": net,
        "unit_price": price, "line_amount_value": np.round(price * qty, 2), "line_amount_currency": "USD",
        "country_of_origin": "CN", "src_file": line_files, "src_sheet": "Lines",
    })
    # Provenance must be unique per file: each trader file holds its consignments one after another.
    goods["src_row"] = goods.groupby("src_file").cumcount().to_numpy() + 2

    sums = goods.groupby(line_cons).agg(gross=("gross_mass_kg", "sum"), net=("net_mass_kg", "sum"),
                                        pk=("packages_qty", "sum"), amount=("line_amount_value", "sum"))
    stated = sums["gross"].to_numpy().copy()
    stated[rng.random(n_cons) < 0.05] = np.nan  # no totals row: the line-sum rule is not checkable
    consignments = pd.DataFrame({
        "submission_id": sub_ids[cons_sub], "version": 1, "consignment_seq": cons_seq, "trader": traders,
        "invoice_no": [f"INV{c:07d}" for c in range(n_cons)], "ucr": [f"UCR{c:010d}" for c in range(n_cons)],
        "total_packages_qty": sums["pk"].to_numpy(), "total_packages_type": "CT", "package_description": "cartons",
        "gross_mass_kg": sums["gross"].to_numpy(), "net_mass_kg": sums["net"].to_numpy(),
        "stated_gross_mass_kg": stated, "invoice_amount_value": sums["amount"].to_numpy(),
        "invoice_amount_currency": "USD", "country_of_consignment": "CN", "country_of_destination": "HK",
        "src_file": np.array([f"{t}/invoices.xlsx" for t in traders], dtype=object), "src_sheet": "Header",
        "src_row": np.arange(n_cons) + 2,
    })

    def party(role: str, sid: npt.NDArray[np.object_], seq: npt.NDArray[np.int64], hk: bool) -> pd.DataFrame:
        k = len(sid)
        return pd.DataFrame({
            "submission_id": sid, "version": 1, "consignment_seq": seq, "role": role,
            "name": f"{role.title()} Co", "name_zh": f"{role}公司",
            "address_lines": "1 Harbour Road, Wan Chai" if hk else "深圳市福田区1号",
            "address_city": "Hong Kong" if hk else "Shenzhen", "address_country": "HK" if hk else "CN",
            "ids_hk_brn": [f"{rng.integers(10**7, 10**8)}" for _ in range(k)] if hk else None,
            "ids_cn_uscc": None if hk else [uscc_number(rng) for _ in range(k)],
            "src_file": "parties.xlsx", "src_sheet": role,
        })

    direction = dict(zip(sub_ids, submissions["direction"], strict=True))
    cons_sid = sub_ids[cons_sub]
    hk_imports = np.array([direction[s] == "HK_IMPORT" for s in cons_sid])
    parts = [party("CONSIGNOR", cons_sid[hk_imports], cons_seq[hk_imports], False),
             party("CONSIGNOR", cons_sid[~hk_imports], cons_seq[~hk_imports], True),
             party("CONSIGNEE", cons_sid[hk_imports], cons_seq[hk_imports], True),
             party("CONSIGNEE", cons_sid[~hk_imports], cons_seq[~hk_imports], False),
             party("DECLARANT_HK", sub_ids, np.zeros(n_subs, dtype=np.int64), True)]
    parties = pd.concat(parts, ignore_index=True)
    parties["src_row"] = parties.groupby("src_sheet").cumcount().to_numpy() + 2

    transport = pd.DataFrame({
        "submission_id": sub_ids, "version": 1, "vehicle_reg_hk": [f"AB{i % 10000:04d}" for i in range(n_subs)],
        "vehicle_reg_cn": [f"粤Z{i % 10000:04d}港" for i in range(n_subs)], "vehicle_customs_code": "V0001",
        "driver_name": "Chan", "driver_cn_code": [f"D{i:07d}" for i in range(n_subs)], "carrier_code": "CARR1",
        "carrier_name": "Carrier One", "src_file": "carrier/trips.xlsx", "src_sheet": "Trips",
        "src_row": np.arange(n_subs) + 2,
    })
    trailers = pd.DataFrame({"submission_id": sub_ids, "version": 1, "trailer_seq": 1,
                             "trailer_id": [f"TR{i:05d}" for i in range(n_subs)], "type_code": "FLAT"})
    equipment = pd.DataFrame({
        "submission_id": sub_ids, "version": 1, "equipment_seq": 1,
        "container_no": [iso6346_number("CSQ", i) for i in range(n_subs)], "size_type": "22G1",
        "full_empty": "5", "src_file": "carrier/trips.xlsx", "src_sheet": "Containers",
        "src_row": np.arange(n_subs) + 2,
    })
    seals = pd.DataFrame({"submission_id": sub_ids, "version": 1, "equipment_seq": 1, "seal_seq": 1,
                          "seal_id": [f"S{i:07d}" for i in range(n_subs)], "issuer": "CARRIER"})
    return {"submissions": submissions, "consignments": consignments, "goods_items": goods, "parties": parties,
            "transport": transport, "trailers": trailers, "equipment": equipment, "seals": seals}


# -- defects ------------------------------------------------------------------------------------

Defect = Callable[[Frames, str, Positions, datetime], None]


def _set(column: str, value: object) -> Defect:
    def apply(fr: Frames, table: str, pos: Positions, as_of: datetime) -> None:
        frame = fr[table].copy()
        if column not in frame.columns:
            frame[column] = None
        values = frame[column].astype(object).to_numpy(copy=True)
        for p in pos:  # one by one: numpy would spread a list value over the positions
            values[p] = list(value) if isinstance(value, list) else value
        frame[column] = _keep_dtype(values, frame[column].dtype)
        fr[table] = frame
    return apply


def _keep_dtype(values: npt.NDArray[np.object_], dtype: object) -> pd.Series | npt.NDArray[np.object_]:
    """The new values in the column's old dtype when they fit (a mapper would not turn floats to objects)."""
    try:
        kept: pd.Series = pd.Series(values, dtype=dtype)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return values
    return kept


def _scale(column: str, factor: float, like: str | None = None) -> Defect:
    def apply(fr: Frames, table: str, pos: Positions, as_of: datetime) -> None:
        frame = fr[table].copy()
        src = frame[like or column].to_numpy(dtype="float64", na_value=np.nan, copy=True)
        values = frame[column].to_numpy(dtype="float64", na_value=np.nan, copy=True)
        values[pos] = src[pos] * factor
        frame[column] = values
        fr[table] = frame
    return apply


def _append(column: str, suffix: str) -> Defect:
    def apply(fr: Frames, table: str, pos: Positions, as_of: datetime) -> None:
        frame = fr[table].copy()
        if column not in frame.columns:
            frame[column] = None
        values = frame[column].astype(object).to_numpy(copy=True)
        for p in pos:
            v = values[p]
            values[p] = ([*v[:-1], f"{v[-1]}{suffix}"] if isinstance(v, list) and v
                         else f"{'' if v is None or v != v else v}{suffix}")
        frame[column] = values
        fr[table] = frame
    return apply


def _replace_element(column: str, index: int, value: str) -> Defect:
    """Element ``index`` of a list column replaced (the count stays, so only the code-set rule fails)."""
    def apply(fr: Frames, table: str, pos: Positions, as_of: datetime) -> None:
        frame = fr[table].copy()
        values = frame[column].astype(object).to_numpy(copy=True)
        for p in pos:
            v = list(values[p]) if isinstance(values[p], list | tuple) else ["", ""]
            values[p] = [*v[:index], value, *v[index + 1:]]
        frame[column] = values
        fr[table] = frame
    return apply


def _lead(minutes: int) -> Defect:
    def apply(fr: Frames, table: str, pos: Positions, as_of: datetime) -> None:
        frame = fr[table].copy()
        at = pd.Series(pd.to_datetime(frame["expected_crossing_at"], utc=True))
        at.iloc[pos] = pd.Timestamp(as_of).tz_convert("UTC") + timedelta(minutes=minutes)
        frame["expected_crossing_at"] = at
        frame["crossing_date"] = at.dt.tz_convert("Asia/Hong_Kong").dt.date
        fr[table] = frame
    return apply


def _stale_crossing(fr: Frames, table: str, pos: Positions, as_of: datetime) -> None:
    frame = fr[table].copy()
    dates = frame["crossing_date"].to_numpy(dtype=object, copy=True)
    dates[pos] = hk_date(as_of) - timedelta(days=20)
    frame["crossing_date"] = dates
    fr[table] = frame


def _extra_vehicle(fr: Frames, table: str, pos: Positions, as_of: datetime) -> None:
    sids = set(fr["submissions"]["submission_id"].to_numpy()[pos].tolist())
    transport = fr["transport"]
    extra = transport[transport["submission_id"].isin(sids)].copy()
    extra["src_row"] = extra["src_row"] + 100_000
    fr["transport"] = pd.concat([transport, extra], ignore_index=True)


def _drop_party(role: str) -> Defect:
    def apply(fr: Frames, table: str, pos: Positions, as_of: datetime) -> None:
        cons = fr["consignments"].iloc[pos]
        keys = set(zip(cons["submission_id"], cons["consignment_seq"], strict=True))
        p = fr["parties"]
        hit = [(s, q) in keys and r == role
               for s, q, r in zip(p["submission_id"], p["consignment_seq"], p["role"], strict=True)]
        fr["parties"] = p.loc[~np.array(hit, dtype=bool)].reset_index(drop=True)
    return apply


def _hk_trader_rows(fr: Frames, pos: Positions) -> Positions:
    """Map positions onto DECLARANT_HK rows (always an HK trader)."""
    hk = np.flatnonzero((fr["parties"]["role"] == "DECLARANT_HK").to_numpy())
    return hk[pos % len(hk)]


def _on_hk_trader(defect: Defect) -> Defect:
    def apply(fr: Frames, table: str, pos: Positions, as_of: datetime) -> None:
        defect(fr, table, _hk_trader_rows(fr, pos), as_of)
    return apply


def _on_rocars_party(defect: Defect) -> Defect:
    def apply(fr: Frames, table: str, pos: Positions, as_of: datetime) -> None:
        rows = np.flatnonzero(fr["parties"]["role"].isin(["CONSIGNOR", "CONSIGNEE"]).to_numpy())
        defect(fr, table, rows[pos % len(rows)], as_of)
    return apply


def _both(*defects: Defect) -> Defect:
    def apply(fr: Frames, table: str, pos: Positions, as_of: datetime) -> None:
        for d in defects:
            d(fr, table, pos, as_of)
    return apply


def _on_second_unit(defect: Defect) -> Defect:
    def apply(fr: Frames, table: str, pos: Positions, as_of: datetime) -> None:
        rows = np.flatnonzero(fr["goods_items"]["cn_unit_legal_2"].notna().to_numpy())
        defect(fr, table, rows[pos % len(rows)], as_of)
    return apply


DEFECTS: Final[dict[str, Defect]] = {
    "V01.control_point_known": _set("control_point", "XXX"),
    "V02.mode_road": _set("mode", "4"),
    "V04.aci_window": _lead(20),
    "V04.cn_manifest_lead": _lead(50),
    "V04.aci_margin": _lead(40),
    "V18.tdec_deadline": _stale_crossing,
    "V20.one_vehicle": _extra_vehicle,
    "V03.rocars_party_name": _on_rocars_party(_both(_set("name", None), _set("name_zh", " "))),
    "V03.rocars_party_address": _on_rocars_party(_set("address_lines", "  ")),
    "V17.hk_brn_present": _on_hk_trader(_set("ids_hk_brn", None)),
    "V17.hk_brn_format": _set("ids_hk_brn", "1234-567"),
    "V17.hk_address_not_po_box": _on_hk_trader(_set("address_lines", "P.O. Box 1234, GPO Hong Kong")),
    "V14.uscc_check": _set("ids_cn_uscc", "91350100M000100Y44"),
    "V08.address_country_known": _set("address_country", "XK"),
    "V03.consignor_present": _drop_party("CONSIGNOR"),
    "V03.consignee_present": _drop_party("CONSIGNEE"),
    "V03.total_packages_qty_present": _set("total_packages_qty", None),
    "V03.package_description_present": _set("package_description", ""),
    "V09.total_packages_type_known": _set("total_packages_type", "ZZZ"),
    "V08.country_of_consignment_known": _set("country_of_consignment", "China"),
    "V08.country_of_destination_known": _set("country_of_destination", "QQ"),
    "V08.invoice_amount_currency_known": _set("invoice_amount_currency", "RMB"),
    "V10.consignment_gross_ge_net": _scale("gross_mass_kg", 0.5, like="net_mass_kg"),
    "V10.consignment_gross_positive": _set("gross_mass_kg", 0.0),
    "V10.consignment_net_positive": _set("net_mass_kg", -1.0),
    "V10.line_sum_vs_stated_total": _scale("stated_gross_mass_kg", 1.5, like="gross_mass_kg"),
    "V11.line_packages_vs_total": _scale("total_packages_qty", 2.0),
    "V12.invoice_amount_positive": _set("invoice_amount_value", 0.0),
    "V19.ucr_length": _set("ucr", "U" * 36),
    "V03.goods_description": _both(_set("description_en", None), _set("description_zh", "")),
    "REQ.quantity_value_present": _set("quantity_value", None),
    "REQ.quantity_unit_present": _set("quantity_unit", None),
    "REQ.line_amount_value_present": _set("line_amount_value", None),
    "REQ.line_amount_currency_present": _set("line_amount_currency", " "),
    "REQ.country_of_origin_present": _set("country_of_origin", None),
    "REQ.hs_cn_present": _set("hs_cn", None),
    "V05.hs_hk_present": _set("hs_hk", None),
    "V05.hs_hk_format": _set("hs_hk", "8517.13"),
    "V05.hs_hk_subheading": _set("hs_hk", "99999900"),
    "V06.hs_cn_format": _set("hs_cn", "85171300"),
    "V06.ciq_code_format": _set("cn_ciq_code", "99"),
    "V07.hs_shared_subheading": _set("hs_hk", "01012100"),
    "V08.country_of_origin_known": _set("country_of_origin", "ZZ"),
    "V08.line_amount_currency_known": _set("line_amount_currency", "XYZ"),
    "V09.quantity_unit_known": _set("quantity_unit", "pcs"),
    "V09.packages_type_known": _set("packages_type", "carton"),
    "V09.cn_unit_declared_known": _set("cn_unit_declared", "999"),
    "V09.cn_unit_legal_1_known": _set("cn_unit_legal_1", "998"),
    "V09.cn_unit_legal_2_known": _set("cn_unit_legal_2", "997"),
    "V10.line_gross_ge_net": _scale("gross_mass_kg", 0.5, like="net_mass_kg"),
    "V10.line_gross_positive": _set("gross_mass_kg", 0.0),
    "V10.line_net_positive": _set("net_mass_kg", 0.0),
    "V12.price_times_quantity": _scale("line_amount_value", 1.1),
    "V12.line_amount_positive": _set("line_amount_value", -5.0),
    "V12.unit_price_positive": _set("unit_price", 0.0),
    "V15.tariff_line_known": _set("hs_cn", "8517120000"),
    "V15.legal_unit_1": _set("cn_unit_legal_1", "999"),
    "V15.legal_qty_1": _set("cn_qty_legal_1", None),
    "V15.legal_unit_2": _on_second_unit(_set("cn_unit_legal_2", None)),
    "V15.legal_qty_2": _on_second_unit(_set("cn_qty_legal_2", None)),
    "V16.declaration_element_count": _set("cn_declaration_elements", ["only one"]),
    "V16.declaration_element_no_pipe": _append("cn_declaration_elements", "|x"),
    "V16.declaration_brand_type": _replace_element("cn_declaration_elements", 0, "境内品牌"),
    "V16.declaration_export_preference": _replace_element("cn_declaration_elements", 1, "9"),
    "V22.vehicle_reg_cn_present": _set("vehicle_reg_cn", None),
    "V22.driver_cn_code_present": _set("driver_cn_code", ""),
    "V13.container_check_digit": _set("container_no", "CSQU3054384"),
}


def defect_for(rule: Rule) -> Defect:
    """How to break ``rule``: its catalogue entry, or (V21) a BEL character appended to its column."""
    if rule.key in DEFECTS:
        return DEFECTS[rule.key]
    if rule.id == "V21":
        return _append(rule.columns[0], "\x07")
    raise KeyError(f"no synthetic defect for {rule.key}")


def break_rule(frames: Frames, rule: Rule, positions: Positions, as_of: datetime) -> None:
    defect_for(rule)(frames, rule.table, positions, as_of)

