"""The Mainland filing: manifest, conveyance confirmation, 报关单-ready data; crosswalks and holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.writers.conftest import AS_OF, make_bundle, many_lines_bundle
from tests.writers.helpers import one, parse, xp
from transforms.bundle import FilingBundle
from transforms.reference import Reference
from transforms.writers.base import MappingError
from transforms.writers.cn import CnWriter
from transforms.writers.context import WriterContext
from transforms.writers.output import write_atomic
from transforms.writers.registry import ALL_WRITERS
from transforms.writers.schemas import validate

W = CnWriter()
M = "/c:CnFiling/c:Manifest"
CC = "/c:CnFiling/c:ConveyanceConfirmation"
DD = "/c:CnFiling/c:DeclarationData"


def test_manifest_for_goods_leaving_the_mainland(lmc: FilingBundle, ctx: WriterContext) -> None:
    doc = parse(W.render(lmc, ctx))
    assert one(doc, "/c:CnFiling/c:SubmissionID") == lmc.submission_id
    assert one(doc, "/c:CnFiling/c:Version") == "1"
    assert one(doc, "/c:CnFiling/c:Scheme") == "SSDD_FORWARDED"
    assert one(doc, f"{M}/c:Head/c:MessageType") == "MT2401"
    assert one(doc, f"{M}/c:Head/c:FunctionCode") == "9"
    assert one(doc, f"{M}/c:Head/c:ReceiverID") == "EPORT"
    assert one(doc, f"{M}/c:Head/c:SenderID") == "5301123456789_DXPESW0000012345"
    assert one(doc, f"{M}/c:Head/c:SendTime") == "20261125160000123"   # as-of 08:00:00.123 UTC in HK time
    assert one(doc, f"{M}/c:Declaration/c:DeclarationOfficeID") == "5301"
    assert one(doc, f"{M}/c:Declaration/c:ID") == "HKTRUCKT20261125-01"
    assert one(doc, f"{M}/c:Declaration/c:BorderTransportMeans/c:TypeCode") == "3"
    assert one(doc, f"{M}/c:Declaration/c:Carrier/c:ID") == "4403980009"
    assert one(doc, f"{M}/c:Declaration/c:LoadingLocation/c:ID") == "470201"
    assert one(doc, f"{M}/c:Declaration/c:LoadingLocation/c:LoadingDateTime") == "20261125103000"
    assert xp(doc, f"{M}/c:Declaration/c:UnloadingLocation") == []


def test_manifest_consignment_and_items(lmc: FilingBundle, ctx: WriterContext) -> None:
    doc = parse(W.render(lmc, ctx))
    c1 = f"{M}/c:Declaration/c:Consignment[1]"
    assert one(doc, f"{c1}/c:TotalPackageQuantity") == "15"
    assert one(doc, f"{c1}/c:TotalPackageQuantity/@unitCode") == "CT"          # Rec 21 in the manifest
    assert one(doc, f"{c1}/c:GovernmentAgencyGoodsItem/c:GoodsMeasure/c:GrossMassMeasure") == "315.500"
    assert one(doc, f"{c1}/c:ValueAmount/@currencyID") == "USD"
    assert one(doc, f"{c1}/c:TransportContractDocument/c:ID") == "HKTRUCK-B0001"
    assert xp(doc, f"{c1}/c:TransportContractDocument/c:Amendment") == []
    assert one(doc, f"{c1}/c:Consignor/c:Name") == "深圳市艾克美金属有限公司"
    assert one(doc, f"{c1}/c:ConsignmentItem[2]/c:Commodity/c:Classification/c:ID") == "7408110000"
    assert one(doc, f"{c1}/c:ConsignmentItem[2]/c:Commodity/c:CargoDescription") == "精炼铜丝"
    assert one(doc, f"{c1}/c:ConsignmentItem[2]/c:Packaging/c:QuantityQuantity/@unitCode") == "CT"
    assert one(doc, f"{c1}/c:TransportEquipment/c:ID") == "CSQU3054383"
    assert one(doc, f"{c1}/c:TransportEquipment/c:Seal/c:ID") == "SL0098812"
    assert one(doc, f"{c1}/c:GovernmentProcedure/c:CurrentCode") == "RD01"
    # the second consignment has no cn_bill_no: the trader's invoice number is the bill number
    assert one(doc, f"{M}/c:Declaration/c:Consignment[2]/c:TransportContractDocument/c:ID") == "HT-88017"


def test_conveyance_confirmation(lmc: FilingBundle, ctx: WriterContext) -> None:
    doc = parse(W.render(lmc, ctx))
    assert one(doc, f"{CC}/c:Head/c:MessageType") == "MT4402"
    d = f"{CC}/c:Declaration"
    assert one(doc, f"{d}/c:DeclarationOfficeID") == "5301"
    assert one(doc, f"{d}/c:BorderTransportMeans/c:ID") == "粤Z·A123港"
    assert one(doc, f"{d}/c:BorderTransportMeans/c:TypeCode") == "3"
    assert one(doc, f"{d}/c:BorderTransportMeans/c:Master/c:ID") == "D4403001234"
    assert one(doc, f"{d}/c:BorderTransportMeans/c:Master/c:Name") == "陈大文"
    assert one(doc, f"{d}/c:Trailer/c:ID") == "HT5678"
    assert one(doc, f"{d}/c:TransportEquipment/c:ID") == "CSQU3054383"
    assert one(doc, f"{d}/c:TransportEquipment/c:TareMassMeasure") == "2230.000"
    assert one(doc, f"{d}/c:TransportEquipment/c:Seal/c:ID") == "SL0098812"
    assert xp(doc, f"{d}/c:Consignment/c:TransportContractDocument/c:ID/text()") == ["HKTRUCK-B0001", "HT-88017"]
    assert one(doc, f"{M}/c:Head/c:MessageID") != one(doc, f"{CC}/c:Head/c:MessageID")


def test_declaration_head_uses_national_codes(lmc: FilingBundle, ctx: WriterContext) -> None:
    doc = parse(W.render(lmc, ctx))
    h = f"{DD}/c:Declaration[@consignmentSeq='1']/c:DecHead"
    assert one(doc, f"{h}/c:IEFlag") == "E"                 # HK_IMPORT: goods leave the Mainland
    assert one(doc, f"{h}/c:CustomMaster") == "5301"
    assert one(doc, f"{h}/c:IEPort") == "5301"
    assert one(doc, f"{h}/c:EntyPortCode") == "470201"
    assert one(doc, f"{h}/c:TrafMode") == "4"               # Rec 19 road 3 -> 运输方式 4
    assert one(doc, f"{h}/c:TrafName") == "粤Z·A123港"
    assert one(doc, f"{h}/c:WrapType") == "22"              # Rec 21 CT -> 22
    assert one(doc, f"{h}/c:PackNo") == "15"
    assert one(doc, f"{h}/c:GrossWet") == "315.500"
    assert one(doc, f"{h}/c:NetWt") == "300.000"
    assert one(doc, f"{h}/c:TradeCountry") == "HKG"         # HK -> HKG
    assert one(doc, f"{h}/c:TradeName") == "深圳市艾克美金属有限公司"
    assert one(doc, f"{h}/c:OverseasConsigneeEname") == "Kowloon Trading Limited"
    assert one(doc, f"{h}/c:AgentCode") == "4403180077"
    assert one(doc, f"{h}/c:TradeMode") == "0110"


def test_goods_lines_merge_into_one_declaration_item(lmc: FilingBundle, ctx: WriterContext) -> None:
    doc = parse(W.render(lmc, ctx))
    items = xp(doc, f"{DD}/c:Declaration[@consignmentSeq='1']/c:DecLists/c:DecList")
    assert len(items) == 1                                  # lines 1 and 2 share code, name, elements, origin, unit
    d = f"{DD}/c:Declaration[@consignmentSeq='1']/c:DecLists/c:DecList"
    assert xp(doc, f"{d}/c:SourceLine/text()") == ["1", "2"]
    assert one(doc, f"{d}/c:GNo") == "1"
    assert one(doc, f"{d}/c:CodeTS") == "7408110000"
    assert one(doc, f"{d}/c:GName") == "精炼铜丝"
    assert one(doc, f"{d}/c:GModel") == "4|3|精炼铜|横截面最大尺寸8mm|无品牌"
    assert one(doc, f"{d}/c:GQty") == "300.00000"
    assert one(doc, f"{d}/c:GUnit") == "035"                # KGM -> 035
    assert one(doc, f"{d}/c:FirstQty") == "300.00000"
    assert one(doc, f"{d}/c:DeclTotal") == "3000.15"
    assert one(doc, f"{d}/c:DeclPrice") == "10.0005"        # 3000.15 / 300, 4 dp
    assert one(doc, f"{d}/c:TradeCurr") == "USD"
    assert one(doc, f"{d}/c:OriginCountry") == "CHN"        # CN -> CHN
    assert one(doc, f"{d}/c:DestinationCountry") == "HKG"
    assert one(doc, f"{d}/c:GrossWet") == "315.500"


def test_piece_goods_with_two_legal_units(lmc: FilingBundle, ctx: WriterContext) -> None:
    doc = parse(W.render(lmc, ctx))
    d = f"{DD}/c:Declaration[@consignmentSeq='2']/c:DecLists/c:DecList"
    assert one(doc, f"{d}/c:GUnit") == "007"                # H87 -> 007
    assert one(doc, f"{d}/c:FirstUnit") == "007"
    assert one(doc, f"{d}/c:FirstQty") == "500.00000"       # the legal unit is the declared one
    assert one(doc, f"{d}/c:SecondUnit") == "035"
    assert one(doc, f"{d}/c:SecondQty") == "80.00000"       # a legal kilogram unit is the net mass
    assert one(doc, f"{d}/c:DeclPrice") == "24.6000"


def test_lines_that_differ_in_one_declared_attribute_do_not_merge(ctx: WriterContext) -> None:
    b = make_bundle()
    b.goods_items[1]["cn_declaration_elements"] = ["4", "3", "精炼铜", "横截面最大尺寸10mm", "无品牌"]
    doc = parse(W.render(b, ctx))
    assert len(xp(doc, f"{DD}/c:Declaration[@consignmentSeq='1']//c:DecList")) == 2
    assert xp(doc, f"{DD}/c:Declaration[@consignmentSeq='1']//c:DecList/c:GNo/text()") == ["1", "2"]


def test_goods_entering_the_mainland(lmc_export: FilingBundle, ctx: WriterContext) -> None:
    doc = parse(W.render(lmc_export, ctx))
    assert one(doc, "/c:CnFiling/c:Scheme") == "INDEPENDENT"
    assert one(doc, f"{M}/c:Head/c:MessageType") == "MT1401"
    assert one(doc, f"{CC}/c:Head/c:MessageType") == "MT4401"
    assert one(doc, f"{M}/c:Declaration/c:UnloadingLocation/c:ID") == "470201"
    assert one(doc, f"{M}/c:Declaration/c:UnloadingLocation/c:ArrivalDateTime") == "20261125"
    assert xp(doc, f"{M}/c:Declaration/c:LoadingLocation") == []
    h = f"{DD}/c:Declaration[@consignmentSeq='1']/c:DecHead"
    assert one(doc, f"{h}/c:IEFlag") == "I"
    assert one(doc, f"{h}/c:TradeName") == "深圳市艾克美金属有限公司"   # the Mainland consignee
    assert one(doc, f"{h}/c:OverseasConsignorEname") == "Kowloon Trading Limited"
    assert one(doc, f"{h}/c:TradeCountry") == "HKG"
    assert one(doc, f"{DD}/c:Declaration[@consignmentSeq='1']//c:DestinationCountry") == "CHN"


def test_amendment_carries_a_change_reason_on_every_consignment(ctx: WriterContext) -> None:
    b = make_bundle().stamp(2, "5")
    doc = parse(W.render(b, ctx))
    assert one(doc, "/c:CnFiling/c:Version") == "2"
    assert xp(doc, "//c:Head/c:FunctionCode/text()") == ["5", "5"]
    assert xp(doc, f"{M}//c:TransportContractDocument/c:Amendment/c:ChangeReasonCode/text()") == ["004", "004"]
    assert one(doc, f"{M}/c:Head/c:MessageID").endswith("_v2")
    assert validate("cn", W.render(b, ctx)) == []


def test_cancellation_is_a_delete_request_with_a_reason(ctx: WriterContext) -> None:
    doc = parse(W.render(make_bundle().stamp(3, "1"), ctx))
    assert xp(doc, "//c:Head/c:FunctionCode/text()") == ["3", "3"]
    assert xp(doc, f"{M}//c:Amendment/c:ChangeReasonCode/text()") == ["002", "002"]


def test_hzm_is_held_and_nothing_is_written(hzm: FilingBundle, ctx: WriterContext, tmp_path: Path) -> None:
    problems = [p for w in ALL_WRITERS for p in w.preflight(hzm, ctx)]
    messages = [p.message_en for p in problems]
    assert messages[0] == (
        "Control point HZM has no Mainland customs office code in reference table xw_control_point_cn "
        "(港珠澳大桥珠海公路口岸 code not published); the trip is held until the code is added.")
    assert "port code" in messages[1]
    assert all(p.writer == "cn" and p.table == "xw_control_point_cn" and p.value == "HZM" for p in problems)
    assert problems[0].message_zh.startswith("管制站 HZM 在参考表 xw_control_point_cn 中没有内地海关关区代码")
    # the filing step: any problem holds every file of the submission
    if not problems:
        for w in ALL_WRITERS:
            write_atomic(tmp_path / w.folder / w.filename(hzm), w.render(hzm, ctx), None)
    assert list(tmp_path.rglob("*")) == []
    with pytest.raises(MappingError, match="HZM"):
        W.render(hzm, ctx)


def test_a_control_point_without_port_code_is_held(ctx: WriterContext) -> None:
    # 莲塘 (HYW, opened 2020) is not in the official 2018 domestic port table; 深圳湾 (SBC) is
    sbc, hyw = make_bundle(control_point="SBC"), make_bundle(control_point="HYW")
    assert W.preflight(sbc, ctx) == []
    problems = W.preflight(hyw, ctx)
    assert [p.message_en for p in problems] == [
        "Control point HYW has no Mainland port code (6-digit) in reference table xw_control_point_cn; the trip "
        "is held until the code is added."]


@pytest.mark.parametrize(("field", "value", "table", "where"), [
    ("quantity_unit", "BLL", "xw_unit_rec20_cn", "line"),
    ("total_packages_type", "AE", "xw_package_rec21_cn", "consignment"),
    ("country_of_origin", "XK", "xw_country_iso_cn", "line"),
])
def test_unmapped_national_code_is_a_problem(field: str, value: str, table: str, where: str,
                                             ctx: WriterContext) -> None:
    b = make_bundle()
    row = b.goods_items[2] if where == "line" else b.consignments[1]
    row[field] = value
    problems = W.preflight(b, ctx)
    assert len(problems) == 1
    p = problems[0]
    assert (p.field, p.value, p.table, p.consignment_seq) == (field, value, table, 2)
    assert f"{value} (consignment 2" in p.message_en and table in p.message_en
    assert table in p.message_zh
    with pytest.raises(MappingError):
        W.render(b, ctx)


@pytest.mark.parametrize(("mutate", "fragment"), [
    (lambda b: b.goods_items[0].update(cn_unit_legal_1=None), "legal first unit"),
    (lambda b: b.goods_items[0].update(hs_cn=None), "commodity code"),
    (lambda b: b.goods_items[0].update(description_zh=None), "Chinese goods name"),
    (lambda b: b.goods_items[0].update(cn_declaration_elements=["4", "a|b"]), "contains '|'"),
    (lambda b: b.transport.update(driver_cn_code=None), "driver's Mainland customs code"),
    (lambda b: b.submission.update(cn_trip_batch_no=None), "trip batch number"),
    (lambda b: b.equipment[0].update(full_empty="F"), "not a CN016 code"),
])
def test_missing_or_invalid_mainland_data_is_a_problem(mutate, fragment: str,  # type: ignore[no-untyped-def]
                                                       ctx: WriterContext) -> None:
    b = make_bundle()
    mutate(b)
    problems = W.preflight(b, ctx)
    assert len(problems) == 1, [p.message_en for p in problems]
    assert fragment in problems[0].message_en
    assert "暂缓申报" in problems[0].message_zh


def test_split_at_max_items(reference: Reference) -> None:
    ctx = WriterContext(reference=reference, as_of=AS_OF, max_items=50)
    doc = parse(W.render(many_lines_bundle(120), ctx))
    blocks = xp(doc, f"{DD}/c:Declaration")
    assert [len(xp(b, "c:DecLists/c:DecList")) for b in blocks] == [50, 50, 20]
    assert [(b.get("part"), b.get("parts")) for b in blocks] == [("1", "3"), ("2", "3"), ("3", "3")]
    assert xp(blocks[2], "c:DecLists/c:DecList[1]/c:GNo/text()") == ["1"]          # GNo restarts per block
    assert xp(blocks[2], "c:DecLists/c:DecList[1]/c:SourceLine/text()") == ["101"]
    # each part carries the totals of its own lines
    assert xp(blocks[0], "c:DecHead/c:PackNo/text()") == ["50"]
    assert xp(blocks[2], "c:DecHead/c:PackNo/text()") == ["20"]
    assert xp(blocks[2], "c:DecHead/c:GrossWet/text()") == ["50.000"]
    # the manifest is not split
    assert len(xp(doc, f"{M}//c:ConsignmentItem")) == 120


def test_no_split_at_exactly_max_items(reference: Reference) -> None:
    ctx = WriterContext(reference=reference, as_of=AS_OF, max_items=50)
    doc = parse(W.render(many_lines_bundle(50), ctx))
    assert len(xp(doc, f"{DD}/c:Declaration")) == 1
    assert one(doc, f"{DD}/c:Declaration/c:DecHead/c:PackNo") == "50"


def test_split_needs_per_line_packages(reference: Reference) -> None:
    ctx = WriterContext(reference=reference, as_of=AS_OF, max_items=2)
    b = make_bundle()
    b.goods_items[1]["cn_declaration_elements"] = ["x"]
    b.goods_items[0]["cn_declaration_elements"] = ["y"]
    b.goods_items.append({**b.goods_items[0], "line_no": 3, "cn_declaration_elements": ["z"], "packages_qty": None})
    problems = W.preflight(b, ctx)
    assert len(problems) == 1 and "split 3 items" in problems[0].message_en


def test_price_is_rounded_to_four_places(ctx: WriterContext) -> None:
    b = make_bundle()
    g = b.goods_items[2]
    g.update(quantity_value=3.0, line_amount_value=100.0)
    doc = parse(W.render(b, ctx))
    assert one(doc, f"{DD}/c:Declaration[@consignmentSeq='2']//c:DeclPrice") == "33.3333"
