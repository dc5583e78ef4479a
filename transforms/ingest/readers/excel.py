"""Excel and OpenDocument workbooks (.xlsx/.xlsm, .xls, .ods) through python-calamine.

Calamine reads cached formula values, shared and inline strings (``_x000D_`` escapes decoded,
phonetic ``rPh`` runs skipped), the 1904 date system and sheet visibility. This module adds what
the pipeline needs on top: display text for every value (:mod:`transforms.ingest.readers.cells`), source
row numbers, limits checked before a sheet is loaded, and error cells put back (see
:mod:`transforms.ingest.readers.ooxml`).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import Final

import python_calamine as calamine

from transforms.ingest.readers import ods, ooxml, zipguard
from transforms.ingest.readers.cells import FLOAT_CACHE_LIMIT, FloatTexts, cell_text
from transforms.ingest.readers.raw import (
    Container,
    RawSheet,
    ReadLimits,
    ReadRefused,
    Row,
    library_message,
    no_cyclic_gc,
)

_PASSWORD_WORDS: Final = ("password", "encrypt")
_ErrorCells = dict[str, dict[tuple[int, int], str]]


def _refuse_engine_error(path: Path, container: Container, error: BaseException) -> ReadRefused:
    message = library_message(error)
    if isinstance(error, calamine.PasswordError) or any(w in message.lower() for w in _PASSWORD_WORDS):
        return ReadRefused(
            f"{path.name} is password-protected ({message}); save it without a password and send it again."
        )
    return ReadRefused(
        f"{path.name} looks like an {container} workbook but cannot be read ({message}); "
        "open it in Excel or WPS, save it as .xlsx and send it again."
    )


def _is_engine_failure(error: BaseException) -> bool:
    # Whatever calamine, zipfile, zlib or lxml raise on a damaged file becomes a refusal; a Rust
    # panic inside calamine surfaces as pyo3's PanicException, which is a BaseException.
    return isinstance(error, Exception) or type(error).__name__ == "PanicException"


def _check_extent(path: Path, sheet_name: str, rows: int, columns: int, limits: ReadLimits) -> None:
    where = f"{path.name} sheet {sheet_name!r}"
    used = "has a used range of"
    if rows > limits.max_rows:
        raise ReadRefused(
            f"{where} {used} {rows:,} rows, more than the limit of {limits.max_rows:,}; "
            "split it into smaller files (or delete the stray cells far below the table) and send it again."
        )
    if columns > limits.max_columns:
        raise ReadRefused(
            f"{where} {used} {columns:,} columns, more than the limit of {limits.max_columns:,}; "
            "delete the unused columns and send it again."
        )
    if rows * columns > limits.max_cells:
        raise ReadRefused(
            f"{where} {used} {rows:,} x {columns:,} cells, more than the limit of {limits.max_cells:,}; "
            "split it into smaller files (or delete stray cells far from the table) and send it again."
        )


def _exceeds(extent: ooxml.Extent, *, limits: ReadLimits) -> bool:
    return extent.rows > limits.max_rows or extent.columns > limits.max_columns or extent.cells > limits.max_cells


def _precheck_xlsx(path: Path, parts: dict[str, str], limits: ReadLimits) -> _ErrorCells:
    """Refuse a sheet whose real used range is too big, before calamine allocates it densely.

    The ``<dimension>`` claim is never trusted (a stale one hides a cell at XFD1048576, and
    calamine sizes its grid from the cells): byte searches over the cell references bound the
    range, and only a sheet that still looks too big, or whose cells are not written the usual
    way, has its cells parsed to see which of them really hold values. Both passes stop as soon
    as the range is over a limit. Returns the error cells found on the way, per part.
    """
    known: _ErrorCells = {}
    too_big = partial(_exceeds, limits=limits)
    with zipfile.ZipFile(path) as archive:
        zipguard.verify_members(archive, scanned=set(parts.values()))
        for sheet_name, part in parts.items():
            scan = ooxml.byte_scan(archive, part, bound=True, stop=too_big)
            if scan.bound is None or too_big(scan.bound) or scan.errors is None:
                parsed = ooxml.scan_part(archive, part, stop=too_big)
                if parsed.extent is not None:
                    _check_extent(path, sheet_name, parsed.extent.rows, parsed.extent.columns, limits)
                known[part] = parsed.errors
            else:
                known[part] = scan.errors
    return known


def _trim_columns(rows: list[Row]) -> list[Row]:
    width = max((len(row) for row in rows), default=0)
    while width and all(row[width - 1] is None for row in rows):
        width -= 1
    return rows if all(len(row) == width for row in rows) else [row[:width] for row in rows]


def _text_rows(values: Iterable[Sequence[object]], lead: int) -> tuple[list[Row], list[int], int]:
    """Display text of each non-empty row, the index (in ``values``) of each, and how many rows there were."""
    floats = FloatTexts()
    known, convert = floats.get, floats.text
    padding: Row = [None] * lead
    rows: list[Row] = []
    kept: list[int] = []
    index = -1
    for index, values_row in enumerate(values):
        # Hot loop (one iteration per cell): strings and floats are nearly every cell, so they
        # are handled inline and everything else goes through cell_text.
        row: Row = [
            (v or None) if v.__class__ is str else known(v) or convert(v) if v.__class__ is float else cell_text(v)
            for v in values_row
        ]
        if any(row):
            rows.append(padding + row if lead else row)
            kept.append(index)
        if len(floats) > FLOAT_CACHE_LIMIT:
            floats.clear()
    return rows, kept, index + 1


def _sheet_rows(sheet: calamine.CalamineSheet, errors: dict[tuple[int, int], str]) -> tuple[list[Row], list[int]]:
    start, end = sheet.start, sheet.end
    if start is None or end is None:
        return [], []
    first_row, first_col = start
    if errors:
        # Calamine hands error cells back as empty: write their text into the grid first.
        # to_python() starts at the range's top-left corner, which the patching needs.
        grid = sheet.to_python(skip_empty_area=True)
        for (row, col), text in errors.items():
            r, c = row - first_row, col - first_col
            if 0 <= r < len(grid) and 0 <= c < len(grid[r]):
                grid[r][c] = text
        rows, kept, _count = _text_rows(grid, first_col)
        offset = first_row
    else:
        # iter_rows() is the cheaper path but (python-calamine 0.9) may first yield blank rows
        # above the range; whatever it yields, its last row is the range's last row, so row
        # numbers are counted back from the end.
        rows, kept, count = _text_rows(sheet.iter_rows(), first_col)
        offset = end[0] - (count - 1)
    return _trim_columns(rows), [index + offset + 1 for index in kept]


def _merged(sheet: calamine.CalamineSheet) -> list[tuple[int, int, int, int]]:
    ranges = sheet.merged_cell_ranges or []
    return [(r1, c1, r2, c2) for (r1, c1), (r2, c2) in ranges]


def read_excel(path: Path, container: Container, limits: ReadLimits) -> list[RawSheet]:
    """Every worksheet of an .xlsx/.xlsm, .xls or .ods workbook (chart sheets left out)."""
    try:
        parts: dict[str, str] = {}
        known: _ErrorCells = {}
        if container == "xlsx":
            with zipfile.ZipFile(path) as archive:
                parts = ooxml.worksheet_parts(archive)
                parts.update(ooxml.unlisted_worksheet_parts(archive, parts))
            known = _precheck_xlsx(path, parts, limits)
        elif container == "ods":
            ods.precheck(path, limits)
        return _read_sheets(path, container, limits, parts, known)
    except ReadRefused:
        raise
    except BaseException as error:
        if not _is_engine_failure(error):
            raise
        raise _refuse_engine_error(path, container, error) from None


#: Extensions from which calamine itself picks the parser for each container.
_ENGINE_SUFFIXES: Final = {
    "xlsx": (".xlsx", ".xlsm", ".xlam"),
    "xls": (".xls", ".xla"),
    "ods": (".ods",),
}


def _open_workbook(path: Path, container: Container) -> calamine.CalamineWorkbook:
    # Calamine chooses its parser from the extension when given a path, and from the bytes when
    # given a file; a mislabelled workbook (an .xlsx named .xls) must take the second way.
    if path.suffix.lower() in _ENGINE_SUFFIXES.get(container, ()):
        return calamine.CalamineWorkbook.from_path(str(path))
    with path.open("rb") as handle:
        return calamine.CalamineWorkbook.from_filelike(handle)


def _read_sheets(
    path: Path,
    container: Container,
    limits: ReadLimits,
    parts: dict[str, str],
    known: _ErrorCells,
) -> list[RawSheet]:
    sheets: list[RawSheet] = []
    with _open_workbook(path, container) as workbook:
        for index, meta in enumerate(workbook.sheets_metadata):
            if meta.typ != calamine.SheetTypeEnum.WorkSheet:
                continue  # chart, dialog and macro sheets hold no table
            sheet = workbook.get_sheet_by_index(index)
            _check_extent(path, meta.name, sheet.height, sheet.width, limits)
            sheet_errors = known.get(parts.get(meta.name, ""), {})
            with no_cyclic_gc():
                rows, row_numbers = _sheet_rows(sheet, sheet_errors)
            sheets.append(
                RawSheet(
                    name=meta.name,
                    rows=rows,
                    row_numbers=row_numbers,
                    hidden=meta.visible != calamine.SheetVisibleEnum.Visible,
                    merged=_merged(sheet),
                )
            )
    return sheets
