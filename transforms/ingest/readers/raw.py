"""What every reader returns: raw tables of text, plus the refusal every reader may raise.

Readers never interpret a table (no header detection, no types): they turn a file into rows of
the text a person would see in the cells, and keep enough provenance (source row numbers, sheet
name, encoding, delimiter, merged ranges) for profiles and error reports to point back at the
source. Anything that cannot be read becomes a :class:`ReadRefused` with one sentence a trader
can act on.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Container = Literal["xlsx", "xls", "ods", "csv", "spreadsheetml", "biff"]

Cell = str | None
Row = list[Cell]


@dataclass(frozen=True)
class RawSheet:
    """One table of text as read from a sheet (or from a delimited file)."""

    #: Sheet name as the workbook spells it; "" for delimited text.
    name: str
    #: Every cell as display text (see ``transforms.ingest.readers.cells``); ``None`` for an empty cell.
    #: Rows are rectangular (padded with ``None``), entirely empty rows are left out, trailing
    #: empty columns are trimmed. ``rows[i][j]`` is column ``j`` (0 = column A) of source row
    #: ``row_numbers[i]``.
    rows: list[Row]
    #: 1-based source row number of each row in ``rows``: provenance survives skipped rows.
    row_numbers: list[int]
    hidden: bool = False
    #: Encoding the bytes were decoded with (delimited text only).
    encoding: str | None = None
    #: "an XML document" or "an HTML web page" when delimited text starts as markup: read as text it
    #: is a one-column table, and a refusal should say what the file really is.
    markup: str | None = None
    #: Field delimiter used to split lines (delimited text only).
    delimiter: str | None = None
    #: Merged ranges as 0-based, inclusive ``(r1, c1, r2, c2)`` in *source* coordinates
    #: (row ``r`` is source row ``r + 1``); empty when the format does not expose them.
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)


@dataclass
class RawWorkbook:
    """A file read into raw sheets, with what identifies the file it came from."""

    path: Path
    #: Container found from the file's first bytes, never from its extension.
    container: Container
    sheets: list[RawSheet]
    #: Hex SHA-256 of the file's bytes: the same export sent twice is recognisable.
    sha256: str
    size: int


@dataclass(frozen=True)
class ReadLimits:
    """Ceilings that keep one hostile or accidental file from taking the nightly run down."""

    #: Largest file accepted, in bytes.
    max_bytes: int = 200_000_000
    #: Most rows accepted in one sheet (non-empty rows, after trimming).
    max_rows: int = 1_000_000
    #: Largest sum of the uncompressed sizes of a zip container's parts (declared, and verified
    #: while inflating when the directory could lie).
    max_decompressed_bytes: int = 1_000_000_000
    #: Largest compression ratio of one zip part over 16 MB inflated: real sheets compress 5-50
    #: times, a part made to inflate (millions of repeated empty cells) hundreds of times.
    max_compression_ratio: int = 200
    #: Most columns accepted in one sheet or one delimited row.
    max_columns: int = 1000
    #: Most cells (rows x columns of the used range) one sheet may span. Spreadsheet engines
    #: hold a sheet's used range densely, so one stray value in a far corner costs as much as a
    #: full grid; this ceiling is checked before the range is loaded, from the cells the sheet
    #: really holds (never from its declared ``<dimension>``). Delimited text counts its fields
    #: (rows x widest row, as padded). 20 million cells cost calamine about 640 MB.
    max_cells: int = 20_000_000


class ReadRefused(Exception):
    """The file cannot be read; ``reason`` is one sentence naming the file, the problem and the fix."""

    def __init__(self, reason: str) -> None:
        # One line, whatever a library put into a message we quote.
        self.reason = " ".join(reason.split())
        super().__init__(self.reason)


def library_message(error: BaseException, limit: int = 160) -> str:
    """A library's message squeezed onto one short line, for quoting in parentheses."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a reader builds its rows.

    Millions of freshly allocated row lists make the collector rescan the growing heap again and
    again (a 1M-row CSV reads 2-3x slower); rows hold only strings, so they form no cycles.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
