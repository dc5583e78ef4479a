"""What an .xlsx package says about its worksheets, read from the zip without loading a sheet.

Two things python-calamine cannot tell us before (or after) it loads a sheet:

* how big the sheet's used range really is. Calamine holds the range densely, so one value in
  row 1,048,576 costs a million rows; the ``<dimension>`` claim at the top of the sheet part is
  read first, a missing or outsized claim pays for byte searches over the cell tags, and only a
  sheet that still looks too big is parsed cell by cell;
* which cells hold an error (``t="e"``: ``#N/A``, ``#REF!`` …). Calamine hands those back as
  empty cells; a trader's ``#N/A`` from a broken VLOOKUP must reach the error report as
  ``#N/A``, not as a blank that looks like a missing value.

Every XML parse here refuses entities and network access (no XXE, no billion laughs).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from xml.sax.saxutils import unescape as xml_unescape

from lxml import etree

_DIMENSION: Final = re.compile(rb"<(?:[\w.-]+:)?dimension\b[^>]*?\bref\s*=\s*[\"']([A-Za-z$0-9:]+)[\"']")
_REF: Final = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
_ERROR_MARKERS: Final = (b't="e"', b"t='e'")
# Fast paths for the way Excel, LibreOffice, openpyxl and xlsxwriter write cells and rows.
_FAST_CELL_COLUMN: Final = re.compile(rb'<c r="([A-Z]{1,3})\d')
_MULTI_LETTER_COLUMN: Final = re.compile(rb'<c r="[A-Z]{2}')
_FAST_ROW: Final = re.compile(rb'<row r="(\d{1,7})"')
_REF_ATTRIBUTE: Final = re.compile(rb'\sr\s*=\s*["\']([A-Za-z]{1,3}\d{1,7})["\']')
#: The cached value after a cell's start tag, past an optional formula element.
_VALUE: Final = re.compile(
    rb"\s*(?:<(?:[\w.-]+:)?f\b[^>]*?(?:/>|>[^<]*</(?:[\w.-]+:)?f>)\s*)?"
    rb"<(?:[\w.-]+:)?v>([^<]*)</"
)
#: How much of a sheet part is inflated to find the ``<dimension>`` element near its top.
_HEAD_BYTES: Final = 64 * 1024
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


def dimension_claim(archive: zipfile.ZipFile, part: str) -> Extent | None:
    """The extent a sheet part claims in its ``<dimension ref>``, or None when it makes none."""
    try:
        with archive.open(part) as stream:
            head = stream.read(_HEAD_BYTES)
    except KeyError:
        return None
    match = _DIMENSION.search(head)
    if match is None:
        return None
    corners = [parse_ref(ref) for ref in match.group(1).decode("ascii").split(":")]
    if not corners or any(c is None for c in corners):
        return None
    rows = [c[0] for c in corners if c is not None]
    cols = [c[1] for c in corners if c is not None]
    return Extent(max(rows) - min(rows) + 1, max(cols) - min(cols) + 1)


@dataclass
class PartScan:
    """What a pass over every cell of a sheet part found."""

    #: Extent of the cells that hold a value (``None`` when there are none).
    extent: Extent | None = None
    #: 0-based (row, column) -> error text such as ``#N/A``.
    errors: dict[tuple[int, int], str] = field(default_factory=dict)


def scan_part(archive: zipfile.ZipFile, part: str) -> PartScan:
    """Walk every cell of a sheet part: the true used range, and the error cells."""
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


def byte_scan(archive: zipfile.ZipFile, part: str, *, bound: bool) -> ByteScan:
    """One pass over a sheet part: error cells (``t="e"``) and, if ``bound``, a used-range bound.

    The bound takes rows from the last ``<row r="N"`` and columns from the widest ``<c r="XX..."``
    (or Z when no column reference has two letters). Empty styled cells count too, so it can only
    be too big, never too small; writers that omit ``r=`` or put it after other attributes leave
    it unknown (None).
    """
    last_row, widest, carry = 0, b"", b""
    bound_known = bound
    errors: dict[tuple[int, int], str] | None = {}
    with archive.open(part) as stream:
        while chunk := stream.read(_CHUNK):
            buffer = carry + chunk
            # Cut after the last complete cell so no cell is seen in two halves.
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
            if b'<c r="' not in body:
                bound_known = not (b"<c>" in body or b"<c " in body)
            elif _MULTI_LETTER_COLUMN.search(body):
                columns = set(_FAST_CELL_COLUMN.findall(body))
                widest = max((*columns, widest), key=lambda letters: (len(letters), letters))
            elif len(widest) < 2:
                # Single-letter columns only: Z bounds them without collecting every reference.
                widest = b"Z"
            at = body.rfind(b'<row r="')
            if at >= 0:
                match = _FAST_ROW.match(body, at)
                last_row = max(last_row, int(match.group(1))) if match else last_row
            elif b"<row" in body:
                bound_known = False
    extent = Extent(last_row, _column_number(widest.decode("ascii"))) if widest else Extent(0, 0)
    return ByteScan(extent if bound_known else None, errors)


def error_cells(path: Path, parts: Iterable[str]) -> dict[str, dict[tuple[int, int], str]]:
    """Part name -> its error cells, for the parts that have any.

    Opens its own handle on the file so it can run beside calamine, which releases the GIL
    while it loads a sheet: with a core to spare the search costs no wall time.
    """
    found: dict[str, dict[tuple[int, int], str]] = {}
    with zipfile.ZipFile(path) as archive:
        for part in parts:
            errors = byte_scan(archive, part, bound=False).errors
            if errors is None:
                errors = scan_part(archive, part).errors
            if errors:
                found[part] = errors
    return found
