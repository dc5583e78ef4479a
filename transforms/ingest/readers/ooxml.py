"""What an .xlsx package says about its worksheets, read from the zip without loading a sheet.

Two things python-calamine cannot tell us before (or after) it loads a sheet:

* how big the sheet's used range really is. Calamine holds the range densely, so one value in
  row 1,048,576 costs a million rows; the ``<dimension>`` claim is never trusted (it may be stale
  or missing): byte searches over the cell references bound the range, and only a sheet that
  still looks too big is parsed cell by cell;
* which cells hold an error (``t="e"``: ``#N/A``, ``#REF!`` …). Calamine hands those back as
  empty cells; a trader's ``#N/A`` from a broken VLOOKUP must reach the error report as
  ``#N/A``, not as a blank that looks like a missing value.

Every XML parse here refuses entities and network access (no XXE, no billion laughs).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final
from xml.sax.saxutils import unescape as xml_unescape

from lxml import etree

_REF: Final = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
_ERROR_MARKERS: Final = (b't="e"', b"t='e'")
# The way Excel, LibreOffice, openpyxl and xlsxwriter write a cell's start tag (<c r="AB12"), and the
# other ways a cell element can start (another whitespace, self-closing, a namespace prefix).
_CELL_ROW: Final = re.compile(rb'<c r="[A-Z]+([0-9]+)"')
_ODD_CELL_TAG: Final = re.compile(rb"<c[\t\r\n/]|<[\w.-]+:c[\s/>]")
_MULTI_LETTER_COLUMN: Final = re.compile(rb'<c r="[A-Z]{2}')
_MULTI_LETTER_CELL: Final = re.compile(rb'<c r="([A-Z]{2,})[0-9]')
_REF_ATTRIBUTE: Final = re.compile(rb'\sr\s*=\s*["\']([A-Za-z]{1,3}\d{1,7})["\']')
#: The cached value after a cell's start tag, past an optional formula element.
_VALUE: Final = re.compile(
    rb"\s*(?:<(?:[\w.-]+:)?f\b[^>]*?(?:/>|>[^<]*</(?:[\w.-]+:)?f>)\s*)?"
    rb"<(?:[\w.-]+:)?v>([^<]*)</"
)
_CHUNK: Final = 4 << 20


def safe_parser() -> etree.XMLParser:
    """An XML parser that never expands entities, fetches DTDs or touches the network."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _rels_targets(archive: zipfile.ZipFile, rels_part: str, base_dir: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, resolved part name) of one ``.rels`` part."""
    try:
        root = etree.fromstring(archive.read(rels_part), safe_parser())
    except (KeyError, etree.XMLSyntaxError):
        return {}
    found: dict[str, tuple[str, str]] = {}
    for rel in root.iter("{*}Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External" or not target:
            continue
        part = target.lstrip("/") if target.startswith("/") else posixpath.join(base_dir, target)
        found[rel.get("Id", "")] = (rel.get("Type", ""), posixpath.normpath(part))
    return found


def workbook_part(archive: zipfile.ZipFile) -> str | None:
    """The workbook part the package's root relationships point at (``xl/workbook.xml`` usually)."""
    for kind, part in _rels_targets(archive, "_rels/.rels", "").values():
        if kind.endswith("/officeDocument"):
            return part
    names = set(archive.namelist())
    return "xl/workbook.xml" if "xl/workbook.xml" in names else None


def unlisted_worksheet_parts(archive: zipfile.ZipFile, listed: dict[str, str]) -> dict[str, str]:
    """Worksheet-looking parts the workbook's relationships did not name, keyed by part name.

    An engine may still find them (by its own reading of a damaged package), so they are scanned
    like any sheet; a part name never collides with a sheet name, which cannot hold ``/``.
    """
    named = set(listed.values())
    return {
        member: member
        for member in archive.namelist()
        if "worksheets/" in member.lower() and member.lower().endswith(".xml") and member not in named
    }


def worksheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> worksheet part name, for every sheet the workbook lists."""
    book = workbook_part(archive)
    if book is None:
        return {}
    try:
        root = etree.fromstring(archive.read(book), safe_parser())
    except (KeyError, etree.XMLSyntaxError):
        return {}
    folder, name = posixpath.split(book)
    rels = _rels_targets(archive, posixpath.join(folder, "_rels", name + ".rels"), folder)
    parts: dict[str, str] = {}
    for sheet in root.iter("{*}sheet"):
        # The relationship id is r:id in transitional files, but writers bind the namespace to
        # any prefix (ns:id) and strict files use another namespace URI: match on the local name.
        rel_id = next((v for k, v in sheet.attrib.items() if str(k).startswith("{") and _local(k) == "id"), "")
        kind_and_part = rels.get(str(rel_id))
        if kind_and_part and kind_and_part[0].endswith("/worksheet"):
            parts[str(sheet.get("name", ""))] = kind_and_part[1]
    return parts


def _column_number(letters: str) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - 64
    return number


def parse_ref(ref: str) -> tuple[int, int] | None:
    """``"B3"`` -> ``(2, 1)``: 0-based row and column."""
    match = _REF.match(ref)
    return (int(match.group(2)) - 1, _column_number(match.group(1)) - 1) if match else None


@dataclass(frozen=True)
class Extent:
    """Rows and columns spanned by a sheet's used range."""

    rows: int
    columns: int

    @property
    def cells(self) -> int:
        return self.rows * self.columns


@dataclass
class PartScan:
    """What a pass over every cell of a sheet part found."""

    #: Extent of the cells that hold a value (``None`` when there are none).
    extent: Extent | None = None
    #: 0-based (row, column) -> error text such as ``#N/A``.
    errors: dict[tuple[int, int], str] = field(default_factory=dict)


def scan_part(archive: zipfile.ZipFile, part: str, *, stop: Callable[[Extent], bool] | None = None) -> PartScan:
    """Walk every cell of a sheet part: the true used range, and the error cells.

    ``stop`` is asked at the end of each row with the range so far; once it says yes the walk ends
    there (a sheet already too big need not be read to its end).
    """
    first_row = first_col = 1 << 30
    last_row = last_col = -1
    errors: dict[tuple[int, int], str] = {}
    row = col = -1
    with archive.open(part) as stream:
        events = etree.iterparse(
            stream,
            events=("start", "end"),
            tag=("{*}row", "{*}c"),
            resolve_entities=False,
            no_network=True,
            huge_tree=False,
        )
        for event, element in events:
            if _local(element.tag) == "row":
                if event == "start":
                    # Writers may omit r= on rows and cells; position then follows document order.
                    number = element.get("r", "")
                    row = int(number) - 1 if number.isdigit() else row + 1
                    col = -1
                else:
                    element.clear(keep_tail=False)
                    while element.getprevious() is not None:
                        del element.getparent()[0]
                    if stop is not None and last_row >= 0:
                        so_far = Extent(last_row - first_row + 1, last_col - first_col + 1)
                        if stop(so_far):
                            return PartScan(so_far, errors)
                continue
            if event == "start":
                continue
            position = parse_ref(element.get("r", ""))
            row, col = position if position is not None else (row, col + 1)
            value = next((child for child in element if _local(child.tag) in ("v", "is")), None)
            if value is not None:
                first_row, last_row = min(first_row, row), max(last_row, row)
                first_col, last_col = min(first_col, col), max(last_col, col)
                if element.get("t") == "e":
                    errors[(row, col)] = "".join(str(text) for text in value.itertext()).strip()
            element.clear(keep_tail=False)
    extent = Extent(last_row - first_row + 1, last_col - first_col + 1) if last_row >= 0 else None
    return PartScan(extent, errors)


def _errors_in(body: bytes) -> dict[tuple[int, int], str] | None:
    """Error cells in a run of complete cells, or None when one of them has no position."""
    errors: dict[tuple[int, int], str] = {}
    for marker in _ERROR_MARKERS:
        at = body.find(marker)
        while at >= 0:
            start, tag_end = body.rfind(b"<", 0, at), body.find(b">", at)
            tag = body[start : tag_end + 1]
            if not tag.endswith(b"/>"):  # an error cell without a cached value shows nothing
                ref = _REF_ATTRIBUTE.search(tag)
                position = parse_ref(ref.group(1).decode("ascii")) if ref else None
                if position is None:
                    return None
                value = _VALUE.match(body, tag_end + 1)
                if value is not None:
                    errors[position] = xml_unescape(value.group(1).decode("utf-8", errors="replace")).strip()
            at = body.find(marker, at + 1)
    return errors


@dataclass
class ByteScan:
    """What byte searches over an inflated sheet part found (no XML parse)."""

    #: Upper bound of the used range, when asked for and the writer's layout allowed it.
    bound: Extent | None = None
    #: Error cells by 0-based (row, column); None when their positions need an XML parse.
    errors: dict[tuple[int, int], str] | None = field(default_factory=dict)


def _chunk_bound(body: bytes, columns: bytes, rows: int) -> tuple[bytes, int] | None:
    """Widest column letters and largest row number of the cells in ``body``, or None when a cell
    start tag is not in the plain ``<c r="A1"`` form (a prefix, no reference, another attribute first).

    Counting and a search cost little; only the row numbers, and the multi-letter columns, are
    collected (as a set: a row's number repeats once per cell).
    """
    plain = body.count(b"<c ") + body.count(b"<c>")
    if body.count(b'<c r="') != plain or _ODD_CELL_TAG.search(body):
        return None
    found = _CELL_ROW.findall(body)
    if len(found) != plain:   # a reference that is not letters then digits
        return None
    row_numbers = set(found)
    if _MULTI_LETTER_COLUMN.search(body):
        letters = set(_MULTI_LETTER_CELL.findall(body))
        columns = max((*letters, columns), key=lambda token: (len(token), token))
    elif len(columns) < 2 and b'<c r="' in body:
        columns = max(columns, b"Z")   # single letters only: Z bounds them
    if row_numbers:
        rows = max(rows, max(int(n) for n in row_numbers))
    return columns, rows


def _bound_extent(columns: bytes, rows: int) -> Extent:
    return Extent(rows, _column_number(columns.decode("ascii")) if columns else 0)


def byte_scan(
    archive: zipfile.ZipFile, part: str, *, bound: bool, stop: Callable[[Extent], bool] | None = None
) -> ByteScan:
    """One pass over a sheet part: error cells (``t="e"``) and, if ``bound``, a used-range bound.

    The bound takes rows and columns from the largest row number and the widest column letters of
    every cell reference: an engine places a cell by its own ``r``, whatever its row or the
    ``<dimension>`` claim. Empty styled cells count too, so it can only be too big, never too
    small; a cell start tag in any other form (a namespace prefix, no ``r=``, another attribute
    first) leaves it unknown (None). ``stop`` is asked after each chunk with the bound so far: once
    it says yes the pass ends there, with that bound and the error cells unknown (None).
    """
    columns, rows, carry = b"", 0, b""
    bound_known = bound
    errors: dict[tuple[int, int], str] | None = {}
    with archive.open(part) as stream:
        while chunk := stream.read(_CHUNK):
            buffer = carry + chunk
            # Cut after the last complete tag so no cell tag is seen in two halves.
            cut = buffer.rfind(b"</c>") + 4 if b"</c>" in buffer else buffer.rfind(b">") + 1
            body, carry = buffer[:cut], buffer[cut:]
            if errors is not None and any(marker in body for marker in _ERROR_MARKERS):
                found = _errors_in(body)
                if found is None:
                    errors = None
                else:
                    errors.update(found)
            if not bound_known:
                continue
            widest = _chunk_bound(body, columns, rows)
            if widest is None:
                bound_known = False
                continue
            columns, rows = widest
            if stop is not None and stop(_bound_extent(columns, rows)):
                return ByteScan(_bound_extent(columns, rows), None)
    if carry.strip() and bound_known:
        widest = _chunk_bound(carry, columns, rows)
        if widest is None:
            bound_known = False
        else:
            columns, rows = widest
    return ByteScan(_bound_extent(columns, rows) if bound_known else None, errors)
