"""How much a zip container (.xlsx/.xlsm, .ods) may inflate to, checked before anything reads it.

A few kilobytes of deflate can stand for a gigabyte of XML, and the engines that read the parts
(python-calamine) inflate them whole. Three checks, cheapest first:

* the sum of the uncompressed sizes the zip directory declares;
* each large member's declared compression ratio (real sheets compress 5-50 times; a member that
  claims hundreds of times is repetition made to inflate, not data);
* the directory itself may lie (declare 1 KB for a member that inflates to 2 GB). Members whose
  compressed size *could* inflate past the limit are read through :mod:`zipfile`, which stops at the
  declared size and then fails the CRC check, so a lie costs at most the declared size to find.
  Worksheet parts are left to the sheet scans, which read them through :mod:`zipfile` the same way.
"""

from __future__ import annotations

import zipfile
from collections.abc import Collection
from typing import Final

from transforms.ingest.readers.raw import ReadLimits, ReadRefused

#: deflate's best case is about 1032:1; stored members are their own size.
_DEFLATE_MAX_RATIO: Final = 1032
#: Members smaller than this when inflated are not judged by their ratio (a blank sheet compresses well).
_RATIO_FLOOR_BYTES: Final = 16 << 20
_CHUNK: Final = 1 << 20


def _possible_size(member: zipfile.ZipInfo) -> float:
    """The most a member's compressed bytes can inflate to, whatever the directory declares."""
    if member.compress_type == zipfile.ZIP_STORED:
        return float(member.compress_size)
    if member.compress_type == zipfile.ZIP_DEFLATED:
        return float(member.compress_size * _DEFLATE_MAX_RATIO)
    return float("inf")   # bzip2 and lzma can inflate far more than deflate


def check_declared(archive: zipfile.ZipFile, name: str, limits: ReadLimits) -> None:
    """Refuse a package whose directory declares too much, or a member inflated like a zip bomb."""
    members = archive.infolist()
    declared = sum(member.file_size for member in members)
    if declared > limits.max_decompressed_bytes:
        raise ReadRefused(
            f"{name} would expand to {declared:,} bytes when unzipped, more than the limit of "
            f"{limits.max_decompressed_bytes:,}; split the data into smaller workbooks and send them again."
        )
    for member in members:
        if member.file_size < _RATIO_FLOOR_BYTES:
            continue
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > limits.max_compression_ratio:
            raise ReadRefused(
                f"{name} holds a part ({member.filename}) that inflates {ratio:,.0f} times, from "
                f"{member.compress_size:,} to {member.file_size:,} bytes, more than the limit of "
                f"{limits.max_compression_ratio:,} times for real data; export the sheet again without "
                "the repeated empty rows or columns and send it again."
            )


def verify_members(archive: zipfile.ZipFile, *, scanned: Collection[str]) -> None:
    """Inflate (and discard) every member whose bytes could inflate past 16 MB, so a lying directory
    is caught: :mod:`zipfile` stops at the declared size and then raises ``BadZipFile`` (CRC).

    ``scanned`` are members another pass reads through :mod:`zipfile` before the engine does.
    """
    for member in archive.infolist():
        if member.filename in scanned or member.is_dir() or _possible_size(member) <= _RATIO_FLOOR_BYTES:
            continue
        with archive.open(member) as stream:
            while stream.read(_CHUNK):
                pass
