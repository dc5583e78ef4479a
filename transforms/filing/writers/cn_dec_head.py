"""DecHead values of one consignment's 报关单, by element name as the official schema spells them.

Parties: ``EXPORTER`` (goods leaving the Mainland) / ``IMPORTER`` (entering) is the domestic trade party
(境内收发货人: ``TradeCode``/``TradeName``/``TradeCoScc``), ``OWNER`` the 生产销售单位 / 消费使用单位
(``OwnerCode``/``OwnerName``/``OwnerCodeScc``), ``DECLARANT_CN`` the 申报单位 (``AgentCode``/``AgentName``/
``AgentCodeScc``), who is also the 录入单位 (``CopName``/``CopCode``/``CopCodeScc``): ssdd prepares the message
and the declarant's Single Window client enters, signs and declares it. Each is looked up on the
consignment first, then on the trip (consignment 0). Lengths and code formats are checked here so that
a value the official facets would refuse holds the trip with a sentence instead of failing validation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from transforms.filing.writers.cn_dec_items import Problems
from transforms.filing.writers.context import XW_PACKAGE, CodeMaps
from transforms.filing.writers.values import MONEY_SCALE, fmt_decimal, is_missing, opt_text
from transforms.model.bundle import FilingBundle, Row

#: 报关标志 (EdiId) of a declaration by its 报关/转关关系标志 (DeclTrnRel): 0 ordinary → 1 普通报关.
#: Transit-in-advance declarations (DeclTrnRel 1) need a regional 报关标志 ssdd cannot know: held.
EDI_ID: Final = {"0": "1"}
#: 成交方式 whose price leaves out the freight / the insurance the 报关单 must then declare
#: (imports: the price must reach CIF; exports: it must come down to FOB).
FREIGHT_NEEDED: Final = {"I": frozenset({"3", "4", "7"}), "E": frozenset({"1", "2"})}
INSURANCE_NEEDED: Final = {"I": frozenset({"2", "3", "7"}), "E": frozenset({"1", "4"})}
CN_PORTS: Final = "cn_ports"
_USCC: Final = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")
_CUSTOMS_CODE: Final = re.compile(r"[0-9A-Z]{10}")
_PORT: Final = re.compile(r"[A-Z]{3}[0-9]{3}")


@dataclass
class ConsignmentHead:
    values: dict[str, str]
    destination: str      # 最终目的国 (3-letter)
    levy_nature: str
    wrap_type: str


@dataclass(frozen=True)
class _Field:
    col: str
    en: str
    zh: str
    max_len: int
    pattern: re.Pattern[str] | None = None
    format_en: str = ""


def _get(pr: Problems, row: Row | None, f: _Field, seq: int, required: bool, table: str) -> str | None:
    v = None if row is None else opt_text(row.get(f.col), f"{table}.{f.col}")
    if v is None:
        if required:
            pr.missing(f.col, f.en, f.zh, seq)
        return None
    if len(v) > f.max_len or (f.pattern is not None and not f.pattern.fullmatch(v)):
        want = f.format_en or f"at most {f.max_len} characters"
        pr.invalid(f.col, v, f"{f.en} {v} is not {want}", f"{f.zh} {v} 不符合要求（{want}）", seq)
        return None
    return v


def _party(bundle: FilingBundle, seq: int, role: str) -> Row | None:
    return bundle.parties_of(seq, role) or bundle.parties_of(0, role)


def _party_values(pr: Problems, p: Row | None, seq: int, role_en: str, role_zh: str,
                  code_required: bool) -> tuple[str | None, str | None, str | None]:
    """(customs code, Chinese name, USCC) of a Mainland party."""
    if p is None:
        pr.missing(f"parties.{role_en}", f"The {role_en} ({role_zh})", role_zh, seq)
        return None, None, None
    name = opt_text(p.get("name_zh"), "parties.name_zh") or opt_text(p.get("name"), "parties.name")
    if name is None:
        pr.missing("parties.name_zh", f"The {role_en} name ({role_zh}名称)", f"{role_zh}名称", seq)
    elif len(name) > 70:
        pr.invalid("parties.name_zh", name, f"The {role_en} name is longer than 70 characters",
                   f"{role_zh}名称超过 70 个字符", seq)
    code = _get(pr, p, _Field("ids_cn_customs_code", f"The {role_en}'s customs code (海关编码)", f"{role_zh}海关编码",
                              10, _CUSTOMS_CODE, "10 letters or digits"), seq, code_required, "parties")
    uscc = _get(pr, p, _Field("ids_cn_uscc", f"The {role_en}'s unified social credit code (统一社会信用代码)",
                              f"{role_zh}统一社会信用代码", 18, _USCC, "18 characters of the credit-code alphabet"),
                seq, False, "parties")
    return code, name, uscc


def consignment_head(bundle: FilingBundle, c: Row, ie: str, maps: CodeMaps, ports: frozenset[str],
                     pr: Problems) -> ConsignmentHead | None:
    seq = int(c["consignment_seq"])
    before = len(pr.items)
    v: dict[str, str] = {}
    exporting = ie == "E"
    trade = _party_values(pr, _party(bundle, seq, "EXPORTER" if exporting else "IMPORTER"), seq,
                          "domestic trade party", "境内收发货人", True)
    owner_zh = "生产销售单位" if exporting else "消费使用单位"
    owner = _party_values(pr, _party(bundle, seq, "OWNER"), seq, "owner", owner_zh, False)
    agent = _party_values(pr, _party(bundle, seq, "DECLARANT_CN"), seq, "Mainland declarant", "申报单位", True)
    for (code, name, uscc), names in ((trade, ("TradeCode", "TradeName", "TradeCoScc")),
                                     (owner, ("OwnerCode", "OwnerName", "OwnerCodeScc")),
                                     (agent, ("AgentCode", "AgentName", "AgentCodeScc"))):
        v |= {k: x for k, x in zip(names, (code, name, uscc), strict=True) if x is not None}
    if owner[0] is not None and not owner[0].isdigit():
        pr.invalid("ids_cn_customs_code", owner[0], f"The owner's customs code {owner[0]} is not 10 digits",
                   f"{'生产销售单位' if exporting else '消费使用单位'}海关编码 {owner[0]} 不是 10 位数字", seq)
    if agent[1] is not None:
        v["CopName"] = agent[1]
    if agent[2] is not None:   # the 9-character organisation code is characters 9-17 of the credit code
        v |= {"CopCode": agent[2][8:17], "CopCodeScc": agent[2]}
    overseas = bundle.parties_of(seq, "CONSIGNEE" if exporting else "CONSIGNOR")
    tag, limit = ("OverseasConsigneeEname", 400) if exporting else ("OverseasConsignorEname", 100)
    ename = _get(pr, overseas, _Field("name", "The overseas party's name in English (境外收发货人名称（外文）)",
                                      "境外收发货人名称（外文）", limit), seq, True, "parties")
    if ename is not None:
        v[tag] = ename
    v |= _consignment_values(c, ie, seq, pr)
    port = v.get("DistinatePort")
    if port is not None and port not in ports:
        pr.unknown("cn_foreign_port", port, CN_PORTS, "Foreign port (指运港/启运港)", "指运港/启运港", seq)
    _fees(c, ie, v, seq, pr)
    dest_alpha2 = opt_text(c.get("country_of_destination"), "consignments.country_of_destination")
    country_col, country_en, country_zh = (("country_of_destination", "Country of destination (运抵国)", "运抵国")
                                           if exporting else
                                           ("country_of_consignment", "Country of consignment (启运国)", "启运国"))
    trade_country = pr.country(opt_text(c.get(country_col), f"consignments.{country_col}"), maps, country_col,
                               country_en, country_zh, seq)
    area = pr.country(opt_text(c.get("trading_country"), "consignments.trading_country"), maps, "trading_country",
                      "Trading country (贸易国)", "贸易国", seq)
    destination = pr.country(dest_alpha2, maps, "country_of_destination", "Final destination country (最终目的国)",
                             "最终目的国", seq)
    pkg = opt_text(c.get("total_packages_type"), "consignments.total_packages_type") or ""
    wrap = maps.package.get(pkg)
    if wrap is None:
        pr.unmapped("total_packages_type", pkg, XW_PACKAGE, "Package type", "包装种类", seq)
    if len(pr.items) > before:
        return None
    assert trade_country and area and destination and wrap
    v |= {"TradeCountry": trade_country, "TradeAreaCode": area, "WrapType": wrap}
    return ConsignmentHead(v, destination, v["CutMode"], wrap)


_CONTRACT: Final = _Field("contract_no", "The contract number (合同协议号)", "合同协议号", 32)
_TRADE_MODE: Final = _Field("cn_trade_mode", "The trade mode (监管方式)", "监管方式", 4,
                            re.compile(r"[0-9]{4}"), "4 digits")
_TRANS_MODE: Final = _Field("cn_transaction_method", "The transaction method (成交方式)", "成交方式", 1,
                            re.compile(r"[1-6]"), "a 成交方式 code the declaration message accepts (1-6)")
_LEVY: Final = _Field("cn_levy_nature", "The levy nature (征免性质)", "征免性质", 3,
                      re.compile(r"[0-9]{3}"), "3 digits")
_PORT_F: Final = _Field("cn_foreign_port", "The foreign port (指运港/启运港)", "指运港/启运港", 6, _PORT,
                        "a port code of the official port table such as HKG000")
_MARKS: Final = _Field("marks_and_numbers", "The marks and numbers (标记唛码; N/M when there are none)",
                       "标记唛码", 400)
_PLACE: Final = _Field("goods_place", "The goods place (货物存放地点)", "货物存放地点", 100)
_ENTRY: Final = _Field("cn_entry_type", "The entry type (报关单类型)", "报关单类型", 1, re.compile(r"[0-9A-Z]"),
                       "one letter or digit")
_TRN_REL: Final = _Field("cn_decl_trn_rel", "The declaration/transit relation (报关/转关关系标志)",
                         "报关/转关关系标志", 1, re.compile(r"[01]"), "0 or 1")
_DEC_TYPE: Final = _Field("cn_dec_type", "The declaration type (单据类型)", "单据类型", 2, re.compile(r"[0-9A-Z]{2}"),
                          "two letters or digits")


def _consignment_values(c: Row, ie: str, seq: int, pr: Problems) -> dict[str, str]:
    v: dict[str, str] = {}
    for tag, f in (("ContrNo", _CONTRACT), ("TradeMode", _TRADE_MODE), ("TransMode", _TRANS_MODE),
                   ("CutMode", _LEVY), ("DistinatePort", _PORT_F), ("MarkNo", _MARKS), ("GoodsPlace", _PLACE),
                   ("EntryType", _ENTRY), ("DeclTrnRel", _TRN_REL)):
        value = _get(pr, c, f, seq, True, "consignments")
        if value is not None:
            v[tag] = value
    dec_type = _get(pr, c, _DEC_TYPE, seq, False, "consignments")
    if dec_type is not None:
        v["Type"] = dec_type
    if "DistinatePort" in v and ie == "I":   # 启运港 of goods entering; an export declares only 指运港
        v["DespPortCode"] = v["DistinatePort"]
    rel = v.get("DeclTrnRel")
    if rel is not None and rel not in EDI_ID:
        pr.invalid("cn_decl_trn_rel", rel, f"DeclTrnRel {rel} (transit in advance) needs a regional 报关标志 (EdiId) "
                   "that ssdd does not prepare",
                   f"报关/转关关系标志 {rel}（转关提前）所需的报关标志不由本系统生成", seq)
    elif rel is not None:
        v["EdiId"] = EDI_ID[rel]
    bill = opt_text(c.get("cn_bill_no"), "consignments.cn_bill_no") or opt_text(c.get("invoice_no"),
                                                                                 "consignments.invoice_no")
    if bill is not None and len(bill) <= 32:
        v["BillNo"] = bill
    else:
        pr.invalid("cn_bill_no", bill or "", f"The bill number {bill} is longer than 32 characters",
                   f"提运单号 {bill} 超过 32 个字符", seq)
    return v


def _fees(c: Row, ie: str, v: dict[str, str], seq: int, pr: Problems) -> None:
    """运费 (FeeMark/FeeRate/FeeCurr) and 保费 (InsurMark/InsurRate/InsurCurr) when given or required."""
    terms = v.get("TransMode")
    for kind, marks, needed, tags in (
            ("freight", frozenset("123"), FREIGHT_NEEDED, ("FeeMark", "FeeRate", "FeeCurr")),
            ("insurance", frozenset("13"), INSURANCE_NEEDED, ("InsurMark", "InsurRate", "InsurCurr"))):
        zh = "运费" if kind == "freight" else "保费"
        value = c.get(f"{kind}_amount_value")
        if is_missing(value):
            if terms in needed[ie]:
                pr.missing(f"{kind}_amount_value", f"The {kind} ({zh}) that a declaration with transaction "
                           f"method {terms} (成交方式) must state", f"{zh}（成交方式 {terms} 须申报{zh}）", seq)
            continue
        mark = opt_text(c.get(f"{kind}_mark"), f"consignments.{kind}_mark")
        cur = opt_text(c.get(f"{kind}_amount_currency"), f"consignments.{kind}_amount_currency")
        if mark not in marks:
            pr.invalid(f"{kind}_mark", mark or "", f"The {kind} mark {mark} is not one of {'/'.join(sorted(marks))}",
                       f"{zh}标记 {mark} 不是 {'/'.join(sorted(marks))}", seq)
            continue
        assert mark is not None
        if mark != "1" and (cur is None or len(cur) != 3):
            pr.missing(f"{kind}_amount_currency", f"The {kind} currency (3 letters)", f"{zh}币制", seq)
            continue
        v |= {tags[0]: mark, tags[1]: fmt_decimal(value, MONEY_SCALE, f"consignments.{kind}_amount_value")}
        if mark != "1" and cur is not None:
            v[tags[2]] = cur
