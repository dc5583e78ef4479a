"""The Mainland filing (``data/schemas/cn-filing.xsd``): road manifest, conveyance confirmation and
报关单-ready declaration data for one trip (ssdd-domain.md §3.1, §3.2, §7.3).

Work happens in two steps. :func:`plan` resolves every national code through the ``xw_*`` crosswalks
and merges goods lines into declaration items; anything it cannot resolve becomes a
:class:`MappingProblem` (the trip is held, never written with a blank or a guess). Rendering then only
walks the plan. The manifest keeps international codes (Rec 19/20/21, ISO); the DeclarationData block
carries national ones (4-digit 关区, 运输方式 4, 2-digit 包装种类, 3-digit units, 3-letter countries).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from lxml import etree

from transforms.bundle import FilingBundle, Row
from transforms.writers.base import (
    MASS_SCALE,
    MONEY_SCALE,
    PRICE_SCALE,
    QTY_SCALE,
    SCHEME,
    BaseWriter,
    Builder,
    MappingError,
    MappingProblem,
    as_list,
    dec_text,
    fmt_decimal,
    fmt_int,
    hk_time,
    is_missing,
    opt_text,
    problem,
    text,
    to_decimal,
)
from transforms.writers.context import (
    XW_CHANGE_REASON,
    XW_CONTROL_POINT,
    XW_COUNTRY,
    XW_FUNCTION_CODE,
    XW_PACKAGE,
    XW_TRANSPORT_MODE,
    XW_UNIT,
    CodeMaps,
    WriterContext,
)

NAMESPACE: Final = "urn:ssdd:cn-filing:1"
_B: Final = Builder(NAMESPACE)
_T: Final = _B.tags

# Mainland view of the trip: HK_IMPORT = goods leave the Mainland (export manifest MT2401, outbound
# conveyance confirmation MT4402, 报关单 E); HK_EXPORT = goods enter it (MT1401, MT4401, I) (§3.1 [S33][S35]).
MANIFEST_TYPE: Final = {"HK_IMPORT": "MT2401", "HK_EXPORT": "MT1401"}
CONFIRMATION_TYPE: Final = {"HK_IMPORT": "MT4402", "HK_EXPORT": "MT4401"}
IE_FLAG: Final = {"HK_IMPORT": "E", "HK_EXPORT": "I"}
RECEIVER_ID: Final = "EPORT"
MESSAGE_VERSION: Final = "1.0"
#: Our function codes that change a filed manifest and so need a CC001 change reason.
_NEEDS_REASON: Final = frozenset({"5", "1"})

_KG: Final = {"unitCode": "KGM"}
#: CN016 full/empty indicator codes 1..13 (EDIFACT 8169 numbering), e.g. 5 = full (ssdd-domain.md §3.1 [S33]).
_FULLNESS: Final = re.compile(r"[1-9]|1[0-3]")
_PRICE_Q: Final = Decimal(1).scaleb(-PRICE_SCALE)


# ---------------------------------------------------------------------------------------------
# plan
# ---------------------------------------------------------------------------------------------

@dataclass
class DecItem:
    """One DecList item: goods lines of one consignment that share every declared attribute."""

    code_ts: str
    ciq_code: str | None
    g_name: str
    g_model: str
    g_unit: str
    first_unit: str
    second_unit: str | None
    currency: str
    origin: str
    district: str | None
    orig_place: str | None
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


@dataclass
class ConsignmentPlan:
    row: Row
    seq: int
    bill_no: str
    wrap_type: str
    trade_country: str
    destination: str
    domestic: Row            # the Mainland party (TradeName…): consignor on exports, consignee on imports
    overseas_name: str
    agent: Row | None
    items: list[DecItem]
    goods: list[Row]

    def parts(self, max_items: int) -> list[list[DecItem]]:
        return [self.items[i:i + max_items] for i in range(0, len(self.items), max_items)] or [[]]


@dataclass
class Plan:
    direction: str
    office: str
    port: str
    traf_mode: str
    function_code: str
    change_reason: str | None
    trip_batch_no: str
    carrier_id: str
    vehicle_reg_cn: str
    driver_cn_code: str
    consignments: list[ConsignmentPlan]


class _Problems:
    """Collects problems with uniform English and Chinese wording."""

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

    def missing(self, field_: str, what_en: str, what_zh: str, seq: int | None = None,
                line: int | None = None) -> None:
        w_en, w_zh = self._where(seq, line)
        self.items.append(problem(
            "cn", field_, None, None,
            f"{what_en} is missing{w_en}; the Mainland filing needs it, so the trip is held until it is supplied.",
            f"{w_zh}缺少{what_zh}（内地申报所需）；该车次暂缓申报，待补充后处理。",
            consignment_seq=seq, line_no=line))

    def invalid(self, field_: str, value: str, en: str, zh: str, seq: int | None, line: int | None) -> None:
        w_en, w_zh = self._where(seq, line)
        self.items.append(problem(
            "cn", field_, value, None, f"{en}{w_en}; the trip is held until it is corrected.",
            f"{w_zh}{zh}；该车次暂缓申报，待更正后处理。", consignment_seq=seq, line_no=line))

    def control_point(self, cp: str, maps: CodeMaps, what_en: str, what_zh: str) -> None:
        status = maps.control_point_status.get(cp)
        name = maps.mainland_port_name.get(cp, cp)
        if status == "not_found":
            why_en, why_zh = f" ({name} code not published)", f"（{name}代码未公布）"
        elif status is None:
            why_en, why_zh = " (no row for this control point)", "（该管制站无对应行）"
        else:
            why_en, why_zh = "", ""
        self.items.append(problem(
            "cn", "control_point", cp, XW_CONTROL_POINT,
            f"Control point {cp} has no Mainland {what_en} in reference table {XW_CONTROL_POINT}{why_en}; "
            "the trip is held until the code is added.",
            f"管制站 {cp} 在参考表 {XW_CONTROL_POINT} 中没有内地{what_zh}{why_zh}；该车次暂缓申报，待补充代码后处理。"))


def _name(p: Row | None, prefer_zh: bool) -> str | None:
    if p is None:
        return None
    first, second = ("name_zh", "name") if prefer_zh else ("name", "name_zh")
    return opt_text(p.get(first), f"parties.{first}") or opt_text(p.get(second), f"parties.{second}")


def _country(p: Row | None) -> str | None:
    return None if p is None else opt_text(p.get("address_country"), "parties.address_country")


def _qty(value: object, what: str) -> Decimal:
    return to_decimal(value, QTY_SCALE, what)


def plan(bundle: FilingBundle, ctx: WriterContext) -> tuple[Plan | None, list[MappingProblem]]:
    """Resolve every national code and merge declaration items; (None, problems) when anything is missing."""
    maps = ctx.codes(bundle)
    pr = _Problems()
    sub, tr = bundle.submission, bundle.transport
    direction = text(sub["direction"], "submissions.direction")
    cp = text(sub["control_point"], "submissions.control_point")
    mode = text(sub["mode"], "submissions.mode")
    fc = text(sub["function_code"], "submissions.function_code")

    office = maps.customs_office.get(cp)
    if office is None:
        pr.control_point(cp, maps, "customs office code", "海关关区代码")
    port = maps.port.get(cp)
    if port is None:
        pr.control_point(cp, maps, "port code (6-digit)", "口岸代码（6 位）")
    traf_mode = maps.transport_mode.get(mode)
    if traf_mode is None:
        pr.unmapped("mode", mode, XW_TRANSPORT_MODE, "Transport mode", "运输方式")
    cn_fc = maps.function_code.get(fc)
    if cn_fc is None:
        pr.unmapped("function_code", fc, XW_FUNCTION_CODE, "Function code", "报文功能代码")
    reason: str | None = None
    if fc in _NEEDS_REASON:
        key = maps.function_change_reason.get(fc)
        reason = maps.change_reason.get(key) if key is not None else None
        if reason is None:
            pr.unmapped("function_code", fc, XW_CHANGE_REASON, "Change reason for function code", "变更原因，功能代码")

    batch = opt_text(sub.get("cn_trip_batch_no"), "submissions.cn_trip_batch_no")
    if batch is None:
        pr.missing("cn_trip_batch_no", "The Mainland trip batch number (货物运输批次号)", "货物运输批次号")
    carrier = opt_text(tr.get("carrier_cn_customs_code"), "transport.carrier_cn_customs_code")
    if carrier is None:
        pr.missing("carrier_cn_customs_code", "The carrier's Mainland customs code", "承运人海关代码")
    vehicle = opt_text(tr.get("vehicle_reg_cn"), "transport.vehicle_reg_cn")
    if vehicle is None:
        pr.missing("vehicle_reg_cn", "The Mainland vehicle plate (承运确报 conveyance ID)", "内地车牌（承运确报所需）")
    driver = opt_text(tr.get("driver_cn_code"), "transport.driver_cn_code")
    if driver is None:
        pr.missing("driver_cn_code", "The driver's Mainland customs code (承运确报 Master/ID)", "司机海关编号")

    for eq in bundle.equipment:
        full = opt_text(eq.get("full_empty"), "equipment.full_empty")
        if full is not None and not _FULLNESS.fullmatch(full):
            box = eq.get("container_no")
            pr.invalid("full_empty", full, f"Container {box} full/empty indicator {full} is not a CN016 code (1-13)",
                       f"集装箱 {box} 的重箱/空箱标识 {full} 不是 CN016 代码（1-13）", None, None)

    goods: dict[int, list[Row]] = {}
    for g in bundle.goods_items:
        goods.setdefault(int(g["consignment_seq"]), []).append(g)
    consignments = [
        _plan_consignment(bundle, c, sorted(goods.get(int(c["consignment_seq"]), ()), key=lambda r: int(r["line_no"])),
                          direction, maps, ctx.max_items, pr)
        for c in sorted(bundle.consignments, key=lambda r: int(r["consignment_seq"]))
    ]
    if pr.items:
        return None, pr.items
    assert office and port and traf_mode and cn_fc and batch and carrier and vehicle and driver
    return Plan(direction, office, port, traf_mode, cn_fc, reason, batch, carrier, vehicle, driver,
                [c for c in consignments if c is not None]), []


def _plan_consignment(bundle: FilingBundle, c: Row, lines: list[Row], direction: str, maps: CodeMaps,
                      max_items: int, pr: _Problems) -> ConsignmentPlan | None:
    seq = int(c["consignment_seq"])
    before = len(pr.items)
    consignor, consignee = bundle.parties_of(seq, "CONSIGNOR"), bundle.parties_of(seq, "CONSIGNEE")
    for role, p, zh in (("consignor", consignor, "发货人名称"), ("consignee", consignee, "收货人名称")):
        if _name(p, True) is None:
            pr.missing(f"parties.{role}", f"The {role} name", zh, seq)
    exporting = direction == "HK_IMPORT"   # goods leave the Mainland
    domestic, overseas = (consignor, consignee) if exporting else (consignee, consignor)

    pkg = text(c["total_packages_type"], "consignments.total_packages_type")
    wrap = maps.package.get(pkg)
    if wrap is None:
        pr.unmapped("total_packages_type", pkg, XW_PACKAGE, "Package type", "包装种类", seq)
    # 贸易国: the trading partner's country (the overseas party), else the consignment's other end.
    partner = _country(overseas) or opt_text(
        c.get("country_of_destination" if exporting else "country_of_consignment"), "consignments.country")
    trade_country = _map_country(partner, maps, pr, "address_country", "Trading country", "贸易国", seq, None)
    dest_alpha2 = (opt_text(c.get("country_of_destination"), "consignments.country_of_destination")
                   or _country(consignee))
    destination = _map_country(dest_alpha2, maps, pr, "country_of_destination", "Destination country", "最终目的国",
                               seq, None)
    agent = bundle.parties_of(seq, "DECLARANT_CN") or bundle.parties_of(0, "DECLARANT_CN")
    if not lines:
        pr.missing("goods_items", "At least one goods line", "商品项", seq)

    items: dict[tuple[str | None, ...], DecItem] = {}
    kg_unit = maps.unit.get("KGM")
    for g in lines:
        item = _declared_item(g, seq, maps, kg_unit, pr)
        if item is None:
            continue
        key = (item.code_ts, item.g_name, item.g_model, item.origin, item.g_unit, item.first_unit, item.second_unit,
               item.currency, item.ciq_code, item.district, item.orig_place)
        merged = items.get(key)
        if merged is None:
            items[key] = item
        else:
            _add(merged, item)
    merged_items = list(items.values())
    for it in merged_items:
        if it.g_qty == 0:
            pr.invalid("quantity_value", "0", f"Declared quantity GQty of lines {it.lines} sums to zero",
                       f"第 {it.lines} 项申报数量合计为零", seq, None)
    if len(merged_items) > max_items and any(it.packages is None or it.gross is None for it in merged_items):
        pr.missing("packages_qty", f"Per-line packages and gross mass (needed to split {len(merged_items)} items "
                   f"into declarations of at most {max_items})", "各项件数及毛重（拆分报关单所需）", seq)
    if len(pr.items) > before:
        return None
    assert wrap and trade_country and destination and domestic is not None
    overseas_name = _name(overseas, False)
    assert overseas_name is not None
    bill = opt_text(c.get("cn_bill_no"), "consignments.cn_bill_no") or text(c["invoice_no"], "consignments.invoice_no")
    return ConsignmentPlan(c, seq, bill, wrap, trade_country, destination, domestic, overseas_name, agent,
                           merged_items, lines)


def _map_country(alpha2: str | None, maps: CodeMaps, pr: _Problems, field_: str, what_en: str, what_zh: str,
                 seq: int, line: int | None) -> str | None:
    if alpha2 is None:
        pr.missing(field_, what_en, what_zh, seq, line)
        return None
    code = maps.country.get(alpha2)
    if code is None:
        pr.unmapped(field_, alpha2, XW_COUNTRY, what_en, what_zh, seq, line)
    return code


def _declared_item(g: Row, seq: int, maps: CodeMaps, kg_unit: str | None, pr: _Problems) -> DecItem | None:
    line = int(g["line_no"])
    before = len(pr.items)
    code_ts = opt_text(g.get("hs_cn"), "goods_items.hs_cn")
    if code_ts is None:
        pr.missing("hs_cn", "The Mainland commodity code (CodeTS)", "商品编号", seq, line)
    g_name = opt_text(g.get("description_zh"), "goods_items.description_zh")
    if g_name is None:
        pr.missing("description_zh", "The Chinese goods name (GName)", "中文品名", seq, line)
    elements = [text(v, "goods_items.cn_declaration_elements") if v is not None else ""
                for v in as_list(g.get("cn_declaration_elements"))]
    if any("|" in v for v in elements):
        pr.invalid("cn_declaration_elements", "|", "A declaration element (申报要素) contains '|'",
                   "申报要素含有分隔符“|”", seq, line)
    g_model = "|".join(elements) if elements else opt_text(g.get("model"), "goods_items.model")
    if not g_model:
        pr.missing("cn_declaration_elements", "The declaration elements (申报要素, GModel)", "申报要素", seq, line)

    unit = text(g["quantity_unit"], "goods_items.quantity_unit")
    mapped_unit = maps.unit.get(unit)
    g_unit = opt_text(g.get("cn_unit_declared"), "goods_items.cn_unit_declared") or mapped_unit
    if g_unit is None:
        pr.unmapped("quantity_unit", unit, XW_UNIT, "Unit", "计量单位", seq, line)
    if not is_missing(g.get("cn_qty_declared")):
        g_qty = _qty(g["cn_qty_declared"], "goods_items.cn_qty_declared")
    elif g_unit is not None and g_unit != mapped_unit:
        pr.missing("cn_qty_declared", f"The declared quantity in unit {g_unit}", f"以 {g_unit} 计的申报数量", seq, line)
        g_qty = Decimal(0)
    else:
        g_qty = _qty(g["quantity_value"], "goods_items.quantity_value")
    net = (None if is_missing(g.get("net_mass_kg"))
           else to_decimal(g["net_mass_kg"], MASS_SCALE, "goods_items.net_mass_kg"))

    legal: list[tuple[str, Decimal] | None] = []
    for n, (what_en, what_zh) in ((1, ("first", "第一")), (2, ("second", "第二"))):
        lu = opt_text(g.get(f"cn_unit_legal_{n}"), f"goods_items.cn_unit_legal_{n}")
        if lu is None:
            if n == 1:
                pr.missing("cn_unit_legal_1", "The legal first unit (法定第一单位)", "法定第一单位", seq, line)
            legal.append(None)
            continue
        raw = g.get(f"cn_qty_legal_{n}")
        if not is_missing(raw):
            legal.append((lu, _qty(raw, f"goods_items.cn_qty_legal_{n}")))
        elif lu == g_unit:
            legal.append((lu, g_qty))
        elif lu == kg_unit and net is not None:
            # a legal unit of kilograms is declared as the net weight
            legal.append((lu, _qty(net, "goods_items.net_mass_kg")))
        else:
            if g_unit is not None:  # else the unmapped unit is already reported
                pr.missing(f"cn_qty_legal_{n}", f"The quantity in the legal {what_en} unit {lu}",
                           f"法定{what_zh}单位 {lu} 的数量", seq, line)
            legal.append(None)
    origin_alpha2 = text(g["country_of_origin"], "goods_items.country_of_origin")
    origin = _map_country(origin_alpha2, maps, pr, "country_of_origin", "Country of origin", "原产国", seq, line)
    if len(pr.items) > before:
        return None
    assert code_ts and g_name and g_model and g_unit and origin and legal[0]
    second = legal[1]
    packages = g.get("packages_qty")
    return DecItem(
        code_ts=code_ts, ciq_code=opt_text(g.get("cn_ciq_code"), "goods_items.cn_ciq_code"), g_name=g_name,
        g_model=g_model, g_unit=g_unit, first_unit=legal[0][0], second_unit=second[0] if second else None,
        currency=text(g["line_amount_currency"], "goods_items.line_amount_currency"), origin=origin,
        district=opt_text(g.get("cn_destination_district"), "goods_items.cn_destination_district"),
        orig_place=opt_text(g.get("cn_origin_place"), "goods_items.cn_origin_place"),
        g_qty=g_qty, first_qty=legal[0][1], second_qty=second[1] if second else None,
        total=to_decimal(g["line_amount_value"], MONEY_SCALE, "goods_items.line_amount_value"),
        gross=None if is_missing(g.get("gross_mass_kg"))
        else to_decimal(g["gross_mass_kg"], MASS_SCALE, "goods_items.gross_mass_kg"),
        net=net, packages=None if is_missing(packages) else int(fmt_int(packages, "goods_items.packages_qty")),
        lines=[line])


def _add(into: DecItem, other: DecItem) -> None:
    into.g_qty += other.g_qty
    into.first_qty += other.first_qty
    if into.second_qty is not None and other.second_qty is not None:
        into.second_qty += other.second_qty
    into.total += other.total
    into.gross = None if into.gross is None or other.gross is None else into.gross + other.gross
    into.net = None if into.net is None or other.net is None else into.net + other.net
    into.packages = None if into.packages is None or other.packages is None else into.packages + other.packages
    into.lines.extend(other.lines)


# ---------------------------------------------------------------------------------------------
# render
# ---------------------------------------------------------------------------------------------

def _message_id(mt: str, bundle: FilingBundle) -> str:
    """Deterministic and unique per (submission, version, message type)."""
    return f"CN_{mt}_1p0_{bundle.submission_id.replace('-', '')}_v{bundle.version}"


def _head(parent: etree._Element, mt: str, p: Plan, bundle: FilingBundle, ctx: WriterContext) -> None:
    el = _B.el
    t = ctx.as_of_hk
    h = el(parent, "Head")
    el(h, "MessageID", _message_id(mt, bundle))
    el(h, "FunctionCode", p.function_code)
    el(h, "MessageType", mt)
    el(h, "SenderID", text(ctx.sender_id, "WriterContext.sender_id"))
    el(h, "ReceiverID", RECEIVER_ID)
    el(h, "SendTime", f"{t:%Y%m%d%H%M%S}{t.microsecond // 1000:03d}")
    el(h, "Version", MESSAGE_VERSION)


def _location(parent: etree._Element, p: Plan, bundle: FilingBundle) -> None:
    el = _B.el
    t = hk_time(bundle.submission["expected_crossing_at"], "submissions.expected_crossing_at")
    if p.direction == "HK_IMPORT":
        loc = el(parent, "LoadingLocation")
        el(loc, "ID", p.port)
        el(loc, "LoadingDateTime", f"{t:%Y%m%d%H%M%S}")
    else:
        loc = el(parent, "UnloadingLocation")
        el(loc, "ID", p.port)
        el(loc, "ArrivalDateTime", f"{t:%Y%m%d}")


def _party(parent: etree._Element, tag: str, p: Row | None) -> None:
    el, opt = _B.el, _B.opt
    assert p is not None
    e = el(parent, tag)
    opt(e, "ID", opt_text(p.get("ids_cn_uscc"), "parties.ids_cn_uscc")
        or opt_text(p.get("ids_cn_customs_code"), "parties.ids_cn_customs_code"))
    el(e, "Name", _name(p, True))
    address = opt_text(p.get("address_lines"), "parties.address_lines")
    if address is not None:
        a = el(e, "Address")
        el(a, "Line", ", ".join(ln.strip() for ln in address.splitlines() if ln.strip()))
        opt(a, "CountryCode", _country(p))
    for col, kind in (("contact_phone", "TE"), ("contact_email", "EM")):
        v = opt_text(p.get(col), f"parties.{col}")
        if v is not None:
            com = el(e, "Communication")
            el(com, "ID", v)
            el(com, "TypeID", kind)


def _equipment_of(bundle: FilingBundle, c: Row) -> Iterator[Row]:
    """Containers of a consignment: those in its equipment_refs, else every container on the truck."""
    refs = {str(r) for r in as_list(c.get("equipment_refs")) if r}
    for eq in sorted(bundle.equipment, key=lambda r: int(r["equipment_seq"])):
        if not refs or eq["container_no"] in refs:
            yield eq


def _container(parent: etree._Element, bundle: FilingBundle, eq: Row, with_tare: bool) -> None:
    el, opt = _B.el, _B.opt
    e = el(parent, "TransportEquipment")
    opt(e, "CharacteristicCode", opt_text(eq.get("size_type"), "equipment.size_type"))
    opt(e, "FullnessCode", opt_text(eq.get("full_empty"), "equipment.full_empty"))
    el(e, "ID", text(eq["container_no"], "equipment.container_no"))
    if with_tare and not is_missing(eq.get("tare_kg")):
        el(e, "TareMassMeasure", fmt_decimal(eq["tare_kg"], MASS_SCALE, "equipment.tare_kg"), _KG)
    for s in sorted(bundle.seals_of(int(eq["equipment_seq"])), key=lambda r: int(r["seal_seq"])):
        el(el(e, "Seal"), "ID", text(s["seal_id"], "seals.seal_id"))


def _manifest(root: etree._Element, p: Plan, bundle: FilingBundle, ctx: WriterContext) -> None:
    el = _B.el
    sub = bundle.submission
    m = el(root, "Manifest")
    _head(m, MANIFEST_TYPE[p.direction], p, bundle, ctx)
    d = el(m, "Declaration")
    el(d, "DeclarationOfficeID", p.office)
    el(d, "ID", p.trip_batch_no)
    el(el(d, "BorderTransportMeans"), "TypeCode", text(sub["mode"], "submissions.mode"))
    el(el(d, "Carrier"), "ID", p.carrier_id)
    for cp in p.consignments:
        c = cp.row
        e = el(d, "Consignment")
        if not is_missing(c.get("gross_volume_m3")):
            el(e, "GrossVolumeMeasure", fmt_decimal(c["gross_volume_m3"], MASS_SCALE, "consignments.gross_volume_m3"),
               {"unitCode": "MTQ"})
        el(e, "TotalPackageQuantity", fmt_int(c["total_packages_qty"], "consignments.total_packages_qty"),
           {"unitCode": text(c["total_packages_type"], "consignments.total_packages_type")})
        el(e, "ValueAmount", fmt_decimal(c["invoice_amount_value"], MONEY_SCALE, "consignments.invoice_amount_value"),
           {"currencyID": text(c["invoice_amount_currency"], "consignments.invoice_amount_currency")})
        _party(e, "Consignee", bundle.parties_of(cp.seq, "CONSIGNEE"))
        for g in cp.goods:
            _consignment_item(e, g)
        _party(e, "Consignor", bundle.parties_of(cp.seq, "CONSIGNOR"))
        pay = opt_text(c.get("freight_payment_method"), "consignments.freight_payment_method")
        if pay is not None:
            el(el(e, "Freight"), "PaymentMethodCode", pay)
        el(el(el(e, "GovernmentAgencyGoodsItem"), "GoodsMeasure"), "GrossMassMeasure",
           fmt_decimal(c["gross_mass_kg"], MASS_SCALE, "consignments.gross_mass_kg"), _KG)
        proc = opt_text(c.get("cn_procedure_code"), "consignments.cn_procedure_code")
        if proc is not None:
            el(el(e, "GovernmentProcedure"), "CurrentCode", proc)
        notify = bundle.parties_of(cp.seq, "NOTIFY")
        if _name(notify, True) is not None:
            _party(e, "NotifyParty", notify)
        doc = el(e, "TransportContractDocument")
        el(doc, "ID", cp.bill_no)
        if p.change_reason is not None:
            el(el(doc, "Amendment"), "ChangeReasonCode", p.change_reason)
        for eq in _equipment_of(bundle, c):
            _container(e, bundle, eq, with_tare=False)
    _location(d, p, bundle)
    filer = _name(bundle.parties_of(0, "FILER"), True)
    if filer is not None:
        el(el(d, "RepresentativePerson"), "Name", filer)


def _consignment_item(parent: etree._Element, g: Row) -> None:
    sub, t = etree.SubElement, _T
    e = sub(parent, t["ConsignmentItem"])
    sub(e, t["SequenceNumeric"]).text = fmt_int(g["line_no"], "goods_items.line_no")
    com = sub(e, t["Commodity"])
    zh = opt_text(g.get("description_zh"), "goods_items.description_zh")
    en = opt_text(g.get("description_en"), "goods_items.description_en")
    sub(com, t["CargoDescription"]).text = zh or en
    if zh and en:
        sub(com, t["Description"]).text = en
    sub(sub(com, t["Classification"]), t["ID"]).text = text(g["hs_cn"], "goods_items.hs_cn")
    gross = g.get("gross_mass_kg")
    if not is_missing(gross):
        sub(sub(e, t["GoodsMeasure"]), t["GrossMassMeasure"], _KG).text = fmt_decimal(
            gross, MASS_SCALE, "goods_items.gross_mass_kg")
    if not is_missing(g.get("packages_qty")) and not is_missing(g.get("packages_type")):
        sub(sub(e, t["Packaging"]), t["QuantityQuantity"],
            {"unitCode": text(g["packages_type"], "goods_items.packages_type")}).text = fmt_int(
            g["packages_qty"], "goods_items.packages_qty")


def _confirmation(root: etree._Element, p: Plan, bundle: FilingBundle, ctx: WriterContext) -> None:
    el, opt = _B.el, _B.opt
    tr, sub = bundle.transport, bundle.submission
    cc = el(root, "ConveyanceConfirmation")
    _head(cc, CONFIRMATION_TYPE[p.direction], p, bundle, ctx)
    d = el(cc, "Declaration")
    el(d, "DeclarationOfficeID", p.office)
    el(d, "ID", p.trip_batch_no)
    el(el(d, "Carrier"), "ID", p.carrier_id)
    btm = el(d, "BorderTransportMeans")
    el(btm, "ID", p.vehicle_reg_cn)
    el(btm, "Name", p.vehicle_reg_cn)  # a road conveyance is named by its plate
    el(btm, "TypeCode", text(sub["mode"], "submissions.mode"))
    master = el(btm, "Master")
    el(master, "ID", p.driver_cn_code)
    opt(master, "Name", opt_text(tr.get("driver_name"), "transport.driver_name"))
    for s in sorted(bundle.seals_of(0), key=lambda r: int(r["seal_seq"])):
        el(el(btm, "Seal"), "ID", text(s["seal_id"], "seals.seal_id"))
    _location(d, p, bundle)
    for t in sorted(bundle.trailers, key=lambda r: int(r["trailer_seq"])):
        e = el(d, "Trailer")
        el(e, "ID", text(t["trailer_id"], "trailers.trailer_id"))
        opt(e, "CharacteristicCode", opt_text(t.get("type_code"), "trailers.type_code"))
        if not is_missing(t.get("tare_kg")):
            el(e, "TareMassMeasure", fmt_decimal(t["tare_kg"], MASS_SCALE, "trailers.tare_kg"), _KG)
    for eq in sorted(bundle.equipment, key=lambda r: int(r["equipment_seq"])):
        _container(d, bundle, eq, with_tare=True)
    for cp in p.consignments:
        el(el(el(d, "Consignment"), "TransportContractDocument"), "ID", cp.bill_no)


def _declaration_data(root: etree._Element, p: Plan, ctx: WriterContext) -> None:
    el, opt = _B.el, _B.opt
    data = el(root, "DeclarationData")
    for cp in p.consignments:
        c = cp.row
        parts = cp.parts(ctx.max_items)
        for n, items in enumerate(parts, start=1):
            dec = el(data, "Declaration", None,
                     {"consignmentSeq": str(cp.seq), "part": str(n), "parts": str(len(parts))})
            h = el(dec, "DecHead")
            el(h, "IEFlag", IE_FLAG[p.direction])
            el(h, "CustomMaster", p.office)
            el(h, "IEPort", p.office)
            el(h, "EntyPortCode", p.port)
            el(h, "BillNo", cp.bill_no)
            el(h, "TrafMode", p.traf_mode)
            el(h, "TrafName", p.vehicle_reg_cn)
            el(h, "VoyNo", p.trip_batch_no)
            opt(h, "TradeCode", opt_text(cp.domestic.get("ids_cn_customs_code"), "parties.ids_cn_customs_code"))
            opt(h, "TradeCodeScc", opt_text(cp.domestic.get("ids_cn_uscc"), "parties.ids_cn_uscc"))
            el(h, "TradeName", _name(cp.domestic, True))
            el(h, "OverseasConsigneeEname" if p.direction == "HK_IMPORT" else "OverseasConsignorEname",
               cp.overseas_name)
            if cp.agent is not None and _name(cp.agent, True) is not None:
                opt(h, "AgentCode", opt_text(cp.agent.get("ids_cn_customs_code"), "parties.ids_cn_customs_code"))
                opt(h, "AgentCodeScc", opt_text(cp.agent.get("ids_cn_uscc"), "parties.ids_cn_uscc"))
                el(h, "AgentName", _name(cp.agent, True))
            opt(h, "TradeMode", opt_text(c.get("cn_trade_mode"), "consignments.cn_trade_mode"))
            opt(h, "TransMode", opt_text(c.get("cn_transaction_method"), "consignments.cn_transaction_method"))
            opt(h, "CutMode", opt_text(c.get("cn_levy_nature"), "consignments.cn_levy_nature"))
            el(h, "TradeCountry", cp.trade_country)
            if len(parts) == 1:
                # one 报关单 for the consignment: its stated totals
                el(h, "PackNo", fmt_int(c["total_packages_qty"], "consignments.total_packages_qty"))
                el(h, "WrapType", cp.wrap_type)
                el(h, "GrossWet", fmt_decimal(c["gross_mass_kg"], MASS_SCALE, "consignments.gross_mass_kg"))
                if not is_missing(c.get("net_mass_kg")):
                    el(h, "NetWt", fmt_decimal(c["net_mass_kg"], MASS_SCALE, "consignments.net_mass_kg"))
            else:
                # split: each part carries the totals of its own lines (checked present by plan())
                el(h, "PackNo", str(sum(it.packages or 0 for it in items)))
                el(h, "WrapType", cp.wrap_type)
                el(h, "GrossWet", dec_text(sum((it.gross or Decimal(0) for it in items), Decimal(0))))
                if all(it.net is not None for it in items):
                    el(h, "NetWt", dec_text(sum((it.net or Decimal(0) for it in items), Decimal(0))))
            opt(h, "DistrictCode", opt_text(c.get("cn_origin_district"), "consignments.cn_origin_district"))
            lists = el(dec, "DecLists")
            for g_no, it in enumerate(items, start=1):
                _dec_list(lists, g_no, it, cp.destination)


def _dec_list(parent: etree._Element, g_no: int, it: DecItem, destination: str) -> None:
    sub, t = etree.SubElement, _T
    e = sub(parent, t["DecList"])
    sub(e, t["GNo"]).text = str(g_no)
    sub(e, t["CodeTS"]).text = it.code_ts
    if it.ciq_code is not None:
        sub(e, t["CiqCode"]).text = it.ciq_code
    sub(e, t["GName"]).text = it.g_name
    sub(e, t["GModel"]).text = it.g_model
    sub(e, t["GQty"]).text = f"{it.g_qty:f}"
    sub(e, t["GUnit"]).text = it.g_unit
    sub(e, t["FirstQty"]).text = f"{it.first_qty:f}"
    sub(e, t["FirstUnit"]).text = it.first_unit
    if it.second_unit is not None and it.second_qty is not None:
        sub(e, t["SecondQty"]).text = f"{it.second_qty:f}"
        sub(e, t["SecondUnit"]).text = it.second_unit
    sub(e, t["DeclPrice"]).text = f"{it.price:f}"
    sub(e, t["DeclTotal"]).text = f"{it.total:f}"
    sub(e, t["TradeCurr"]).text = it.currency
    sub(e, t["OriginCountry"]).text = it.origin
    sub(e, t["DestinationCountry"]).text = destination
    if it.district is not None:
        sub(e, t["DistrictCode"]).text = it.district
    if it.orig_place is not None:
        sub(e, t["OrigPlaceCode"]).text = it.orig_place
    if it.gross is not None:
        sub(e, t["GrossWet"]).text = f"{it.gross:f}"
    if it.net is not None:
        sub(e, t["NetWt"]).text = f"{it.net:f}"
    for ln in it.lines:
        sub(e, t["SourceLine"]).text = str(ln)


class CnWriter(BaseWriter):
    id = "cn"
    folder = "cn"
    schema = "cn-filing.xsd"

    def __init__(self) -> None:
        # preflight and render of the same bundle follow each other: plan the declaration items once
        self._last: tuple[int, int, tuple[Plan | None, list[MappingProblem]]] | None = None

    def _plan(self, bundle: FilingBundle, ctx: WriterContext) -> tuple[Plan | None, list[MappingProblem]]:
        if self._last is not None and self._last[0] == id(bundle) and self._last[1] == id(ctx):
            return self._last[2]
        result = plan(bundle, ctx)
        self._last = (id(bundle), id(ctx), result)
        return result

    def preflight(self, bundle: FilingBundle, ctx: WriterContext) -> list[MappingProblem]:
        return self._plan(bundle, ctx)[1]

    def render_tree(self, bundle: FilingBundle, ctx: WriterContext) -> etree._Element:
        p, problems = self._plan(bundle, ctx)
        self._last = None
        if p is None:
            raise MappingError(problems)
        sub = bundle.submission
        root = _B.root("CnFiling")
        _B.el(root, "SubmissionID", text(sub["submission_id"], "submissions.submission_id"))
        _B.el(root, "Version", fmt_int(sub["version"], "submissions.version"))
        _B.el(root, "Scheme", SCHEME[p.direction])
        _manifest(root, p, bundle, ctx)
        _confirmation(root, p, bundle, ctx)
        _declaration_data(root, p, ctx)
        return root
