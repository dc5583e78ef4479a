"""Hostile spreadsheets and text: each is refused in one sentence, in bounded memory and time.

The files are generated here and stay small on disk; what they would cost an engine is what they
declare (a stale ``<dimension>``, repeated rows and columns, a zip part that inflates hundreds of
times, a zip directory that lies). The cases that used to abort the process or exhaust memory run
in a child process capped at 1 GiB of address space, so a regression fails the test, not the suite.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from transforms.ingest.readers import ReadLimits, ReadRefused, read_file

_GIB = 1 << 30
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CHILD = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
from pathlib import Path
from transforms.ingest.readers import ReadRefused, read_file
started = time.perf_counter()
try:
    read_file(Path(sys.argv[1]))
    outcome = "read"
except ReadRefused as refused:
    outcome = refused.reason
# VmHWM, not ru_maxrss: the latter keeps the forking parent's peak across exec
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({{"outcome": outcome, "seconds": time.perf_counter() - started, "peak_kb": peak}}))
"""


def _read_in_capped_child(path: Path) -> dict[str, object]:
    """read_file in a child limited to 1 GiB of address space; an abort or MemoryError fails the test."""
    done = subprocess.run([sys.executable, "-c", _CHILD.format(cap=_GIB), str(path)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"the reader died (rc {done.returncode}): {done.stderr[-400:]}"
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    assert isinstance(result["seconds"], float) and result["seconds"] < 60
    return result


def _replace_part(source: Path, target: Path, part: str, data: bytes) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, data if info.filename == part else old.read(info.filename))
    return target


def _workbook(tmp_path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet["A1"], sheet["B1"] = "sku", "qty"
    sheet["A2"], sheet["B2"] = "P-1", 3
    path = tmp_path / "base.xlsx"
    book.save(path)
    return path


def _sheet_xml(body: bytes, dimension: str = "A1:B2") -> bytes:
    return (f'<worksheet xmlns="{_MAIN_NS}"><dimension ref="{dimension}"/><sheetData>'.encode()
            + body + b"</sheetData></worksheet>")


# --- xlsx ---------------------------------------------------------------------------------------


def test_stale_dimension_hiding_a_cell_at_xfd1048576_is_refused_not_aborted(tmp_path: Path) -> None:
    # Used to abort the process: calamine sized its grid from the cells (a 512 GiB allocation)
    # while the precheck trusted the modest <dimension> claim.
    body = b'<row r="1"><c r="A1" t="inlineStr"><is><t>sku</t></is></c></row>' \
           b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    path = _replace_part(_workbook(tmp_path), tmp_path / "stale.xlsx", "xl/worksheets/sheet1.xml", _sheet_xml(body))
    assert path.stat().st_size < 6000
    result = _read_in_capped_child(path)
    assert result["outcome"] == (
        "stale.xlsx sheet 'Sheet' has a used range of 1,048,576 rows, more than the limit of 1,000,000; "
        "split it into smaller files (or delete the stray cells far below the table) and send it again.")


def test_cell_reference_beyond_its_row_tag_is_bounded_by_the_cell(tmp_path: Path) -> None:
    # The cell says where it is, whatever its <row r> says: the bound must come from the cell.
    body = b'<row r="1"><c r="A1" t="inlineStr"><is><t>sku</t></is></c><c r="ALL999999"><v>1</v></c></row>'
    path = _replace_part(_workbook(tmp_path), tmp_path / "liar.xlsx", "xl/worksheets/sheet1.xml", _sheet_xml(body))
    result = _read_in_capped_child(path)
    assert result["outcome"] == (
        "liar.xlsx sheet 'Sheet' has a used range of 999,999 x 1,000 cells, more than the limit of 20,000,000; "
        "split it into smaller files (or delete stray cells far from the table) and send it again.")


def test_prefixed_cell_tags_are_parsed_not_trusted(tmp_path: Path) -> None:
    body = (b'<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>'
            b'<x:row r="900000"><x:c r="ALL900000"><x:v>1</x:v></x:c></x:row>')
    xml = (f'<x:worksheet xmlns:x="{_MAIN_NS}"><x:dimension ref="A1"/><x:sheetData>'.encode() + body
           + b"</x:sheetData></x:worksheet>")
    path = _replace_part(_workbook(tmp_path), tmp_path / "prefixed.xlsx", "xl/worksheets/sheet1.xml", xml)
    result = _read_in_capped_child(path)
    assert "has a used range of 900,000 x 1,000 cells, more than the limit of 20,000,000" in str(result["outcome"])


def test_sheet_part_inflating_hundreds_of_times_is_refused_from_the_directory(tmp_path: Path) -> None:
    row = b"<row>" + b"<c><v>1</v></c>" * 40 + b"</row>"
    path = _replace_part(_workbook(tmp_path), tmp_path / "bomb.xlsx", "xl/worksheets/sheet1.xml",
                         _sheet_xml(row * 30_000))
    assert path.stat().st_size < 200_000
    started = time.perf_counter()
    with pytest.raises(ReadRefused) as refused:
        read_file(path)
    assert refused.value.reason.startswith("bomb.xlsx holds a part (xl/worksheets/sheet1.xml) that inflates ")
    assert refused.value.reason.endswith(
        "times for real data; export the sheet again without the repeated empty rows or columns and send it again.")
    assert "more than the limit of 200 times" in refused.value.reason
    assert time.perf_counter() - started < 5


def _declare_size(path: Path, part: str, declared: int) -> Path:
    """Rewrite a member's uncompressed size in the zip directory and its local header (a lie)."""
    raw = bytearray(path.read_bytes())
    at = raw.find(b"PK\x01\x02")
    while at >= 0:
        name_length = struct.unpack_from("<H", raw, at + 28)[0]
        if raw[at + 46: at + 46 + name_length] == part.encode():
            struct.pack_into("<I", raw, at + 24, declared)
            struct.pack_into("<I", raw, struct.unpack_from("<I", raw, at + 42)[0] + 22, declared)
        at = raw.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(raw))
    return path


def test_styles_part_whose_directory_lies_is_caught_while_inflating(tmp_path: Path) -> None:
    # Not a sheet, so no sheet scan reads it: the guard inflates any part that could exceed 16 MB.
    source = _workbook(tmp_path)
    with zipfile.ZipFile(source) as archive:
        styles = archive.read("xl/styles.xml")
    padded = styles.replace(b"<styleSheet", b"<!--" + bytes(range(65, 91)) * 800_000 + b"--><styleSheet", 1)
    path = _replace_part(source, tmp_path / "lie.xlsx", "xl/styles.xml", padded)
    _declare_size(path, "xl/styles.xml", 1000)
    with pytest.raises(ReadRefused) as refused:
        read_file(path)
    assert refused.value.reason == (
        "lie.xlsx looks like an xlsx workbook but cannot be read (Bad CRC-32 for file 'xl/styles.xml'); "
        "open it in Excel or WPS, save it as .xlsx and send it again.")


# --- ods ----------------------------------------------------------------------------------------


_MANIFEST = (
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
)


def _ods(path: Path, rows_repeated: int, columns_repeated: int) -> Path:
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    table = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    text = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    content = (
        f'<office:document-content xmlns:office="{office}" xmlns:table="{table}" xmlns:text="{text}">'
        '<office:body><office:spreadsheet><table:table table:name="Sheet1">'
        '<table:table-row><table:table-cell office:value-type="string"><text:p>sku</text:p></table:table-cell>'
        f'</table:table-row><table:table-row table:number-rows-repeated="{rows_repeated}">'
        f'<table:table-cell table:number-columns-repeated="{columns_repeated}" office:value-type="float" '
        'office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", _MANIFEST)
    return path


def test_ods_repeats_are_counted_before_calamine_expands_them(tmp_path: Path) -> None:
    # 807 bytes that calamine expanded into 90 million cells (about 3 GB) before refusing nothing.
    path = _ods(tmp_path / "repeat.ods", 90_000, 1_000)
    assert path.stat().st_size < 1000
    result = _read_in_capped_child(path)
    assert result["outcome"] == (
        "repeat.ods sheet 'Sheet1' has a used range of 90,001 x 1,000 cells (repeated rows and columns counted), "
        "more than the limits of 1,000,000 rows, 1,000 columns and 20,000,000 cells; delete the stray cells far "
        "from the table, save it as .xlsx and send it again.")
    assert isinstance(result["peak_kb"], int) and result["peak_kb"] < 300_000


def test_ods_with_modest_repeats_is_read(tmp_path: Path) -> None:
    sheet = read_file(_ods(tmp_path / "small.ods", 3, 4)).sheets[0]
    assert sheet.rows == [["sku", None, None, None], ["1", "1", "1", "1"], ["1", "1", "1", "1"],
                          ["1", "1", "1", "1"]]


# --- SpreadsheetML and delimited text ------------------------------------------------------------


def test_spreadsheetml_far_index_cells_count_as_padded_rows(tmp_path: Path) -> None:
    row = '<Row><Cell ss:Index="900"><Data ss:Type="String">x</Data></Cell></Row>'
    xml = ('<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
           'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="S"><Table>'
           + row * 50 + "</Table></Worksheet></Workbook>")
    path = tmp_path / "report.xls"
    path.write_text(xml, encoding="utf-8")
    with pytest.raises(ReadRefused) as refused:
        read_file(path, limits=ReadLimits(max_cells=10_000))
    assert refused.value.reason == (
        "report.xls sheet 'S' has 12 rows of up to 900 columns, more than the limit of 10,000 cells; "
        "split it into smaller files and send them again.")


def test_csv_with_too_many_fields_is_refused_before_rows_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "fields.csv"
    path.write_text("sku,qty\n" + ("1," * 99 + "1\n") * 300, encoding="utf-8")
    with pytest.raises(ReadRefused) as refused:
        read_file(path, limits=ReadLimits(max_cells=20_000))
    assert refused.value.reason == (
        "fields.csv has 201 rows of up to 100 fields, more than the limit of 20,000 fields in one file; "
        "split it into smaller files and send them again.")


def test_csv_one_wide_row_far_down_is_refused_for_the_padding_it_causes(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("sku\n" + "P-1\n" * 500 + ",".join(["x"] * 900) + "\n", encoding="utf-8")
    with pytest.raises(ReadRefused) as refused:
        read_file(path, limits=ReadLimits(max_cells=100_000))
    assert refused.value.reason == (
        "ragged.csv has 502 rows of up to 900 fields, more than the limit of 100,000 fields in one file; "
        "split it into smaller files and send them again.")


def test_csv_within_the_field_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    path.write_text("sku,qty\n" + "P-1,2\n" * 100, encoding="utf-8")
    assert len(read_file(path, limits=ReadLimits(max_cells=202)).sheets[0].rows) == 101

