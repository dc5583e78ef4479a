"""The trip plan's optional columns for the Mainland messages reach the record (transport mode, trailer
and container tare and type, seal type and sealing party, waybill numbers), with trader.yaml's carrier
standing in for empty mode and seal cells; an unusable value holds the trip with a sentence naming the
plan's cell."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

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


def _assemble(inbox: Path, trader: str) -> Assembly:
    ref = Reference.load()
    ingested = ingest_trader(inbox / trader, inbox, load_profiles(), ref)
    assert ingested.input is not None, [f.reason for f in ingested.files]
    return assemble([ingested.input], ref, as_of=parse_as_of(AS_OF), pending_max_age=timedelta(hours=48))


def _holds(asm: Assembly) -> list[str]:
    return [p.message_en for _, p in asm.submission_problems if p.rule_id == "T02"]


def _acme_plan(inbox: Path, **cells: str) -> None:
    """Rewrite acme's one-row trip plan with some cells changed (by header; a new header is added)."""
    path = inbox / "acme" / "trip_plan.csv"
    header, row = (line.split(",") for line in path.read_text(encoding="utf-8-sig").splitlines())
    for key, value in cells.items():
        if key not in header:
            header.append(key)
            row.append("")
        row[header.index(key)] = value
    path.write_text(",".join(header) + "\n" + ",".join(row) + "\n", encoding="utf-8-sig")


def _one(asm: Assembly, table: str) -> dict[str, object]:
    frame = asm.frames[table]
    assert len(frame) == 1, frame
    return {str(k): v for k, v in frame.iloc[0].to_dict().items()}


def test_the_sample_plans_fill_trailer_container_and_seal(inbox: Path) -> None:
    asm = _assemble(inbox, "mingfai")
    assert _holds(asm) == []
    subs = asm.frames["submissions"].set_index("trip_ref")["submission_id"]
    t001 = subs["MF-T001"]
    trailers = asm.frames["trailers"].set_index("submission_id")
    assert (trailers.loc[t001, "trailer_id"], trailers.loc[t001, "tare_kg"], trailers.loc[t001, "type_code"]) == (
        "TR-5521", 5800, "03")
    box = asm.frames["equipment"].set_index("submission_id").loc[t001]
    assert (box["container_no"], box["size_type"], box["tare_kg"]) == ("MSKU1234565", "22G1", 2200)
    seals = asm.frames["seals"].set_index("submission_id")
    # the plan's seal_type / sealing_party cells are empty: trader.yaml's carrier (M, CA) stands in
    assert seals.loc[t001, ["seal_id", "equipment_seq", "seal_type", "sealing_party"]].tolist() == [
        "SL778899", 1, "M", "CA"]
    assert seals.loc[subs["MF-T002"], ["seal_id", "equipment_seq", "seal_type", "sealing_party"]].tolist() == [
        "SL778900", 0, "M", "CA"]
    cons = asm.frames["consignments"]
    bills = dict(zip(cons["invoice_no"], cons["cn_bill_no"], strict=True))
    assert bills == {"XS-2611-001": "EXL26112501", "XS-2611-002": "EXL26112502", "XS-2611-003": "EXL26112503"}


def test_the_plans_seal_columns_win_over_trader_yaml(inbox: Path) -> None:
    path = inbox / "acme" / "trader.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["carrier"].update(seal_type="M", sealing_party="CA")
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    _acme_plan(inbox, seal_type="E", sealing_party="CU")
    seal = _one(_assemble(inbox, "acme"), "seals")
    assert (seal["seal_id"], seal["seal_type"], seal["sealing_party"]) == ("SL120034", "E", "CU")


def test_chinese_headers_reach_the_same_columns(inbox: Path) -> None:
    path = inbox / "acme" / "trip_plan.csv"
    text = path.read_text(encoding="utf-8-sig")
    for english, chinese in (("bill_nos", "提運單號"), ("trailer_tare_kg", "拖架自重"), ("trailer_type", "拖架類型"),
                             ("container_size_type", "貨櫃尺寸類型"), ("container_tare_kg", "貨櫃自重"),
                             ("seal_type", "封條類型"), ("sealing_party", "施封人")):
        text = text.replace(f",{english},", f",{chinese},").replace(f",{english}\n", f",{chinese}\n")
    path.write_text(text, encoding="utf-8-sig")
    _acme_plan(inbox, container_no="MSKU1234565", **{"貨櫃尺寸類型": "45g1", "貨櫃自重": "3900",
                                                     "提運單號": "HT2611250799", "拖架自重": "4700"})
    asm = _assemble(inbox, "acme")
    assert _holds(asm) == []
    box = _one(asm, "equipment")
    assert (box["size_type"], box["tare_kg"]) == ("45G1", 3900)   # a code is upper-cased, nothing else
    trailer = _one(asm, "trailers")
    assert (trailer["tare_kg"], trailer["type_code"]) == (4700, "02")
    seal = _one(asm, "seals")
    assert (seal["equipment_seq"], seal["seal_type"], seal["sealing_party"]) == (1, "M", "CA")
    # the goods lines' own 提运单号 (HT2611250701) wins over the plan's
    assert _one(asm, "consignments")["cn_bill_no"] == "HT2611250701"


def test_the_plans_bill_number_fills_an_invoice_without_one(inbox: Path) -> None:
    _acme_plan(inbox, bill_nos="HT2611250799")
    from openpyxl import load_workbook

    path = inbox / "acme" / "goods_lines_20261125.xlsx"
    wb = load_workbook(path)
    ws = wb.active
    assert ws is not None
    ws.delete_cols(ws.max_column)   # the cn_bill_no column
    wb.save(path)
    assert _one(_assemble(inbox, "acme"), "consignments")["cn_bill_no"] == "HT2611250799"


def test_a_bill_number_count_unlike_the_invoices_holds_the_trip(inbox: Path) -> None:
    path = inbox / "mingfai" / "trip_plan.xlsx"
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb.active
    assert ws is not None
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index("bill_nos") + 1, value="EXL26112501")
    wb.save(path)
    asm = _assemble(inbox, "mingfai")
    assert _holds(asm) == [
        "mingfai/trip_plan.xlsx row 2, column bill_nos: trip 'MF-T001' lists 1 waybill numbers (提运单号) for 2 "
        "invoices; list one per invoice, in the order of invoice_nos."]
    zh = [p.message_zh for _, p in asm.submission_problems if p.rule_id == "T02"]
    assert zh == ["mingfai/trip_plan.xlsx 第2行「bill_nos」列：车次「MF-T001」列出 1 个提运单号，但发票有 2 张；"
                  "请按发票编号的顺序逐一填写提运单号。"]
    # no bill number is paired with a guess: both consignments stay without one
    t001 = asm.frames["submissions"].set_index("trip_ref").loc["MF-T001", "submission_id"]
    cons = asm.frames["consignments"]
    assert cons.loc[cons["submission_id"] == t001, "cn_bill_no"].isna().all()
    assert {sid for sid, p in asm.submission_problems if p.rule_id == "T02"} == {t001}


@pytest.mark.parametrize(("column", "value", "sentence"), [
    ("trailer_type", "05", "has a trailer type (CC019 01-04) '05'"),
    ("container_size_type", "20FT", "has a container size-type (ISO 6346, e.g. 22G1) '20FT'"),
    ("seal_type", "X", "has a seal type (M mechanical, E electronic) 'X'"),
    ("sealing_party", "ZZ", "has a sealing party (CN017: AA AB AC CA CU SH TO) 'ZZ'"),
])
def test_an_unknown_code_holds_the_trip_naming_the_cell(inbox: Path, column: str, value: str, sentence: str) -> None:
    _acme_plan(inbox, container_no="MSKU1234565", **{column: value})
    asm = _assemble(inbox, "acme")
    assert _holds(asm) == [
        f"acme/trip_plan.csv row 2, column {column}: trip 'AC-T101' {sentence}, which is not a code the Mainland "
        "conveyance confirmation accepts; correct it in the trip plan."]
    problem = next(p for _, p in asm.submission_problems if p.rule_id == "T02")
    assert (problem.src_file, problem.src_row, problem.column, problem.value) == (
        "acme/trip_plan.csv", 2, column, value)


def _carrier_mode(inbox: Path, trader: str, mode: str) -> None:
    path = inbox / trader / "trader.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["carrier"]["transport_mode"] = mode
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


def test_a_plan_without_the_mode_column_is_road(inbox: Path) -> None:
    for trader in ("acme", "mingfai"):
        assert set(_assemble(inbox, trader).frames["submissions"]["mode"]) == {"3"}


@pytest.mark.parametrize(("cell", "mode"), [
    ("3", "3"), ("road", "3"), ("Road transport", "3"), ("公路运输", "3"), ("公路", "3"), ("汽车运输", "3"),
    ("汽車運輸", "3"), (" TRUCK ", "3"), ("1", "1"), ("sea", "1"), ("海运", "1"), ("Maritime transport", "1"),
    ("2", "2"), ("铁路运输", "2"), ("air", "4"), ("空運", "4"),
])
def test_the_plans_mode_is_a_rec19_code_or_a_word_for_it(inbox: Path, cell: str, mode: str) -> None:
    _acme_plan(inbox, transport_mode=cell)
    asm = _assemble(inbox, "acme")
    assert _holds(asm) == []
    assert _one(asm, "submissions")["mode"] == mode


def test_an_empty_mode_cell_takes_the_carriers_mode_from_trader_yaml(inbox: Path) -> None:
    _carrier_mode(inbox, "acme", "1")
    assert _one(_assemble(inbox, "acme"), "submissions")["mode"] == "1"
    _acme_plan(inbox, transport_mode="road")   # the plan's cell wins
    assert _one(_assemble(inbox, "acme"), "submissions")["mode"] == "3"


def test_a_mode_that_is_no_rec19_mode_holds_the_trip_naming_the_cell(inbox: Path) -> None:
    _acme_plan(inbox, transport_mode="hovercraft")
    asm = _assemble(inbox, "acme")
    assert _holds(asm) == [
        "acme/trip_plan.csv row 2, column transport_mode: trip 'AC-T101' has transport mode 'hovercraft', which is "
        "not a UN/ECE Rec 19 mode of transport; write its code or name (3 or road for a truck, 1 or sea, 2 or rail, "
        "4 or air), or leave the cell empty for trader.yaml's carrier.transport_mode (road when not set)."]
    problem = next(p for _, p in asm.submission_problems if p.rule_id == "T02")
    assert (problem.src_file, problem.src_row, problem.column, problem.value) == (
        "acme/trip_plan.csv", 2, "transport_mode", "hovercraft")
    assert problem.message_zh.startswith(
        "acme/trip_plan.csv 第2行「transport_mode」列：车次「AC-T101」的运输方式「hovercraft」")
    # held, so nothing is filed; the record keeps the carrier's mode (submissions.mode is never empty)
    assert _one(asm, "submissions")["mode"] == "3"


def test_the_chinese_header_reaches_the_mode(inbox: Path) -> None:
    _acme_plan(inbox, **{"運輸方式": "海運"})
    assert _one(_assemble(inbox, "acme"), "submissions")["mode"] == "1"
