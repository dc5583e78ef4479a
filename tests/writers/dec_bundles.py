"""Bundles for the 报关单 DecMessage tests: the writer fixture of ``conftest.make_bundle`` completed with
what a declaration needs (owner, domestic trade party, contract, ports, marks, goods place, entry type,
freight and insurance, CIQ codes).

The main case is a HK_EXPORT trip (goods entering the Mainland at Lok Ma Chau / 皇岗): consignment 1
(FOB, so freight and insurance are declared; lines 1 and 2 merge into one item), consignment 2 (CIF).
"""

from __future__ import annotations

from typing import Any

from tests.writers.conftest import _party, make_bundle, many_lines_bundle
from transforms.model.bundle import FilingBundle, content_hash

_OWNER = dict(name="Shenzhen Acme Metals Co., Ltd.", name_zh="深圳市艾克美金属有限公司",
              ids_cn_uscc="91440300MA5F00012K", ids_cn_customs_code="4403960001")
_TOYS_OWNER = dict(name="Dongguan Happy Toys Factory", name_zh="东莞市快乐玩具厂",
                   ids_cn_uscc="91441900MA4W00023P", ids_cn_customs_code="4419930002")


def _complete(b: FilingBundle) -> FilingBundle:
    sid = b.submission_id
    importing = b.submission["direction"] == "HK_EXPORT"   # into the Mainland
    trade_role = "IMPORTER" if importing else "EXPORTER"
    for seq, owner in ((1, _OWNER), (2, _TOYS_OWNER)):
        if any(int(c["consignment_seq"]) == seq for c in b.consignments):
            b.parties.append(_party(sid, seq, "OWNER", **owner))
            b.parties.append(_party(sid, seq, trade_role, **owner))
    common: dict[str, Any] = dict(trading_country="HK", cn_foreign_port="HKG000", marks_and_numbers="N/M",
                                  goods_place="皇岗口岸监管场站", cn_entry_type="M", cn_decl_trn_rel="0")
    for c in b.consignments:
        c.update(common)
        c["contract_no"] = f"CT-{c['invoice_no']}"
        if int(c["consignment_seq"]) == 1:   # FOB into the Mainland: freight and insurance are declared
            c.update(freight_amount_value=500.0, freight_amount_currency="HKD", freight_mark="3",
                     insurance_amount_value=0.3, insurance_mark="1")
        else:   # CIF into the Mainland, FOB out of it: no freight or insurance to state
            c["cn_transaction_method"] = "1" if importing else "3"
    for g in b.goods_items:
        if not g.get("cn_ciq_code"):
            g["cn_ciq_code"] = "999"
        g["cn_origin_place"] = None
    b.submission["content_hash"] = content_hash(b)
    return b


def dec_bundle(direction: str = "HK_EXPORT", control_point: str = "LMC") -> FilingBundle:
    return _complete(make_bundle(direction=direction, control_point=control_point))


def dec_many_lines(n: int) -> FilingBundle:
    """One consignment of ``n`` goods lines that do not merge, going into the Mainland."""
    b = many_lines_bundle(n)
    b.submission["direction"] = "HK_EXPORT"
    c = b.consignments[0]
    c.update(country_of_consignment="HK", country_of_destination="CN")
    b.parties = [p for p in b.parties if p["role"] not in ("CONSIGNOR", "CONSIGNEE")]
    b.parties.append(_party(b.submission_id, 1, "CONSIGNOR", name="Kowloon Trading Limited", address_country="HK"))
    b.parties.append(_party(b.submission_id, 1, "CONSIGNEE", **_OWNER))
    for g in b.goods_items:
        g["cn_ciq_code"] = "999"
    return _complete(b)
