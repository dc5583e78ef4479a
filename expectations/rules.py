"""The quality rules V01–V22 (ssdd-domain.md §6.4), each declared once, as data.

Each entry is a :class:`expectations.rule.Rule` (what a rule is, its severities and the source every
rule id cites live there). Context columns (names starting with ``_``) come from
:mod:`expectations.context`. A table's rules, in the order of :data:`RULES`, are its suite in that
order, and so the order of its findings in every output: add a rule where it belongs, never reorder.
"""

from __future__ import annotations

from typing import Any, Final

import pyarrow as pa
from great_expectations.expectations.expectation import Expectation

from expectations import checks
from expectations.context import ACI_MAX_MINUTES, CIQ_SHAPE, HS_CN_SHAPE, HS_HK_SHAPE
from expectations.custom import (
    ExpectColumnPairValuesAToBePresentWhenBIsSet,
    ExpectColumnPairValuesToBeWithinRelativeTolerance,
    ExpectColumnValuesToBeInCodeListOnDate,
    ExpectColumnValuesToHaveValidIso6346CheckDigit,
    ExpectColumnValuesToHaveValidUsccCheckCharacter,
    ExpectColumnValuesToNotBeBlank,
    ExpectMulticolumnValuesPriceTimesQuantityToMatchAmount,
)
from expectations.gx_core import (
    ExpectColumnPairValuesAToBeGreaterThanB,
    ExpectColumnPairValuesToBeEqual,
    ExpectColumnValueLengthsToBeBetween,
    ExpectColumnValuesToBeBetween,
    ExpectColumnValuesToBeInSet,
    ExpectColumnValuesToMatchRegex,
    ExpectColumnValuesToNotBeNull,
    ExpectColumnValuesToNotMatchRegex,
)
from expectations.rule import ERROR, WARNING, Rule, Severity
from transforms.model.canonical import TABLES

__all__ = ["RULES", "rules_for"]

PresentWhen = ExpectColumnPairValuesAToBePresentWhenBIsSet
NotBlank = ExpectColumnValuesToNotBeBlank

# XML 1.0 forbids C0 controls except TAB, LF, CR; DEL and C1 controls are rejected too, as are the
# non-characters U+FFFE/U+FFFF. Those two are literal characters, not \u escapes: with no \u in the
# pattern pandas keeps its fast RE2 path (Python's re and RE2 agree on this class; the parity test checks).
FORBIDDEN_CHARS: Final = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + "\ufffe\uffff]"
PO_BOX: Final = r"(?i)\b(?:p\.?\s*o\.?\s*box|post\s+office\s+box|g\.?p\.?o\.?\s*box)\b|郵政信箱|邮政信箱"
HK_BRN: Final = r"^[0-9]{8}$"


def _p(name: str) -> dict[str, str]:
    return {"$PARAMETER": name}


def _codes(column: str, code_list: str, **kwargs: Any) -> ExpectColumnValuesToBeInCodeListOnDate:
    return ExpectColumnValuesToBeInCodeListOnDate(column_A=column, column_B="_crossing_date",
                                                  code_list=code_list, codes_by_date=_p(code_list), **kwargs)


def _positive(column: str) -> ExpectColumnValuesToBeBetween:
    return ExpectColumnValuesToBeBetween(column=column, min_value=0, strict_min=True)


def _code_rule(rid: str, table: str, column: str, code_list: str, what_en: str, what_zh: str,
               **kwargs: Any) -> Rule:
    return Rule(rid, f"{column}_known", ERROR, table, (column,), _codes(column, code_list, **kwargs),
                f"{column} '{{value}}' is not {what_en} (not in {code_list} on {{_crossing_date}}).",
                f"{{label}}「{{value}}」不是有效的{what_zh}。")


def _required(rid: str, table: str, column: str, severity: Severity = ERROR, why_en: str = "",
              why_zh: str = "") -> Rule:
    typ = TABLES[table].column(column).type
    # a number or a time is either there or null; only text can be there and blank
    not_text = pa.types.is_decimal(typ) or pa.types.is_integer(typ) or pa.types.is_timestamp(typ)
    gx: Expectation = (ExpectColumnValuesToNotBeNull(column=column) if not_text else NotBlank(column=column))
    return Rule(rid, f"{column}_present", severity, table, (column,), gx,
                f"{column} is empty{why_en}.", f"{{label}}为空{why_zh}。")


_SUBMISSIONS: Final = [
    _code_rule("V01", "submissions", "control_point", "control_points", "a road control point", "陆路管制站代码"),
    Rule("V02", "mode_road", ERROR, "submissions", ("mode",),
         ExpectColumnValuesToBeInSet(column="mode", value_set=["3"]),
         "transport mode '{value}' is not road (3, UN/ECE Rec 19): the scheme files truck trips only; correct the "
         "trip plan's transport_mode or trader.yaml's carrier.transport_mode.",
         "运输方式「{value}」不是公路（3，UN/ECE 第19号建议书）：本计划只申报货车车次；"
         "请更正车次计划的 transport_mode 或 trader.yaml 的 carrier.transport_mode。"),
    # a plan cell that was no date-time leaves the trip without one: hold it here, not in a writer
    _required("V04", "submissions", "expected_crossing_at",
              why_en=" (ROCARS and the Mainland road manifest need the time the truck is expected at the "
                     "control point)",
              why_zh="（ROCARS及内地公路舱单需要车辆预计到达管制站的时间）"),
    Rule("V04", "aci_window", ERROR, "submissions", ("expected_crossing_at",),
         ExpectColumnValuesToBeBetween(column="_aci_lead_minutes", min_value=30, max_value=ACI_MAX_MINUTES),
         "expected_crossing_at '{_crossing_hk}' (Hong Kong time) is {_lead_en}; ROCARS accepts the advance "
         "cargo information 30 minutes to 14 days before crossing.",
         "预计过境时间「{_crossing_hk}」（香港时间）{_lead_zh}；ROCARS预报须在过境前30分钟至14天内提交。"),
    Rule("V04", "cn_manifest_lead", ERROR, "submissions", ("expected_crossing_at",),
         ExpectColumnValuesToBeBetween(column="_aci_lead_minutes", min_value=_p("cn_manifest_lead_minutes")),
         "expected_crossing_at '{_crossing_hk}' (Hong Kong time) is {_lead_en}; the Mainland road manifest "
         "needs at least {cn_manifest_lead_minutes} minutes.",
         "预计过境时间「{_crossing_hk}」（香港时间）{_lead_zh}；内地公路舱单至少需提前"
         "{cn_manifest_lead_minutes}分钟申报。"),
    Rule("V04", "aci_margin", WARNING, "submissions", ("expected_crossing_at",),
         ExpectColumnValuesToBeBetween(column="_aci_lead_minutes", min_value=45),
         "expected_crossing_at '{_crossing_hk}' (Hong Kong time) is only {_lead_en}; less than 45 minutes "
         "leaves little margin before the 30-minute ROCARS limit.",
         "预计过境时间「{_crossing_hk}」（香港时间）{_lead_zh}，距ROCARS的30分钟时限不足15分钟余量。"),
    Rule("V18", "tdec_deadline", WARNING, "submissions", ("crossing_date",),
         ExpectColumnValuesToBeBetween(column="_tdec_days_left", min_value=0),
         "crossing_date '{value}' is more than 14 days before the run: the HK import/export declaration "
         "(TDEC) is late.",
         "过境日期「{value}」已超过14天：香港进出口报关（TDEC）已逾期。"),
    Rule("V20", "one_vehicle", ERROR, "submissions", ("trip_ref",),
         ExpectColumnValuesToBeBetween(column="_transport_rows", min_value=1, max_value=1),
         "trip_ref '{value}' has {_transport_rows} vehicles; a submission must have exactly one.",
         "车次编号「{value}」对应{_transport_rows}辆车；每份申报须且仅须一辆车。"),
]

_PARTIES: Final = [
    Rule("V03", "rocars_party_name", ERROR, "parties", ("name", "role"),
         PresentWhen(column_A="_party_name", column_B="_rocars_party"),
         "name is empty for the {role}: ROCARS needs the consignor's and consignee's name.",
         "{role}的名称为空：ROCARS需要发货人及收货人名称。"),
    Rule("V03", "rocars_party_address", ERROR, "parties", ("address_lines", "role"),
         PresentWhen(column_A="address_lines", column_B="_rocars_party"),
         "address_lines is empty for the {role}: ROCARS needs the consignor's and consignee's address.",
         "{role}的地址为空：ROCARS需要发货人及收货人地址。"),
    Rule("V17", "hk_brn_present", WARNING, "parties", ("ids_hk_brn", "role"),
         PresentWhen(column_A="ids_hk_brn", column_B="_hk_trader"),
         "ids_hk_brn is empty for the HK {role}: the HK declaration (TDEC) will need the Business "
         "Registration No.",
         "香港{role}的商业登记号码为空：香港报关（TDEC）时需要。"),
    Rule("V17", "hk_brn_format", ERROR, "parties", ("ids_hk_brn",),
         ExpectColumnValuesToMatchRegex(column="ids_hk_brn", regex=HK_BRN),
         "ids_hk_brn '{value}' must be 8 digits (HK Business Registration No.).",
         "商业登记号码「{value}」应为8位数字。"),
    Rule("V17", "hk_address_not_po_box", ERROR, "parties", ("address_lines", "role"),
         ExpectColumnValuesToNotMatchRegex(column="_hk_trader_address", regex=PO_BOX),
         "address_lines '{value}' of the HK {role} is a P.O. box; the HK declaration needs a street address.",
         "香港{role}的地址「{value}」为邮政信箱；香港报关须填写实际地址。"),
    Rule("V14", "uscc_check", ERROR, "parties", ("ids_cn_uscc",),
         ExpectColumnValuesToHaveValidUsccCheckCharacter(column="ids_cn_uscc"),
         "ids_cn_uscc '{value}' fails the GB 32100 check character (统一社会信用代码).",
         "统一社会信用代码「{value}」校验码不正确。"),
    _code_rule("V08", "parties", "address_country", "countries", "an ISO 3166 country", "国家/地区代码"),
]

_CONSIGNMENTS: Final = [
    Rule("V03", "consignor_present", ERROR, "consignments", ("invoice_no",),
         ExpectColumnValuesToBeBetween(column="_consignors", min_value=1),
         "invoice_no '{value}' has no consignor: ROCARS needs the consignor's name and address.",
         "发票号「{value}」没有发货人：ROCARS需要发货人名称及地址。"),
    Rule("V03", "consignee_present", ERROR, "consignments", ("invoice_no",),
         ExpectColumnValuesToBeBetween(column="_consignees", min_value=1),
         "invoice_no '{value}' has no consignee: ROCARS needs the consignee's name and address.",
         "发票号「{value}」没有收货人：ROCARS需要收货人名称及地址。"),
    _required("V03", "consignments", "total_packages_qty", why_en=" (ROCARS item a, number of packages)",
              why_zh="（ROCARS第a项）"),
    _required("V03", "consignments", "package_description", why_en=" (ROCARS item b)", why_zh="（ROCARS第b项）"),
    _code_rule("V09", "consignments", "total_packages_type", "rec21_package_types",
               "a UN/ECE Rec 21 package type", "包装种类代码"),
    _code_rule("V08", "consignments", "country_of_consignment", "countries", "an ISO 3166 country", "国家/地区代码"),
    _code_rule("V08", "consignments", "country_of_destination", "countries", "an ISO 3166 country", "国家/地区代码"),
    _code_rule("V08", "consignments", "invoice_amount_currency", "currencies", "an ISO 4217 currency", "币制代码"),
    Rule("V10", "consignment_gross_ge_net", ERROR, "consignments", ("gross_mass_kg", "net_mass_kg"),
         ExpectColumnPairValuesAToBeGreaterThanB(column_A="gross_mass_kg", column_B="net_mass_kg", or_equal=True,
                                                 ignore_row_if="either_value_is_missing"),
         "gross_mass_kg '{value}' is less than net_mass_kg '{net_mass_kg}'.",
         "毛重「{value}」小于净重「{net_mass_kg}」。"),
    Rule("V10", "consignment_gross_positive", ERROR, "consignments", ("gross_mass_kg",),
         _positive("gross_mass_kg"), "gross_mass_kg '{value}' must be greater than 0.", "毛重「{value}」应大于0。"),
    Rule("V10", "consignment_net_positive", ERROR, "consignments", ("net_mass_kg",),
         _positive("net_mass_kg"), "net_mass_kg '{value}' must be greater than 0.", "净重「{value}」应大于0。"),
    Rule("V10", "line_sum_vs_stated_total", WARNING, "consignments", ("stated_gross_mass_kg",),
         ExpectColumnPairValuesToBeWithinRelativeTolerance(column_A="_lines_gross_mass_kg",
                                                           column_B="stated_gross_mass_kg", rel_tol=0.01),
         "stated_gross_mass_kg '{value}' differs from the sum of the lines' gross_mass_kg "
         "({_lines_gross_mass_kg}) by more than 1 %.",
         "申报总毛重「{value}」与各行毛重合计（{_lines_gross_mass_kg}）相差超过1%。",
         not_checkable="_v10_not_checkable"),
    Rule("V11", "line_packages_vs_total", WARNING, "consignments", ("total_packages_qty",),
         ExpectColumnPairValuesToBeEqual(column_A="total_packages_qty", column_B="_lines_packages_qty",
                                         ignore_row_if="either_value_is_missing"),
         "total_packages_qty '{value}' differs from the sum of the lines' packages_qty ({_lines_packages_qty}).",
         "总件数「{value}」与各行件数合计（{_lines_packages_qty}）不符。",
         not_checkable="_v11_not_checkable"),
    Rule("V12", "invoice_amount_positive", ERROR, "consignments", ("invoice_amount_value",),
         _positive("invoice_amount_value"), "invoice_amount_value '{value}' must be greater than 0.",
         "总价「{value}」应大于0。"),
    Rule("V19", "ucr_length", ERROR, "consignments", ("ucr",),
         ExpectColumnValueLengthsToBeBetween(column="ucr", max_value=35),
         "ucr '{value}' is longer than 35 characters (WCO UCR an..35).", "UCR「{value}」超过35个字符。"),
]

_GOODS: Final = [
    Rule("V03", "goods_description", ERROR, "goods_items", ("description_en", "description_zh"),
         NotBlank(column="_description"),
         "description_en and description_zh are both empty: ROCARS needs a goods description (item c).",
         "英文品名和中文品名均为空：ROCARS需要货物描述（第c项）。"),
    *(_required("REQ", "goods_items", c) for c in ("quantity_value", "quantity_unit", "line_amount_value",
                                                   "line_amount_currency", "country_of_origin", "hs_cn")),
    _required("V05", "goods_items", "hs_hk", WARNING, " (the HK declaration will need the HKHS code)",
              "（香港报关时需要）"),
    Rule("V05", "hs_hk_format", ERROR, "goods_items", ("hs_hk",),
         ExpectColumnValuesToMatchRegex(column="hs_hk", regex=HS_HK_SHAPE),
         "hs_hk '{value}' must be 8 digits (HKHS).", "香港商品编号「{value}」应为8位数字。"),
    Rule("V05", "hs_hk_subheading", ERROR, "goods_items", ("hs_hk",),
         _codes("hs_hk", "hs2022_subheadings", prefix_length=6, only_if_matches=HS_HK_SHAPE),
         "hs_hk '{value}': its first six digits are not an HS subheading in force on {_crossing_date}.",
         "香港商品编号「{value}」的前6位不是{_crossing_date}有效的HS子目。"),
    Rule("V06", "hs_cn_format", ERROR, "goods_items", ("hs_cn",),
         ExpectColumnValuesToMatchRegex(column="hs_cn", regex=HS_CN_SHAPE),
         "hs_cn '{value}' must be 10 digits (China 商品编号).", "商品编码「{value}」应为10位数字。"),
    Rule("V06", "ciq_code_format", ERROR, "goods_items", ("cn_ciq_code",),
         ExpectColumnValuesToMatchRegex(column="cn_ciq_code", regex=CIQ_SHAPE),
         "cn_ciq_code '{value}' must be 3 digits (检验检疫编码).", "检验检疫编码「{value}」应为3位数字。"),
    Rule("V07", "hs_shared_subheading", WARNING, "goods_items", ("hs_hk", "hs_cn"),
         ExpectColumnPairValuesToBeEqual(column_A="_hs_hk_6", column_B="_hs_cn_6",
                                         ignore_row_if="either_value_is_missing"),
         "hs_hk '{value}' and hs_cn '{hs_cn}' do not share their first six digits (the HS subheading).",
         "香港商品编号「{value}」与商品编码「{hs_cn}」的前6位（HS子目）不一致。"),
    _code_rule("V08", "goods_items", "country_of_origin", "countries", "an ISO 3166 country", "国家/地区代码"),
    _code_rule("V08", "goods_items", "line_amount_currency", "currencies", "an ISO 4217 currency", "币制代码"),
    _code_rule("V09", "goods_items", "quantity_unit", "rec20_units", "a UN/ECE Rec 20 unit", "计量单位代码"),
    _code_rule("V09", "goods_items", "packages_type", "rec21_package_types", "a UN/ECE Rec 21 package type",
               "包装种类代码"),
    *(_code_rule("V09", "goods_items", c, "cn_units", "a China 3-digit unit", "计量单位代码",
                 extra_codes=["000"]) for c in ("cn_unit_declared", "cn_unit_legal_1", "cn_unit_legal_2")),
    Rule("V10", "line_gross_ge_net", ERROR, "goods_items", ("gross_mass_kg", "net_mass_kg"),
         ExpectColumnPairValuesAToBeGreaterThanB(column_A="gross_mass_kg", column_B="net_mass_kg", or_equal=True,
                                                 ignore_row_if="either_value_is_missing"),
         "gross_mass_kg '{value}' is less than net_mass_kg '{net_mass_kg}'.",
         "毛重「{value}」小于净重「{net_mass_kg}」。"),
    Rule("V10", "line_gross_positive", ERROR, "goods_items", ("gross_mass_kg",), _positive("gross_mass_kg"),
         "gross_mass_kg '{value}' must be greater than 0.", "毛重「{value}」应大于0。"),
    Rule("V10", "line_net_positive", ERROR, "goods_items", ("net_mass_kg",), _positive("net_mass_kg"),
         "net_mass_kg '{value}' must be greater than 0.", "净重「{value}」应大于0。"),
    Rule("V12", "price_times_quantity", ERROR, "goods_items", ("line_amount_value", "unit_price", "cn_qty_declared"),
         ExpectMulticolumnValuesPriceTimesQuantityToMatchAmount(
             column_list=["unit_price", "_price_qty", "line_amount_value"], tolerance_per_unit=0.01),
         "line_amount_value '{value}' is not unit_price '{unit_price}' x quantity '{_price_qty}' "
         "(tolerance 0.01 per unit).",
         "总价「{value}」不等于单价「{unit_price}」×数量「{_price_qty}」（允许每单位0.01误差）。"),
    Rule("V12", "line_amount_positive", ERROR, "goods_items", ("line_amount_value",),
         _positive("line_amount_value"), "line_amount_value '{value}' must be greater than 0.",
         "总价「{value}」应大于0。"),
    Rule("V12", "unit_price_positive", ERROR, "goods_items", ("unit_price",), _positive("unit_price"),
         "unit_price '{value}' must be greater than 0.", "单价「{value}」应大于0。"),
    Rule("V15", "tariff_line_known", WARNING, "goods_items", ("hs_cn",),
         _codes("hs_cn", "cn_tariff_lines", only_if_matches=HS_CN_SHAPE),
         "hs_cn '{value}' is not in cn_tariff_lines valid on {_crossing_date}: legal units and 申报要素 "
         "cannot be checked.",
         "商品编码「{value}」不在{_crossing_date}有效的税则表中：无法检查法定单位及申报要素。"),
    Rule("V15", "legal_unit_1", ERROR, "goods_items", ("cn_unit_legal_1", "hs_cn"),
         ExpectColumnPairValuesToBeEqual(column_A="_unit_1_declared", column_B="_tariff_unit_1",
                                         ignore_row_if="either_value_is_missing"),
         "cn_unit_legal_1 '{value}' does not match tariff line {hs_cn} (first legal unit '{_tariff_unit_1}').",
         "法定第一单位「{value}」与税则号列{hs_cn}不符（应为「{_tariff_unit_1}」）。",
         not_checkable="_tariff_not_checkable",
         reference_table="cn_tariff_lines"),
    Rule("V15", "legal_qty_1", ERROR, "goods_items", ("cn_qty_legal_1", "hs_cn"),
         PresentWhen(column_A="cn_qty_legal_1", column_B="_tariff_unit_1"),
         "cn_qty_legal_1 is empty but tariff line {hs_cn} needs a quantity in unit '{_tariff_unit_1}'.",
         "法定第一数量为空，但税则号列{hs_cn}要求以「{_tariff_unit_1}」申报数量。",
         reference_table="cn_tariff_lines"),
    Rule("V15", "legal_unit_2", ERROR, "goods_items", ("cn_unit_legal_2", "hs_cn"),
         ExpectColumnPairValuesToBeEqual(column_A="_unit_2_declared", column_B="_tariff_unit_2",
                                         ignore_row_if="either_value_is_missing"),
         "cn_unit_legal_2 '{value}' does not match tariff line {hs_cn} (second legal unit '{_tariff_unit_2}').",
         "法定第二单位「{value}」与税则号列{hs_cn}不符（应为「{_tariff_unit_2}」）。",
         reference_table="cn_tariff_lines"),
    Rule("V15", "legal_qty_2", ERROR, "goods_items", ("cn_qty_legal_2", "hs_cn"),
         PresentWhen(column_A="cn_qty_legal_2", column_B="_tariff_unit_2"),
         "cn_qty_legal_2 is empty but tariff line {hs_cn} needs a quantity in unit '{_tariff_unit_2}'.",
         "法定第二数量为空，但税则号列{hs_cn}要求以「{_tariff_unit_2}」申报数量。",
         reference_table="cn_tariff_lines"),
    Rule("V16", "declaration_element_count", ERROR, "goods_items", ("cn_declaration_elements", "hs_cn"),
         ExpectColumnPairValuesToBeEqual(column_A="_declaration_element_count", column_B="_tariff_element_count",
                                         ignore_row_if="either_value_is_missing"),
         "cn_declaration_elements has {_declaration_element_count} values; tariff line {hs_cn} needs "
         "{_tariff_element_count}.",
         "申报要素有{_declaration_element_count}项；税则号列{hs_cn}要求{_tariff_element_count}项。",
         not_checkable="_tariff_not_checkable",
         reference_table="cn_tariff_lines"),
    Rule("V16", "declaration_brand_type", ERROR, "goods_items", ("cn_declaration_elements",),
         _codes("_declaration_brand_type", "cn_brand_types"),
         "申报要素 element 1 (品牌类型) '{_declaration_brand_type}' is not a 品牌类型 code 0-4 (0 无品牌, "
         "1 境内自主品牌, 2 境内收购品牌, 3 境外品牌(贴牌生产), 4 境外品牌(其他)).",
         "申报要素第1项（品牌类型）「{_declaration_brand_type}」不是品牌类型代码0-4。"),
    Rule("V16", "declaration_export_preference", ERROR, "goods_items", ("cn_declaration_elements",),
         _codes("_declaration_export_preference", "cn_export_preferences"),
         "申报要素 element 2 (出口享惠情况) '{_declaration_export_preference}' is not an 出口享惠情况 code 0-3 "
         "(0 不享受优惠关税, 1 享受, 2 不能确定, 3 不适用于进口报关单).",
         "申报要素第2项（出口享惠情况）「{_declaration_export_preference}」不是出口享惠情况代码0-3。"),
    Rule("V16", "declaration_element_no_pipe", ERROR, "goods_items", ("cn_declaration_elements",),
         ExpectColumnValuesToNotMatchRegex(column="_cn_declaration_elements_text", regex=r"\|"),
         "cn_declaration_elements '{value}' has a '|' inside a value; '|' separates the 申报要素.",
         "申报要素「{value}」的值内含有「|」；「|」是申报要素的分隔符。"),
]

_TRANSPORT: Final = [
    _required("V22", "transport", "vehicle_reg_cn", why_en=" (the Mainland conveyance confirmation needs it)",
              why_zh="（内地承运确报需要）"),
    _required("V22", "transport", "driver_cn_code", why_en=" (the Mainland conveyance confirmation needs it)",
              why_zh="（内地承运确报需要）"),
]

_EQUIPMENT: Final = [
    Rule("V13", "container_check_digit", ERROR, "equipment", ("container_no",),
         ExpectColumnValuesToHaveValidIso6346CheckDigit(column="container_no"),
         "container_no '{value}' fails the ISO 6346 check digit.", "货柜号码「{value}」的ISO 6346校验位不正确。"),
]

#: Text columns V21 does not police: ids we generate and provenance (file names come from disk).
_V21_EXEMPT: Final = frozenset({"submission_id", "content_hash", "src_file", "src_sheet"})


def _v21(table: str) -> list[Rule]:
    out = []
    for col in TABLES[table].columns:
        if col.name in _V21_EXEMPT or not (pa.types.is_string(col.type) or pa.types.is_list(col.type)):
            continue
        target = f"_{col.name}_text" if pa.types.is_list(col.type) else col.name
        out.append(Rule("V21", f"{col.name}_characters", ERROR, table, (col.name,),
                        ExpectColumnValuesToNotMatchRegex(column=target, regex=FORBIDDEN_CHARS),
                        f"{col.name} {{value_escaped}} contains a control character or a character XML 1.0 "
                        "forbids.",
                        "{label}「{value_escaped}」含有控制字符或XML 1.0不允许的字符。"))
    return out


RULES: Final[tuple[Rule, ...]] = tuple([
    *_SUBMISSIONS, *_PARTIES, *_CONSIGNMENTS, *_GOODS, *_TRANSPORT, *_EQUIPMENT,
    *(r for t in ("submissions", "parties", "consignments", "goods_items", "transport", "trailers",
                  "equipment", "seals") for r in _v21(t)),
])


def rules_for(table: str, rules: tuple[Rule, ...] = RULES) -> list[Rule]:
    return [r for r in rules if r.table == table]


def _assert_unique() -> None:
    keys = [(r.table, r.key) for r in RULES]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise ValueError(f"duplicate rule keys: {dupes}")
    unsupported = sorted({type(r.gx).__name__ for r in RULES if r.check is None and not checks.supported(r.gx)})
    if unsupported:
        raise TypeError(f"no vectorised implementation for {unsupported}")


_assert_unique()
