"""The Hong Kong filing (``data/schemas/hk-filing.xsd``): ROCARS e-ACI + bundling VRN + TDEC-ready items.

WCO Data Model 3.6 element names (ssdd-domain.md §4.1, §7.2). The eight legal ACI items
(ssdd-domain.md §1.2 [S1][S2]) are mandatory: a submission lacking one is held by the preflight with
the item named, never written with a blank. HK has no published code lists for units, packages or
control points (§2), so this file carries international codes only and needs no crosswalk.
"""

from __future__ import annotations

from typing import Final

from lxml import etree

from transforms.filing.writers.base import BaseWriter
from transforms.filing.writers.context import WriterContext
from transforms.filing.writers.values import (
    MASS_SCALE,
    MONEY_SCALE,
    QTY_SCALE,
    SCHEME,
    Builder,
    MappingError,
    MappingProblem,
    fmt_decimal,
    fmt_int,
    fmt_iso_hk,
    is_missing,
    opt_text,
    problem,
    text,
)
from transforms.model.bundle import FilingBundle, Row

NAMESPACE: Final = "urn:ssdd:hk-filing:1"
_B: Final = Builder(NAMESPACE)
_T: Final = _B.tags

WCO_DATA_MODEL_VERSION: Final = "3.6"
WCO_TYPE_NAME: Final = "DEC"
RESPONSIBLE_AGENCY: Final = "Customs and Excise Department"
CUSTOMIZATION_VERSION: Final = "SSDD-HK-1.0"

_TYPE_CODE: Final = {"HK_IMPORT": "IM", "HK_EXPORT": "EX"}
_ROCARS_ITEMS_ZH: Final = {
    "a": "件数", "b": "包装说明", "c": "货物说明", "d": "发货人名称", "e": "发货人地址", "f": "收货人名称",
    "g": "收货人地址", "h": "预计抵达/离开日期",
}

_KG: Final = {"unitCode": "KGM"}


def _party_name(p: Row | None) -> str | None:
    if p is None:
        return None
    return opt_text(p.get("name"), "parties.name") or opt_text(p.get("name_zh"), "parties.name_zh")


def _address_lines(p: Row | None) -> list[str]:
    if p is None or is_missing(p.get("address_lines")):
        return []
    raw = text(p["address_lines"], "parties.address_lines")
    return [ln.strip() for ln in raw.splitlines() if ln.strip()][:5]


def _declarant(bundle: FilingBundle, seq: int) -> Row | None:
    """The TDEC declarant of a consignment: its own DECLARANT_HK, else the submission's."""
    return bundle.parties_of(seq, "DECLARANT_HK") or bundle.parties_of(0, "DECLARANT_HK")


def _tdec_problems(bundle: FilingBundle, c: Row, seq: int, items: list[Row]) -> list[MappingProblem]:
    """What the import/export declaration (TDEC) needs beyond the ACI: place of loading, the declarant,
    and a quantity with its unit on every item."""
    out: list[MappingProblem] = []
    if is_missing(c.get("place_of_loading")):
        out.append(problem("hk", "place_of_loading", None, None,
                           f"The place of loading (TDEC) is missing for consignment {seq}; the trip is held until "
                           "it is supplied.",
                           f"第 {seq} 票缺少装货地点（进出口报关单所需）；该车次暂缓申报，待补充后处理。",
                           consignment_seq=seq))
    if _party_name(_declarant(bundle, seq)) is None:
        out.append(problem("hk", "parties.name", None, None,
                           f"The Hong Kong declarant (TDEC) is missing for consignment {seq}; the trip is held until "
                           "it is supplied.",
                           f"第 {seq} 票缺少香港报关人（进出口报关单所需）；该车次暂缓申报，待补充后处理。",
                           consignment_seq=seq))
    for g in items:
        if is_missing(g.get("hk_qty")) or is_missing(g.get("hk_unit")):
            line = int(g["line_no"])
            out.append(problem("hk", "hk_qty", None, None,
                               f"The quantity and unit of quantity (TDEC) are missing for consignment {seq} line "
                               f"{line}; the trip is held until they are supplied.",
                               f"第 {seq} 票第 {line} 项缺少数量及数量单位（进出口报关单所需）；"
                               "该车次暂缓申报，待补充后处理。",
                               consignment_seq=seq, line_no=line))
    return out


def _description(g: Row) -> str | None:
    return opt_text(g.get("description_en"), "goods_items.description_en") or opt_text(
        g.get("description_zh"), "goods_items.description_zh")


class HkWriter(BaseWriter):
    id = "hk"
    folder = "hk"
    schema = "hk-filing.xsd"

    def preflight(self, bundle: FilingBundle, ctx: WriterContext) -> list[MappingProblem]:
        """Every missing ROCARS ACI item, named (ROCARS rejects an ACI without them)."""
        out: list[MappingProblem] = []

        def missing(item: str, field: str, what_en: str, seq: int, line: int | None = None) -> None:
            where_en = f"consignment {seq}" + (f" line {line}" if line is not None else "")
            where_zh = f"第 {seq} 票" + (f"第 {line} 项" if line is not None else "")
            out.append(problem(
                "hk", field, None, None,
                f"ROCARS item ({item}) {what_en} is missing for {where_en}; the trip is held until it is supplied.",
                f"{where_zh}缺少 ROCARS 必填项 ({item}) {_ROCARS_ITEMS_ZH[item]}；该车次暂缓申报，待补充后处理。",
                consignment_seq=seq, line_no=line))

        if is_missing(bundle.transport.get("vehicle_reg_hk")):
            out.append(problem("hk", "vehicle_reg_hk", None, None,
                               "The HK vehicle registration number (ROCARS bundling VRN) is missing; the trip is "
                               "held until it is supplied.",
                               "缺少香港车牌号码（ROCARS 绑定所需）；该车次暂缓申报，待补充后处理。"))
        for c in bundle.consignments:
            seq = int(c["consignment_seq"])
            if is_missing(c.get("total_packages_qty")):
                missing("a", "total_packages_qty", "number of packages", seq)
            if is_missing(c.get("package_description")):
                missing("b", "package_description", "description of packages", seq)
            for role, (n_item, a_item) in (("CONSIGNOR", ("d", "e")), ("CONSIGNEE", ("f", "g"))):
                p = bundle.parties_of(seq, role)
                if _party_name(p) is None:
                    missing(n_item, "parties.name", f"{role.lower()} name", seq)
                if not _address_lines(p):
                    missing(a_item, "parties.address_lines", f"{role.lower()} address", seq)
            items = bundle.items_of(seq)
            if not items:
                missing("c", "description_en", "description of articles", seq)
            for g in items:
                if _description(g) is None:
                    missing("c", "description_en", "description of articles", seq, int(g["line_no"]))
            out.extend(_tdec_problems(bundle, c, seq, items))
        if is_missing(bundle.submission.get("expected_crossing_at")):
            out.append(problem("hk", "expected_crossing_at", None, None,
                               "ROCARS item (h) expected date of arrival/departure is missing; the trip is held "
                               "until it is supplied.",
                               "缺少 ROCARS 必填项 (h) 预计抵达/离开日期；该车次暂缓申报，待补充后处理。"))
        return out

    def render_tree(self, bundle: FilingBundle, ctx: WriterContext) -> etree._Element:
        problems = self.preflight(bundle, ctx)
        if problems:
            raise MappingError(problems)
        el, opt = _B.el, _B.opt
        sub, tr = bundle.submission, bundle.transport
        direction = text(sub["direction"], "submissions.direction")

        root = _B.root("HkFiling")
        el(root, "SubmissionID", text(sub["submission_id"], "submissions.submission_id"))
        el(root, "Version", fmt_int(sub["version"], "submissions.version"))
        el(root, "Scheme", SCHEME[direction])
        meta = el(root, "MetaData")
        el(meta, "WCODataModelVersionCode", WCO_DATA_MODEL_VERSION)
        el(meta, "WCOTypeName", WCO_TYPE_NAME)
        el(meta, "ResponsibleCountryCode", "HK")
        el(meta, "ResponsibleAgencyName", RESPONSIBLE_AGENCY)
        el(meta, "AgencyAssignedCustomizationVersionCode", CUSTOMIZATION_VERSION)

        dec = el(root, "Declaration")
        el(dec, "FunctionCode", text(sub["function_code"], "submissions.function_code"))
        el(dec, "FunctionalReferenceID", text(sub["submission_id"], "submissions.submission_id"))
        el(dec, "TypeCode", _TYPE_CODE[direction])
        el(dec, "IssueDateTime", fmt_iso_hk(sub["created_at"], "submissions.created_at"))
        el(dec, "GoodsItemQuantity", str(len(bundle.goods_items)))
        el(el(dec, "GoodsLocation"), "ID", text(sub["control_point"], "submissions.control_point"))
        btm = el(dec, "BorderTransportMeans")
        el(btm, "ID", text(tr["vehicle_reg_hk"], "transport.vehicle_reg_hk"))
        el(btm, "IdentificationTypeCode", "VRN")
        el(btm, "ModeCode", text(sub["mode"], "submissions.mode"))
        carrier = el(dec, "Carrier")
        el(carrier, "ID", text(tr.get("carrier_code") or sub["carrier_code"], "transport.carrier_code"))
        opt(carrier, "Name", opt_text(tr.get("carrier_name"), "transport.carrier_name"))

        crossing = fmt_iso_hk(sub["expected_crossing_at"], "submissions.expected_crossing_at")
        when = "ArrivalDateTime" if direction == "HK_IMPORT" else "DepartureDateTime"
        goods: dict[int, list[Row]] = {}
        for g in bundle.goods_items:
            goods.setdefault(int(g["consignment_seq"]), []).append(g)
        for c in sorted(bundle.consignments, key=lambda r: int(r["consignment_seq"])):
            seq = int(c["consignment_seq"])
            self._consignment(dec, bundle, c, seq, when, crossing,
                              sorted(goods.get(seq, ()), key=lambda r: int(r["line_no"])))

        declarant = bundle.parties_of(0, "DECLARANT_HK")
        name = _party_name(declarant)
        if declarant is not None and name is not None:
            d = el(dec, "Declarant")
            opt(d, "ID", opt_text(declarant.get("ids_hk_brn"), "parties.ids_hk_brn"))
            el(d, "Name", name)
        return root

    @staticmethod
    def _party(parent: etree._Element, tag: str, p: Row | None) -> None:
        assert p is not None  # preflight guarantees the party, its name and address
        el, opt = _B.el, _B.opt
        e = el(parent, tag)
        opt(e, "ID", opt_text(p.get("ids_hk_brn"), "parties.ids_hk_brn"))
        el(e, "Name", _party_name(p))
        a = el(e, "Address")
        for line in _address_lines(p):
            el(a, "Line", line)
        opt(a, "CityName", opt_text(p.get("address_city"), "parties.address_city"))
        opt(a, "PostcodeID", opt_text(p.get("address_postcode"), "parties.address_postcode"))
        opt(a, "CountryCode", opt_text(p.get("address_country"), "parties.address_country"))

    def _consignment(self, dec: etree._Element, bundle: FilingBundle, c: Row, seq: int, when: str,
                     crossing: str, items: list[Row]) -> None:
        el, opt = _B.el, _B.opt
        e = el(dec, "Consignment")
        el(e, "SequenceNumeric", str(seq))
        ucr = el(e, "UCR")
        opt(ucr, "ID", opt_text(c.get("ucr"), "consignments.ucr"))
        el(ucr, "TraderAssignedReferenceID", text(c["invoice_no"], "consignments.invoice_no"))
        ccrn = opt_text(c.get("ccrn"), "consignments.ccrn")
        if ccrn is not None:
            doc = el(e, "AdditionalDocument")
            el(doc, "ID", ccrn)
            el(doc, "TypeCode", "CCRN")
        el(e, when, crossing)
        self._party(e, "Consignor", bundle.parties_of(seq, "CONSIGNOR"))
        self._party(e, "Consignee", bundle.parties_of(seq, "CONSIGNEE"))
        el(e, "TotalPackageQuantity", fmt_int(c["total_packages_qty"], "consignments.total_packages_qty"))
        pkg = el(e, "Packaging")
        el(pkg, "TypeCode", text(c["total_packages_type"], "consignments.total_packages_type"))
        el(pkg, "Description", text(c["package_description"], "consignments.package_description"))
        el(e, "GrossMassMeasure", fmt_decimal(c["gross_mass_kg"], MASS_SCALE, "consignments.gross_mass_kg"), _KG)
        if not is_missing(c.get("invoice_amount_value")) and not is_missing(c.get("invoice_amount_currency")):
            amount = fmt_decimal(c["invoice_amount_value"], MONEY_SCALE, "consignments.invoice_amount_value")
            el(e, "InvoiceAmount", amount,
               {"currencyID": text(c["invoice_amount_currency"], "consignments.invoice_amount_currency")})
        export_country = opt_text(c.get("country_of_consignment"), "consignments.country_of_consignment")
        if export_country is not None:
            el(el(e, "ExportCountry"), "ID", export_country)
        el(el(e, "LoadingLocation"), "ID", text(c["place_of_loading"], "consignments.place_of_loading"))
        declarant = _declarant(bundle, seq)
        assert declarant is not None  # preflight guarantees the declarant and its name
        d = el(e, "Declarant")
        opt(d, "ID", opt_text(declarant.get("ids_hk_brn"), "parties.ids_hk_brn"))
        el(d, "Name", _party_name(declarant))
        for g in items:
            self._goods_item(e, g)

    @staticmethod
    def _goods_item(parent: etree._Element, g: Row) -> None:
        sub, t = etree.SubElement, _T
        e = sub(parent, t["GovernmentAgencyGoodsItem"])
        sub(e, t["SequenceNumeric"]).text = fmt_int(g["line_no"], "goods_items.line_no")
        com = sub(e, t["Commodity"])
        sub(com, t["Description"]).text = _description(g)
        hs = opt_text(g.get("hs_hk"), "goods_items.hs_hk")
        if hs is not None:
            cls = sub(com, t["Classification"])
            sub(cls, t["ID"]).text = hs
            sub(cls, t["IdentificationTypeCode"]).text = "HKHS"
        gross, net, hk_qty = g.get("gross_mass_kg"), g.get("net_mass_kg"), g.get("hk_qty")
        hk_unit = opt_text(g.get("hk_unit"), "goods_items.hk_unit")
        has_tariff_qty = hk_unit is not None and not is_missing(hk_qty)
        if not is_missing(gross) or not is_missing(net) or has_tariff_qty:
            m = sub(e, t["GoodsMeasure"])
            if not is_missing(gross):
                sub(m, t["GrossMassMeasure"], _KG).text = fmt_decimal(gross, MASS_SCALE, "goods_items.gross_mass_kg")
            if not is_missing(net):
                sub(m, t["NetNetWeightMeasure"], _KG).text = fmt_decimal(net, MASS_SCALE, "goods_items.net_mass_kg")
            if has_tariff_qty:
                assert hk_unit is not None
                sub(m, t["TariffQuantity"], {"unitCode": hk_unit}).text = fmt_decimal(
                    hk_qty, QTY_SCALE, "goods_items.hk_qty")
        sub(sub(e, t["InvoiceLine"]), t["ItemChargeAmount"],
            {"currencyID": text(g["line_amount_currency"], "goods_items.line_amount_currency")}).text = fmt_decimal(
            g["line_amount_value"], MONEY_SCALE, "goods_items.line_amount_value")
        sub(sub(e, t["Origin"]), t["CountryCode"]).text = text(g["country_of_origin"], "goods_items.country_of_origin")
        if not is_missing(g.get("packages_qty")):
            pk = sub(e, t["Packaging"])
            sub(pk, t["QuantityQuantity"]).text = fmt_int(g["packages_qty"], "goods_items.packages_qty")
            ptype = opt_text(g.get("packages_type"), "goods_items.packages_type")
            if ptype is not None:
                sub(pk, t["TypeCode"]).text = ptype
