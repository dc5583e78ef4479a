"""The canonical single-submission record as XML (``data/schemas/single-submission.xsd``).

Every leaf is one canonical column of :mod:`transforms.model.canonical`; the tables below only pair an element
name with a column name, and the value's format (decimal scale, timestamp, integer…) is read from the
column's declared type. Column names that the model no longer has fail at import; columns the model
gained but this file does not write fail ``tests/writers/test_single.py`` (see :data:`COVERED`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final, NamedTuple

import pyarrow as pa
from lxml import etree

from transforms.filing.writers.base import BaseWriter
from transforms.filing.writers.context import WriterContext
from transforms.filing.writers.values import (
    Builder,
    MappingProblem,
    MissingValueError,
    as_list,
    fmt_bool,
    fmt_date,
    fmt_decimal,
    fmt_int,
    fmt_iso_hk,
    is_missing,
    problem,
    text,
)
from transforms.model.bundle import FilingBundle, Row
from transforms.model.canonical import (
    CONSIGNMENTS,
    EQUIPMENT,
    GOODS_ITEMS,
    MODEL_VERSION,
    PARTIES,
    PARTY_ROLES,
    SEALS,
    SUBMISSIONS,
    TABLES,
    TRAILERS,
    TRANSPORT,
    Table,
)

NAMESPACE: Final = "urn:ssdd:single-submission:1"
_B: Final = Builder(NAMESPACE)

Formatter = Callable[[Any, str], str]


def _formatter(typ: pa.DataType) -> Formatter:
    if isinstance(typ, pa.Decimal128Type):
        scale = typ.scale
        return lambda v, what: fmt_decimal(v, scale, what)
    if pa.types.is_integer(typ):
        return fmt_int
    if pa.types.is_boolean(typ):
        return lambda v, what: fmt_bool(v)
    if pa.types.is_timestamp(typ):
        return fmt_iso_hk
    if pa.types.is_date(typ):
        return fmt_date
    if pa.types.is_string(typ):
        return text
    raise TypeError(f"no XML format for Arrow type {typ}")


class _Field(NamedTuple):
    tag: str          # Clark notation, namespace included
    column: str
    what: str         # table.column, for error messages
    fmt: Formatter
    required: bool


def _fields(table: Table, pairs: Sequence[tuple[str, str]]) -> tuple[_Field, ...]:
    out = []
    for tag, name in pairs:
        col = table.column(name)  # KeyError here = the model renamed a column this file writes
        out.append(_Field(_B.tag(tag), name, f"{table.name}.{name}", _formatter(col.type), col.required))
    return tuple(out)


_SUBMISSION = _fields(SUBMISSIONS, (
    ("SubmissionID", "submission_id"), ("Version", "version"), ("FunctionCode", "function_code"),
    ("Direction", "direction"), ("ModeCode", "mode"), ("ControlPoint", "control_point"),
    ("TripRef", "trip_ref"), ("CarrierCode", "carrier_code"),
    ("ExpectedCrossingDateTime", "expected_crossing_at"), ("CrossingDate", "crossing_date"),
    ("CreatedDateTime", "created_at"), ("ContentHash", "content_hash"),
    ("CnTripBatchNo", "cn_trip_batch_no"), ("CCRN", "ccrn"),
))
_PARTY = _fields(PARTIES, (
    ("Name", "name"), ("NameZH", "name_zh"), ("AddressLines", "address_lines"), ("AddressCity", "address_city"),
    ("AddressPostcode", "address_postcode"), ("AddressCountry", "address_country"), ("HKBRN", "ids_hk_brn"),
    ("CnUSCC", "ids_cn_uscc"), ("CnCustomsCode", "ids_cn_customs_code"), ("ContactName", "contact_name"),
    ("ContactPhone", "contact_phone"), ("ContactEmail", "contact_email"),
))
_TRANSPORT = _fields(TRANSPORT, (
    ("VehicleRegHK", "vehicle_reg_hk"), ("VehicleRegCN", "vehicle_reg_cn"),
    ("VehicleCustomsCode", "vehicle_customs_code"), ("DriverName", "driver_name"),
    ("DriverCnCode", "driver_cn_code"), ("DriverHKIDMasked", "driver_hk_id_masked"),
    ("DriverPhone", "driver_phone"), ("CarrierCode", "carrier_code"), ("CarrierName", "carrier_name"),
    ("CarrierCnCustomsCode", "carrier_cn_customs_code"),
))
_TRAILER = _fields(TRAILERS, (("TrailerID", "trailer_id"), ("TypeCode", "type_code"), ("TareKg", "tare_kg")))
_EQUIPMENT = _fields(EQUIPMENT, (
    ("ContainerNo", "container_no"), ("SizeType", "size_type"), ("FullEmpty", "full_empty"), ("TareKg", "tare_kg"),
))
_SEAL = _fields(SEALS, (("SealID", "seal_id"), ("Issuer", "issuer"), ("SealTypeCode", "seal_type"),
                        ("SealingPartyCode", "sealing_party")))
_CONSIGNMENT = _fields(CONSIGNMENTS, (
    ("Trader", "trader"), ("InvoiceNo", "invoice_no"), ("UCR", "ucr"), ("CCRN", "ccrn"), ("CnBillNo", "cn_bill_no"),
    ("TotalPackagesQty", "total_packages_qty"), ("TotalPackagesType", "total_packages_type"),
    ("TotalPackagesDerived", "total_packages_derived"), ("PackageDescription", "package_description"),
    ("GrossMassKg", "gross_mass_kg"), ("NetMassKg", "net_mass_kg"), ("StatedGrossMassKg", "stated_gross_mass_kg"),
    ("GrossVolumeM3", "gross_volume_m3"), ("InvoiceAmountValue", "invoice_amount_value"),
    ("InvoiceAmountCurrency", "invoice_amount_currency"), ("Incoterm", "incoterm"),
    ("CnTransactionMethod", "cn_transaction_method"), ("FreightPaymentMethod", "freight_payment_method"),
    ("CnTradeMode", "cn_trade_mode"), ("CnLevyNature", "cn_levy_nature"), ("CnProcedureCode", "cn_procedure_code"),
    ("CnOriginDistrict", "cn_origin_district"), ("CountryOfConsignment", "country_of_consignment"),
    ("CountryOfDestination", "country_of_destination"), ("ContractNo", "contract_no"),
    ("TradingCountry", "trading_country"), ("CnForeignPort", "cn_foreign_port"),
    ("MarksAndNumbers", "marks_and_numbers"), ("GoodsPlace", "goods_place"), ("CnEntryType", "cn_entry_type"),
    ("CnDeclTrnRel", "cn_decl_trn_rel"), ("CnDecType", "cn_dec_type"),
    ("FreightAmountValue", "freight_amount_value"), ("FreightAmountCurrency", "freight_amount_currency"),
    ("FreightMark", "freight_mark"), ("InsuranceAmountValue", "insurance_amount_value"),
    ("InsuranceAmountCurrency", "insurance_amount_currency"), ("InsuranceMark", "insurance_mark"),
    ("PlaceOfLoading", "place_of_loading"),
))
# Goods item leaves before and after the DeclarationElements list (XSD order).
_GOODS_HEAD = _fields(GOODS_ITEMS, (
    ("Trader", "trader"), ("InvoiceNo", "invoice_no"), ("SKU", "sku"), ("DescriptionEN", "description_en"),
    ("DescriptionZH", "description_zh"), ("HSCodeHK", "hs_hk"), ("HSCodeCN", "hs_cn"), ("CnCIQCode", "cn_ciq_code"),
))
_GOODS_TAIL = _fields(GOODS_ITEMS, (
    ("Brand", "brand"), ("Model", "model"), ("QuantityValue", "quantity_value"), ("QuantityUnit", "quantity_unit"),
    ("QuantityUnitRaw", "quantity_unit_raw"), ("CnQtyDeclared", "cn_qty_declared"),
    ("CnUnitDeclared", "cn_unit_declared"), ("CnQtyLegal1", "cn_qty_legal_1"), ("CnUnitLegal1", "cn_unit_legal_1"),
    ("CnQtyLegal2", "cn_qty_legal_2"), ("CnUnitLegal2", "cn_unit_legal_2"), ("HKQty", "hk_qty"),
    ("HKUnit", "hk_unit"), ("PackagesQty", "packages_qty"), ("PackagesType", "packages_type"),
    ("GrossMassKg", "gross_mass_kg"), ("NetMassKg", "net_mass_kg"), ("UnitPrice", "unit_price"),
    ("LineAmountValue", "line_amount_value"), ("LineAmountCurrency", "line_amount_currency"),
    ("CountryOfOrigin", "country_of_origin"), ("CnOriginPlace", "cn_origin_place"),
    ("CnDestinationDistrict", "cn_destination_district"),
    ("DangerousGoodsUNNumber", "dangerous_goods_un_number"), ("DangerousGoodsClass", "dangerous_goods_class"),
))

_SOURCE = ("src_file", "src_sheet", "src_row")
_KEYS = ("submission_id", "version")

#: Canonical columns written by this writer, per table (keys and provenance included) — the
#: conformance test compares this with :mod:`transforms.model.canonical`.
COVERED: Final[dict[str, frozenset[str]]] = {
    "submissions": frozenset({f.column for f in _SUBMISSION}
                             | {"source_files", "profile_versions", "reference_versions", *_SOURCE}),
    "parties": frozenset({f.column for f in _PARTY} | {*_KEYS, "consignment_seq", "role", *_SOURCE}),
    "transport": frozenset({f.column for f in _TRANSPORT} | {*_KEYS, "itinerary_countries", *_SOURCE}),
    "trailers": frozenset({f.column for f in _TRAILER} | {*_KEYS, "trailer_seq"}),
    "equipment": frozenset({f.column for f in _EQUIPMENT} | {*_KEYS, "equipment_seq"}),
    "seals": frozenset({f.column for f in _SEAL} | {*_KEYS, "equipment_seq", "seal_seq"}),
    "consignments": frozenset({f.column for f in _CONSIGNMENT}
                              | {*_KEYS, "consignment_seq", "equipment_refs", *_SOURCE}),
    "goods_items": frozenset({f.column for f in (*_GOODS_HEAD, *_GOODS_TAIL)}
                             | {*_KEYS, "consignment_seq", "line_no", "cn_declaration_elements", *_SOURCE}),
}

_ROLE_ORDER: Final = {r: i for i, r in enumerate(PARTY_ROLES)}


def _leaves(parent: etree._Element, row: Row, fields: tuple[_Field, ...]) -> None:
    # the hot loop of this writer: plain SubElement calls, no helper in between
    sub, get = etree.SubElement, row.get
    for tag, column, what, fmt, required in fields:
        v = get(column)
        if type(v) is str:   # most cells: trimmed text, the XML check only for the unprintable
            s = v.strip()
            if s:
                sub(parent, tag).text = s if fmt is text and s.isprintable() else fmt(v, what)
                continue
        elif v is not None and not is_missing(v):
            sub(parent, tag).text = fmt(v, what)
            continue
        if required:
            raise MissingValueError(f"{what} is required in the single-submission record")


def _source(parent: etree._Element, row: Row, table: str) -> None:
    if is_missing(row.get("src_file")):
        return
    attrib = {"file": text(row["src_file"], f"{table}.src_file")}
    if not is_missing(row.get("src_sheet")):
        attrib["sheet"] = text(row["src_sheet"], f"{table}.src_sheet")
    if not is_missing(row.get("src_row")):
        attrib["row"] = fmt_int(row["src_row"], f"{table}.src_row")
    _B.el(parent, "Source", None, attrib)


def _text_list(parent: etree._Element, container: str, item: str, values: Any, what: str,
               keep_blank: bool = False) -> None:
    items = as_list(values)
    if not items:
        return
    box = _B.el(parent, container)
    for v in items:
        if v is None:
            if not keep_blank:
                continue
            v = ""
        _B.el(box, item, text(v, what))


def _split_last(value: Any, sep: str, what: str) -> tuple[str, str]:
    s = text(value, what)
    head, found, tail = s.rpartition(sep)
    if not found or not head or not tail:
        raise ValueError(f"{what}: {s!r} is not of the form 'a{sep}b'")
    return head.strip(), tail.strip()


def _provenance(root: etree._Element, sub: Row) -> None:
    box = _B.el(root, "Provenance")
    for v in as_list(sub.get("source_files")):
        name, sha = _split_last(v, " ", "submissions.source_files")
        _B.el(box, "SourceFile", None, {"name": name, "sha256": sha})
    for v in as_list(sub.get("profile_versions")):
        pid, ver = _split_last(v, "@", "submissions.profile_versions")
        _B.el(box, "Profile", None, {"id": pid, "version": ver})
    for v in as_list(sub.get("reference_versions")):
        name, ver = _split_last(v, "@", "submissions.reference_versions")
        _B.el(box, "ReferenceTable", None, {"name": name, "version": ver})


def _seal(parent: etree._Element, s: Row) -> None:
    e = _B.el(parent, "Seal", None, {"seq": fmt_int(s["seal_seq"], "seals.seal_seq")})
    _leaves(e, s, _SEAL)


def _transport(root: etree._Element, b: FilingBundle) -> None:
    t = b.transport
    box = _B.el(root, "Transport")
    _leaves(box, t, _TRANSPORT)
    _text_list(box, "ItineraryCountries", "Country", t.get("itinerary_countries"), "transport.itinerary_countries")
    _source(box, t, "transport")
    for tr in sorted(b.trailers, key=lambda r: int(r["trailer_seq"])):
        e = _B.el(box, "Trailer", None, {"seq": fmt_int(tr["trailer_seq"], "trailers.trailer_seq")})
        _leaves(e, tr, _TRAILER)
    seals = sorted(b.seals, key=lambda r: (int(r["equipment_seq"]), int(r["seal_seq"])))
    for eq in sorted(b.equipment, key=lambda r: int(r["equipment_seq"])):
        seq = int(eq["equipment_seq"])
        e = _B.el(box, "Equipment", None, {"seq": fmt_int(seq, "equipment.equipment_seq")})
        _leaves(e, eq, _EQUIPMENT)
        for s in seals:
            if int(s["equipment_seq"]) == seq:
                _seal(e, s)
    for s in seals:
        if int(s["equipment_seq"]) == 0:
            _seal(box, s)


def _goods_item(parent: etree._Element, g: Row) -> None:
    e = _B.el(parent, "GoodsItem", None, {"lineNo": fmt_int(g["line_no"], "goods_items.line_no")})
    _leaves(e, g, _GOODS_HEAD)
    _text_list(e, "DeclarationElements", "Element", g.get("cn_declaration_elements"),
               "goods_items.cn_declaration_elements", keep_blank=True)
    _leaves(e, g, _GOODS_TAIL)
    _source(e, g, "goods_items")


class SingleWriter(BaseWriter):
    """The canonical record: everything we know about the trip, in international codes."""

    id = "single"
    folder = "single"
    schema = "single-submission.xsd"

    def preflight(self, bundle: FilingBundle, ctx: WriterContext) -> list[MappingProblem]:
        """International codes only, so nothing to map; a required canonical value that is missing
        (the checks should have quarantined it) holds the trip instead of failing the run."""
        rows: list[tuple[Row, tuple[_Field, ...]]] = [
            (bundle.submission, _SUBMISSION), (bundle.transport, _TRANSPORT),
            *((p, _PARTY) for p in bundle.parties), *((c, _CONSIGNMENT) for c in bundle.consignments),
            *((g, _GOODS_HEAD + _GOODS_TAIL) for g in bundle.goods_items),
            *((t, _TRAILER) for t in bundle.trailers), *((e, _EQUIPMENT) for e in bundle.equipment),
            *((s, _SEAL) for s in bundle.seals),
        ]
        out: list[MappingProblem] = []
        for row, fields in rows:
            for f in fields:
                if f.required and is_missing(row.get(f.column)):
                    table, column = f.what.split(".", 1)
                    label = TABLES[table].column(column).label_zh or column
                    seq, line = row.get("consignment_seq"), row.get("line_no")
                    where = "" if seq is None else (f" (consignment {seq})" if line is None
                                                    else f" (consignment {seq}, line {line})")
                    out.append(problem(
                        "single", column, None, None,
                        f"{f.what} is missing{where}; the single-submission record needs it, so the trip is held "
                        "until it is supplied.",
                        f"缺少{label}（{f.what}）；该车次暂缓申报，待补充后处理。",
                        consignment_seq=None if seq is None else int(seq),
                        line_no=None if line is None else int(line)))
        return out

    def render_tree(self, bundle: FilingBundle, ctx: WriterContext) -> etree._Element:
        root = _B.root("SingleSubmission")
        root.set("modelVersion", MODEL_VERSION)
        sub = _B.el(root, "Submission")
        _leaves(sub, bundle.submission, _SUBMISSION)
        _source(sub, bundle.submission, "submissions")
        _provenance(root, bundle.submission)

        parties = _B.el(root, "Parties")
        for p in sorted(bundle.parties, key=lambda r: (int(r["consignment_seq"]), _ROLE_ORDER.get(r["role"], 99))):
            e = _B.el(parties, "Party", None, {
                "role": text(p["role"], "parties.role"),
                "consignmentSeq": fmt_int(p["consignment_seq"], "parties.consignment_seq"),
            })
            _leaves(e, p, _PARTY)
            _source(e, p, "parties")

        _transport(root, bundle)

        goods: dict[int, list[Row]] = {}
        for g in bundle.goods_items:
            goods.setdefault(int(g["consignment_seq"]), []).append(g)
        for c in sorted(bundle.consignments, key=lambda r: int(r["consignment_seq"])):
            seq = int(c["consignment_seq"])
            e = _B.el(root, "Consignment", None, {"seq": str(seq)})
            _leaves(e, c, _CONSIGNMENT)
            _text_list(e, "EquipmentRefs", "ContainerNo", c.get("equipment_refs"), "consignments.equipment_refs")
            _source(e, c, "consignments")
            for g in sorted(goods.get(seq, ()), key=lambda r: int(r["line_no"])):
                _goods_item(e, g)
        return root
