"""The single-submission file: the canonical record, every model column, exact values."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.writers.conftest import make_bundle
from tests.writers.helpers import one, parse, xp
from transforms.filing.writers.context import WriterContext
from transforms.filing.writers.schemas import SCHEMA_DIR
from transforms.filing.writers.single import COVERED, SingleWriter
from transforms.filing.writers.values import MissingValueError
from transforms.model.bundle import FilingBundle
from transforms.model.canonical import FILING_TABLES, TABLES

W = SingleWriter()


def test_every_model_column_is_written() -> None:
    """A column added to transforms.model.canonical must reach the canonical XML (and its XSD)."""
    for table in FILING_TABLES:
        assert set(TABLES[table].names) == set(COVERED[table]), table


def test_every_column_is_documented_in_the_xsd() -> None:
    xsd = (SCHEMA_DIR / "single-submission.xsd").read_text(encoding="utf-8")
    documented = set(re.findall(r"<xs:documentation>(\w+)\.(\w+)", xsd))
    provenance = {"src_file", "src_sheet", "src_row", "submission_id", "version"}
    for table in FILING_TABLES:
        for name in TABLES[table].names:
            keyish = name.endswith("_seq") or name in {"line_no", "role"} or name in provenance
            if not keyish:
                assert (table, name) in documented, f"{table}.{name} has no element in single-submission.xsd"


def test_header_and_provenance(lmc: FilingBundle, ctx: WriterContext) -> None:
    doc = parse(W.render(lmc, ctx))
    assert one(doc, "/s:SingleSubmission/s:Submission/s:SubmissionID") == lmc.submission_id
    assert one(doc, "//s:Submission/s:Version") == "1"
    assert one(doc, "//s:Submission/s:FunctionCode") == "9"
    assert one(doc, "//s:Submission/s:Direction") == "HK_IMPORT"
    assert one(doc, "//s:Submission/s:ModeCode") == "3"
    assert one(doc, "//s:Submission/s:ControlPoint") == "LMC"
    # stored 02:30 UTC, written as Hong Kong time with its offset
    assert one(doc, "//s:Submission/s:ExpectedCrossingDateTime") == "2026-11-25T10:30:00+08:00"
    assert one(doc, "//s:Submission/s:CreatedDateTime") == "2026-11-25T08:05:00+08:00"
    assert one(doc, "//s:Submission/s:ContentHash") == lmc.submission["content_hash"]
    assert one(doc, "//s:Provenance/s:SourceFile[2]/@name") == "trips/plan 25 Nov.xlsx"
    assert one(doc, "//s:Provenance/s:SourceFile[1]/@sha256").startswith("3f1c8a0e")
    assert one(doc, "//s:Provenance/s:Profile[1]/@id") == "kingdee_sales_outbound"
    assert one(doc, "//s:Provenance/s:Profile[1]/@version") == "1.2.0"
    assert one(doc, "//s:Provenance/s:ReferenceTable[1]/@name") == "xw_control_point_cn"
    assert one(doc, "//s:Provenance/s:ReferenceTable[1]/@version") == "2024-01-01"


def test_transport_trailer_container_and_seal(lmc: FilingBundle, ctx: WriterContext) -> None:
    doc = parse(W.render(lmc, ctx))
    assert one(doc, "//s:Transport/s:VehicleRegCN") == "粤Z·A123港"
    assert one(doc, "//s:Transport/s:Trailer[@seq='1']/s:TrailerID") == "HT5678"
    assert one(doc, "//s:Transport/s:Trailer/s:TareKg") == "6500.000"
    assert one(doc, "//s:Transport/s:Equipment[@seq='1']/s:ContainerNo") == "CSQU3054383"
    assert one(doc, "//s:Equipment/s:Seal[@seq='1']/s:SealID") == "SL0098812"
    assert xp(doc, "//s:Transport/s:ItineraryCountries/s:Country/text()") == ["CN", "HK"]


def test_consignments_and_goods_items(lmc: FilingBundle, ctx: WriterContext) -> None:
    doc = parse(W.render(lmc, ctx))
    c1 = "//s:Consignment[@seq='1']"
    assert one(doc, f"{c1}/s:TotalPackagesQty") == "15"
    assert one(doc, f"{c1}/s:GrossMassKg") == "315.500"
    assert one(doc, f"{c1}/s:InvoiceAmountValue") == "3000.15"
    g2 = f"{c1}/s:GoodsItem[@lineNo='2']"
    assert one(doc, f"{g2}/s:HSCodeHK") == "74081100"
    assert one(doc, f"{g2}/s:HSCodeCN") == "7408110000"
    assert one(doc, f"{g2}/s:DescriptionZH") == "精炼铜丝"
    assert xp(doc, f"{g2}/s:DeclarationElements/s:Element/text()") == [
        "4", "3", "精炼铜", "横截面最大尺寸8mm", "无品牌"]
    assert one(doc, f"{g2}/s:QuantityValue") == "100.00000"
    assert one(doc, f"{g2}/s:LineAmountValue") == "1000.05"
    assert one(doc, f"{g2}/s:Source/@row") == "3"
    assert len(xp(doc, "//s:GoodsItem")) == 3
    assert xp(doc, "//s:Party[@consignmentSeq='2']/@role") == ["CONSIGNOR", "CONSIGNEE"]


def test_required_canonical_value_missing_holds_the_trip(ctx: WriterContext) -> None:
    b = make_bundle()
    b.goods_items[0]["country_of_origin"] = None
    problems = W.preflight(b, ctx)
    assert [p.message_en for p in problems] == [
        "goods_items.country_of_origin is missing (consignment 1, line 1); the single-submission record needs it, "
        "so the trip is held until it is supplied."]
    assert problems[0].message_zh.startswith("缺少原产国")
    with pytest.raises(MissingValueError, match=r"goods_items\.country_of_origin"):
        W.render(b, ctx)


def test_no_preflight_problems_for_international_codes(hzm: FilingBundle, ctx: WriterContext) -> None:
    assert W.preflight(hzm, ctx) == []


def test_filename_and_folder(lmc: FilingBundle) -> None:
    assert W.filename(lmc) == f"{lmc.submission_id}_v1.xml"
    assert (W.folder, W.schema) == ("single", "single-submission.xsd")
    assert Path(SCHEMA_DIR / W.schema).is_file()
