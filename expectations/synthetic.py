"""Synthetic canonical frames, for the parity test and the benchmark.

:func:`clean_frames` builds a consistent run (every rule passes) from the reference data itself;
:mod:`expectations.synthetic_defects` then breaks given rows per rule. Nothing here is used by the
pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from expectations.context import CodeLists, hk_date
from expectations.custom import _ISO6346_VALUES, _USCC_ALPHABET, _USCC_WEIGHTS

__all__ = ["Frames", "clean_frames", "iso6346_number", "uscc_number"]

Frames = dict[str, pd.DataFrame]

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


@dataclass(frozen=True)
class _Layout:
    """How a run nests: the submission of each consignment and the consignment of each goods line,
    with their 1-based sequence numbers inside their parent."""

    sub_ids: npt.NDArray[np.object_]
    cons_sub: npt.NDArray[np.int64]
    cons_seq: npt.NDArray[np.int64]
    traders: npt.NDArray[np.object_]
    line_cons: npt.NDArray[np.int64]
    line_no: npt.NDArray[np.int64]


def _sequence_within(parents: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """1-based position of each child inside the run of equal parents it belongs to."""
    seq = np.zeros(len(parents), dtype=np.int64)
    for i in range(1, len(parents)):
        seq[i] = seq[i - 1] + 1 if parents[i] == parents[i - 1] else 0
    return seq + 1


def _layout(goods_lines: int) -> _Layout:
    """Ten lines per consignment, two consignments per submission, five traders in turn."""
    n_cons = max(1, goods_lines // _LINES_PER_CONSIGNMENT)
    n_subs = max(1, n_cons // _CONSIGNMENTS_PER_SUBMISSION)
    cons_sub = np.minimum(np.arange(n_cons) // _CONSIGNMENTS_PER_SUBMISSION, n_subs - 1)
    line_cons = np.minimum(np.arange(goods_lines) // _LINES_PER_CONSIGNMENT, n_cons - 1)
    return _Layout(sub_ids=np.array([f"sub-{i:07d}" for i in range(n_subs)], dtype=object), cons_sub=cons_sub,
                   cons_seq=_sequence_within(cons_sub),
                   traders=np.array([f"trader{k % 5}" for k in range(n_cons)], dtype=object),
                   line_cons=line_cons, line_no=_sequence_within(line_cons))


def _submissions(rng: np.random.Generator, reference: CodeLists, as_of: datetime,
                 sub_ids: npt.NDArray[np.object_]) -> pd.DataFrame:
    """One trip per submission, crossing 2 h to 3 days after ``as_of`` at a known control point."""
    n_subs = len(sub_ids)
    as_of_utc = pd.Timestamp(as_of).tz_convert("UTC")
    control_points = sorted(reference.codes("control_points", on=hk_date(as_of)))
    crossing = as_of_utc + pd.to_timedelta(rng.integers(120, 3 * 24 * 60, size=n_subs), unit="min")
    crossing_dates = pd.DatetimeIndex(crossing).tz_convert("Asia/Hong_Kong").date
    return pd.DataFrame({
        "submission_id": sub_ids, "version": 1, "function_code": "9",
        "direction": np.where(rng.random(n_subs) < 0.8, "HK_IMPORT", "HK_EXPORT"), "mode": "3",
        "control_point": rng.choice(control_points, size=n_subs), "trip_ref": [f"T{i:07d}" for i in range(n_subs)],
        "carrier_code": "CARR1", "expected_crossing_at": crossing, "crossing_date": crossing_dates,
        "created_at": as_of_utc, "content_hash": "0" * 64, "cn_trip_batch_no": [f"B{i:07d}" for i in range(n_subs)],
        "src_file": "carrier/trips.xlsx", "src_sheet": "Trips", "src_row": np.arange(n_subs) + 2,
    })


def _goods_items(rng: np.random.Generator, tariffs: list[_Tariff], layout: _Layout) -> pd.DataFrame:
    """Lines on real tariff lines, with the legal units and 申报要素 count each line's tariff asks for."""
    line_cons, n = layout.line_cons, len(layout.line_cons)
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
    line_files = np.array([f"{t}/invoices.xlsx" for t in layout.traders], dtype=object)[line_cons]
    goods = pd.DataFrame({
        "submission_id": layout.sub_ids[layout.cons_sub[line_cons]], "version": 1,
        "consignment_seq": layout.cons_seq[line_cons], "line_no": layout.line_no, "trader": layout.traders[line_cons],
        "invoice_no": [f"INV{c:07d}" for c in line_cons],
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
    return goods


def _consignments(rng: np.random.Generator, goods: pd.DataFrame, layout: _Layout) -> pd.DataFrame:
    """One invoice per consignment whose totals are its lines' sums (so the line-sum rules pass)."""
    n_cons = len(layout.cons_sub)
    sums = goods.groupby(layout.line_cons).agg(gross=("gross_mass_kg", "sum"), net=("net_mass_kg", "sum"),
                                               pk=("packages_qty", "sum"), amount=("line_amount_value", "sum"))
    stated = sums["gross"].to_numpy().copy()
    stated[rng.random(n_cons) < 0.05] = np.nan  # no totals row: the line-sum rule is not checkable
    return pd.DataFrame({
        "submission_id": layout.sub_ids[layout.cons_sub], "version": 1, "consignment_seq": layout.cons_seq,
        "trader": layout.traders,
        "invoice_no": [f"INV{c:07d}" for c in range(n_cons)], "ucr": [f"UCR{c:010d}" for c in range(n_cons)],
        "total_packages_qty": sums["pk"].to_numpy(), "total_packages_type": "CT", "package_description": "cartons",
        "gross_mass_kg": sums["gross"].to_numpy(), "net_mass_kg": sums["net"].to_numpy(),
        "stated_gross_mass_kg": stated, "invoice_amount_value": sums["amount"].to_numpy(),
        "invoice_amount_currency": "USD", "country_of_consignment": "CN", "country_of_destination": "HK",
        "src_file": np.array([f"{t}/invoices.xlsx" for t in layout.traders], dtype=object), "src_sheet": "Header",
        "src_row": np.arange(n_cons) + 2,
    })


def _party(rng: np.random.Generator, role: str, sid: npt.NDArray[np.object_], seq: npt.NDArray[np.int64],
           hk: bool) -> pd.DataFrame:
    """``role`` on the given consignments: an HK trader (BRN, Wan Chai) or a Mainland one (USCC, Shenzhen)."""
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


def _parties(rng: np.random.Generator, submissions: pd.DataFrame, layout: _Layout) -> pd.DataFrame:
    """Consignor and consignee per consignment (the HK side follows the direction), one HK declarant per trip."""
    sub_ids, cons_seq = layout.sub_ids, layout.cons_seq
    direction = dict(zip(sub_ids, submissions["direction"], strict=True))
    cons_sid = sub_ids[layout.cons_sub]
    hk_imports = np.array([direction[s] == "HK_IMPORT" for s in cons_sid])
    parts = [_party(rng, "CONSIGNOR", cons_sid[hk_imports], cons_seq[hk_imports], False),
             _party(rng, "CONSIGNOR", cons_sid[~hk_imports], cons_seq[~hk_imports], True),
             _party(rng, "CONSIGNEE", cons_sid[hk_imports], cons_seq[hk_imports], True),
             _party(rng, "CONSIGNEE", cons_sid[~hk_imports], cons_seq[~hk_imports], False),
             _party(rng, "DECLARANT_HK", sub_ids, np.zeros(len(sub_ids), dtype=np.int64), True)]
    parties = pd.concat(parts, ignore_index=True)
    parties["src_row"] = parties.groupby("src_sheet").cumcount().to_numpy() + 2
    return parties


def _conveyance(sub_ids: npt.NDArray[np.object_]) -> Frames:
    """Per trip one truck with its Mainland plate and driver code, one trailer, one container, one seal."""
    n_subs = len(sub_ids)
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
    return {"transport": transport, "trailers": trailers, "equipment": equipment, "seals": seals}


def clean_frames(reference: CodeLists, as_of: datetime, goods_lines: int, seed: int = 7) -> Frames:
    """A run of ``goods_lines`` lines that passes every rule (crossings 2 h to 3 days after as_of).

    The steps draw from one generator in a fixed order (trips, lines, totals, parties), so a seed
    gives the same run every time; keep that order when adding a step.
    """
    rng = np.random.default_rng(seed)
    layout = _layout(goods_lines)
    submissions = _submissions(rng, reference, as_of, layout.sub_ids)
    goods = _goods_items(rng, _tariffs(reference, hk_date(as_of)), layout)
    consignments = _consignments(rng, goods, layout)
    parties = _parties(rng, submissions, layout)
    return {"submissions": submissions, "consignments": consignments, "goods_items": goods, "parties": parties,
            **_conveyance(layout.sub_ids)}
