"""How big an OpenDocument spreadsheet's tables really are, read from ``content.xml`` before calamine.

ODF compresses repetition into attributes: ``table:number-rows-repeated="1048575"`` on a row and
``table:number-columns-repeated="16384"`` on a cell stand for a billion cells in a few bytes, and
calamine expands them into a dense grid. The document is streamed (rows cleared once read, no
entities, no network) and each table's extent is counted from the cells that hold a value, with
their repeats; the walk stops at the first table over a limit.
Reference: OASIS OpenDocument 1.2 part 1, sections 9.1.3 (table:table-row) and 9.1.4 (table:table-cell).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Final

from lxml import etree

from transforms.ingest.readers import zipguard
from transforms.ingest.readers.raw import ReadLimits, ReadRefused

_TABLE_NS: Final = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE_NS: Final = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_T: Final = f"{{{_TABLE_NS}}}"
_VALUE_TYPE: Final = f"{{{_OFFICE_NS}}}value-type"
_CELLS: Final = (f"{_T}table-cell", f"{_T}covered-table-cell")
CONTENT_PART: Final = "content.xml"


def _repeat(element: etree._Element, attribute: str) -> int:
    text = element.get(f"{_T}{attribute}", "1")
    return int(text) if text.isdigit() and int(text) > 0 else 1


class _Table:
    """Extent of one table so far: the last row and column that hold a value (0-based, -1 for none)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.next_row = 0
        self.last_row = -1
        self.last_col = -1

    def end_row(self, row: etree._Element) -> None:
        repeated = _repeat(row, "number-rows-repeated")
        col = 0
        for cell in row.iterchildren(*_CELLS):
            span = _repeat(cell, "number-columns-repeated")
            if cell.get(_VALUE_TYPE) is not None or len(cell):
                self.last_col = max(self.last_col, col + span - 1)
                self.last_row = max(self.last_row, self.next_row + repeated - 1)
            col += span
        self.next_row += repeated

    def check(self, file_name: str, limits: ReadLimits) -> None:
        rows, columns = self.last_row + 1, self.last_col + 1
        where = f"{file_name} sheet {self.name!r} has a used range of"
        if rows > limits.max_rows or columns > limits.max_columns or rows * columns > limits.max_cells:
            raise ReadRefused(
                f"{where} {rows:,} x {columns:,} cells (repeated rows and columns counted), more than the limits of "
                f"{limits.max_rows:,} rows, {limits.max_columns:,} columns and {limits.max_cells:,} cells; "
                "delete the stray cells far from the table, save it as .xlsx and send it again."
            )


def precheck(path: Path, limits: ReadLimits) -> None:
    """Refuse an .ods whose tables (repeats expanded) or parts are over the limits, before calamine."""
    with zipfile.ZipFile(path) as archive:
        zipguard.verify_members(archive, scanned={CONTENT_PART})
        if CONTENT_PART not in archive.namelist():
            return   # calamine refuses it in one sentence
        with archive.open(CONTENT_PART) as stream:
            table: _Table | None = None
            for event, element in etree.iterparse(
                stream, events=("start", "end"), tag=(f"{_T}table", f"{_T}table-row"),
                resolve_entities=False, no_network=True, huge_tree=False,
            ):
                if element.tag == f"{_T}table":
                    if event == "start":
                        table = _Table(element.get(f"{_T}name", ""))
                    elif table is not None:
                        table.check(path.name, limits)
                        table = None
                    continue
                if event == "end" and table is not None:
                    table.end_row(element)
                    table.check(path.name, limits)
                    element.clear(keep_tail=False)
                    while element.getprevious() is not None:
                        del element.getparent()[0]
