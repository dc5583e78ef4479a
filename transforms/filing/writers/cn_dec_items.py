"""报关单 goods items (DecList) of one consignment: goods lines merged on every declared attribute.

Lines of one consignment that share commodity code, CIQ code, name, 申报要素 (GModel), origin, units,
currency and domestic district become one item whose quantities and value add up (ssdd-domain.md §3.2).
Per-line masses and packages are summed too, but only to give each part of a split declaration its own
DecHead totals; they never appear in the message. Anything missing or unmapped is a
:class:`~transforms.filing.writers.values.MappingProblem`: the trip is held, nothing is guessed.
Units and legal quantities (GUnit, FirstQty, SecondQty) are read as assembly computed them
(:mod:`transforms.assembly.cn_units`), never derived again here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from transforms.filing.writers.context import XW_COUNTRY, XW_UNIT, CodeMaps, control_point_problem
from transforms.filing.writers.values import (
    MASS_SCALE,
    MONEY_SCALE,
    PRICE_SCALE,
    QTY_SCALE,
    MappingProblem,
    as_list,
    fmt_int,
    is_missing,
    opt_text,
    problem,
    text,
    to_decimal,
)
from transforms.model.bundle import Row

_PRICE_Q: Final = Decimal(1).scaleb(-PRICE_SCALE)
_CODE_TS: Final = re.compile(r"[0-9]{10}")
#: 申报要素 element 0 is the 品牌类型 code (0-4), element 1 the 出口享惠情况 code (0-3).
_BRAND_TYPE: Final = frozenset("01234")
_PREFERENCE: Final = frozenset("0123")
_MAX_TEXT: Final = 255   # GName and GModel: maxLength 255 in the official schema


class Problems:
    """Collects problems of the Mainland declaration with uniform English and Chinese wording."""

    def __init__(self) -> None:
        self.items: list[MappingProblem] = []

    @staticmethod
    def _where(seq: int | None, line: int | None) -> tuple[str, str]:
        if seq is None:
            return "", ""
        if line is None:
            return f" (consignment {seq})", f"第 {seq} 票"
        return f" (consignment {seq}, line {line})", f"第 {seq} 票第 {line} 项"

    def unmapped(self, field_: str, value: str, table: str, what_en: str, what_zh: str,
                 seq: int | None = None, line: int | None = None) -> None:
        w_en, w_zh = self._where(seq, line)
        self.items.append(problem(
            "cn", field_, value, table,
            f"{what_en} {value}{w_en} has no Mainland code in reference table {table}; the trip is held until "
            "the code is added.",
            f"{w_zh}{what_zh} {value} 在参考表 {table} 中没有对应的内地代码；该车次暂缓申报，待补充代码后处理。",
            consignment_seq=seq, line_no=line))

    def unknown(self, field_: str, value: str, table: str, what_en: str, what_zh: str,
                seq: int | None = None, line: int | None = None) -> None:
        w_en, w_zh = self._where(seq, line)
        self.items.append(problem(
            "cn", field_, value, table,
            f"{what_en} {value}{w_en} is not a code of the official table {table}; the trip is held until it is "
            "corrected.", f"{w_zh}{what_zh} {value} 不在官方代码表 {table} 中；该车次暂缓申报，待更正后处理。",
            consignment_seq=seq, line_no=line))

    def missing(self, field_: str, what_en: str, what_zh: str, seq: int | None = None,
                line: int | None = None) -> None:
        w_en, w_zh = self._where(seq, line)
        self.items.append(problem(
            "cn", field_, None, None,
            f"{what_en} is missing{w_en}; the Mainland declaration (报关单) needs it, so the trip is held until it "
            "is supplied.",
            f"{w_zh}缺少{what_zh}（报关单所需）；该车次暂缓申报，待补充后处理。",
            consignment_seq=seq, line_no=line))

    def invalid(self, field_: str, value: str, en: str, zh: str, seq: int | None = None,
                line: int | None = None) -> None:
        w_en, w_zh = self._where(seq, line)
        self.items.append(problem(
            "cn", field_, value, None, f"{en}{w_en}; the trip is held until it is corrected.",
            f"{w_zh}{zh}；该车次暂缓申报，待更正后处理。", consignment_seq=seq, line_no=line))

    def control_point(self, cp: str | None, maps: CodeMaps, what_en: str, what_zh: str) -> None:
        self.items.append(control_point_problem(cp, maps, what_en, what_zh))

    def country(self, alpha2: str | None, maps: CodeMaps, field_: str, what_en: str, what_zh: str,
                seq: int, line: int | None = None) -> str | None:
        """The 3-letter code of an ISO alpha-2 country, or None with a problem recorded."""
        if alpha2 is None:
            self.missing(field_, what_en, what_zh, seq, line)
            return None
        code = maps.country.get(alpha2)
        if code is None:
            self.unmapped(field_, alpha2, XW_COUNTRY, what_en, what_zh, seq, line)
        return code


@dataclass
class DecItem:
    """One DecList item: goods lines of one consignment that share every declared attribute."""

    code_ts: str
    ciq_code: str
    g_name: str
    g_model: str
    g_unit: str
    first_unit: str
    second_unit: str | None
    currency: str
    origin: str
    district: str
    orig_place: str | None
    un_code: str | None
    g_qty: Decimal = Decimal(0)
    first_qty: Decimal = Decimal(0)
    second_qty: Decimal | None = None
    total: Decimal = Decimal(0)
    gross: Decimal | None = Decimal(0)
    net: Decimal | None = Decimal(0)
    packages: int | None = 0
    lines: list[int] = field(default_factory=list)

    @property
    def price(self) -> Decimal:
        return (self.total / self.g_qty).quantize(_PRICE_Q, rounding=ROUND_HALF_UP)

    def key(self) -> tuple[str | None, ...]:
        return (self.code_ts, self.ciq_code, self.g_name, self.g_model, self.origin, self.g_unit, self.first_unit,
                self.second_unit, self.currency, self.district, self.orig_place, self.un_code)

    def add(self, other: DecItem) -> None:
        self.g_qty += other.g_qty
        self.first_qty += other.first_qty
        if self.second_qty is not None and other.second_qty is not None:
            self.second_qty += other.second_qty
        self.total += other.total
        self.gross = None if self.gross is None or other.gross is None else self.gross + other.gross
        self.net = None if self.net is None or other.net is None else self.net + other.net
        self.packages = None if self.packages is None or other.packages is None else self.packages + other.packages
        self.lines.extend(other.lines)


def merge_items(lines: list[Row], c: Row, maps: CodeMaps, districts: frozenset[str], pr: Problems) -> list[DecItem]:
    """The consignment's DecList items in order of their first line (empty when a line has a problem)."""
    seq = int(c["consignment_seq"])
    before = len(pr.items)
    district = opt_text(c.get("cn_origin_district"), "consignments.cn_origin_district")
    items: dict[tuple[str | None, ...], DecItem] = {}
    for g in lines:
        item = _item(g, seq, district, maps, districts, pr)
        if item is None:
            continue
        merged = items.get(item.key())
        if merged is None:
            items[item.key()] = item
        else:
            merged.add(item)
    for it in items.values():
        if it.g_qty == 0:
            pr.invalid("quantity_value", "0", f"The declared quantity (GQty) of lines {it.lines} sums to zero",
                       f"第 {it.lines} 项申报数量合计为零", seq)
    return [] if len(pr.items) > before else list(items.values())


def _elements(g: Row, seq: int, line: int, pr: Problems) -> str | None:
    """GModel: 品牌类型 code | 出口享惠情况 code | the 申报要素 values in tariff order."""
    elements = [text(v, "goods_items.cn_declaration_elements") if v is not None else ""
                for v in as_list(g.get("cn_declaration_elements"))]
    if len(elements) < 2:
        pr.missing("cn_declaration_elements", "The declaration elements (申报要素, GModel: 品牌类型 and 出口享惠情况 "
                   "codes, then the element values)", "申报要素（品牌类型、出口享惠情况及各要素）", seq, line)
        return None
    if elements[0] not in _BRAND_TYPE or elements[1] not in _PREFERENCE:
        pr.invalid("cn_declaration_elements", f"{elements[0]}|{elements[1]}",
                   f"The declaration elements start with {elements[0]}|{elements[1]}, expected the 品牌类型 code "
                   "(0-4) and the 出口享惠情况 code (0-3)",
                   f"申报要素开头为 {elements[0]}|{elements[1]}，"
                   "应为品牌类型代码（0-4）和出口享惠情况代码（0-3）", seq, line)
        return None
    if any("|" in v for v in elements):
        pr.invalid("cn_declaration_elements", "|", "A declaration element (申报要素) contains the separator '|'",
                   "申报要素含有分隔符“|”", seq, line)
        return None
    g_model = "|".join(elements)
    if len(g_model) > _MAX_TEXT:
        pr.invalid("cn_declaration_elements", g_model[:40] + "…",
                   f"The declaration elements (GModel) are {len(g_model)} characters long, at most {_MAX_TEXT} fit",
                   f"申报要素共 {len(g_model)} 个字符，超过上限 {_MAX_TEXT}", seq, line)
        return None
    return g_model


def _item(g: Row, seq: int, district_default: str | None, maps: CodeMaps, districts: frozenset[str],
          pr: Problems) -> DecItem | None:
    line = int(g["line_no"])
    before = len(pr.items)
    code_ts = opt_text(g.get("hs_cn"), "goods_items.hs_cn")
    if code_ts is None:
        pr.missing("hs_cn", "The Mainland commodity code (商品编号, CodeTS)", "商品编号", seq, line)
    elif not _CODE_TS.fullmatch(code_ts):
        pr.invalid("hs_cn", code_ts, f"The Mainland commodity code {code_ts} is not 10 digits",
                   f"商品编号 {code_ts} 不是 10 位数字", seq, line)
    ciq = opt_text(g.get("cn_ciq_code"), "goods_items.cn_ciq_code")
    if ciq is None:
        pr.missing("cn_ciq_code", "The inspection code (检验检疫编码, CiqCode)", "检验检疫编码", seq, line)
    g_name = opt_text(g.get("description_zh"), "goods_items.description_zh")
    if g_name is None:
        pr.missing("description_zh", "The Chinese goods name (商品名称, GName)", "中文品名", seq, line)
    g_model = _elements(g, seq, line, pr)
    district = opt_text(g.get("cn_destination_district"), "goods_items.cn_destination_district") or district_default
    if district is None:
        pr.missing("cn_destination_district", "The domestic destination or source district (境内目的地/境内货源地, "
                   "DistrictCode)", "境内目的地/境内货源地", seq, line)
    elif district not in districts:
        pr.unknown("cn_destination_district", district, "cn_domestic_districts",
                    "Domestic district (境内目的地/境内货源地)", "境内目的地/境内货源地", seq, line)
    units = _units(g, seq, line, pr)
    origin = pr.country(opt_text(g.get("country_of_origin"), "goods_items.country_of_origin"), maps,
                        "country_of_origin", "Country of origin", "原产国", seq, line)
    if len(pr.items) > before:
        return None
    assert code_ts and ciq and g_name and g_model and district and units and origin
    g_unit, g_qty, (first_unit, first_qty), second = units
    packages = g.get("packages_qty")
    return DecItem(
        code_ts=code_ts, ciq_code=ciq, g_name=g_name, g_model=g_model, g_unit=g_unit, first_unit=first_unit,
        second_unit=second[0] if second else None,
        currency=text(g["line_amount_currency"], "goods_items.line_amount_currency"), origin=origin,
        district=district, orig_place=opt_text(g.get("cn_origin_place"), "goods_items.cn_origin_place"),
        un_code=opt_text(g.get("dangerous_goods_un_number"), "goods_items.dangerous_goods_un_number"),
        g_qty=g_qty, first_qty=first_qty, second_qty=second[1] if second else None,
        total=to_decimal(g["line_amount_value"], MONEY_SCALE, "goods_items.line_amount_value"),
        gross=_mass(g, "gross_mass_kg"), net=_mass(g, "net_mass_kg"),
        packages=None if is_missing(packages) else int(fmt_int(packages, "goods_items.packages_qty")), lines=[line])


def _mass(g: Row, col: str) -> Decimal | None:
    return None if is_missing(g.get(col)) else to_decimal(g[col], MASS_SCALE, f"goods_items.{col}")


_Units = tuple[str, Decimal, tuple[str, Decimal], tuple[str, Decimal] | None]


def _units(g: Row, seq: int, line: int, pr: Problems) -> _Units | None:
    """(GUnit, GQty, (FirstUnit, FirstQty), (SecondUnit, SecondQty) or None), exactly as assembly
    computed them (:mod:`transforms.assembly.cn_units`, the one place units and legal quantities are
    derived: the single submission and rule V15 see the same values). Nothing is derived again here;
    a value assembly could not compute holds the trip with a sentence naming it."""
    before = len(pr.items)
    g_unit = opt_text(g.get("cn_unit_declared"), "goods_items.cn_unit_declared")
    g_qty: Decimal | None = None
    if g_unit is None:   # assembly found no China unit, the Rec 20 crosswalk being its last resort
        pr.unmapped("quantity_unit", text(g["quantity_unit"], "goods_items.quantity_unit"), XW_UNIT, "Unit",
                    "计量单位", seq, line)
    elif is_missing(g.get("cn_qty_declared")):
        pr.missing("cn_qty_declared", f"The declared quantity in unit {g_unit}", f"以 {g_unit} 计的申报数量", seq, line)
    else:
        g_qty = to_decimal(g["cn_qty_declared"], QTY_SCALE, "goods_items.cn_qty_declared")
    legal: list[tuple[str, Decimal] | None] = []
    for n, (what_en, what_zh) in ((1, ("first", "第一")), (2, ("second", "第二"))):
        lu = opt_text(g.get(f"cn_unit_legal_{n}"), f"goods_items.cn_unit_legal_{n}")
        raw = g.get(f"cn_qty_legal_{n}")
        if lu is None:
            if n == 1:
                pr.missing("cn_unit_legal_1", "The legal first unit (法定第一单位)", "法定第一单位", seq, line)
            legal.append(None)
        elif not is_missing(raw):
            legal.append((lu, to_decimal(raw, QTY_SCALE, f"goods_items.cn_qty_legal_{n}")))
        else:
            if g_unit is not None:   # else the unmapped unit is already reported
                pr.missing(f"cn_qty_legal_{n}", f"The quantity in the legal {what_en} unit {lu}",
                           f"法定{what_zh}单位 {lu} 的数量", seq, line)
            legal.append(None)
    if len(pr.items) > before:
        return None
    assert g_unit is not None and g_qty is not None and legal[0] is not None
    return g_unit, g_qty, legal[0], legal[1]
