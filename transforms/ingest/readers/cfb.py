"""Names of the streams inside an OLE2 compound file (CFB), read from its directory only.

An OLE2 file named .xls or .xlsx can be three different things: a real BIFF workbook (stream
``Workbook`` or ``Book``), a password-protected OOXML package (streams ``EncryptionInfo`` and
``EncryptedPackage``), or some other Office document. The directory tells them apart without
decrypting or parsing anything, so the refusal can say which one it is.
Layout: [MS-CFB] sections 2.2 (header), 2.3 (FAT/DIFAT chains) and 2.6 (directory entries).
"""

from __future__ import annotations

import struct
from typing import BinaryIO, Final

OLE2_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END_OF_CHAIN: Final = 0xFFFFFFFE
_MAX_REGULAR_SECTOR: Final = 0xFFFFFFFA
_HEADER_DIFAT_ENTRIES: Final = 109
_DIRECTORY_ENTRY_SIZE: Final = 128
#: Directory chains longer than this are corrupt or hostile; real workbooks need a handful.
_MAX_DIRECTORY_SECTORS: Final = 4096


class CfbError(ValueError):
    """The compound file's header or directory cannot be followed."""


def _read_sector(handle: BinaryIO, sector: int, size: int) -> bytes:
    handle.seek((sector + 1) * size)
    data = handle.read(size)
    if len(data) != size:
        raise CfbError(f"sector {sector} lies beyond the end of the file")
    return data


def _fat_sectors(handle: BinaryIO, header: bytes, size: int) -> list[int]:
    fat_count, first_difat, difat_count = (
        struct.unpack_from("<I", header, 0x2C)[0],
        *struct.unpack_from("<II", header, 0x44),
    )
    sectors = [s for s in struct.unpack_from(f"<{_HEADER_DIFAT_ENTRIES}I", header, 0x4C)]
    per_difat = size // 4 - 1
    difat = first_difat
    for _ in range(min(difat_count, _MAX_DIRECTORY_SECTORS)):
        if difat > _MAX_REGULAR_SECTOR:
            break
        block = struct.unpack(f"<{per_difat + 1}I", _read_sector(handle, difat, size))
        sectors.extend(block[:per_difat])
        difat = block[per_difat]
    return [s for s in sectors[:fat_count] if s <= _MAX_REGULAR_SECTOR]


def stream_names(handle: BinaryIO) -> set[str]:
    """Every storage and stream name in the compound file's directory."""
    handle.seek(0)
    header = handle.read(512)
    if len(header) < 512 or not header.startswith(OLE2_MAGIC):
        raise CfbError("the compound-file header is incomplete")
    shift = struct.unpack_from("<H", header, 0x1E)[0]
    if shift not in (9, 12):
        raise CfbError(f"sector size 2^{shift} is not a valid compound-file sector size")
    size = 1 << shift
    fat: list[int] = []
    for sector in _fat_sectors(handle, header, size):
        fat.extend(struct.unpack(f"<{size // 4}I", _read_sector(handle, sector, size)))

    names: set[str] = set()
    sector = struct.unpack_from("<I", header, 0x30)[0]
    seen: set[int] = set()
    while sector != _END_OF_CHAIN:
        if sector > _MAX_REGULAR_SECTOR or sector in seen or len(seen) >= _MAX_DIRECTORY_SECTORS:
            raise CfbError("the directory chain is broken")
        seen.add(sector)
        block = _read_sector(handle, sector, size)
        for offset in range(0, size, _DIRECTORY_ENTRY_SIZE):
            entry = block[offset : offset + _DIRECTORY_ENTRY_SIZE]
            name_bytes = struct.unpack_from("<H", entry, 0x40)[0]
            kind = entry[0x42]
            if kind in (1, 2, 5) and 2 <= name_bytes <= 64:
                names.add(entry[: name_bytes - 2].decode("utf-16-le", errors="replace"))
        sector = fat[sector] if sector < len(fat) else _END_OF_CHAIN
    return names
