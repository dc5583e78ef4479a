"""Each source family, with its quirks, maps to the exact canonical values a trader sent."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.families import fixtures
from transforms.ingest.mapping import map_sheet
from transforms.ingest.profiles.match import detect, header_hint
from transforms.ingest.profiles.registry import load_profiles
from transforms.ingest.readers import read_file
from transforms.model.inputs import MappedTable
from transforms.model.reference import Reference


def _map(path: Path) -> tuple[str, MappedTable]:
    profiles = load_profiles(None)
    wb = read_file(path, header_hint=header_hint(profiles))  # type: ignore[arg-type]
    found = detect(profiles, wb, file_label=path.name)
    assert found.match is not None, found.reason
    return found.match.profile.id, map_sheet(found.match, src_file=path.name, reference=Reference.load())


def test_kingdee_gbk_thousands_totals_and_units(tmp_path: Path) -> None:
    pid, t = _map(fixtures.kingdee_csv(tmp_path / "销售出库单.csv"))
    assert pid == "kingdee_sales_outbound"
    f = t.frame
    assert len(f) == 2 and t.rows_ignored == 1 and t.rows_in == 3   # 合计 row ignored; trailing blanks trimmed
    assert f["quantity_value"].tolist() == [1200.0, 12.5]
    assert f["line_amount_value"].tolist() == [504000.0, 81.25]
    assert f["line_amount_currency"].tolist() == ["USD", "HKD"]
    assert f["country_of_origin"].tolist() == ["CN", "VN"]
    assert f["quantity_unit"].tolist() == ["H87", "KGM"]
    assert f["quantity_unit_raw"].tolist() == ["台", "千克"]
    assert f["hs_cn"].tolist() == ["8471300000", "8504401400"]
    assert f["packages_type"].tolist()[0] == "CT"
    assert [str(d.date()) for d in f["invoice_date"]] == ["2026-11-03", "2026-11-03"]
    assert f["src_row"].tolist() == [2, 3]
    assert t.totals["line_amount_value"] == 504081.25
    assert t.headers["hs_cn"] == "HS编码"


def test_yonyou_title_rows_hidden_sheet_lost_zero_and_text_numbers(tmp_path: Path) -> None:
    pid, t = _map(fixtures.yonyou_xlsx(tmp_path / "出口销售发票.xlsx"))
    assert pid == "yonyou_u8_export_invoice"
    f = t.frame
    assert f["src_sheet"].unique().tolist() == ["出口销售发票"]     # the hidden sheet is skipped
    assert f["src_row"].tolist() == [5, 6]                          # header found on row 4
    assert f["hs_cn"].tolist() == ["0303899000", "0805100000"]      # leading zero restored (fixed length)
    assert f["quantity_value"].tolist() == [500.0, 200.0]           # number stored as text
    assert f["line_amount_currency"].tolist() == ["USD", "USD"]     # ISO code and Chinese name
    assert [str(d.date()) for d in f["invoice_date"]] == ["2026-11-24", "2026-11-24"]
    assert t.rows_ignored == 1


def test_sap_csv_decimal_comma_grams_and_pounds(tmp_path: Path) -> None:
    pid, t = _map(fixtures.sap_csv(tmp_path / "billing.csv"))
    assert pid == "sap_billing"
    f = t.frame
    assert f["quantity_value"].tolist() == [1200.0, 10.0]
    assert f["line_amount_value"].tolist() == [504000.0, 65.5]
    assert f["quantity_unit"].tolist() == ["H87", "H87"]            # SAP ST and PC are pieces
    assert f["gross_mass_kg"].tolist() == [2520.5, round(22.05 * 0.45359237, 3)]
    assert f["net_mass_kg"].tolist() == [1680.0, round(11.025 * 0.45359237, 3)]
    assert f["hs_hk"].tolist() == ["84713000", "85044019"]
    assert [str(d.date()) for d in f["invoice_date"]] == ["2026-11-03", "2026-11-03"]


def test_sap_xlsx_real_dates(tmp_path: Path) -> None:
    pid, t = _map(fixtures.sap_xlsx(tmp_path / "billing.xlsx"))
    assert pid == "sap_billing"
    assert t.frame["line_amount_currency"].tolist() == ["EUR"]
    assert str(t.frame["invoice_date"].iloc[0].date()) == "2026-11-03"


def test_hk_trader_big5_hkscs_only_character(tmp_path: Path) -> None:
    pid, t = _map(fixtures.hk_trader_csv(tmp_path / "invoice.csv"))
    assert pid == "hk_trader_invoice"
    f = t.frame
    assert f["description_zh"].tolist() == ["𨋢零件", "運動鞋"]
    assert f["country_of_origin"].tolist() == ["CN", "VN"]
    assert f["quantity_unit"].tolist() == ["H87", "PR"]
    assert f["hs_hk"].tolist() == ["84313100", "64041100"]
    assert f["gross_mass_kg"].tolist() == [20.0, 6.0]


def test_unparseable_cells_are_reported_with_file_row_column_value(tmp_path: Path) -> None:
    rows = [fixtures.KINGDEE_HEADER,
            ["XS-9", "2026/13/45", "明辉", "SKU-1", "笔记本电脑", "", "台", "abc", "1", "1", "火星币", "中国",
             "8471300000", "1", "1", "1", "纸箱", ""]]
    _, t = _map(fixtures.write_csv(tmp_path / "bad.csv", rows, "gb18030"))
    msgs = sorted(p.message_en for p in t.problems)
    assert "bad.csv row 2, column 实发数量: 'abc' is not a number such as 1234.50." in msgs
    assert "bad.csv row 2, column 日期: '2026/13/45' is not a date such as 2026-11-03." in msgs
    assert any(m.startswith("bad.csv row 2, column 币别: '火星币' is not an ISO 4217 currency") for m in msgs)
    zh = {p.header: p.message_zh for p in t.problems}
    assert zh["实发数量"] == "bad.csv 第2行「实发数量」列：「abc」不是数字，例如 1234.50。"
    assert math.isnan(t.frame["quantity_value"].iloc[0])


@pytest.mark.parametrize("header", ["ＨＳ编码", " hs编码 ", "HS编码"])
def test_headers_match_width_and_case_insensitively(tmp_path: Path, header: str) -> None:
    hdr = [header if h == "HS编码" else h for h in fixtures.KINGDEE_HEADER]
    rows = [hdr, ["XS-1", "2026/11/3", "明辉", "SKU-1", "笔记本电脑", "", "台", "1", "1", "1", "美元", "中国",
                  "8471300000", "1", "1", "1", "纸箱", ""]]
    _, t = _map(fixtures.write_csv(tmp_path / "k.csv", rows, "gb18030"))
    assert t.frame["hs_cn"].tolist() == ["8471300000"]


def test_every_builtin_profile_loads_and_unknown_names_list_the_known() -> None:
    from transforms.ingest.profiles.registry import ProfileError

    profiles = load_profiles(None)
    assert set(profiles.ids) >= {"kingdee_sales_outbound", "yonyou_u8_export_invoice", "sap_billing",
                                 "hk_trader_invoice", "item_master", "trip_plan", "ssdd_canonical"}
    with pytest.raises(ProfileError, match="Unknown profile 'oracle'; known profiles: hk_trader_invoice"):
        profiles.get("oracle")


def test_profile_with_unknown_key_or_code_is_refused(tmp_path: Path) -> None:
    from transforms.ingest.profiles.registry import ProfileError

    (tmp_path / "x.yaml").write_text("id: x\nprofile_version: 1\nrole: trip_plan\ntitle: t\ncontainers: [csv]\n"
                                     "columns: {a: {headers: [a], required: true}}\nrun: rm -rf /\n")
    load_profiles.cache_clear()
    with pytest.raises(ProfileError, match=r"x\.yaml: run: Extra inputs are not permitted"):
        load_profiles(tmp_path)
    (tmp_path / "x.yaml").write_text("!!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(ProfileError, match=r"x\.yaml is not valid YAML"):
        load_profiles(tmp_path)
    load_profiles.cache_clear()


def test_duplicate_profile_id_is_refused(tmp_path: Path) -> None:
    from transforms.ingest.profiles.registry import BUILTIN_DIR, ProfileError

    (tmp_path / "dup.yaml").write_text((BUILTIN_DIR / "trip_plan.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    load_profiles.cache_clear()
    with pytest.raises(ProfileError, match="Profile id 'trip_plan' is defined twice"):
        load_profiles(tmp_path)
    load_profiles.cache_clear()


def test_unknown_file_is_refused_naming_closest_profiles(tmp_path: Path) -> None:
    path = fixtures.write_csv(tmp_path / "x.csv", [["发票号", "数量", "备注"], ["1", "2", "3"]], "utf-8")
    profiles = load_profiles(None)
    found = detect(profiles, read_file(path), file_label="x.csv")
    assert found.match is None
    assert found.reason is not None and found.reason.startswith("x.csv matches no profile completely (closest: ")
    assert "lacks" in found.reason and "\n" not in found.reason



SHARED = Path(__file__).resolve().parents[3] / "shared"


def test_an_xml_invoice_in_a_trader_folder_is_refused_as_what_it_is() -> None:
    """A ZUGFeRD invoice (UN/CEFACT CII XML, a file none of us wrote) is read as text, where it is a
    one-column table; the refusal names it an XML document instead of speaking of sheets or headers."""
    path = SHARED / "corpus" / "customs" / "uncefact_cii_zugferd_EXTENDED_Warenrechnung_goods_invoice.xml"
    if not path.is_file():
        pytest.skip("../shared/corpus is not beside this checkout")
    profiles = load_profiles(None)
    found = detect(profiles, read_file(path, header_hint=header_hint(profiles)),  # type: ignore[arg-type]
                   file_label="acme/invoice.xml")
    assert found.match is None
    assert found.reason == ("acme/invoice.xml is an XML document, not a table of any known profile; export the "
                            "data as .xlsx or CSV from the source system (customs responses in XML go to "
                            "<inbox>/_responses/ as they are).")



def test_an_html_page_is_refused_as_a_web_page(tmp_path: Path) -> None:
    path = tmp_path / "report.htm"
    path.write_text("<html><body><table><tr><td>INV-1</td><td>10</td></tr></table></body></html>", encoding="utf-8")
    found = detect(load_profiles(None), read_file(path), file_label="acme/report.htm")
    assert found.reason == ("acme/report.htm is an HTML web page, not a table of any known profile; export the data "
                            "as .xlsx or CSV from the source system.")


def test_a_profile_close_on_two_sheets_is_named_once() -> None:
    """A WeChat Pay statement (a workbook none of us wrote) repeats its table on two sheets; the refusal
    names the closest profile once, with what it lacks, not once per sheet."""
    path = SHARED / "corpus" / "spreadsheets" / "double-entry-generator" / "example-wechat-records.xlsx"
    if not path.is_file():
        pytest.skip("../shared/corpus is not beside this checkout")
    found = detect(load_profiles(None), read_file(path), file_label="x.xlsx")
    assert found.reason == ("x.xlsx matches no profile completely (closest: kingdee_sales_outbound lacks 单据编号, "
                            "物料编码, 物料名称, 库存单位, 实发数量, 价税合计, 币别); add the missing columns to the "
                            "export, or describe this export in a profile of its own (ssdd profiles new --from FILE).")
    assert [m.sheet.name for m in found.candidates] == ["example-wechat-records", "Sheet1"]

def test_a_csv_without_a_known_header_is_refused_without_speaking_of_sheets(tmp_path: Path) -> None:
    path = fixtures.write_csv(tmp_path / "x.csv", [["colour", "size"], ["red", "L"]], "utf-8")
    found = detect(load_profiles(None), read_file(path), file_label="x.csv")
    assert found.reason == ("x.csv has no header row of any known profile; send an export from a supported "
                            "system or add a profile (ssdd profiles new --from FILE).")

def test_profile_json_schema_for_editors_is_current() -> None:
    from transforms.ingest.profiles.registry import BUILTIN_DIR, json_schema

    shipped = (BUILTIN_DIR / "profile.schema.json").read_text(encoding="utf-8")
    assert shipped == json_schema(), "regenerate with: ssdd profiles schema --out data/profiles/profile.schema.json"
