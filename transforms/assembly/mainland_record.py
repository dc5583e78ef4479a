"""The part of the canonical record both declarations need that no ERP export carries: the Mainland
parties (owner, 申报单位, 境内收发货人), the 报关单's explicit codes, ports, marks, freight and
insurance, and the Hong Kong declarant and place of loading.

Values come from the invoice's own columns where the source sends them (a line value wins), else
from ``trader.yaml`` (``mainland:`` / ``hk:``). A value the trip needs and nobody gave holds the
trip with a sentence naming the trader.yaml key to set: ssdd never makes one up. National codes
(3-letter countries, DutyMode, customs office…) are not computed here but in the Mainland writers'
crosswalks, so the record keeps what the trader said.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from transforms.model.inputs import CellProblem
from transforms.model.reference import Reference, normalise_key
from transforms.model.trader_mainland import Charge, CnParty, MainlandRecord

if TYPE_CHECKING:
    from transforms.model.inputs import TraderInput

RULE = "A06"

#: Columns an invoice may carry itself (optional profile targets); the first non-empty value of the
#: invoice's lines is the consignment's.
LINE_COLUMNS = ("contract_no", "cn_bill_no", "marks_and_numbers", "trading_country", "cn_foreign_port", "goods_place",
                "place_of_loading", "freight_amount_value", "freight_amount_currency", "freight_mark",
                "insurance_amount_value", "insurance_amount_currency", "insurance_mark")

# 报关单填制规范 (运费/保费): the declaration states freight when an import price leaves it out or an
# export price includes it, and the same for insurance. 成交方式: 1 CIF, 2 C&F, 3 FOB, 4 C&I, 7 EXW.
_FREIGHT_NEEDED = {"export": frozenset({"1", "2"}), "import": frozenset({"3", "4", "7"})}
_INSURANCE_NEEDED = {"export": frozenset({"1", "4"}), "import": frozenset({"2", "3", "7"})}
_METHOD_NAMES = {"1": "CIF", "2": "C&F", "3": "FOB", "4": "C&I", "5": "市场价", "6": "垫仓", "7": "EXW"}


@dataclass(frozen=True)
class _Need:
    """One value a consignment needs: where it goes, the trader.yaml key, what it is called."""

    column: str
    key: str
    en: str
    zh: str


def _flow(direction: str) -> str:
    """HK_IMPORT trips carry goods leaving the Mainland (a Mainland export), HK_EXPORT entering."""
    return "export" if direction == "HK_IMPORT" else "import"


def _owner_words(flow: str) -> tuple[str, str]:
    return ("生产销售单位", "producing/selling enterprise") if flow == "export" else (
        "消费使用单位", "consuming/using enterprise")


def _line_values(lines: pd.DataFrame) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(submission_id, trader, invoice_no) -> the invoice's own values for LINE_COLUMNS."""
    present = [c for c in LINE_COLUMNS if c in lines.columns]
    if not present or lines.empty:
        return {}
    keys = ["submission_id", "trader", "invoice_no"]
    first = lines[[*keys, *present]].astype({"invoice_no": "object"}).groupby(keys, sort=False)[present].first()
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for key, rec in zip(first.index, first.to_dict("records"), strict=True):
        vals = {str(k): v for k, v in rec.items() if v is not None and not (isinstance(v, float) and v != v)
                and str(v).strip() != ""}
        out[(str(key[0]), str(key[1]), str(key[2]))] = vals
    return out


def _party_needs(prefix: str, party: CnParty | None, en: str, zh: str,
                 need_code: bool) -> Iterator[_Need]:
    if party is None or not (party.name_zh or party.name_en):
        yield _Need("", f"{prefix}.name_zh", f"the {en}'s name", f"{zh}名称")
    if party is None or not party.uscc:
        yield _Need("", f"{prefix}.uscc", f"the {en}'s 18-character USCC", f"{zh}统一社会信用代码")
    if need_code and (party is None or not party.customs_code):
        yield _Need("", f"{prefix}.customs_code", f"the {en}'s 10-character customs code", f"{zh}海关编码")


def _charge(prefix: str, charge: Charge | None, own: dict[str, Any], what: str, zh: str,
            needed: bool) -> tuple[dict[str, Any], list[_Need]]:
    """(freight_ or insurance_ columns, needs) from the invoice's columns, else trader.yaml."""
    col = "freight" if prefix == "freight" else "insurance"
    value = own.get(f"{col}_amount_value", charge.value if charge else None)
    mark = own.get(f"{col}_mark", charge.mark if charge else None)
    currency = own.get(f"{col}_amount_currency", charge.currency if charge else None)
    cols = {f"{col}_amount_value": value, f"{col}_amount_currency": currency, f"{col}_mark": mark}
    needs: list[_Need] = []
    if needed and (value is None or mark is None):
        needs.append(_Need(f"{col}_amount_value", f"mainland.{prefix}",
                           f"the {what} (value, currency and mark)", zh))
    elif needed and str(mark) != "1" and currency is None:
        needs.append(_Need(f"{col}_amount_currency", f"mainland.{prefix}.currency", f"the {what} currency",
                           f"{zh}币制"))
    return cols, needs


def _consignment(con: dict[str, Any], own: dict[str, Any], mr: MainlandRecord, flow: str,
                 ) -> tuple[dict[str, Any], list[_Need]]:
    """The Mainland columns of one consignment and what is missing for them."""
    vals: dict[str, Any] = {
        "contract_no": own.get("contract_no", mr.contract_no),
        # 提（运）单号: the invoice's own column, else the trip plan's bill_nos (already on the consignment)
        "cn_bill_no": own.get("cn_bill_no", con.get("cn_bill_no")),
        "trading_country": own.get("trading_country", mr.trading_country),
        "cn_foreign_port": own.get("cn_foreign_port", mr.foreign_port),
        "marks_and_numbers": own.get("marks_and_numbers", mr.marks_and_numbers),
        "goods_place": own.get("goods_place", mr.goods_place),
        "cn_entry_type": mr.entry_type, "cn_decl_trn_rel": mr.decl_trn_rel, "cn_dec_type": mr.dec_type,
    }
    port = "指运港" if flow == "export" else "启运港"
    needs = [n for n in (
        _Need("contract_no", "mainland.contract_no", "the contract number", "合同协议号"),
        _Need("trading_country", "mainland.trading_country", "the trading country", "贸易国"),
        _Need("cn_foreign_port", "mainland.foreign_port",
              f"the {'destination' if flow == 'export' else 'despatch'} port", port),
        _Need("marks_and_numbers", "mainland.marks_and_numbers", "the marks and numbers (N/M when none)", "标记唛码"),
        _Need("goods_place", "mainland.goods_place", "the goods place", "货物存放地点"),
        _Need("cn_entry_type", "mainland.entry_type", "the declaration's entry type", "报关单类型"),
        _Need("cn_decl_trn_rel", "mainland.decl_trn_rel", "the declaration/transit relation", "报关/转关关系标志"),
    ) if vals[n.column] is None]
    method = str(con.get("cn_transaction_method") or "")
    for prefix, charge, table, what, zh in (("freight", mr.freight, _FREIGHT_NEEDED, "freight", "运费"),
                                            ("insurance", mr.insurance, _INSURANCE_NEEDED, "insurance", "保费")):
        cols, more = _charge(prefix, charge, own, f"{what} ({_METHOD_NAMES.get(method, method)} terms)", zh,
                             method in table[flow])
        vals.update(cols)
        needs.extend(more)
    owner_zh, owner_en = _owner_words(flow)
    needs.extend(_party_needs("mainland.owner", mr.owner, f"owner ({owner_en})", owner_zh, need_code=False))
    needs.extend(_party_needs("mainland.declarant", mr.declarant, "Mainland declarant", "申报单位", need_code=True))
    needs.extend(_party_needs("mainland.trade_party", mr.trade_party, "domestic trade party", "境内收发货人",
                              need_code=True))
    return vals, needs


def _party_row(con: dict[str, Any], role: str, party: CnParty, label: str) -> dict[str, Any]:
    return {"submission_id": con["submission_id"], "version": con["version"],
            "consignment_seq": con["consignment_seq"], "role": role, "name": party.name_en,
            "name_zh": party.name_zh, "ids_cn_uscc": party.uscc, "ids_cn_customs_code": party.customs_code,
            "src_file": label}


def _hk_side(con: dict[str, Any], own: dict[str, Any], tin: TraderInput,
             ) -> tuple[str | None, list[dict[str, Any]], list[_Need]]:
    hk = tin.settings.hk
    place = own.get("place_of_loading", hk.place_of_loading)
    needs = [] if place is not None else [
        _Need("place_of_loading", "hk.place_of_loading", "the place of loading (UN/LOCODE)", "装货地点")]
    rows: list[dict[str, Any]] = []
    d = hk.declarant
    if d is None:
        needs.append(_Need("", "hk.declarant", "the Hong Kong declarant (name_en, hk_brn)", "香港报关人"))
    else:
        rows.append({"submission_id": con["submission_id"], "version": con["version"],
                     "consignment_seq": con["consignment_seq"], "role": "DECLARANT_HK", "name": d.name_en,
                     "name_zh": d.name_zh, "ids_hk_brn": d.hk_brn, "address_lines": d.address, "address_country": "HK",
                     "src_file": tin.settings_label})
    return place, rows, needs


def _held(con: dict[str, Any], label: str, need: _Need) -> CellProblem:
    inv = con["invoice_no"]
    where = str(con["src_file"])
    return CellProblem(
        where, str(con.get("src_sheet") or ""), int(con["src_row"]), need.column or need.key, need.key, "", RULE,
        f"{where}: invoice '{inv}' lacks {need.en}, which the declarations need; set {need.key} in {label}.",
        f"{where}：发票「{inv}」缺少{need.zh}，报关需要该项；请在 {label} 中设置 {need.key}。")


def fill_mainland_record(frames: dict[str, pd.DataFrame], lines: pd.DataFrame, traders: dict[str, TraderInput],
                         reference: Reference, sub_problems: list[tuple[str, CellProblem]]) -> None:
    """Fill the Mainland and Hong Kong columns and parties of the built frames, in place; what is
    missing is appended to ``sub_problems`` (holds the trip)."""
    goods = frames["goods_items"]
    if "cn_declaration_elements" in goods and not goods.empty:
        goods["cn_declaration_elements"] = declaration_element_codes(goods["cn_declaration_elements"], reference)
    if not goods.empty:
        _hk_quantities(goods)
    cons = frames["consignments"]
    if cons.empty:
        return
    direction = dict(zip(frames["submissions"]["submission_id"], frames["submissions"]["direction"], strict=True))
    own_values = _line_values(lines)
    rows: list[dict[str, Any]] = []
    parties: list[dict[str, Any]] = []
    for rec in cons.to_dict("records"):
        con = {str(k): v for k, v in rec.items()}
        sid, trader = str(con["submission_id"]), str(con["trader"])
        tin = traders[trader]
        own = own_values.get((sid, trader, str(con["invoice_no"])), {})
        flow = _flow(str(direction[sid]))
        mr = tin.settings.mainland
        vals, needs = _consignment(con, own, mr, flow)
        vals["place_of_loading"], hk_rows, hk_needs = _hk_side(con, own, tin)
        rows.append(vals)
        parties.extend(hk_rows)
        for role, party in (("OWNER", mr.owner), ("DECLARANT_CN", mr.declarant),
                            ("EXPORTER" if flow == "export" else "IMPORTER", mr.trade_party)):
            if party is not None:
                parties.append(_party_row(con, role, party, tin.settings_label))
        sub_problems.extend((sid, _held(con, tin.settings_label, n)) for n in (*needs, *hk_needs))
    filled = pd.DataFrame(rows, index=cons.index)
    for col in filled.columns:
        cons[col] = filled[col].astype(object)
    if parties:
        frames["parties"] = pd.concat([frames["parties"], pd.DataFrame(parties)], ignore_index=True)
    _batch_numbers(frames["submissions"], sub_problems)


def _hk_quantities(goods: pd.DataFrame) -> None:
    """TDEC quantity and unit per item, in place: the source's own HK quantity where it sends one, else
    the commercial quantity in its UN/ECE Rec 20 unit (the C&SD unit list is not public)."""
    for hk, own in (("hk_qty", "quantity_value"), ("hk_unit", "quantity_unit")):
        given = goods[hk] if hk in goods else pd.Series(None, index=goods.index, dtype=object)
        goods[hk] = given.where(given.notna(), goods[own]) if own in goods else given


def _batch_numbers(subs: pd.DataFrame, sub_problems: list[tuple[str, CellProblem]]) -> None:
    """货物运输批次号 is assigned by the carrier for the crossing: the trip plan's cn_batch_no, or held."""
    for row in subs[subs["cn_trip_batch_no"].isna()].to_dict("records"):
        rec = {str(k): v for k, v in row.items()}
        where = str(rec["src_file"])
        sub_problems.append((str(rec["submission_id"]), CellProblem(
            where, str(rec.get("src_sheet") or ""), int(rec["src_row"]), "cn_trip_batch_no", "cn_batch_no", "", RULE,
            f"{where} row {rec['src_row']}: trip '{rec['trip_ref']}' has no cargo transport batch number "
            "(货物运输批次号), which the Mainland road manifest needs; fill the column cn_batch_no of the trip plan.",
            f"{where} 第{rec['src_row']}行：车次「{rec['trip_ref']}」缺少货物运输批次号，内地公路舱单需要该项；"
            "请填写车次计划的 cn_batch_no（货物运输批次号）列。")))


def declaration_element_codes(elements: pd.Series, reference: Reference) -> pd.Series:
    """申报要素 lists with the trader's words for 品牌类型 (element 0) and 出口享惠情况 (element 1)
    replaced by their codes (无品牌 → 0, 不享惠 → 0 …). A word the crosswalks do not know stays as
    written, so rule V16 names it; the other elements are the trader's values, untouched."""
    words = [{normalise_key(k): v for k, v in reference.crosswalk(name).items()}
             for name in ("xw_brand_type_cn", "xw_export_preference_cn")]
    done: dict[tuple[str, ...], list[str]] = {}

    def coded(values: Any) -> Any:
        if not isinstance(values, list | tuple) or not values:
            return values
        key = tuple(str(v) for v in values)
        if key not in done:
            head = [words[i].get(normalise_key(v), v) for i, v in enumerate(key[:2])]
            done[key] = [*head, *key[2:]]
        return done[key]

    return pd.Series([coded(v) for v in elements], index=elements.index, dtype=object)
