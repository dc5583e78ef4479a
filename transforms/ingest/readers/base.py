"""``read_file``: any trader file in, raw tables of text (or a one-sentence refusal) out.

The container is decided from the file's bytes (:mod:`transforms.ingest.readers.sniff`), limits are
enforced before anything large is loaded, and each container has its own reader module.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from transforms.ingest.readers.biff import read_biff
from transforms.ingest.readers.delimited import read_delimited
from transforms.ingest.readers.excel import read_excel
from transforms.ingest.readers.raw import Container, RawSheet, RawWorkbook, ReadLimits, ReadRefused, library_message
from transforms.ingest.readers.sniff import sniff_container
from transforms.ingest.readers.spreadsheetml import read_spreadsheetml

__all__ = ["RawSheet", "RawWorkbook", "ReadLimits", "ReadRefused", "read_file"]

_DEFAULT_LIMITS = ReadLimits()


#: below this size the digest is computed inline: hashing 1 MB takes ~1 ms, less than starting and
#: joining a thread, which was a tenth of a small file's reading
_HASH_BESIDE_BYTES = 1 << 20


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _sheets(path: Path, container: Container, encodings: Sequence[str] | None,
            header_hint: Callable[[list[str | None]], bool] | None, limits: ReadLimits) -> list[RawSheet]:
    if container == "csv":
        return [read_delimited(path, encodings=encodings, header_hint=header_hint, limits=limits)]
    if container == "spreadsheetml":
        return read_spreadsheetml(path, limits)
    if container == "biff":
        return read_biff(path, limits)
    return read_excel(path, container, limits)


def read_file(
    path: Path,
    *,
    encodings: Sequence[str] | None = None,
    header_hint: Callable[[list[str | None]], bool] | None = None,
    limits: ReadLimits = _DEFAULT_LIMITS,
) -> RawWorkbook:
    """Read a spreadsheet or delimited text file into raw sheets.

    ``encodings`` (delimited text only) are tried in order, strictly, instead of the automatic
    choice. ``header_hint`` says whether a row looks like a header the caller knows; among the
    candidate encodings of a delimited file the first one that yields such a row wins.
    Raises :class:`ReadRefused` (with a one-sentence ``reason``) for anything unreadable.
    """
    path = Path(path)
    try:
        if not path.is_file():
            raise ReadRefused(f"{path.name} is not a regular file (a folder or a missing file); send the file itself.")
        size = path.stat().st_size
        if size == 0:
            raise ReadRefused(f"{path.name} is empty (0 bytes); export the file again and send it again.")
        if size > limits.max_bytes:
            raise ReadRefused(
                f"{path.name} is {size:,} bytes, more than the limit of {limits.max_bytes:,}; "
                "split it into smaller files and send them again."
            )
        container = sniff_container(path, limits)
        if size < _HASH_BESIDE_BYTES:
            sheets = _sheets(path, container, encodings, header_hint, limits)
            return RawWorkbook(path=path, container=container, sheets=sheets, sha256=_sha256(path), size=size)
        # hashlib releases the GIL, so a large file's digest is computed beside the parse at no wall time
        with ThreadPoolExecutor(max_workers=1) as pool:
            digest = pool.submit(_sha256, path)
            sheets = _sheets(path, container, encodings, header_hint, limits)
            return RawWorkbook(path=path, container=container, sheets=sheets, sha256=digest.result(), size=size)
    except OSError as error:
        raise ReadRefused(
            f"{path.name} could not be opened ({library_message(error)}); check that it is not locked "
            "by another program and send it again."
        ) from None
