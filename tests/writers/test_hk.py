"""The Hong Kong filing: WCO DM names, the eight ROCARS ACI items, SSDD scheme flag."""

from __future__ import annotations

import pytest

from tests.writers.conftest import make_bundle
from tests.writers.helpers import one, parse, xp
from transforms.filing.writers.context import WriterContext
from transforms.filing.writers.hk import HkWriter
from transforms.filing.writers.values import MappingError
from transforms.model.bundle import FilingBundle

W = HkWriter()


def test_header_and_conveyance(lmc: FilingBundle, ctx: WriterContext) -> None:
    doc = parse(W.render(lmc, ctx))
    assert one(doc, "/h:HkFiling/h:SubmissionID") == lmc.submission_id
    assert one(doc, "/h:HkFiling/h:Version") == "1"
    assert one(doc, "/h:HkFiling/h:Scheme") == "SSDD_FORWARDED"
    assert one(doc, "//h:MetaData/h:WCODataModelVersionCode") == "3.6"
    assert one(doc, "//h:MetaData/h:ResponsibleCountryCode") == "HK"
    assert one(doc, "//h:Declaration/h:FunctionCode") == "9"
    assert one(doc, "//h:Declaration/h:FunctionalReferenceID") == lmc.submission_id
    assert one(doc, "//h:Declaration/h:TypeCode") == "IM"
    assert one(doc, "//h:Declaration/h:GoodsLocation/h:ID") == "LMC"
    assert one(doc, "//h:BorderTransportMeans/h:ID") == "XY1234"
    assert one(doc, "//h:BorderTransportMeans/h:IdentificationTypeCode") == "VRN"
    assert one(doc, "//h:BorderTransportMeans/h:ModeCode") == "3"   # Rec 19 road, not the 报关单's 4
    assert one(doc, "//h:Declaration/h:Declarant/h:ID") == "55554444"


def test_the_eight_aci_items(lmc: FilingBundle, ctx: WriterContext) -> None:
    doc = parse(W.render(lmc, ctx))
    c1 = "//h:Consignment[h:SequenceNumeric='1']"
    assert one(doc, f"{c1}/h:TotalPackageQuantity") == "15"                      # a
    assert one(doc, f"{c1}/h:Packaging/h:Description") == "Carton"               # b
    assert one(doc, f"{c1}/h:Packaging/h:TypeCode") == "CT"
    assert xp(doc, f"{c1}/h:GovernmentAgencyGoodsItem/h:Commodity/h:Description/text()") == [
        "Refined copper wire, max cross-section > 6 mm"] * 2                      # c
    assert one(doc, f"{c1}/h:Consignor/h:Name") == "Shenzhen Acme Metals Co., Ltd."   # d
    assert one(doc, f"{c1}/h:Consignor/h:Address/h:Line") == "18 Keji South Road, Nanshan District"  # e
    assert one(doc, f"{c1}/h:Consignee/h:Name") == "Kowloon Trading Limited"      # f
    assert xp(doc, f"{c1}/h:Consignee/h:Address/h:Line/text()") == [              # g
        "Unit 5, 8/F, Ocean Centre", "5 Canton Road, Tsim Sha Tsui"]
    assert one(doc, f"{c1}/h:ArrivalDateTime") == "2026-11-25T10:30:00+08:00"     # h
    assert xp(doc, f"{c1}/h:DepartureDateTime") == []
    assert one(doc, f"{c1}/h:GrossMassMeasure") == "315.500"
    assert one(doc, f"{c1}/h:GrossMassMeasure/@unitCode") == "KGM"
    assert one(doc, f"{c1}/h:UCR/h:TraderAssignedReferenceID") == "INV-2611-001"


def test_tdec_items_of_a_goods_line(lmc: FilingBundle, ctx: WriterContext) -> None:
    doc = parse(W.render(lmc, ctx))
    g = "//h:Consignment[h:SequenceNumeric='2']/h:GovernmentAgencyGoodsItem[h:SequenceNumeric='1']"
    assert one(doc, f"{g}/h:Commodity/h:Classification/h:ID") == "95030090"
    assert one(doc, f"{g}/h:Commodity/h:Classification/h:IdentificationTypeCode") == "HKHS"
    assert one(doc, f"{g}/h:GoodsMeasure/h:GrossMassMeasure") == "95.250"
    assert one(doc, f"{g}/h:GoodsMeasure/h:NetNetWeightMeasure") == "80.000"
    assert one(doc, f"{g}/h:InvoiceLine/h:ItemChargeAmount") == "12300.00"
    assert one(doc, f"{g}/h:InvoiceLine/h:ItemChargeAmount/@currencyID") == "HKD"
    assert one(doc, f"{g}/h:Origin/h:CountryCode") == "CN"


def test_export_is_an_independent_filing_with_departure_time(lmc_export: FilingBundle,
                                                             ctx: WriterContext) -> None:
    doc = parse(W.render(lmc_export, ctx))
    assert one(doc, "/h:HkFiling/h:Scheme") == "INDEPENDENT"
    assert one(doc, "//h:Declaration/h:TypeCode") == "EX"
    assert xp(doc, "//h:Consignment/h:DepartureDateTime/text()") == ["2026-11-25T10:30:00+08:00"] * 2
    assert xp(doc, "//h:Consignment/h:ArrivalDateTime") == []


def test_tdec_only_items_are_optional(ctx: WriterContext) -> None:
    b = make_bundle()
    for g in b.goods_items:
        g["hs_hk"] = None
        g["gross_mass_kg"] = g["net_mass_kg"] = None
    doc = parse(W.render(b, ctx))
    assert xp(doc, "//h:Classification") == []
    # the measure carries only the TDEC quantity, which is mandatory
    assert [e.tag.split("}")[1] for e in xp(doc, "//h:GovernmentAgencyGoodsItem/h:GoodsMeasure/*")] == [
        "TariffQuantity"] * 3


def test_tdec_items_quantity_place_of_loading_and_declarant(ctx: WriterContext) -> None:
    doc = parse(W.render(make_bundle(), ctx))
    assert xp(doc, "//h:Consignment/h:LoadingLocation/h:ID/text()") == ["CNSZX", "CNDGG"]
    assert xp(doc, "//h:Consignment/h:Declarant/h:ID/text()") == ["55554444", "55554444"]
    assert xp(doc, "//h:Consignment/h:Declarant/h:Name/text()") == ["Kowloon Customs Brokers Ltd"] * 2
    g = "//h:Consignment[h:SequenceNumeric='2']/h:GovernmentAgencyGoodsItem[h:SequenceNumeric='1']"
    assert one(doc, f"{g}/h:GoodsMeasure/h:TariffQuantity") == "500.00000"
    assert one(doc, f"{g}/h:GoodsMeasure/h:TariffQuantity/@unitCode") == "H87"


def test_missing_tdec_items_hold_the_trip(ctx: WriterContext) -> None:
    b = make_bundle()
    b.consignments[1]["place_of_loading"] = None
    b.goods_items[0]["hk_unit"] = None
    b.parties = [p for p in b.parties if p["role"] != "DECLARANT_HK"]
    assert [p.message_en for p in W.preflight(b, ctx)] == [
        "The Hong Kong declarant (TDEC) is missing for consignment 1; the trip is held until it is supplied.",
        "The quantity and unit of quantity (TDEC) are missing for consignment 1 line 1; the trip is held until "
        "they are supplied.",
        "The place of loading (TDEC) is missing for consignment 2; the trip is held until it is supplied.",
        "The Hong Kong declarant (TDEC) is missing for consignment 2; the trip is held until it is supplied.",
    ]


@pytest.mark.parametrize(("mutate", "item"), [
    (lambda b: b.consignments[0].update(package_description=None), "(b)"),
    (lambda b: b.parties_of(1, "CONSIGNEE").update(address_lines="  "), "(g)"),
    (lambda b: b.parties_of(2, "CONSIGNOR").update(name=None, name_zh=None), "(d)"),
    (lambda b: b.goods_items[2].update(description_en=None, description_zh=None), "(c)"),
])
def test_missing_aci_item_holds_the_trip(mutate, item: str, ctx: WriterContext) -> None:  # type: ignore[no-untyped-def]
    b = make_bundle()
    mutate(b)
    problems = W.preflight(b, ctx)
    assert len(problems) == 1
    assert f"ROCARS item {item}" in problems[0].message_en
    assert "暂缓申报" in problems[0].message_zh
    with pytest.raises(MappingError):
        W.render(b, ctx)


def test_chinese_description_is_used_when_no_english(ctx: WriterContext) -> None:
    b = make_bundle()
    b.goods_items[2]["description_en"] = None
    doc = parse(W.render(b, ctx))
    assert one(doc, "//h:Consignment[h:SequenceNumeric='2']//h:Commodity/h:Description") == "塑料玩具车"
