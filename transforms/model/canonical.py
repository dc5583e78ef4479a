"""The canonical single-submission model: the one place that declares every canonical column.

Field names follow ssdd-domain.md §6.2, nested objects flattened with ``_``
(``quantity_value``, ``invoice_amount_currency``…). Repeating groups are child tables keyed by
their parent's id. Mapping, checks, writers, Parquet and error reports all read this module;
nothing else declares a canonical column.

Inside the pipeline, frames are plain pandas (strings as ``object``/``string``, decimals as
``float64`` rounded to the declared scale) because vectorised checks are fastest there;
:func:`transforms.model.arrow.to_arrow` casts a frame to the declared Arrow schema at the edges
(Parquet, tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import pandas as pd
import pyarrow as pa

MODEL_VERSION: Final = "1.0.0"

UTC_TS = pa.timestamp("us", tz="UTC")
MASS = pa.decimal128(14, 3)
QTY = pa.decimal128(18, 5)
MONEY = pa.decimal128(18, 2)
TEXT = pa.string()
INT = pa.int32()
TEXT_LIST = pa.list_(pa.string())


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    meaning: str
    required: bool = False
    #: Chinese label used in trader-facing reports.
    label_zh: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]
    meaning: str
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def schema(self) -> pa.Schema:
        return pa.schema(
            [pa.field(c.name, c.type, nullable=not c.required) for c in self.columns],
            metadata={b"ssdd_model_version": MODEL_VERSION.encode(), b"ssdd_table": self.name.encode()},
        )


def _c(name: str, typ: pa.DataType, meaning: str, required: bool = False, zh: str = "") -> Column:
    return Column(name, typ, meaning, required, zh)


# Every submission-derived row carries the key of the filing it belongs to.
_SUB_KEY = (
    _c("submission_id", TEXT, "UUIDv5 of (carrier, trip_ref, direction)", True),
    _c("version", INT, "filing version; 1 for the original, +1 per amendment", True),
)

# Where a goods line came from: file (relative to the inbox), sheet, 1-based row.
_PROVENANCE = (
    _c("src_file", TEXT, "source file, relative to the inbox"),
    _c("src_sheet", TEXT, "source sheet (empty for CSV)"),
    _c("src_row", INT, "1-based row number in the source sheet"),
)

SUBMISSIONS = Table(
    "submissions",
    ("submission_id", "version"),
    "One per truck trip through one control point in one direction.",
    (
        *_SUB_KEY,
        _c("function_code", TEXT, "9 original, 5 replace (amendment), 1 cancel (EDIFACT 1225)", True),
        _c("direction", TEXT, "HK_IMPORT (Mainland→HK) or HK_EXPORT (HK→Mainland)", True, "方向"),
        _c("mode", TEXT, "UN/ECE Rec 19 transport mode; 3 = road", True),
        _c("control_point", TEXT, "ImmD control point code (LMC MKT STK SBC HYW HZM)", True, "管制站"),
        _c("trip_ref", TEXT, "carrier's trip reference", True, "车次编号"),
        _c("carrier_code", TEXT, "carrier code from the trip plan", True),
        _c("expected_crossing_at", UTC_TS, "expected crossing, stored UTC", True, "预计过境时间"),
        _c("crossing_date", pa.date32(), "expected crossing date in Hong Kong local time", True),
        _c("created_at", UTC_TS, "the run's as-of time", True),
        _c("content_hash", TEXT, "sha256 over business content only", True),
        _c("cn_trip_batch_no", TEXT, "货物运输批次号 (Mainland conveyance batch number)"),
        _c("ccrn", TEXT, "ROCARS Customs Cargo Reference Number, from responses"),
        _c("source_files", TEXT_LIST, "source files as 'path sha256'"),
        _c("profile_versions", TEXT_LIST, "profile ids and versions used, 'id@version'"),
        _c("reference_versions", TEXT_LIST, "reference tables and versions used, 'table@valid_from'"),
        *_PROVENANCE,
    ),
)

#: OWNER is the Mainland 生产销售单位 (goods leaving the Mainland) / 消费使用单位 (goods entering);
#: DECLARANT_CN the 申报单位; EXPORTER / IMPORTER the domestic trade party (经营单位 / 境内收发货人).
PARTY_ROLES: Final = (
    "CONSIGNOR", "CONSIGNEE", "CARRIER", "DECLARANT_HK", "DECLARANT_CN", "NOTIFY", "IMPORTER",
    "EXPORTER", "FILER", "OWNER",
)

PARTIES = Table(
    "parties",
    ("submission_id", "version", "consignment_seq", "role"),
    "Consignor, consignee, carrier, declarants; consignment_seq 0 for submission-level parties.",
    (
        *_SUB_KEY,
        _c("consignment_seq", INT, "consignment within the submission; 0 = submission level", True),
        _c("role", TEXT, "WCO DM party role: " + ", ".join(PARTY_ROLES), True),
        _c("name", TEXT, "name (English or as registered)", False, "名称"),
        _c("name_zh", TEXT, "Chinese name", False, "中文名称"),
        _c("address_lines", TEXT, "street address", False, "地址"),
        _c("address_city", TEXT, "city"),
        _c("address_postcode", TEXT, "postcode"),
        _c("address_country", TEXT, "ISO 3166-1 alpha-2", False, "国家"),
        _c("ids_hk_brn", TEXT, "HK Business Registration No.", False, "商业登记号码"),
        _c("ids_cn_uscc", TEXT, "统一社会信用代码 (18 chars)", False, "统一社会信用代码"),
        _c("ids_cn_customs_code", TEXT, "海关编码 (10 chars)", False, "海关编码"),
        _c("contact_name", TEXT, "contact person"),
        _c("contact_phone", TEXT, "phone"),
        _c("contact_email", TEXT, "e-mail"),
        *_PROVENANCE,
    ),
)

CONSIGNMENTS = Table(
    "consignments",
    ("submission_id", "version", "consignment_seq"),
    "One per invoice (bill) on the truck.",
    (
        *_SUB_KEY,
        _c("consignment_seq", INT, "1..n within the submission", True),
        _c("trader", TEXT, "trader folder id", True),
        _c("invoice_no", TEXT, "trader's document number", True, "发票号"),
        _c("ucr", TEXT, "trader-assigned UCR, an..35 (WCO 016)"),
        _c("ccrn", TEXT, "ROCARS CCRN, filled from responses"),
        _c("cn_bill_no", TEXT, "提运单号"),
        _c("total_packages_qty", INT, "outermost packages (ROCARS item a)", True, "件数"),
        _c("total_packages_type", TEXT, "UN/ECE Rec 21 package type (ROCARS item b)", True, "包装种类"),
        _c("total_packages_derived", pa.bool_(), "true when summed from lines, not stated"),
        _c("package_description", TEXT, "package wording (ROCARS item b)", True),
        _c("gross_mass_kg", MASS, "gross mass, kg", True, "毛重"),
        _c("net_mass_kg", MASS, "net mass, kg", False, "净重"),
        _c("stated_gross_mass_kg", MASS, "independent total (totals row / trip plan) for the line-sum check"),
        _c("gross_volume_m3", MASS, "gross volume, m3"),
        _c("invoice_amount_value", MONEY, "invoice amount", True, "总价"),
        _c("invoice_amount_currency", TEXT, "ISO 4217", True, "币制"),
        _c("incoterm", TEXT, "ICC Incoterms 2020"),
        _c("cn_transaction_method", TEXT, "成交方式 (1 CIF, 3 FOB, 7 EXW)", False, "成交方式"),
        _c("freight_payment_method", TEXT, "China manifest CN004"),
        _c("cn_trade_mode", TEXT, "监管方式, e.g. 0110", False, "监管方式"),
        _c("cn_levy_nature", TEXT, "征免性质, e.g. 101", False, "征免性质"),
        _c("cn_procedure_code", TEXT, "CC007 procedure, e.g. RD01"),
        _c("cn_origin_district", TEXT, "境内货源地/目的地 (5 digits)", False, "境内货源地"),
        _c("country_of_consignment", TEXT, "ISO alpha-2", False, "启运国"),
        _c("country_of_destination", TEXT, "ISO alpha-2", False, "运抵国"),
        _c("contract_no", TEXT, "合同协议号 (DecHead ContrNo)", False, "合同协议号"),
        _c("trading_country", TEXT, "贸易国, ISO alpha-2 (DecHead TradeCountry/TradeAreaCode via the crosswalk)",
           False, "贸易国"),
        _c("cn_foreign_port", TEXT,
           "指运港 leaving the Mainland / 启运港 entering: official port code, e.g. HKG000", False, "指运港/启运港"),
        _c("marks_and_numbers", TEXT, "标记唛码 (MarkNo); N/M when the trader says there are none", False, "标记唛码"),
        _c("goods_place", TEXT, "货物存放地点 (GoodsPlace)", False, "货物存放地点"),
        _c("cn_entry_type", TEXT, "报关单类型 (EntryType code, trader setting)", False, "报关单类型"),
        _c("cn_decl_trn_rel", TEXT, "DeclTrnRel: 0 ordinary declaration, 1 transit-in-advance", False,
           "报关/转关关系标志"),
        _c("cn_dec_type", TEXT, "单据类型 (DecHead Type code)", False, "单据类型"),
        _c("freight_amount_value", MONEY, "运费 rate, per-unit amount or total (FeeRate)", False, "运费"),
        _c("freight_amount_currency", TEXT, "运费币制, ISO 4217 (FeeCurr)", False, "运费币制"),
        _c("freight_mark", TEXT, "运费标记 (FeeMark): 1 rate, 2 per unit, 3 total", False, "运费标记"),
        _c("insurance_amount_value", MONEY, "保费 rate or total (InsurRate)", False, "保费"),
        _c("insurance_amount_currency", TEXT, "保费币制, ISO 4217 (InsurCurr)", False, "保费币制"),
        _c("insurance_mark", TEXT, "保费标记 (InsurMark): 1 rate, 3 total", False, "保费标记"),
        _c("place_of_loading", TEXT, "place of loading for the Hong Kong filing, UN/LOCODE where known", False,
           "装货地点"),
        _c("equipment_refs", TEXT_LIST, "container numbers on this consignment"),
        *_PROVENANCE,
    ),
)

GOODS_ITEMS = Table(
    "goods_items",
    ("submission_id", "version", "consignment_seq", "line_no"),
    "One per commercial line (报关单 GNo / manifest SequenceNumeric).",
    (
        *_SUB_KEY,
        _c("consignment_seq", INT, "consignment within the submission", True),
        _c("line_no", INT, "1..999 within the consignment", True),
        _c("trader", TEXT, "trader folder id", True),
        _c("invoice_no", TEXT, "trader's document number", True, "发票号"),
        _c("sku", TEXT, "trader's item code", False, "物料编码"),
        _c("description_en", TEXT, "goods description, English (ROCARS item c)", False, "英文品名"),
        _c("description_zh", TEXT, "goods description, Chinese (报关单 GName)", False, "中文品名"),
        _c("hs_hk", TEXT, "HKHS 8 digits", False, "香港商品编号"),
        _c("hs_cn", TEXT, "China 商品编号 10 digits", False, "商品编码"),
        _c("cn_ciq_code", TEXT, "检验检疫编码 (CiqCode), 3 digits", False, "检验检疫编码"),
        _c("cn_declaration_elements", TEXT_LIST,
           "申报要素: [品牌类型 code 0-4, 出口享惠情况 code 0-3, element values in tariff order without 品名]",
           False, "申报要素"),
        _c("brand", TEXT, "brand", False, "品牌"),
        _c("model", TEXT, "model / specification", False, "规格型号"),
        _c("quantity_value", QTY, "commercial quantity", True, "数量"),
        _c("quantity_unit", TEXT, "UN/ECE Rec 20 unit", True, "单位"),
        _c("quantity_unit_raw", TEXT, "unit as written by the trader"),
        _c("cn_qty_declared", QTY, "GQty"),
        _c("cn_unit_declared", TEXT, "GUnit, China 3-digit unit"),
        _c("cn_qty_legal_1", QTY, "FirstQty"),
        _c("cn_unit_legal_1", TEXT, "FirstUnit (法定第一单位)", False, "法定第一单位"),
        _c("cn_qty_legal_2", QTY, "SecondQty"),
        _c("cn_unit_legal_2", TEXT, "SecondUnit (法定第二单位)", False, "法定第二单位"),
        _c("hk_qty", QTY, "HK TDEC quantity"),
        _c("hk_unit", TEXT, "HK TDEC unit (C&SD code; not public)"),
        _c("packages_qty", INT, "packages on this line", False, "件数"),
        _c("packages_type", TEXT, "UN/ECE Rec 21", False, "包装种类"),
        _c("gross_mass_kg", MASS, "gross mass, kg", False, "毛重"),
        _c("net_mass_kg", MASS, "net mass, kg", False, "净重"),
        _c("unit_price", QTY, "unit price", False, "单价"),
        _c("line_amount_value", MONEY, "line amount", True, "总价"),
        _c("line_amount_currency", TEXT, "ISO 4217", True, "币制"),
        _c("country_of_origin", TEXT, "ISO alpha-2", True, "原产国"),
        _c("cn_origin_place", TEXT, "OrigPlaceCode"),
        _c("cn_destination_district", TEXT, "DistrictCode"),
        _c("dangerous_goods_un_number", TEXT, "UN number"),
        _c("dangerous_goods_class", TEXT, "dangerous goods class"),
        *_PROVENANCE,
    ),
)

TRANSPORT = Table(
    "transport",
    ("submission_id", "version"),
    "The conveyance for the trip: vehicle, driver, carrier.",
    (
        *_SUB_KEY,
        _c("vehicle_reg_hk", TEXT, "HK vehicle registration (ROCARS VRN)", True, "香港车牌"),
        _c("vehicle_reg_cn", TEXT, "Guangdong plate, e.g. 粤Z·A123港", False, "内地车牌"),
        _c("vehicle_customs_code", TEXT, "车辆海关编码", False, "车辆海关编码"),
        _c("driver_name", TEXT, "driver name (personal data: hashed in analytics)", False, "司机"),
        _c("driver_cn_code", TEXT, "司机海关编号 (personal data: hashed in analytics)", False, "司机海关编号"),
        _c("driver_hk_id_masked", TEXT, "masked HKID (personal data: hashed in analytics)"),
        _c("driver_phone", TEXT, "driver phone (personal data: hashed in analytics)"),
        _c("carrier_code", TEXT, "carrier code", True),
        _c("carrier_name", TEXT, "carrier name"),
        _c("carrier_cn_customs_code", TEXT, "carrier's Mainland customs code"),
        _c("itinerary_countries", TEXT_LIST, "routing countries, ISO alpha-2"),
        *_PROVENANCE,
    ),
)

TRAILERS = Table(
    "trailers",
    ("submission_id", "version", "trailer_seq"),
    "Trailers (托架/拖挂车) of the conveyance.",
    (
        *_SUB_KEY,
        _c("trailer_seq", INT, "1..n", True),
        _c("trailer_id", TEXT, "trailer number", True, "拖架号"),
        _c("type_code", TEXT, "trailer type, CC019 (01-04: one to four or more axles)", False, "拖挂车类型"),
        _c("tare_kg", MASS, "tare, kg", False, "拖挂车自重"),
    ),
)

EQUIPMENT = Table(
    "equipment",
    ("submission_id", "version", "equipment_seq"),
    "Containers on the conveyance (ISO 6346).",
    (
        *_SUB_KEY,
        _c("equipment_seq", INT, "1..n", True),
        _c("container_no", TEXT, "ISO 6346 container number", True, "货柜号码"),
        _c("size_type", TEXT, "ISO 6346 size-type, e.g. 22G1", False, "集装箱尺寸和类型"),
        _c("full_empty", TEXT, "full/empty indicator"),
        _c("tare_kg", MASS, "tare, kg", False, "集装箱自重"),
    ),
)

SEALS = Table(
    "seals",
    ("submission_id", "version", "equipment_seq", "seal_seq"),
    "Seals on a container (equipment_seq) or on the truck (equipment_seq 0).",
    (
        *_SUB_KEY,
        _c("equipment_seq", INT, "container the seal is on; 0 for the truck", True),
        _c("seal_seq", INT, "1..n", True),
        _c("seal_id", TEXT, "seal number as the trip plan gives it, or the channel form M/123456@CA", True,
           "封条号码"),
        _c("issuer", TEXT, "who affixed the seal"),
        _c("seal_type", TEXT, "封志类型: M mechanical, E electronic", False, "封志类型"),
        _c("sealing_party", TEXT, "施加封志人类型, CN017 (CA carrier, CU customs, SH shipper…)", False, "施封人"),
    ),
)

EVENTS = Table(
    "events",
    ("event_id",),
    "Customs responses and filing lifecycle events (clearance-time analytics).",
    (
        _c("event_id", TEXT, "sha256 of the response row (deduplicates repeated events)", True),
        _c("submission_id", TEXT, "submission the event belongs to (null when unknown reference)"),
        _c("version", INT, "filing version the event answers"),
        _c("consignment_seq", INT, "consignment, when the event is per consignment"),
        _c("side", TEXT, "HK or CN", True),
        _c("event_type", TEXT, "ACI_ACCEPTED, CCRN_ISSUED, ARRIVED, RELEASED, REJECTED, FILED…", True),
        _c("occurred_at", UTC_TS, "when it happened, stored UTC", True),
        _c("received_at", UTC_TS, "run as-of time at ingestion"),
        _c("source", TEXT, "response file, relative to the inbox"),
        _c("reference", TEXT, "reference as sent (submission id, CCRN or batch no.)"),
        _c("raw_status_code", TEXT, "status code as sent (e.g. Mainland 01/03/11)"),
        _c("detail", TEXT, "free text, e.g. rejection reason"),
        _c("control_point", TEXT, "control point of the submission"),
        _c("crossing_date", pa.date32(), "crossing date (HK local) of the submission"),
    ),
)

FINDINGS = Table(
    "findings",
    ("run_id", "finding_id"),
    "Data-quality findings from the expectations, one per failing cell.",
    (
        _c("run_id", TEXT, "run that produced the finding", True),
        _c("finding_id", TEXT, "stable id of the finding", True),
        _c("submission_id", TEXT, "submission the row belongs to (null before assembly)"),
        _c("trader", TEXT, "trader folder id"),
        _c("rule_id", TEXT, "V01..V22 or an ingest rule id", True),
        _c("severity", TEXT, "error or warning", True),
        _c("src_file", TEXT, "source file, relative to the inbox"),
        _c("src_sheet", TEXT, "source sheet"),
        _c("src_row", INT, "1-based source row"),
        _c("src_column", TEXT, "source column header"),
        _c("value", TEXT, "offending value as read"),
        _c("message_en", TEXT, "reason, English", True),
        _c("message_zh", TEXT, "reason, Chinese"),
        _c("control_point", TEXT, "control point, when known"),
        _c("crossing_date", pa.date32(), "crossing date (HK local), when known"),
    ),
)

TABLES: Final[dict[str, Table]] = {
    t.name: t
    for t in (SUBMISSIONS, PARTIES, CONSIGNMENTS, GOODS_ITEMS, TRANSPORT, TRAILERS, EQUIPMENT, SEALS, EVENTS,
              FINDINGS)
}

#: canonical columns a profile reads under another key: the trip plan says ``transport_mode`` (what a
#: carrier writes), the record says ``mode`` (the UN/ECE Rec 19 element). A finding on such a column names
#: the trader's header for the profile key (expectations.findings, transforms.assembly.provenance).
PROFILE_KEY: Final = {"mode": "transport_mode"}


def profile_key(column: str) -> str:
    """The profile key a canonical column is read under (itself unless :data:`PROFILE_KEY` says otherwise)."""
    return PROFILE_KEY.get(column, column)


#: Tables that describe one filing version (written per clean submission).
FILING_TABLES: Final = ("submissions", "parties", "consignments", "goods_items", "transport", "trailers",
                        "equipment", "seals")


def row(table: str, **values: Any) -> dict[str, Any]:
    """A canonical row: every column of ``table`` (None when not given); unknown names raise."""
    names = TABLES[table].names
    unknown = set(values) - set(names)
    if unknown:
        raise KeyError(f"{table} has no columns {sorted(unknown)}")
    return {n: values.get(n) for n in names}


def empty_frame(table: str) -> pd.DataFrame:
    """An empty frame with the table's columns, in declared order."""
    return pd.DataFrame({name: pd.Series(dtype="object") for name in TABLES[table].names})
