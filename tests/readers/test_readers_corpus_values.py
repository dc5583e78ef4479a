"""Exact cell text read from real-world corpus files (values checked by opening each file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from transforms.ingest.readers import RawSheet, RawWorkbook, ReadRefused, read_file


def _read(corpus: Path, relative: str) -> RawWorkbook:
    return read_file(corpus / relative)


def _sheet(workbook: RawWorkbook, name: str | None = None) -> RawSheet:
    if name is None:
        return workbook.sheets[0]
    return next(sheet for sheet in workbook.sheets if sheet.name == name)


def _cell(sheet: RawSheet, row_number: int, column: int) -> str | None:
    """The cell in 1-based source row ``row_number`` and 0-based ``column``."""
    return sheet.rows[sheet.row_numbers.index(row_number)][column]


def test_1904_date_system_xlsx(corpus: Path) -> None:
    # workbookPr date1904="true": serial 42735 is 2021-01-01 (it would be 2017-01-01 in 1900).
    sheet = _sheet(_read(corpus, "spreadsheets/calamine/date_1904.xlsx"))
    assert sheet.rows == [["2021-01-01", "15"], ["2021-01-02", "16"], ["255:10:10", "17"]]


def test_1904_date_system_with_junk_rows_above_the_header(corpus: Path) -> None:
    sheet = _sheet(_read(corpus, "spreadsheets/csvkit/test_skip_lines.xlsx"))
    assert sheet.row_numbers[0] == 4
    assert sheet.rows[0][:6] == ["text", "date", "integer", "boolean", "float", "datetime"]
    assert _cell(sheet, 5, 1) == "1971-01-01"
    assert _cell(sheet, 6, 5) == "1948-01-01T14:57:13"
    assert _cell(sheet, 5, 3) == "TRUE"  # cached value of the formula =TRUE()


def test_1904_date_system_xls(corpus: Path) -> None:
    sheet = _sheet(_read(corpus, "spreadsheets/calamine/date_1904.xls"))
    assert sheet.rows[0] == ["2021-01-01", "15"]


def test_inline_strings_with_cdata(corpus: Path) -> None:
    sheet = _sheet(_read(corpus, "spreadsheets/calamine/inlineStr_cdata.xlsx"))
    assert sheet.rows == [["Hello CDATA", "World"], ["12345", "NormalText"]]


def test_x000d_escape_decodes_to_carriage_return(corpus: Path) -> None:
    sheet = _sheet(_read(corpus, "spreadsheets/calamine/has_x000D_.xlsx"))
    assert sheet.rows == [["ABC\r\nDEF"]]


def test_phonetic_runs_are_skipped(corpus: Path) -> None:
    sheet = _sheet(_read(corpus, "spreadsheets/calamine/rph.xlsx"))
    assert sheet.rows == [["課きく\u3000毛こ"]]


def test_floating_point_noise_rounded_to_what_excel_shows(corpus: Path) -> None:
    sheet = _sheet(_read(corpus, "spreadsheets/frictionless/adjust-floating-point-error.xlsx"))
    assert sheet.rows[1][1:] == ["60.565", "242.26", "242.26"]
    assert sheet.rows[2][1:] == ["68.665", "274.66", "274.66"]
    assert sheet.rows[4][1:] == ["12.1", "968", "968"]


def test_error_cells_keep_their_text(corpus: Path) -> None:
    sheet = _sheet(_read(corpus, "spreadsheets/calamine/errors.xlsx"), "Feuil1")
    assert [row[0] for row in sheet.rows] == ["#DIV/0!", "#NAME?", "#VALUE!", "#NULL!", "#REF!", "#NUM!", "#N/A"]


def test_hidden_and_very_hidden_sheets_flagged_chart_sheet_left_out(corpus: Path) -> None:
    workbook = _read(corpus, "spreadsheets/calamine/any_sheets.xlsx")
    assert [(sheet.name, sheet.hidden) for sheet in workbook.sheets] == [
        ("Visible", False),
        ("Hidden", True),
        ("VeryHidden", True),
    ]


def test_strict_ooxml_sheet_visibility(corpus: Path) -> None:
    workbook = _read(corpus, "spreadsheets/sheetjs-test_files/sheet_visibility_strict.xlsx")
    assert [(sheet.name, sheet.hidden) for sheet in workbook.sheets] == [
        ("Visible", False),
        ("Hidden", True),
        ("VeryHidden", True),
    ]
    assert _sheet(workbook, "Hidden").rows[0] == ["H", "i", "d", "d", "e", "n"]


def test_table_in_the_middle_keeps_source_positions(corpus: Path) -> None:
    sheet = _sheet(_read(corpus, "spreadsheets/calamine/temperature-in-middle.xlsx"))
    assert sheet.row_numbers == [4, 5, 6]
    assert sheet.rows == [[None, "label", "value"], [None, "celsius", "22.2222"], [None, "fahrenheit", "72"]]


def test_merged_ranges_in_source_coordinates(corpus: Path) -> None:
    sheet = _sheet(_read(corpus, "spreadsheets/double-entry-generator/example-citic-records.xls"))
    assert sheet.merged == [(0, 0, 0, 7)]
    assert sheet.rows[0][0] == "本期账单明细(人民币)"
    assert sheet.rows[1][:2] == ["交易日期", "入账日期"]


def test_spreadsheetml_2003(corpus: Path) -> None:
    workbook = _read(corpus, "spreadsheets/sheetjs-test_files/artifacts_wps_write.xml")
    assert workbook.container == "spreadsheetml"
    assert _sheet(workbook).rows == [
        ["1", "2", "3", None],
        ["TRUE", "FALSE", None, "sheetjs"],
        ["foo", "bar", "2014-02-19", "0.3"],  # 41689 in a m/d/yy style is a date
        ["baz", None, "qux", None],
    ]


def test_fake_xls_that_is_gbk_tab_text_with_formula_quoted_cells(corpus: Path) -> None:
    workbook = _read(corpus, "spreadsheets/double-entry-generator/example-hxsec-records.xls")
    sheet = _sheet(workbook)
    assert (workbook.container, sheet.encoding, sheet.delimiter) == ("csv", "gb18030", "\t")
    assert sheet.rows[0][:4] == ["交收日期", "成交时间", "业务名称", "证券代码"]
    assert sheet.rows[3][:5] == ["20230212", "15:00:00", "指定交易", "799999", "指定登记"]
    assert sheet.rows[3][-1] == "114514114514"


def test_utf16_little_and_big_endian_with_bom(corpus: Path) -> None:
    for name in ("test_utf16_little.csv", "test_utf16_big.csv"):
        sheet = _sheet(_read(corpus, f"csv/csvkit/{name}"))
        assert sheet.encoding == "utf-16"
        assert sheet.rows == [["a", "b", "c"], ["1", "2", "3"], ["4", "5", "ʤ"]]


def test_utf16_without_bom(corpus: Path) -> None:
    sheet = _sheet(_read(corpus, "csv/csvw/test-utf16.csv"))
    assert sheet.encoding == "utf-16-le"
    assert sheet.rows[0] == ["test text", "test number", "test date"]
    assert sheet.rows[1] == ["Я могу есть стекло, оно мне не вредит.", "1234.56", "2014-02-11"]
    assert sheet.rows[3][0] == '"never again"\r\nwe said'


def test_latin1_csv_with_pound_signs(corpus: Path) -> None:
    sheet = _sheet(_read(corpus, "csv/csvw/ESCC-payment-data-Q2281011.csv"))
    assert sheet.encoding == "cp1252"
    assert sheet.rows[2] == ["BT PLC", "Other Adult Services", "£512", "Adult Social Care", "3000269947", "NE82"]
    assert sheet.rows[4][2] == "£23,705"
    assert len(sheet.rows) == 5769


def test_latin1_trap_that_chardet_gets_wrong(corpus: Path) -> None:
    sheet = _sheet(_read(corpus, "csv/csvkit/test_latin1.csv"))
    assert sheet.rows[2] == ["4", "5", "©"]


def test_semicolon_delimiter_keeps_leading_zero(corpus: Path) -> None:
    sheet = _sheet(_read(corpus, "csv/frictionless/issue-1009-semicolon.csv"))
    assert sheet.delimiter == ";"
    assert sheet.rows == [["fieldNameA", "fieldNameB"], ["0123", "c"]]


def test_cr_only_line_endings_with_quoted_cr(corpus: Path) -> None:
    sheet = _sheet(_read(corpus, "csv/csvkit/mac_newlines.csv"))
    assert sheet.rows == [["a", "b", "c"], ["1", "2", "3"], ["Once upon\ra time", "5", "6"]]


def test_nul_byte_is_dropped_and_the_rest_kept(corpus: Path) -> None:
    sheet = _sheet(_read(corpus, "csv/csvkit/null_byte.csv"))
    assert sheet.rows == [["a", "b", "c"], [None, "2", "3"]]


def test_tab_after_closing_quote_is_stripped(corpus: Path) -> None:
    sheet = _sheet(_read(corpus, "csv/double-entry-generator/hsbchk_credit_hsbchk-credit-records.csv"))
    assert sheet.rows[1][3] == "-1,099.14"


def test_ragged_rows_are_padded(corpus: Path) -> None:
    sheet = _sheet(_read(corpus, "csv/csvkit/bad.csv"))
    assert sheet.rows == [
        ["column_a", "column_b", "column_c", None],
        ["1", "27", None, "I'm too long!"],
        [None, "I'm too short!", None, None],
        ["0", "mixed types.... uh oh", "17", None],
    ]


def test_tab_delimited_file_named_csv(corpus: Path) -> None:
    sheet = _sheet(_read(corpus, "csv/clevercsv/milk.csv"))
    assert sheet.delimiter == "\t"
    assert len({len(row) for row in sheet.rows}) == 1 and len(sheet.rows[0]) == 23


@pytest.mark.parametrize(
    ("relative", "words"),
    [
        ("spreadsheets/calamine/pass_protected.xlsx", "password-protected (an encrypted OLE2 container)"),
        ("spreadsheets/python-calamine/password.xls", "password-protected"),
        ("spreadsheets/python-calamine/empty_file.xlsx", "is empty (0 bytes)"),
        ("spreadsheets/openpyxl/null_archive.xlsx", "zip archive that holds no spreadsheet"),
        ("spreadsheets/calamine/too_small.xls", "plain text with no columns"),
    ],
)
def test_refusal_reasons_say_what_is_wrong(corpus: Path, relative: str, words: str) -> None:
    with pytest.raises(ReadRefused) as refused:
        _read(corpus, relative)
    assert words in refused.value.reason
    assert refused.value.reason.startswith(Path(relative).name + " ")
