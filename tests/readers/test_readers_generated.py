"""Reader behaviour on files written here, one real-world quirk each."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from transforms.ingest.readers import ReadLimits, ReadRefused, read_file
from transforms.ingest.readers.cells import float_text, serial_text

BIG5_HEADERS = ("發票編號", "貨品說明")


def _hk_header(cells: list[str | None]) -> bool:
    return "發票編號" in cells


def _write(path: Path, text: str, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# --- delimited text ---------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [3, 70_000], ids=["small: digest inline", "over 1 MB: digest beside the parse"])
def test_the_digest_is_the_files_sha256_at_any_size(tmp_path: Path, rows: int) -> None:
    # the ledger's idempotence and each filing's provenance rest on this digest
    path = _write(tmp_path / "lines.csv", "sku,qty\n" + "".join(f"SKU-{i:07d},{i}\n" for i in range(rows)), "utf-8")
    workbook = read_file(path)
    assert (path.stat().st_size > 1 << 20) == (rows > 3)
    assert workbook.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert len(workbook.sheets[0].rows) == rows + 1


def test_gbk_kingdee_export(tmp_path: Path) -> None:
    text = (
        "单据编号,日期,物料名称,库存单位,实发数量,价税合计,币别\r\n"
        'XSCKD000123,2026/11/3,电源适配器,个,"1,200","12,345.60",人民币\r\n'
        "XSCKD000124,2026-11-03,数据线,千克,5,88.00,港币\r\n"
        '合计,,,,1205,"12,433.60",\r\n'
        "\r\n\r\n"
    )
    sheet = read_file(_write(tmp_path / "outbound.csv", text, "gbk")).sheets[0]
    assert (sheet.encoding, sheet.delimiter) == ("gb18030", ",")
    assert sheet.rows[0] == ["单据编号", "日期", "物料名称", "库存单位", "实发数量", "价税合计", "币别"]
    assert sheet.rows[1] == ["XSCKD000123", "2026/11/3", "电源适配器", "个", "1,200", "12,345.60", "人民币"]
    assert sheet.rows[3] == ["合计", None, None, None, "1205", "12,433.60", None]
    assert sheet.row_numbers == [1, 2, 3, 4]  # trailing blank lines dropped


def _big5_file(tmp_path: Path) -> Path:
    text = (
        f"{BIG5_HEADERS[0]},發票日期,{BIG5_HEADERS[1]},數量,單位\r\n"
        "HK-0001,03/11/2026,𨋢門感應器,10,PCS\r\n"
        "HK-0002,04/11/2026,峯牌電線,2,CTN\r\n"
    )
    return _write(tmp_path / "hk_invoice.csv", text, "big5hkscs")


def test_big5_hkscs_chosen_by_header_hint(tmp_path: Path) -> None:
    sheet = read_file(_big5_file(tmp_path), header_hint=_hk_header).sheets[0]
    assert sheet.encoding == "big5hkscs"
    assert sheet.rows[0][:3] == ["發票編號", "發票日期", "貨品說明"]
    assert sheet.rows[1] == ["HK-0001", "03/11/2026", "𨋢門感應器", "10", "PCS"]
    assert sheet.rows[2][2] == "峯牌電線"


def test_big5_hkscs_without_hint_decodes_strictly_as_gb18030_nonsense(tmp_path: Path) -> None:
    # Why header_hint exists: the same bytes are valid GB18030, so strictness alone picks it.
    sheet = read_file(_big5_file(tmp_path)).sheets[0]
    assert sheet.encoding == "gb18030"
    assert sheet.rows[0][0] != "發票編號"


def test_declared_encoding_is_used_strictly(tmp_path: Path) -> None:
    path = _big5_file(tmp_path)
    assert read_file(path, encodings=["big5hkscs"]).sheets[0].rows[1][2] == "𨋢門感應器"
    with pytest.raises(ReadRefused, match=r"hk_invoice\.csv .*\(utf-8\)"):
        read_file(path, encodings=["utf-8"])


def test_hint_that_matches_nothing_falls_back_to_first_strict_decoding(tmp_path: Path) -> None:
    path = _write(tmp_path / "plain.csv", "a,b\n1,2\n", "utf-8")
    sheet = read_file(path, header_hint=lambda cells: False).sheets[0]
    assert sheet.encoding == "utf-8" and sheet.rows == [["a", "b"], ["1", "2"]]


def test_bad_byte_past_the_head_moves_to_the_next_encoding(tmp_path: Path) -> None:
    # 300 KB of ASCII (valid UTF-8 at the head), then a Windows-1252 pound sign.
    text = "sku,amount\n" + "A-1,10\n" * 50_000 + "A-2,£5\n"
    sheet = read_file(_write(tmp_path / "late.csv", text, "cp1252")).sheets[0]
    assert sheet.encoding == "cp1252"
    assert sheet.rows[-1] == ["A-2", "£5"] and len(sheet.rows) == 50_002


def test_unknown_declared_encoding(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.csv", "a,b\n", "utf-8")
    with pytest.raises(ReadRefused, match=r"^x\.csv was declared to be in encoding 'klingon'"):
        read_file(path, encodings=["klingon"])


def test_sap_semicolon_decimal_comma_utf8_bom(tmp_path: Path) -> None:
    text = (
        "Billing Document;Billing Date;Item;Material;Billed Quantity;Net Value;Document Currency\n"
        "90001234;03.11.2026;10;MAT-1;1.200;1.234,56;EUR\n"
        "90001234;03.11.2026;20;MAT-2;5;12,5;EUR\n"
        "90001235;04.11.2026;10;MAT-3;7;1.000.000,00;EUR\n"
    )
    sheet = read_file(_write(tmp_path / "billing.csv", "\ufeff" + text, "utf-8")).sheets[0]
    assert (sheet.encoding, sheet.delimiter) == ("utf-8-sig", ";")
    assert sheet.rows[0][0] == "Billing Document"  # no stray BOM
    assert sheet.rows[1] == ["90001234", "03.11.2026", "10", "MAT-1", "1.200", "1.234,56", "EUR"]
    assert sheet.rows[3][5] == "1.000.000,00"


def test_quoted_newlines_and_record_numbers(tmp_path: Path) -> None:
    text = 'trip_ref,invoice_nos,seal_no\nT1,"INV-1\nINV-2\nINV-3",S1\n\nT2,INV-4,S2\n'
    sheet = read_file(_write(tmp_path / "trips.csv", text, "utf-8")).sheets[0]
    assert sheet.rows == [
        ["trip_ref", "invoice_nos", "seal_no"],
        ["T1", "INV-1\nINV-2\nINV-3", "S1"],
        ["T2", "INV-4", "S2"],
    ]
    assert sheet.row_numbers == [1, 2, 4]  # records, as a spreadsheet program numbers them


def test_pipe_delimiter_and_padding(tmp_path: Path) -> None:
    text = 'sku | hs_cn | declaration_elements\nA-1 | 8504401400 |"0|1|品牌:无"\t\nA-2\t| 8504409999 |\n'
    sheet = read_file(_write(tmp_path / "items.txt", text, "utf-8")).sheets[0]
    assert sheet.delimiter == "|"
    assert sheet.rows == [
        ["sku", "hs_cn", "declaration_elements"],
        ["A-1", "8504401400", "0|1|品牌:无"],
        ["A-2", "8504409999", None],
    ]


def test_utf16_without_bom_chinese(tmp_path: Path) -> None:
    text = "車次編號,管制站,貨櫃號碼\r\nT-001,落馬洲,MSKU1234565\r\nT-002,深圳灣,\r\n"
    sheet = read_file(_write(tmp_path / "trips.csv", text, "utf-16-le")).sheets[0]
    assert sheet.encoding == "utf-16-le"
    assert sheet.rows == [
        ["車次編號", "管制站", "貨櫃號碼"],
        ["T-001", "落馬洲", "MSKU1234565"],
        ["T-002", "深圳灣", None],
    ]


def test_html_saved_as_xls_is_refused(tmp_path: Path) -> None:
    page = "<html><head><style>td {font: 12pt; color: red;}</style></head><body><table><tr><td>1</td></tr></table>"
    with pytest.raises(ReadRefused, match=r"^report\.xls is an HTML web page saved under a spreadsheet name"):
        read_file(_write(tmp_path / "report.xls", page, "utf-8"))
    assert read_file(_write(tmp_path / "report.htm", page, "utf-8")).container == "csv"


def test_binary_garbage_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scan.csv"
    path.write_bytes(bytes(range(1, 9)) * 400)
    with pytest.raises(ReadRefused, match=r"^scan\.csv is neither a spreadsheet nor text"):
        read_file(path)


# --- spreadsheets -----------------------------------------------------------------------------


def _yonyou_workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.title = "出口销售发票"
    headers = ["发票号", "开票日期", "存货编码", "数量", "原币单价", "商品编码", "毛重"]
    sheet["A1"] = "出口销售发票列表"
    sheet.merge_cells("A1:G1")
    sheet["A2"] = "制表日期：2026-11-04"
    sheet.merge_cells("A2:G2")
    sheet.append([])  # row 3 blank
    sheet.append(headers)  # header on row 4
    sheet.append(["INV-01", dt.date(2026, 11, 3), "SKU-1", 1200, 12.5, 101210000, "60.5"])
    sheet.append(["INV-02", dt.datetime(2026, 11, 3, 8, 30), "SKU-2", 3, 0.1 + 0.2, 8471300000, 1.0])
    sheet.append(["合计", None, None, 1203, None, None, None])
    hidden = book.create_sheet("基础数据")
    hidden.sheet_state = "hidden"
    hidden["A1"] = "内部"
    book.save(path)
    return path


def test_xlsx_merged_title_rows_hidden_sheet_and_values(tmp_path: Path) -> None:
    workbook = read_file(_yonyou_workbook(tmp_path / "u8.xlsx"))
    data, hidden = workbook.sheets
    assert workbook.container == "xlsx"
    assert (data.name, data.hidden, hidden.name, hidden.hidden) == ("出口销售发票", False, "基础数据", True)
    assert sorted(data.merged) == [(0, 0, 0, 6), (1, 0, 1, 6)]
    assert data.row_numbers == [1, 2, 4, 5, 6, 7]
    assert data.rows[0] == ["出口销售发票列表", None, None, None, None, None, None]
    assert data.rows[3] == ["INV-01", "2026-11-03", "SKU-1", "1200", "12.5", "101210000", "60.5"]
    assert data.rows[4] == ["INV-02", "2026-11-03T08:30:00", "SKU-2", "3", "0.3", "8471300000", "1"]
    assert data.rows[5] == ["合计", None, None, "1203", None, None, None]
    assert hidden.rows == [["内部"]]


def test_xlsx_named_xls_is_read_as_xlsx(tmp_path: Path) -> None:
    source = _yonyou_workbook(tmp_path / "u8.xlsx")
    renamed = tmp_path / "u8.xls"
    renamed.write_bytes(source.read_bytes())
    assert read_file(renamed).container == "xlsx"


def test_csv_named_xlsx_is_read_as_text(tmp_path: Path) -> None:
    workbook = read_file(_write(tmp_path / "items.xlsx", "sku,hs_hk\nA-1,85044014\n", "utf-8"))
    assert workbook.container == "csv"
    assert workbook.sheets[0].rows == [["sku", "hs_hk"], ["A-1", "85044014"]]


def test_error_cells_in_a_streamed_workbook_without_dimension(tmp_path: Path) -> None:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("lines")
    sheet.append(["sku", "hs_cn", "price"])
    for index in range(50):
        sheet.append([f"SKU-{index}", "#N/A" if index == 7 else 8471300000 + index, index / 4])
    path = tmp_path / "lookup.xlsx"
    book.save(path)
    rows = read_file(path).sheets[0].rows
    assert rows[8] == ["SKU-7", "#N/A", "1.75"]
    assert rows[9] == ["SKU-8", "8471300008", "2"]


def test_wide_streamed_workbook_is_bounded_without_dimension(tmp_path: Path) -> None:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("wide")
    for row in range(5):
        sheet.append([f"r{row}c{col}" for col in range(30)])
    path = tmp_path / "wide.xlsx"
    book.save(path)
    rows = read_file(path).sheets[0].rows
    assert len(rows) == 5 and rows[4][29] == "r4c29"
    with pytest.raises(ReadRefused, match=r"^wide\.xlsx sheet 'wide' has a used range of 30 columns"):
        read_file(path, limits=ReadLimits(max_columns=20))


def _with_dimension(path: Path, ref: str) -> Path:
    """Rewrite the first sheet's <dimension> (as LibreOffice does with A1:AMJ1048576)."""
    patched = path.with_name("patched_" + path.name)
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                start = data.index(b"<dimension ref=")
                end = data.index(b"/>", start) + 2
                data = data[:start] + f'<dimension ref="{ref}"/>'.encode() + data[end:]
            target.writestr(info, data)
    return patched


def test_outsized_dimension_claim_does_not_materialise_empty_rows(tmp_path: Path) -> None:
    path = _with_dimension(_yonyou_workbook(tmp_path / "u8.xlsx"), "A1:AMJ1048576")
    data = read_file(path).sheets[0]
    assert data.row_numbers == [1, 2, 4, 5, 6, 7]
    assert len(data.rows[0]) == 7


def test_stray_cell_in_the_last_row_is_refused_before_loading(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet["A1"] = "sku"
    sheet["XFD1048576"] = "x"  # a dense range of 17 billion cells
    path = tmp_path / "stray.xlsx"
    book.save(path)
    started = time.perf_counter()
    with pytest.raises(ReadRefused, match=r"^stray\.xlsx sheet 'Sheet' has a used range of 1,048,576 rows"):
        read_file(path, limits=ReadLimits(max_rows=1_000_000))
    assert time.perf_counter() - started < 5


def test_too_many_cells_refused_even_when_rows_and_columns_pass(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet["A1"] = "sku"
    sheet["ALL900000"] = "x"  # 900,000 rows x 1,000 columns
    path = tmp_path / "corner.xlsx"
    book.save(path)
    with pytest.raises(ReadRefused, match=r"900,000 x 1,000 cells, more than the limit of 20,000,000"):
        read_file(path)


def test_declared_decompressed_size_over_limit(tmp_path: Path) -> None:
    path = _yonyou_workbook(tmp_path / "u8.xlsx")
    expected = r"^u8\.xlsx would expand to [\d,]+ bytes when unzipped, more than the limit of 1,000;"
    with pytest.raises(ReadRefused, match=expected):
        read_file(path, limits=ReadLimits(max_decompressed_bytes=1000))


def test_file_over_max_bytes(tmp_path: Path) -> None:
    path = _write(tmp_path / "big.csv", "a,b\n" + "1,2\n" * 100, "utf-8")
    with pytest.raises(ReadRefused, match=r"^big\.csv is 404 bytes, more than the limit of 100;"):
        read_file(path, limits=ReadLimits(max_bytes=100))


def test_rows_and_columns_limits_for_text(tmp_path: Path) -> None:
    path = _write(tmp_path / "long.csv", "a,b\n" + "1,2\n" * 20, "utf-8")
    with pytest.raises(ReadRefused, match=r"more than 10 rows"):
        read_file(path, limits=ReadLimits(max_rows=10))
    wide = _write(tmp_path / "wide.csv", ",".join(["x"] * 30) + "\n", "utf-8")
    with pytest.raises(ReadRefused, match=r"30 fields in row 1, more than the limit of 20"):
        read_file(wide, limits=ReadLimits(max_columns=20))


def test_word_document_renamed_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "invoice.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    with pytest.raises(ReadRefused, match=r"^invoice\.xlsx is a Word document \(\.docx\), not a spreadsheet"):
        read_file(path)


def test_corrupt_zip(tmp_path: Path) -> None:
    source = _yonyou_workbook(tmp_path / "u8.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(source[: len(source) // 2])
    with pytest.raises(ReadRefused, match=r"^cut\.xlsx is a damaged zip archive"):
        read_file(path)


def test_empty_file_and_folder(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.touch()
    with pytest.raises(ReadRefused, match=r"^empty\.csv is empty \(0 bytes\)"):
        read_file(empty)
    with pytest.raises(ReadRefused, match=r"is not a regular file"):
        read_file(tmp_path)


# --- SpreadsheetML 2003 -----------------------------------------------------------------------

_SPREADSHEETML = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE Workbook [<!ENTITY secret SYSTEM "file://{secret}">]>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet" xmlns:x="urn:schemas-microsoft-com:office:excel">
 <Styles><Style ss:ID="d"><NumberFormat ss:Format="Short Date"/></Style></Styles>
 <Worksheet ss:Name="发票">
  <Table>
   <Row><Cell ss:MergeAcross="2"><Data ss:Type="String">出口发票</Data></Cell></Row>
   <Row ss:Index="3"><Cell><Data ss:Type="String">发票号</Data></Cell><Cell><Data ss:Type="String">日期</Data></Cell>
    <Cell><Data ss:Type="String">金额</Data></Cell><Cell><Data ss:Type="String">备注</Data></Cell></Row>
   <Row><Cell><Data ss:Type="String">INV-9</Data></Cell>
    <Cell><Data ss:Type="DateTime">2026-11-03T00:00:00.000</Data></Cell>
    <Cell><Data ss:Type="Number">1234.5600000000001</Data></Cell>
    <Cell><Data ss:Type="String">&secret;</Data></Cell></Row>
   <Row><Cell ss:Index="2" ss:StyleID="d"><Data ss:Type="Number">46329</Data></Cell>
    <Cell><Data ss:Type="Error">#N/A</Data></Cell></Row>
  </Table>
 </Worksheet>
 <Worksheet ss:Name="settings"><Table><Row><Cell><Data ss:Type="Boolean">1</Data></Cell></Row></Table>
  <WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel"><Visible>SheetHidden</Visible></WorksheetOptions>
 </Worksheet>
</Workbook>
"""


def test_spreadsheetml_named_xls_without_entity_expansion(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET", encoding="utf-8")
    path = _write(tmp_path / "report.xls", _SPREADSHEETML.format(secret=secret), "utf-8")
    workbook = read_file(path)
    invoice, settings = workbook.sheets
    assert workbook.container == "spreadsheetml"
    assert invoice.row_numbers == [1, 3, 4, 5]
    assert invoice.merged == [(0, 0, 0, 2)]
    assert invoice.rows[0] == ["出口发票", None, None, None]
    assert invoice.rows[2][:3] == ["INV-9", "2026-11-03", "1234.56"]
    assert invoice.rows[2][3] != "TOP SECRET"  # the external entity is never resolved
    assert invoice.rows[3] == [None, "2026-11-03", "#N/A", None]
    assert (settings.hidden, settings.rows) == (True, [["TRUE"]])


# --- display text -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1200.0, "1200"),
        (12.5, "12.5"),
        (60.564999999999998, "60.565"),
        (0.1 + 0.2, "0.3"),
        (8471300000.0, "8471300000"),
        (1e-05, "0.00001"),
        (1.2345678901234567e16, "12345678901234600"),
        (-0.0, "0"),
        (-3.25, "-3.25"),
    ],
)
def test_float_text(value: float, text: str) -> None:
    assert float_text(value) == text


def test_serial_dates_in_both_systems() -> None:
    assert serial_text(46329) == "2026-11-03"
    assert serial_text(46329 - 1462, date1904=True) == "2026-11-03"
    assert serial_text(46329.354166666664) == "2026-11-03T08:30:00"
    assert serial_text(0.5) == "12:00:00"
