"""The 报关单 DecMessage writer: values, order against the official schema and sample, splits, holds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import xmlschema
from lxml import etree

from tests.writers.conftest import AS_OF
from tests.writers.dec_bundles import dec_bundle, dec_many_lines
from tests.writers.test_cn_dec_schema import OFFICIAL, official_sample
from transforms.filing.writers import cn_dec
from transforms.filing.writers.cn_settings import MainlandSettings
from transforms.filing.writers.context import WriterContext
from transforms.filing.writers.schemas import SCHEMA_DIR
from transforms.filing.writers.values import MappingError, serialise
from transforms.model.bundle import FilingBundle
from transforms.model.reference import Reference

GOLDEN = Path(__file__).parent / "golden" / "cn_dec.xml"
D = "{" + cn_dec.NAMESPACE + "}"
XS = "{http://www.w3.org/2001/XMLSchema}"


@pytest.fixture
def ctx() -> WriterContext:
    return WriterContext(reference=Reference.load(), as_of=AS_OF, settings=MainlandSettings())


def docs(bundle: FilingBundle, ctx: WriterContext) -> list[tuple[str, etree._Element]]:
    out = cn_dec.documents(bundle, ctx)
    for name, tree in out:
        assert cn_dec.validate(tree) == [], name
    return out


def val(tree: etree._Element, path: str) -> str:
    found = tree.findall("/".join(D + p for p in path.split("/")))
    assert len(found) == 1, f"{path}: {len(found)} matches"
    return found[0].text or ""


def test_golden_declaration(ctx: WriterContext) -> None:
    data = serialise(docs(dec_bundle(), ctx)[0][1])
    if os.environ.get("SSDD_UPDATE_GOLDEN") == "1":
        GOLDEN.write_bytes(data)
    assert data == GOLDEN.read_bytes(), "cn_dec output changed; review, then regenerate with SSDD_UPDATE_GOLDEN=1"
    assert xmlschema.XMLSchema10(str(SCHEMA_DIR / cn_dec.SCHEMA)).is_valid(data.decode())


def test_one_file_per_declaration_named_after_the_submission(ctx: WriterContext) -> None:
    b = dec_bundle()
    names = [n for n, _ in docs(b, ctx)]
    assert names == [f"{b.submission_id}_v1_dec1.xml", f"{b.submission_id}_v1_dec2.xml"]


def test_import_head_values(ctx: WriterContext) -> None:
    t = docs(dec_bundle(), ctx)[0][1]
    expect = {
        "IEFlag": "I", "AgentCode": "4403180077", "AgentName": "深圳市皇岗报关有限公司",
        "AgentCodeScc": "91440300MA5G00034R",
        "CopName": "深圳市皇岗报关有限公司", "CopCode": "MA5G00034", "CopCodeScc": "91440300MA5G00034R",
        "TradeCode": "4403960001", "TradeName": "深圳市艾克美金属有限公司", "TradeCoScc": "91440300MA5F00012K",
        "OwnerCode": "4403960001", "OwnerName": "深圳市艾克美金属有限公司", "OwnerCodeScc": "91440300MA5F00012K",
        "CustomMaster": "5301", "IEPort": "5301", "EntyPortCode": "470201", "TrafMode": "4", "TrafName": "",
        "DistinatePort": "HKG000", "DespPortCode": "HKG000", "TradeCountry": "HKG", "TradeAreaCode": "HKG",
        "WrapType": "22", "PackNo": "15", "GrossWet": "315.500", "NetWt": "300.000", "BillNo": "HKTRUCK-B0001",
        "ContrNo": "CT-INV-2611-001", "TradeMode": "0110", "TransMode": "3", "CutMode": "101", "IEDate": "20261125",
        "FeeMark": "3", "FeeRate": "500.00", "FeeCurr": "HKD", "InsurMark": "1", "InsurRate": "0.30", "InsurCurr": "",
        "MarkNo": "N/M", "GoodsPlace": "皇岗口岸监管场站", "EntryType": "M", "DeclTrnRel": "0", "EdiId": "1",
        "OverseasConsignorEname": "Kowloon Trading Limited", "SeqNo": "", "EntryId": "", "PromiseItmes": "",
    }
    assert {k: val(t, f"DecHead/{k}") for k in expect} == expect
    assert t.find(f"{D}DecHead/{D}VoyNo") is None
    assert val(t, "DecFreeTxt/VoyNo") == "HKTRUCKT20261125-01"
    sign = {k: val(t, f"DecSign/{k}") for k in cn_dec.SIGN}
    assert sign["OperType"] == "G" and sign["Sign"] == "" and sign["HostId"] == "" and sign["ICCode"] == ""
    assert sign["SignDate"] == "2026112516000012"   # as-of 16:00:00.12 Hong Kong time
    assert len(sign["ClientSeqNo"]) == 18


def test_items_merge_and_carry_no_bookkeeping(ctx: WriterContext) -> None:
    t = docs(dec_bundle(), ctx)[0][1]
    items = t.findall(f"{D}DecLists/{D}DecList")
    assert len(items) == 1   # lines 1 and 2 share every declared attribute
    it = {e.tag.removeprefix(D): e.text or "" for e in items[0]}
    assert {k: it[k] for k in ("GNo", "CodeTS", "CiqCode", "GName", "GModel", "GQty", "GUnit", "FirstQty",
                               "FirstUnit", "DeclTotal", "DeclPrice", "TradeCurr", "OriginCountry",
                               "DestinationCountry", "DutyMode", "DistrictCode", "DestCode")} == {
        "GNo": "1", "CodeTS": "7408110000", "CiqCode": "999", "GName": "精炼铜丝",
        "GModel": "4|3|精炼铜|横截面最大尺寸8mm|无品牌",
        "GQty": "300.00000", "GUnit": "035", "FirstQty": "300.00000", "FirstUnit": "035", "DeclTotal": "3000.15",
        "DeclPrice": "10.0005", "TradeCurr": "USD", "OriginCountry": "CHN", "DestinationCountry": "CHN",
        "DutyMode": "1", "DistrictCode": "44031", "DestCode": ""}
    assert not {"SourceLine", "GrossWet", "NetWt"} & set(it)
    box = {e.tag.removeprefix(D): e.text for e in t.find(f"{D}DecContainers/{D}Container")}  # type: ignore[union-attr]
    assert box == {"ContainerId": "CSQU3054383", "ContainerMd": "21", "GoodsNo": "1", "LclFlag": "1"}


def test_differing_declaration_elements_do_not_merge(ctx: WriterContext) -> None:
    b = dec_bundle()
    b.goods_items[1]["cn_declaration_elements"] = ["4", "3", "精炼铜", "横截面最大尺寸6mm", "无品牌"]
    items = docs(b, ctx)[0][1].findall(f"{D}DecLists/{D}DecList")
    assert [i.findtext(f"{D}GQty") for i in items] == ["200.00000", "100.00000"]


def test_export_swaps_origin_and_destination_and_leaves_import_only_fields_empty(ctx: WriterContext) -> None:
    t = docs(dec_bundle("HK_IMPORT"), ctx)[0][1]
    assert val(t, "DecHead/IEFlag") == "E"
    assert val(t, "DecHead/TradeCountry") == "HKG"        # 运抵国
    assert val(t, "DecHead/DespPortCode") == "" and val(t, "DecHead/IEDate") == ""
    assert val(t, "DecHead/OverseasConsigneeEname") == "Kowloon Trading Limited"
    # the official node description: on an export OriginCountry is the final destination
    assert val(t, "DecLists/DecList/OriginCountry") == "HKG"
    assert val(t, "DecLists/DecList/DestinationCountry") == "CHN"


def test_51_merged_items_make_two_declarations(ctx: WriterContext) -> None:
    b = dec_many_lines(51)
    out = docs(b, ctx)
    assert [n for n, _ in out] == [f"{b.submission_id}_v1_dec1.xml", f"{b.submission_id}_v1_dec2.xml"]
    first, second = (t for _, t in out)
    assert len(first.findall(f"{D}DecLists/{D}DecList")) == 50
    assert [e.text for e in second.findall(f"{D}DecLists/{D}DecList/{D}GNo")] == ["1"]
    assert [val(t, "DecHead/PackNo") for t in (first, second)] == ["50", "1"]
    assert [val(t, "DecHead/GrossWet") for t in (first, second)] == ["125.000", "2.500"]
    assert val(first, "DecSign/ClientSeqNo") != val(second, "DecSign/ClientSeqNo")
    # 商品项号 of 50 items would exceed the official maxLength 100: left empty (optional); 1 item fits
    assert [val(t, "DecContainers/Container/GoodsNo") for t in (first, second)] == ["", "1"]
    assert len(docs(dec_many_lines(50), ctx)) == 1
    for limit, declarations in ((80, 2), (20, 3)):   # the official DecList maximum (50) still applies above it
        given = ctx.given(MainlandSettings(max_items_per_declaration=limit))
        assert len(docs(dec_many_lines(51), given)) == declarations


def test_duty_mode_comes_from_the_levy_nature_crosswalk(ctx: WriterContext) -> None:
    b = dec_bundle()
    b.consignments[0]["cn_levy_nature"] = "118"    # 整车征税 → 照章征税
    assert val(docs(b, ctx)[0][1], "DecLists/DecList/DutyMode") == "1"
    b.consignments[0]["cn_levy_nature"] = "503"    # 进料加工: no row, never guessed
    [p] = cn_dec.preflight(b, ctx)
    assert p.message_en == ("Levy nature (征免性质) 503 (consignment 1) has no Mainland code in reference table "
                            "xw_levy_nature_duty_mode_cn; the trip is held until the code is added.")
    with pytest.raises(MappingError):
        cn_dec.documents(b, ctx)


@pytest.mark.parametrize(("change", "message"), [
    (lambda b: b.parties.__setitem__(slice(None), [p for p in b.parties if p["role"] != "OWNER"]),
     "The owner (消费使用单位) is missing (consignment 1); the Mainland declaration (报关单) needs it, so the trip is "
     "held until it is supplied."),
    (lambda b: b.consignments[0].__setitem__("contract_no", None),
     "The contract number (合同协议号) is missing (consignment 1); the Mainland declaration (报关单) needs it, so the "
     "trip is held until it is supplied."),
    (lambda b: b.consignments[0].__setitem__("freight_amount_value", None),
     "The freight (运费) that a declaration with transaction method 3 (成交方式) must state is missing "
     "(consignment 1); the Mainland declaration (报关单) needs it, so the trip is held until it is supplied."),
    (lambda b: b.consignments[0].__setitem__("cn_foreign_port", "HONGKONG"),
     "The foreign port (指运港/启运港) HONGKONG is not a port code of the official port table such as HKG000 "
     "(consignment 1); the trip is held until it is corrected."),
    (lambda b: b.goods_items[2].__setitem__("cn_ciq_code", None),
     "The inspection code (检验检疫编码, CiqCode) is missing (consignment 2, line 1); the Mainland declaration "
     "(报关单) needs it, so the trip is held until it is supplied."),
    (lambda b: b.equipment[0].__setitem__("size_type", "L5G1"),
     "Container CSQU3054383 size-type L5G1 (consignment 1) has no Mainland code in reference table "
     "xw_container_iso_cn; the trip is held until the code is added."),
    (lambda b: b.consignments[0].__setitem__("cn_foreign_port", "HKG999"),
     "Foreign port (指运港/启运港) HKG999 (consignment 1) is not a code of the official table cn_ports; the trip is "
     "held until it is corrected."),
    (lambda b: b.goods_items[2].__setitem__("cn_destination_district", "44999"),
     "Domestic district (境内目的地/境内货源地) 44999 (consignment 2, line 1) is not a code of the official table "
     "cn_domestic_districts; the trip is held until it is corrected."),
], ids=["owner", "contract", "freight", "port", "ciq", "container", "port-table", "district-table"])
def test_missing_or_unmapped_values_hold_the_trip(change, message: str,  # type: ignore[no-untyped-def]
                                                  ctx: WriterContext) -> None:
    b = dec_bundle()
    change(b)
    assert message in [p.message_en for p in cn_dec.preflight(b, ctx)]


def test_units_and_legal_quantities_are_read_as_assembly_computed_them(ctx: WriterContext) -> None:
    """transforms.assembly.cn_units is the one place they are derived: a legal quantity in kilograms that
    assembly left empty is not taken from the net weight here, and a line without a China unit is not
    mapped again; each holds the trip with a sentence naming the value."""
    b = dec_bundle()
    b.goods_items[0]["cn_qty_legal_1"] = None   # unit 035 千克, net weight 200 kg on the line
    b.goods_items[2]["cn_unit_declared"] = None   # H87 maps to 007 in xw_unit_rec20_cn
    assert [p.message_en for p in cn_dec.preflight(b, ctx)] == [
        "The quantity in the legal first unit 035 is missing (consignment 1, line 1); the Mainland declaration "
        "(报关单) needs it, so the trip is held until it is supplied.",
        "Unit H87 (consignment 2, line 1) has no Mainland code in reference table xw_unit_rec20_cn; the trip is "
        "held until the code is added."]


def test_container_size_types_map_through_the_crosswalk(ctx: WriterContext) -> None:
    b = dec_bundle()
    for size, spec in (("22G1", "21"), ("45G1", "11"), ("22R1", "22"), ("22T1", "23")):
        b.equipment[0]["size_type"] = size
        assert val(docs(b, ctx)[0][1], "DecContainers/Container/ContainerMd") == spec


def test_export_without_a_domestic_exporter_is_held(ctx: WriterContext) -> None:
    b = dec_bundle("HK_IMPORT")
    b.parties = [p for p in b.parties if p["role"] != "EXPORTER"]
    assert [p.message_en for p in cn_dec.preflight(b, ctx)] == [
        f"The domestic trade party (境内收发货人) is missing (consignment {seq}); the Mainland declaration (报关单) "
        "needs it, so the trip is held until it is supplied." for seq in (1, 2)]


def test_client_seq_no_is_deterministic_and_unique() -> None:
    sid = "8e830b29-5802-596c-97dd-da7c3b642cec"
    seen = {cn_dec.client_seq_no(sid, v, k) for v in (1, 2, 999) for k in (1, 2, 99)}
    assert len(seen) == 9 and all(len(s) == 18 for s in seen)
    assert cn_dec.client_seq_no(sid, 1, 1) == cn_dec.client_seq_no(sid, 1, 1)


# ---- structure against the official schema and sample --------------------------------------------

def official_sequences() -> dict[str, list[str]]:
    """Parent element name → the element names of its official ``xs:sequence``, in order."""
    trees = [etree.parse(str(OFFICIAL / f)) for f in ("DecMessage_ImportSave_V1.0.xsd", "complexType.xsd")]
    types = {ct.get("name"): ct for t in trees for ct in t.getroot().iter(XS + "complexType") if ct.get("name")}

    def seq(ct: etree._Element) -> list[etree._Element]:
        s = ct.find(XS + "sequence")
        return [] if s is None else [e for e in s if e.tag == XS + "element"]

    out: dict[str, list[str]] = {}

    def walk(name: str, ct: etree._Element) -> None:
        children = seq(ct)
        out.setdefault(name, [str(e.get("name")) for e in children])
        for e in children:
            inner = e.find(XS + "complexType")
            ref = e.get("type", "").removeprefix("decxs:")
            if inner is not None:
                walk(str(e.get("name")), inner)
            elif ref in types and str(e.get("name")) not in out:
                walk(str(e.get("name")), types[ref])

    root = trees[0].getroot().find(XS + "element")
    assert root is not None and root.get("name") == "DecMessage"
    walk("DecMessage", root.find(XS + "complexType"))  # type: ignore[arg-type]
    return out


def _children(parent: etree._Element) -> list[str]:
    return [str(c.tag).removeprefix(D) for c in parent if isinstance(c.tag, str)]


@pytest.mark.parametrize("direction", ["HK_EXPORT", "HK_IMPORT"])
def test_every_emitted_name_and_order_exists_in_the_official_schema(direction: str, ctx: WriterContext) -> None:
    official = official_sequences()
    assert list(cn_dec.HEAD) == official["DecHead"] and len(official["DecHead"]) == 88
    assert list(cn_dec.LIST) == [n for n in official["DecList"] if n != "DecGoodsLimits"]
    assert (list(cn_dec.FREE_TXT), list(cn_dec.SIGN)) == (official["DecFreeTxt"], official["DecSign"])
    for _, tree in docs(dec_bundle(direction), ctx):
        for parent in tree.iter():
            kids = _children(parent)
            if not kids:
                continue
            name = str(parent.tag).removeprefix(D)
            allowed = official[name]
            assert set(kids) <= set(allowed), f"{name}: not in the official schema: {set(kids) - set(allowed)}"
            positions = [allowed.index(k) for k in kids]
            assert positions == sorted(positions), f"{name}: order differs from the official xs:sequence"


def test_structure_matches_the_official_sample(ctx: WriterContext) -> None:
    sample = official_sample()
    ours = docs(dec_bundle(), ctx)[0][1]
    assert ours.tag == sample.tag == f"{D}DecMessage" and ours.nsmap == {None: cn_dec.NAMESPACE}

    def compare(a: etree._Element, b: etree._Element) -> None:
        common = [k for k in _children(a) if k in set(_children(b))]
        assert common == [k for k in _children(b) if k in set(common)], f"{a.tag}: order differs from the sample"
        for name in dict.fromkeys(common):
            ca, cb = a.find(D + name), b.find(D + name)
            assert ca is not None and cb is not None
            if len(ca) and len(cb):
                compare(ca, cb)

    compare(ours, sample)
    # every DecHead/DecList element of the sample is emitted too (the sample sends the full element list)
    for block in ("DecHead", "DecLists/" + D + "DecList", "DecFreeTxt", "DecSign"):
        s, o = sample.find(D + block), ours.find(D + block)
        assert s is not None and o is not None
        assert set(_children(s)) - {"DecGoodsLimits"} == set(_children(o))


def test_a_trip_without_a_control_point_gets_one_sentence_and_no_python_value(ctx: WriterContext) -> None:
    # a trip plan whose control_point column was left out: found by the fuzz ("Control point None has no …")
    b = dec_bundle()
    b.submission["control_point"] = None
    messages = [p.message_en for p in cn_dec.preflight(b, ctx)]
    assert [m for m in messages if "control point" in m.lower()] == [
        "The trip names no control point, so the Mainland filing has no customs office or port code; the trip is "
        "held until its trip plan names the control point."]
    assert not any("None" in m for m in messages)
