"""trader.yaml's mainland:/hk: sections and the trip plan's batch number fill the canonical record;
whatever a declaration needs and nobody gave holds the trip with a sentence naming the key to set."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from transforms.assembly.assemble import assemble
from transforms.devtools.samples import AS_OF, write_sample_inbox
from transforms.ingest.folders import ingest_trader
from transforms.ingest.profiles.registry import load_profiles
from transforms.model.inputs import Assembly
from transforms.model.reference import Reference
from transforms.plumbing.timeutil import parse_as_of


@pytest.fixture()
def inbox(tmp_path: Path) -> Path:
    return write_sample_inbox(tmp_path)


def _edit_settings(inbox: Path, change: Any) -> None:
    path = inbox / "acme" / "trader.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


def _assemble(inbox: Path) -> Assembly:
    ref = Reference.load()
    ingested = ingest_trader(inbox / "acme", inbox, load_profiles(), ref)
    assert ingested.input is not None, [f.reason for f in ingested.files]
    return assemble([ingested.input], ref, as_of=parse_as_of(AS_OF), pending_max_age=timedelta(hours=48))


def _holds(asm: Assembly) -> list[str]:
    return [p.message_en for _, p in asm.submission_problems if p.rule_id == "A06"]


def test_sample_settings_fill_the_mainland_and_hong_kong_record(inbox: Path) -> None:
    asm = _assemble(inbox)
    assert _holds(asm) == []
    con = asm.frames["consignments"].iloc[0]
    assert (con["contract_no"], con["trading_country"], con["cn_foreign_port"], con["marks_and_numbers"]) == (
        "ACME-HK-2026-01", "HK", "HKG000", "N/M")
    assert (con["goods_place"], con["cn_entry_type"], con["cn_decl_trn_rel"], con["place_of_loading"]) == (
        "文锦渡海关监管场站", "M", "0", "CNDGG")
    assert con["freight_amount_value"] is None  # FOB out of the Mainland: no freight on the declaration
    parties = asm.frames["parties"].set_index("role")
    assert parties.loc["OWNER", "ids_cn_uscc"] == "91441900MA4UKL8X5R"
    assert parties.loc["EXPORTER", "ids_cn_customs_code"] == "4419960123"
    assert parties.loc["DECLARANT_CN", "name_zh"] == "东莞市艾克美服装有限公司"
    assert parties.loc["DECLARANT_HK", "ids_hk_brn"] == "31415926"
    assert asm.frames["submissions"].iloc[0]["cn_trip_batch_no"] == "4403961230001"
    goods = asm.frames["goods_items"].set_index("sku")
    assert (goods.loc["AC-SHOE-RN", "hk_qty"], goods.loc["AC-SHOE-RN", "hk_unit"]) == (600, "PR")


def test_a_missing_owner_code_holds_the_trip_naming_the_key(inbox: Path) -> None:
    _edit_settings(inbox, lambda d: d["mainland"]["owner"].pop("uscc"))
    assert _holds(_assemble(inbox)) == [
        "acme/goods_lines_20261125.xlsx: invoice 'ACME-INV-7001' lacks the owner (producing/selling enterprise)'s "
        "18-character USCC, which the declarations need; set mainland.owner.uscc in acme/trader.yaml."]


def test_without_a_mainland_section_every_needed_key_is_named(inbox: Path) -> None:
    _edit_settings(inbox, lambda d: (d.pop("mainland"), d.pop("hk")))
    keys = [m.split("; set ")[1].split(" in ")[0] for m in _holds(_assemble(inbox))]
    assert keys == ["mainland.contract_no", "mainland.trading_country", "mainland.foreign_port",
                    "mainland.marks_and_numbers", "mainland.goods_place", "mainland.entry_type",
                    "mainland.decl_trn_rel", "mainland.owner.name_zh", "mainland.owner.uscc",
                    "mainland.declarant.name_zh", "mainland.declarant.uscc", "mainland.declarant.customs_code",
                    "mainland.trade_party.name_zh", "mainland.trade_party.uscc", "mainland.trade_party.customs_code",
                    "hk.place_of_loading", "hk.declarant"]


def test_cif_terms_out_of_the_mainland_need_freight_and_insurance(inbox: Path) -> None:
    _edit_settings(inbox, lambda d: d["declaration"].update(cn_transaction_method="1"))
    holds = _holds(_assemble(inbox))
    assert [h.split("; set ")[1] for h in holds] == ["mainland.freight in acme/trader.yaml.",
                                                     "mainland.insurance in acme/trader.yaml."]
    assert "lacks the freight (CIF terms) (value, currency and mark)" in holds[0]

    def charges(d: dict[str, Any]) -> None:
        d["declaration"]["cn_transaction_method"] = "1"
        d["mainland"]["freight"] = {"value": 1200, "currency": "HKD", "mark": 3}
        d["mainland"]["insurance"] = {"value": 0.3, "mark": "1"}
    _edit_settings(inbox, charges)
    asm = _assemble(inbox)
    assert _holds(asm) == []
    con = asm.frames["consignments"].iloc[0]
    assert (con["freight_amount_value"], con["freight_amount_currency"], con["freight_mark"]) == (1200, "HKD", "3")
    assert (con["insurance_amount_value"], con["insurance_amount_currency"], con["insurance_mark"]) == (0.3, None, "1")


def test_a_trip_without_a_batch_number_is_held(inbox: Path) -> None:
    plan = inbox / "acme" / "trip_plan.csv"
    plan.write_text(plan.read_text(encoding="utf-8-sig").replace(",4403961230001", ","), encoding="utf-8-sig")
    holds = _holds(_assemble(inbox))
    assert holds == ["acme/trip_plan.csv row 2: trip 'AC-T101' has no cargo transport batch number (货物运输批次号), "
                     "which the Mainland road manifest needs; fill the column cn_batch_no of the trip plan."]


def test_the_invoices_own_contract_number_wins_over_trader_yaml(inbox: Path) -> None:
    from openpyxl import load_workbook

    path = inbox / "acme" / "goods_lines_20261125.xlsx"
    wb = load_workbook(path)
    ws = wb.active
    assert ws is not None
    col = ws.max_column + 1
    ws.cell(row=1, column=col, value="合同协议号")
    for r in range(2, ws.max_row + 1):
        ws.cell(row=r, column=col, value="CT-7001")
    wb.save(path)
    asm = _assemble(inbox)
    assert asm.frames["consignments"].iloc[0]["contract_no"] == "CT-7001"


def test_the_item_masters_ciq_code_reaches_every_goods_line(inbox: Path) -> None:
    master = inbox / "acme" / "item_master.csv"
    text = master.read_text(encoding="utf-8-sig").replace("6404110000,999,", "6404110000,101,")
    master.write_text(text.replace(",ciq_code,", ",检验检疫编码,"), encoding="utf-8-sig")   # the Chinese header
    goods = _assemble(inbox).frames["goods_items"].set_index("sku")["cn_ciq_code"].to_dict()
    assert goods == {"AC-TS-COT": "999", "AC-SHOE-RN": "101", "AC-CHAIR-O": "999"}


def test_a_ciq_code_that_is_not_three_digits_is_a_finding_on_the_item_masters_cell(inbox: Path) -> None:
    import os

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    from expectations import validate
    from expectations.rules import RULES
    from transforms.assembly.provenance import master_origins, point_to_origin

    master = inbox / "acme" / "item_master.csv"
    master.write_text(master.read_text(encoding="utf-8-sig").replace("6404110000,999,", "6404110000,99,"),
                      encoding="utf-8-sig")
    ref = Reference.load()
    ingested = ingest_trader(inbox / "acme", inbox, load_profiles(), ref)
    assert ingested.input is not None
    asm = assemble([ingested.input], ref, as_of=parse_as_of(AS_OF), pending_max_age=timedelta(hours=48))
    out = validate(asm.frames, reference=ref, as_of=parse_as_of(AS_OF), source_headers=ingested.source_headers,
                   rules=tuple(r for r in RULES if r.key == "V06.ciq_code_format"))
    assert out.held == set(asm.frames["submissions"]["submission_id"])
    found = point_to_origin(out.findings, master_origins([ingested.input]), ingested.source_headers)
    assert found[["src_file", "src_row", "src_column", "value"]].values.tolist() == [
        ["acme/item_master.csv", 3, "ciq_code", "99"]]
    assert found["message_en"].tolist() == [
        "acme/item_master.csv row 3, column ciq_code: cn_ciq_code '99' must be 3 digits (检验检疫编码)."]
    assert found["message_zh"].tolist() == ["acme/item_master.csv 第3行「ciq_code」列：检验检疫编码「99」应为3位数字。"]


def test_the_invoices_own_bill_number_reaches_the_consignment(inbox: Path) -> None:
    # acme's goods lines carry 提运单号 (cn_bill_no); its trip plan lists none
    assert _assemble(inbox).frames["consignments"].iloc[0]["cn_bill_no"] == "HT2611250701"
