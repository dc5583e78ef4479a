"""Planted defects for synthetic runs: :data:`DEFECTS` knows, per rule key, how to break given rows
of that rule's table in a clean run of :func:`expectations.synthetic.clean_frames` (V21 needs no
entry: a control character appended to its column). The per-rule and parity tests require a defect
for every rule. Nothing here is used by the pipeline.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from expectations.context import hk_date
from expectations.rule import Rule
from expectations.synthetic import Frames

__all__ = ["DEFECTS", "Defect", "Positions", "break_rule", "defect_for"]

Positions = npt.NDArray[np.int64]

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
    "V04.expected_crossing_at_present": _set("expected_crossing_at", None),
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

