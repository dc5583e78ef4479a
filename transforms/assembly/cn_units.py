"""Mainland units of each goods line: the declared unit (GUnit) and the legal units and quantities
(法定第一/第二单位, FirstUnit/FirstQty, SecondUnit/SecondQty), computed once, here.

Why here and not in the Mainland writer: the canonical record carries these values
(``goods_items.cn_unit_declared``, ``cn_unit_legal_n``, ``cn_qty_legal_n``), the single submission
writes them and rule V15 checks them against the tariff line, so they must exist before checking,
i.e. at assembly. The 报关单 writer (:mod:`transforms.filing.writers.cn_dec_items`) reads only what
this module computed; a value missing here holds the trip there with a sentence naming it, and no
writer derives a unit or a quantity again (a second derivation could disagree with what V15 passed
and the single submission shows).

Sources: the declared unit is the China unit of the trader's own unit word (``cn_units``, Simplified
names; HK exports write Traditional), else the tariff line's count unit for a bare piece count, else
the Rec 20 crosswalk ``xw_unit_rec20_cn``; the legal units come from the item master, else the tariff
line (``cn_tariff_lines``). A legal unit of kilograms (035 千克) is declared as the net weight; a legal
unit equal to the declared one (or both single-piece units) takes the declared quantity; any other
legal quantity is left empty for the trader to supply.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from transforms.model.reference import Reference, normalise_key

#: China unit 035 千克: a legal quantity in it is the line's net weight
KG: Final = "035"
_COUNT_UNITS: Final = frozenset({"H87", "C62"})
# China units that each count single pieces (台 座 辆 艘 架 个 只 头 张 件 支 枝 根 条 把 块 片 棵 株):
# a number of pieces (Rec 20 H87) is the same number in any of them. Sets (套), pairs (双, 对),
# rolls and groups are not pieces and are never converted.
_PIECE_UNITS: Final = frozenset({"001", "002", "003", "004", "005", "007", "008", "009", "010", "011", "012",
                                 "013", "014", "015", "016", "017", "020", "027", "028"})
# The Mainland unit list is written in Simplified characters; HK exports write the same words in
# Traditional ones (個 臺 雙 …). Only unit words are translated, nothing else.
_TRAD_TO_SIMP: Final = str.maketrans("個臺雙條張隻塊噸聯卷輛對", "个台双条张只块吨联卷辆对")


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame else pd.Series(None, index=frame.index, dtype=object)


def _declared_unit(lines: pd.DataFrame, reference: Reference, tariff_1: pd.Series) -> pd.Series:
    """GUnit: the trader's unit word, else the tariff's count unit for a piece count, else the Rec 20 crosswalk."""
    unit_cn = reference.crosswalk("xw_unit_rec20_cn")
    units = reference.table("cn_units")
    words = {normalise_key(str(n)).translate(_TRAD_TO_SIMP): str(c)
             for c, n in zip(units["code"], units["name_zh"], strict=True)}
    raw = _col(lines, "quantity_unit_raw")
    by_word = {v: words.get(normalise_key(v).translate(_TRAD_TO_SIMP)) for v in raw.dropna().unique()}
    declared = raw.map(lambda v: by_word.get(v) if isinstance(v, str) else None)
    # a bare piece count declares in the tariff line's own count unit; otherwise the Rec 20 crosswalk
    count_unit = lines["quantity_unit"].isin(list(_COUNT_UNITS)) & tariff_1.notna() & (tariff_1 != KG)
    declared = declared.where(declared.notna(), tariff_1.where(count_unit))
    return declared.where(declared.notna(), lines["quantity_unit"].map(
        lambda u: unit_cn.get(u) if isinstance(u, str) else None))


def mainland_units(lines: pd.DataFrame, reference: Reference) -> dict[str, pd.Series]:
    """The goods lines' Mainland unit columns, in the order assembly adds them to ``lines``:
    ``cn_qty_declared``, ``cn_unit_declared``, then ``cn_unit_legal_n`` and ``cn_qty_legal_n`` for n = 1, 2.
    ``lines`` needs ``hs_cn``, ``quantity_unit`` and ``quantity_value``; a legal unit it already
    carries (from the item master) wins over the tariff line's. Vectorised: one pass per column."""
    tariff = reference.table("cn_tariff_lines")
    legal = {n: dict(zip(tariff["hs_cn"], tariff[f"unit_{n}"].where(tariff[f"unit_{n}"].str.strip() != ""),
                         strict=True)) for n in ("1", "2")}
    hs = lines["hs_cn"].astype(object)
    tariff_1 = hs.map(lambda h: legal["1"].get(h) if isinstance(h, str) else None)
    tariff_2 = hs.map(lambda h: legal["2"].get(h) if isinstance(h, str) else None)
    declared = _declared_unit(lines, reference, tariff_1)
    out = {"cn_qty_declared": lines["quantity_value"], "cn_unit_declared": declared}
    qty = lines["quantity_value"].astype("float64")
    net = pd.to_numeric(_col(lines, "net_mass_kg"), errors="coerce").astype("float64")
    for n, from_tariff in (("1", tariff_1), ("2", tariff_2)):
        unit = _col(lines, f"cn_unit_legal_{n}")
        unit = unit.where(unit.notna(), from_tariff)
        same = (unit == declared) | (unit.isin(list(_PIECE_UNITS)) & declared.isin(list(_PIECE_UNITS)))
        legal_qty = np.where(unit == KG, net, np.where(same, qty, np.nan))
        out[f"cn_unit_legal_{n}"] = unit
        out[f"cn_qty_legal_{n}"] = pd.Series(legal_qty, index=lines.index).where(unit.notna())
    return out
