"""The road manifest: ``Manifest`` MT2401 (预配舱单, goods leaving the Mainland, HK_IMPORT) or MT1401
(原始舱单, goods entering it, HK_EXPORT), as declaration (FunctionCode 9), change (5, with a CC001
change reason) or deletion (3, the cancellation), exactly as the official schemas define them
(``data/schemas/cn-manifest/``, structure.md §6–§8).

One file per trip, in the message's own namespace, named as the channel names files
(:func:`transforms.filing.writers.cn_road.file_name`). Every element is one the variant's schema has, in its
sequence order; every mandatory one is filled from the record or the trip is held (preflight). What
the manifest does not carry (addresses, seals, HS codes, prices) stays in the single submission.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from lxml import etree

from transforms.filing.writers.cn_road import builder, codes, file_name, head, message_id, schema_file, send_time
from transforms.filing.writers.cn_trip import LastBuild, Problems, Trip, Where, manifest_type, party_name, resolve
from transforms.filing.writers.context import WriterContext
from transforms.filing.writers.values import (
    MONEY_SCALE,
    Builder,
    MappingError,
    MappingProblem,
    as_list,
    fmt_decimal,
    fmt_int,
    is_missing,
    opt_text,
    text,
    to_decimal,
)
from transforms.model.bundle import FilingBundle, Row

_KG: Final = {"unitCode": "KGM"}
#: Clearance modes that need the cross-border transit place (TransitDeparture / TransitDestination,
#: F 0036 / F 0039); the record carries no transit customs district, so such trips are held.
_TRANSIT_MODES: Final = frozenset({"RD09", "RD16"})
_MASS_INT_DIGITS: Final = 8    # Declaration.GoodsMeasureGrossMassMeasureType: 11 digits, 3 decimals


def preflight(bundle: FilingBundle, ctx: WriterContext) -> list[MappingProblem]:
    """Why the trip's road manifest cannot be written (empty when it can)."""
    return _LAST(bundle, ctx, keep=True)[1]


def documents(bundle: FilingBundle, ctx: WriterContext) -> list[tuple[str, etree._Element]]:
    """The trip's road manifest as (channel file name, tree); raises :class:`MappingError` when the
    preflight reports problems. The caller validates each tree (:func:`cn_road.validate_message`)."""
    docs, problems = _LAST(bundle, ctx, keep=False)
    if problems:
        raise MappingError(problems)
    return docs


def _build(bundle: FilingBundle, ctx: WriterContext) -> tuple[list[tuple[str, etree._Element]], list[MappingProblem]]:
    direction = text(bundle.submission["direction"], "submissions.direction")
    pr = Problems("road manifest", "舱单", schema_file("MT2401", "9"))
    trip = resolve(bundle, ctx, pr)
    mt = "MT2401" if direction == "HK_IMPORT" else "MT1401"
    b = builder(mt)
    root = b.root("Manifest")
    t = send_time(ctx.as_of, ctx.message_seq)
    if trip is not None:
        head(root, mt, trip.manifest_function, message_id(mt, trip.submission_id, trip.version,
                                                           trip.manifest_function), trip.sender_id, t)
        _declaration(b, root, trip, bundle, pr)
    if pr.items or trip is None:
        return [], pr.items
    assert manifest_type(trip) == mt
    return [(file_name(mt, trip.sender_id, t, trip.manifest_function), root)], []


def _declaration(b: Builder, root: etree._Element, trip: Trip, bundle: FilingBundle, pr: Problems) -> None:
    el = b.el
    fc, mt = trip.manifest_function, manifest_type(trip)
    d = el(root, "Declaration")
    el(d, "DeclarationOfficeID", trip.office)
    el(d, "ID", trip.batch_no)
    el(el(d, "BorderTransportMeans"), "TypeCode", trip.mode)
    carrier = opt_text(bundle.transport.get("carrier_cn_customs_code"), "transport.carrier_cn_customs_code")
    if fc == "9" and pr.check(carrier, "Declaration.CarrierIdentificationIDType", "carrier_cn_customs_code",
                              "The carrier's Mainland customs code (承运人代码)", "承运人代码", required=False):
        el(el(d, "Carrier"), "ID", str(carrier))
    bills: set[str] = set()
    for c in sorted(bundle.consignments, key=lambda r: int(r["consignment_seq"])):
        _consignment(b, d, trip, bundle, c, bills, pr)
    when = trip.crossing
    if fc == "9":
        # LoadingDateTime: the planned loading time (F 0003); the record's best planned time is the
        # expected crossing. LoadingLocation/ID (MT2401) and UnloadingLocation/ID (MT1401): the customs
        # district of the crossing, as in the official samples (5345) and a real MT1401 (5354).
        loading = el(d, "LoadingLocation")
        if mt == "MT2401":
            el(loading, "ID", trip.office)
        el(loading, "LoadingDateTime", f"{when:%Y%m%d%H%M%S}")
    el(el(d, "RepresentativePerson"), "Name", trip.transmitter)
    if mt == "MT1401" and fc in ("9", "5"):
        unloading = el(d, "UnloadingLocation")
        el(unloading, "ArrivalDateTime", f"{when:%Y%m%d}")
        if fc == "9":
            el(unloading, "ID", trip.office)


def _consignment(b: Builder, d: etree._Element, trip: Trip, bundle: FilingBundle, c: Row, bills: set[str],
                 pr: Problems) -> None:
    el, fc = b.el, trip.manifest_function
    seq = int(c["consignment_seq"])
    where = Where(seq)
    e = el(d, "Consignment")
    if fc != "3":
        _goods_totals(b, e, trip, bundle, c, pr)
    if fc == "9":
        _procedure(b, e, c, where, pr)
    doc = el(e, "TransportContractDocument")
    bill = opt_text(c.get("cn_bill_no"), "consignments.cn_bill_no") or text(c["invoice_no"], "consignments.invoice_no")
    if pr.check(bill, "Declaration.TransportContractDocumentIdentificationIDType", "cn_bill_no",
                "The waybill number (提（运）单号, from cn_bill_no or the invoice number)", "提（运）单号", where):
        if bill in bills:
            pr.bad("cn_bill_no", bill, "The waybill number (提（运）单号)", "提（运）单号",
                   ("appears on two consignments of the trip", "在同一车次中重复"), where)
        bills.add(bill)
    el(doc, "ID", bill)
    if trip.change_reason is not None:
        el(el(doc, "Amendment"), "ChangeReasonCode", trip.change_reason)
    if fc == "9":
        for container in _containers(bundle, c):
            if pr.check(container, "Declaration.TransportEquipmentIdentificationIDType", "container_no",
                        "The container number (集装箱（器）编号)", "集装箱（器）编号", where):
                el(el(e, "TransportEquipment"), "ID", container)


def _goods_totals(b: Builder, e: etree._Element, trip: Trip, bundle: FilingBundle, c: Row, pr: Problems) -> None:
    """The consignment's totals, parties and goods items, in the schema's order up to Freight."""
    el = b.el
    seq = int(c["consignment_seq"])
    where = Where(seq)
    volume = c.get("gross_volume_m3")
    if not is_missing(volume):
        m3 = to_decimal(volume, 0, "consignments.gross_volume_m3")   # F 0012: whole cubic metres, rounded
        if m3 > 0:
            el(e, "GrossVolumeMeasure", f"{m3:f}", {"unitCode": "MTQ"})
    pkg_type = _package_type(text(c["total_packages_type"], "consignments.total_packages_type"), where, pr)
    el(e, "TotalPackageQuantity", fmt_int(c["total_packages_qty"], "consignments.total_packages_qty"),
       {"unitCode": pkg_type})
    currency = text(c["invoice_amount_currency"], "consignments.invoice_amount_currency")
    if currency not in codes("CN025"):
        pr.bad("invoice_amount_currency", currency, "Invoice currency (币制, CN025)", "币制",
               ("is not in the code list", "不在代码表中"), where)
    el(e, "ValueAmount", fmt_decimal(c["invoice_amount_value"], MONEY_SCALE, "consignments.invoice_amount_value"),
       {"currencyID": currency})
    if manifest_type(trip) == "MT1401":
        _itinerary(b, e, bundle, pr)
    _party(b, e, "Consignee", bundle.parties_of(seq, "CONSIGNEE"), where, pr)
    lines = sorted(bundle.items_of(seq), key=lambda r: int(r["line_no"]))
    if not lines:
        pr.missing("goods_items", "At least one goods line", "商品项", where)
    for g in lines:
        _item(b, e, g, c, len(lines) == 1, pr)
    _party(b, e, "Consignor", bundle.parties_of(seq, "CONSIGNOR"), where, pr)
    pay = pr.check(opt_text(c.get("freight_payment_method"), "consignments.freight_payment_method"),
                   "Declaration.FreightPaymentMethodCodeType", "freight_payment_method",
                   "The freight payment method (运费支付方法代码, CN004)", "运费支付方法代码", where)
    el(el(e, "Freight"), "PaymentMethodCode", pay or "")
    gross = _mass(c.get("gross_mass_kg"), "gross_mass_kg", "The consignment's gross mass (货物毛重)", where, pr)
    el(el(el(e, "GovernmentAgencyGoodsItem"), "GoodsMeasure"), "GrossMassMeasure", gross or "", _KG)


def _procedure(b: Builder, e: etree._Element, c: Row, where: Where, pr: Problems) -> None:
    """GovernmentProcedure/CurrentCode (CC007): in the declaration only (prohibited in a change)."""
    code = pr.check(opt_text(c.get("cn_procedure_code"), "consignments.cn_procedure_code"),
                    "Declaration.GovernmentProcedureCurrentCodeType", "cn_procedure_code",
                    "The customs clearance mode (海关货物通关代码, CC007)", "海关货物通关代码", where)
    if code in _TRANSIT_MODES:
        pr.bad("cn_procedure_code", code, "The customs clearance mode (海关货物通关代码)", "海关货物通关代码",
               ("needs the customs district of the cross-border transit, which the record does not carry",
                "需要跨境启运地/指运地海关关区，记录中没有"), where)
    b.el(b.el(e, "GovernmentProcedure"), "CurrentCode", code or "")


def _package_type(code: str, where: Where, pr: Problems) -> str:
    if code not in codes("CN005"):
        pr.bad("total_packages_type", code, "Package type (包装种类, CN005 = UN/ECE Rec 21)", "包装种类",
               ("is not in the code list", "不在代码表中"), where)
    return code


def _mass(value: object, field: str, what_en: str, where: Where, pr: Problems) -> str | None:
    """A mass in kg as the manifest writes it: at most 8 whole digits and 3 decimals, no trailing zeros."""
    if is_missing(value):
        pr.missing(field, what_en, "货物毛重", where)
        return None
    kg = to_decimal(value, 3, field)
    if kg.adjusted() >= _MASS_INT_DIGITS:
        pr.bad(field, f"{kg:f}", what_en, "货物毛重", ("has more than 8 whole digits", "整数位超过 8 位"), where)
        return None
    kg = kg.quantize(Decimal(1), rounding=ROUND_HALF_UP) if kg == kg.to_integral_value() else kg.normalize()
    return f"{kg:f}"


def _party(b: Builder, parent: etree._Element, tag: str, p: Row | None, where: Where, pr: Problems) -> None:
    el = b.el
    zh = {"Consignee": "收货人", "Consignor": "发货人"}[tag]
    e = el(parent, tag)
    if p is None:
        pr.missing(f"parties.{tag.lower()}", f"The {tag.lower()} ({zh})", zh, where)
        return
    ident = next((v for v in (opt_text(p.get(k), f"parties.{k}") for k in ("ids_cn_uscc", "ids_cn_customs_code",
                                                                               "ids_hk_brn")) if v), None)
    ident = pr.check(ident, f"Declaration.{tag}IdentificationIDType", f"parties.{tag.lower()}",
                     f"The {tag.lower()} code ({zh}代码)", f"{zh}代码", where, required=False)
    b.opt(e, "ID", ident)
    name = pr.check(party_name(p), f"Declaration.{tag}NameTextType", f"parties.{tag.lower()}",
                    f"The {tag.lower()} name ({zh}名称)", f"{zh}名称", where)
    el(e, "Name", name or "")
    for col, kind in (("contact_phone", "TE"), ("contact_email", "EM")):
        number = pr.check(opt_text(p.get(col), f"parties.{col}"), "Declaration.CommunicationIdentificationIDType",
                          col, f"The {tag.lower()}'s {col[8:]} (通讯号码)", "通讯号码", where, required=False)
        if number is not None:
            com = el(e, "Communication")
            el(com, "ID", number)
            el(com, "TypeID", kind)


def _item(b: Builder, parent: etree._Element, g: Row, c: Row, only_line: bool, pr: Problems) -> None:
    """One ConsignmentItem. A line without its own gross mass or packages takes the consignment's
    totals only when it is the consignment's single line (then they are the same goods); otherwise
    the trip is held rather than apportioned. A line with a package count but no type takes the
    consignment's one package type."""
    el, opt = b.el, b.opt
    line = int(g["line_no"])
    where = Where(int(c["consignment_seq"]), line)
    e = el(parent, "ConsignmentItem")
    el(e, "SequenceNumeric", fmt_int(line, "goods_items.line_no"))
    com = el(e, "Commodity")
    zh = opt_text(g.get("description_zh"), "goods_items.description_zh")
    en = opt_text(g.get("description_en"), "goods_items.description_en")
    cargo = pr.check(zh or en, "Declaration.CommodityCargoDescriptionTextType", "description_zh",
                     "The goods description (商品项简要描述)", "商品项简要描述", where)
    el(com, "CargoDescription", cargo or "")
    if zh and en:
        opt(com, "Description", pr.check(en, "Declaration.CommodityDescriptionTextType", "description_en",
                                         "The English goods description (商品项描述补充信息)", "商品项描述补充信息",
                                         where, required=False))
    un = pr.check(opt_text(g.get("dangerous_goods_un_number"), "goods_items.dangerous_goods_un_number"),
                  "Declaration.ClassificationIdentificationIDType", "dangerous_goods_un_number",
                  "The UN dangerous-goods number (危险品编号)", "危险品编号", where, required=False)
    if un is not None:
        el(el(com, "Classification"), "ID", un)
    gross = g.get("gross_mass_kg")
    if is_missing(gross) and only_line:
        gross = c.get("gross_mass_kg")
    mass = _mass(gross, "gross_mass_kg", "The line's gross mass (货物毛重)", where, pr)
    el(el(e, "GoodsMeasure"), "GrossMassMeasure", mass or "", _KG)
    qty, kind = g.get("packages_qty"), opt_text(g.get("packages_type"), "goods_items.packages_type")
    if (is_missing(qty) or kind is None) and only_line:
        qty, kind = c.get("total_packages_qty"), text(c["total_packages_type"], "consignments.total_packages_type")
    elif kind is None and not is_missing(qty):
        # the consignment states one package type for all its packages (its lines agree on it, or the
        # trader's default said so with warning A05W): a line's packages are of that type too
        kind = opt_text(c.get("total_packages_type"), "consignments.total_packages_type")
    if is_missing(qty) or kind is None:
        pr.missing("packages_qty", "The line's number and type of packages (商品项件数)", "商品项件数", where)
        return
    el(el(e, "Packaging"), "QuantityQuantity", fmt_int(qty, "goods_items.packages_qty"),
       {"unitCode": _package_type(kind, where, pr)})


def _itinerary(b: Builder, e: etree._Element, bundle: FilingBundle, pr: Problems) -> None:
    """MT1401 only: the countries the goods pass through (F 0004), when the trip plan names them."""
    countries = [str(x) for x in as_list(bundle.transport.get("itinerary_countries")) if not is_missing(x)]
    if not countries:
        return
    routing = b.el(b.el(e, "BorderTransportMeans"), "Itinerary")
    for code in countries[:99]:
        if code not in codes("CN001"):
            pr.bad("itinerary_countries", code, "Routing country (途经国家代码, CN001)", "途经国家代码",
                   ("is not in the code list", "不在代码表中"))
        b.el(routing, "RoutingCountryCode", code)


def _containers(bundle: FilingBundle, c: Row) -> list[str]:
    """Containers of a consignment: those in its equipment_refs, else every container on the truck."""
    refs = {str(r) for r in as_list(c.get("equipment_refs")) if r}
    return [text(eq["container_no"], "equipment.container_no")
            for eq in sorted(bundle.equipment, key=lambda r: int(r["equipment_seq"]))
            if not refs or eq["container_no"] in refs]


_LAST: Final = LastBuild(_build)
