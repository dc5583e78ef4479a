"""Which container a file really is, decided from its first bytes and never from its name.

Traders' systems mislabel files all the time: report servers write SpreadsheetML or tab text
under ``.xls``, a CSV gets renamed ``.xlsx``, an encrypted workbook keeps its ``.xlsx`` name
while being an OLE2 file. The extension is only used to word a refusal.
"""

from __future__ import annotations

import codecs
import posixpath
import zipfile
from pathlib import Path
from typing import Final

from lxml import etree

from transforms.ingest.readers import cfb, zipguard
from transforms.ingest.readers.ooxml import workbook_part
from transforms.ingest.readers.raw import Container, ReadLimits, ReadRefused, library_message
from transforms.ingest.readers.spreadsheetml import SPREADSHEETML_NS

_ZIP_MAGIC: Final = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC: Final = b"PK\x05\x06"
_ODS_MIMETYPE: Final = "application/vnd.oasis.opendocument.spreadsheet"
_RESAVE: Final = "open it in Excel or WPS, save it as .xlsx and send it again"

#: Binary formats people attach by mistake, by their magic number.
_OTHER_FORMATS: Final = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"{\\rtf", "an RTF document"),
)

#: OpenDocument / OOXML packages that are not spreadsheets, named for the refusal.
_NOT_SPREADSHEET_PARTS: Final = (
    ("word/document.xml", "a Word document (.docx)"),
    ("ppt/presentation.xml", "a PowerPoint presentation (.pptx)"),
    ("xl/workbook.bin", "an Excel binary workbook (.xlsb)"),
)


def _biff_stream(head: bytes) -> bool:
    """A bare BIFF2-4 worksheet stream (Excel 2.x-4.x), which predates the OLE2 container."""
    # BOF record ids: 0x0009 (BIFF2), 0x0209 (BIFF3), 0x0409 (BIFF4); the record length follows.
    if len(head) < 8 or head[0] != 0x09 or head[1] not in (0x00, 0x02, 0x04):
        return False
    length = int.from_bytes(head[2:4], "little")
    return 4 <= length <= 16


def _zip_container(path: Path, limits: ReadLimits) -> Container:
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            zipguard.check_declared(archive, name, limits)
            members = archive.infolist()
            if any(member.flag_bits & 0x1 for member in members):
                raise ReadRefused(
                    f"{name} is a password-protected zip archive; save it without a password and send it again."
                )
            names = {member.filename for member in members}
            if "xl/workbook.xml" in names or _announces_workbook(archive, names):
                return "xlsx"
            if "content.xml" in names and "mimetype" in names:
                mimetype = archive.read("mimetype").decode("ascii", errors="replace").strip()
                if mimetype == _ODS_MIMETYPE:
                    return "ods"
                raise ReadRefused(
                    f"{name} is an OpenDocument file of type {mimetype!r}, not a spreadsheet; "
                    "export the data as .xlsx or .ods and send it again."
                )
            for part, what in _NOT_SPREADSHEET_PARTS:
                if part in names:
                    raise ReadRefused(f"{name} is {what}, not a spreadsheet we can read; {_RESAVE}.")
            listed = ", ".join(sorted(names)[:3]) or "nothing"
            raise ReadRefused(
                f"{name} is a zip archive that holds no spreadsheet (it contains {listed}); "
                "send the .xlsx or .csv file itself rather than an archive."
            )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
        raise ReadRefused(
            f"{name} is a damaged zip archive ({library_message(error)}); "
            "export the file again from the source system and send it again."
        ) from None


def _announces_workbook(archive: zipfile.ZipFile, names: set[str]) -> bool:
    # A workbook whose main part is not at xl/workbook.xml still names it in _rels/.rels.
    part = workbook_part(archive)
    if part is None or part not in names:
        return False
    base = posixpath.basename(part).lower()
    return base.startswith("workbook") and base.endswith(".xml")


def _ole2_container(path: Path) -> Container:
    name = path.name
    try:
        with path.open("rb") as handle:
            streams = {stream.lower() for stream in cfb.stream_names(handle)}
    except cfb.CfbError:
        # A damaged directory does not prove anything: calamine may still find the workbook.
        return "xls"
    if {"encryptioninfo", "encryptedpackage"} & streams:
        raise ReadRefused(
            f"{name} is password-protected (an encrypted OLE2 container); save it without a password and send it again."
        )
    if {"workbook", "book"} & streams:
        return "xls"
    what = "a Word document" if "worddocument" in streams else "an OLE2 compound file"
    raise ReadRefused(f"{name} is {what} without an Excel workbook inside; {_RESAVE}.")


_XML_BOMS: Final = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _looks_like_xml(head: bytes) -> bool:
    encoding = "latin-1"
    for bom, declared in _XML_BOMS:
        if head.startswith(bom):
            head, encoding = head[len(bom) :], declared
            break
    # Only a hint (the parse decides); "ignore" may drop a split character at the cut.
    return head[:200].decode(encoding, errors="ignore").lstrip().startswith("<")


def _is_spreadsheetml(path: Path) -> bool:
    """True when the XML document's root element is a SpreadsheetML 2003 ``Workbook``."""
    with path.open("rb") as handle:
        try:
            for _event, element in etree.iterparse(
                handle, events=("start",), resolve_entities=False, no_network=True, huge_tree=False
            ):
                return bool(element.tag == f"{{{SPREADSHEETML_NS}}}Workbook")
        except etree.XMLSyntaxError:
            return False
    return False


def sniff_container(path: Path, limits: ReadLimits) -> Container:
    """The container of a non-empty file, or :class:`ReadRefused` when it is none we read."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith(_ZIP_MAGIC):
        return _zip_container(path, limits)
    if head.startswith(_EMPTY_ZIP_MAGIC):
        raise ReadRefused(f"{path.name} is an empty zip archive; export the file again and send it again.")
    if head.startswith(cfb.OLE2_MAGIC):
        return _ole2_container(path)
    if _biff_stream(head):
        return "biff"
    for magic, what in _OTHER_FORMATS:
        if head.startswith(magic):
            raise ReadRefused(f"{path.name} is {what}, not a spreadsheet; send the .xlsx or .csv export instead.")
    if _looks_like_xml(head) and _is_spreadsheetml(path):
        return "spreadsheetml"
    return "csv"
