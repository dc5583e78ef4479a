"""Bare BIFF2-4 worksheet streams (Excel 2.x-4.x, before the OLE2 container), through xlrd.

python-calamine reads BIFF5-8 inside OLE2 but not these older streams; report back-ends and
very old ERPs still write them under a .xls name, so they are read, not refused.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import xlrd

from transforms.ingest.readers.cells import cell_text, serial_text
from transforms.ingest.readers.raw import RawSheet, ReadLimits, ReadRefused, Row, library_message


def read_biff(path: Path, limits: ReadLimits) -> list[RawSheet]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = xlrd.open_workbook(str(path), on_demand=False, logfile=_Null())
    except Exception as error:  # xlrd raises bare Exceptions of many kinds for damaged streams
        raise ReadRefused(f"{path.name} is an old Excel 2.x-4.x worksheet that could not be read "
                          f"({library_message(error)}); re-save it as .xlsx and send it again.") from None
    sheets: list[RawSheet] = []
    for sheet in book.sheets():
        if sheet.nrows > limits.max_rows or sheet.ncols > limits.max_columns or \
                sheet.nrows * sheet.ncols > limits.max_cells:
            raise ReadRefused(f"{path.name} sheet {sheet.name} has {sheet.nrows} rows x {sheet.ncols} columns, over "
                              f"the limit of {limits.max_rows} x {limits.max_columns} ({limits.max_cells:,} cells); "
                              "split the export.")
        rows: list[Row] = []
        numbers: list[int] = []
        for r in range(sheet.nrows):
            row: Row = []
            for c in range(sheet.ncols):
                cell = sheet.cell(r, c)
                if cell.ctype == xlrd.XL_CELL_DATE:
                    row.append(serial_text(float(cell.value), date1904=bool(book.datemode)))
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    row.append("TRUE" if cell.value else "FALSE")
                elif cell.ctype == xlrd.XL_CELL_ERROR:
                    row.append(xlrd.error_text_from_code.get(cell.value, "#ERROR"))
                else:
                    row.append(cell_text(cell.value))
            while row and row[-1] is None:
                row.pop()
            if row:
                rows.append(row)
                numbers.append(r + 1)
        width = max((len(r) for r in rows), default=0)
        rows = [r + [None] * (width - len(r)) for r in rows]   # rectangular, like every other reader
        sheets.append(RawSheet(name=sheet.name, rows=rows, row_numbers=numbers,
                               hidden=bool(getattr(sheet, "visibility", 0)), encoding=None, delimiter=None, merged=[]))
    return sheets


class _Null:
    def write(self, _text: str) -> int:
        return 0
