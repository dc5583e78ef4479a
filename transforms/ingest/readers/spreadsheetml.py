"""SpreadsheetML 2003 ("XML Spreadsheet"), which report servers and WPS often save as ``.xls``.

The document is streamed (rows are cleared once read) with a parser that expands no entities and
fetches nothing, so neither size nor XXE tricks get through. Cell positions follow the format's
rules: ``ss:Index`` jumps to a 1-based row or column, ``ss:MergeAcross`` covers the columns to
its right, ``ss:Span`` on a row stands for that many identical empty rows.
Reference: Microsoft "XML Spreadsheet Reference" (Office 2002/2003).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Final

from lxml import etree

from transforms.ingest.readers.cells import cell_text, float_text, serial_text
from transforms.ingest.readers.raw import RawSheet, ReadLimits, ReadRefused, Row, library_message

SPREADSHEETML_NS: Final = "urn:schemas-microsoft-com:office:spreadsheet"
_EXCEL_NS: Final = "urn:schemas-microsoft-com:office:excel"
_SS: Final = f"{{{SPREADSHEETML_NS}}}"
_X: Final = f"{{{_EXCEL_NS}}}"

_NAMED_DATE_FORMATS: Final = frozenset(
    {"general date", "long date", "medium date", "short date", "long time", "medium time", "short time"}
)
# Quoted literals, backslash escapes and [colour]/[$-locale] sections say nothing about dates.
_FORMAT_NOISE: Final = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')
_DATE_TOKENS: Final = re.compile(r"[dmyhs]", re.IGNORECASE)


def is_date_format(code: str) -> bool:
    """True when a number format code renders a serial as a date or a time."""
    if code.lower() in _NAMED_DATE_FORMATS:
        return True
    if code.lower() in ("general", "general number", "standard", "fixed", "percent", "scientific", "currency"):
        return False
    return bool(_DATE_TOKENS.search(_FORMAT_NOISE.sub("", code)))


def _datetime_text(raw: str) -> str | None:
    # SpreadsheetML writes "2026-11-03T08:30:00.000"; midnight means a plain date.
    try:
        moment = dt.datetime.fromisoformat(raw.strip().rstrip("Z"))
    except ValueError:
        return raw.strip() or None
    if moment.time() == dt.time(0, 0):
        return moment.date().isoformat()
    return cell_text(moment)


def _count(attribute: str | None) -> int:
    """A non-negative count attribute; anything that is not digits counts as 0."""
    return int(attribute) if attribute and attribute.isdigit() else 0


class _SheetBuilder:
    """Collects one worksheet's cells as rows of text."""

    def __init__(self, name: str, limits: ReadLimits, file_name: str) -> None:
        self.name = name
        self.hidden = False
        self.rows: list[Row] = []
        self.row_numbers: list[int] = []
        self.merged: list[tuple[int, int, int, int]] = []
        self.width = 0
        self.next_row = 0
        self._limits = limits
        self._file_name = file_name

    def position(self, row_element: etree._Element) -> int:
        """0-based row number of a ``<Row>``; moves the cursor past it (and its ``ss:Span``)."""
        index = row_element.get(f"{_SS}Index")
        row = int(index) - 1 if index and index.isdigit() else self.next_row
        self.next_row = row + 1 + _count(row_element.get(f"{_SS}Span"))
        return row

    def add_row(self, row: int, texts: list[tuple[int, str | None]]) -> None:
        cells = [(col, text) for col, text in texts if text is not None]
        if not cells:
            return
        width = max(col for col, _text in cells) + 1
        if width > self._limits.max_columns:
            raise ReadRefused(
                f"{self._file_name} sheet {self.name!r} has {width:,} columns, more than the limit of "
                f"{self._limits.max_columns:,}; remove the unused columns and send it again."
            )
        if len(self.rows) >= self._limits.max_rows:
            raise ReadRefused(
                f"{self._file_name} sheet {self.name!r} has more than {self._limits.max_rows:,} rows; "
                "split it into smaller files and send them again."
            )
        if (len(self.rows) + 1) * max(self.width, width) > self._limits.max_cells:
            # ss:Index can place one cell far to the right, and every row is padded to the widest
            raise ReadRefused(
                f"{self._file_name} sheet {self.name!r} has {len(self.rows) + 1:,} rows of up to "
                f"{max(self.width, width):,} columns, more than the limit of {self._limits.max_cells:,} cells; "
                "split it into smaller files and send them again."
            )
        values: Row = [None] * width
        for col, text in cells:
            values[col] = text
        self.width = max(self.width, width)
        self.rows.append(values)
        self.row_numbers.append(row + 1)

    def sheet(self) -> RawSheet:
        for values in self.rows:
            values.extend([None] * (self.width - len(values)))
        return RawSheet(
            name=self.name, rows=self.rows, row_numbers=self.row_numbers, hidden=self.hidden, merged=self.merged
        )


class _Workbook:
    """Streaming state: styles seen so far, the 1904 flag, the sheet being read."""

    def __init__(self, limits: ReadLimits, file_name: str) -> None:
        self.date_styles: set[str] = set()
        self.date1904 = False
        self.sheets: list[RawSheet] = []
        self.current: _SheetBuilder | None = None
        self._limits = limits
        self._file_name = file_name

    def start_sheet(self, element: etree._Element) -> None:
        self.current = _SheetBuilder(element.get(f"{_SS}Name", ""), self._limits, self._file_name)

    def end_style(self, element: etree._Element) -> None:
        number_format = element.find(f"{_SS}NumberFormat")
        code = number_format.get(f"{_SS}Format", "") if number_format is not None else ""
        if code and is_date_format(code):
            self.date_styles.add(element.get(f"{_SS}ID", ""))

    def cell_text(self, cell: etree._Element) -> str | None:
        data = cell.find(f"{_SS}Data")
        if data is None:
            return None
        # Rich text wraps runs in HTML elements inside <Data>: the cell shows all of their text.
        raw = "".join(str(text) for text in data.itertext())
        kind = data.get(f"{_SS}Type", "String")
        if kind == "Number":
            try:
                number = float(raw)
            except ValueError:
                return raw.strip() or None
            if cell.get(f"{_SS}StyleID", "") in self.date_styles:
                return serial_text(number, date1904=self.date1904)
            return float_text(number)
        if kind == "DateTime":
            return _datetime_text(raw)
        if kind == "Boolean":
            return "TRUE" if raw.strip() in ("1", "true", "TRUE") else "FALSE"
        return raw or None

    def end_row(self, element: etree._Element) -> None:
        if self.current is None:
            return
        row = self.current.position(element)
        texts: list[tuple[int, str | None]] = []
        col = -1
        for cell in element.iterchildren(f"{_SS}Cell"):
            index = cell.get(f"{_SS}Index")
            col = int(index) - 1 if index and index.isdigit() else col + 1
            texts.append((col, self.cell_text(cell)))
            across = _count(cell.get(f"{_SS}MergeAcross"))
            down = _count(cell.get(f"{_SS}MergeDown"))
            if across or down:
                self.current.merged.append((row, col, row + down, col + across))
            col += across
        self.current.add_row(row, texts)

    def end_sheet(self, element: etree._Element) -> None:
        if self.current is None:
            return
        options = element.find(f"{_X}WorksheetOptions")
        visible = options.findtext(f"{_X}Visible") if options is not None else None
        self.current.hidden = visible in ("SheetHidden", "SheetVeryHidden")
        self.sheets.append(self.current.sheet())
        self.current = None


def read_spreadsheetml(path: Path, limits: ReadLimits) -> list[RawSheet]:
    """Every worksheet of a SpreadsheetML 2003 document."""
    book = _Workbook(limits, path.name)
    handlers = {
        f"{_SS}Style": book.end_style,
        f"{_SS}Row": book.end_row,
        f"{_SS}Worksheet": book.end_sheet,
    }
    try:
        for event, element in etree.iterparse(
            str(path),
            events=("start", "end"),
            tag=(f"{_SS}Worksheet", f"{_SS}Style", f"{_SS}Row", f"{_X}Date1904"),
            resolve_entities=False,
            no_network=True,
            huge_tree=False,
        ):
            if event == "start":
                if element.tag == f"{_SS}Worksheet":
                    book.start_sheet(element)
                continue
            if element.tag == f"{_X}Date1904":
                book.date1904 = (element.text or "").strip().lower() not in ("false", "0")
                continue
            handlers[str(element.tag)](element)
            if element.tag == f"{_SS}Row":
                # Rows already read are dropped so a large document streams in flat memory.
                element.clear(keep_tail=False)
                while element.getprevious() is not None:
                    del element.getparent()[0]
    except etree.XMLSyntaxError as error:
        raise ReadRefused(
            f"{path.name} is a damaged XML spreadsheet ({library_message(error)}); "
            "export it again, preferably as .xlsx, and send it again."
        ) from None
    return book.sheets
