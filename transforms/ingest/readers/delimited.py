"""Delimited text (CSV, semicolon, tab, pipe), whatever the file is called.

The file is streamed once through ``csv`` over a strictly decoding text stream: no copy of the
whole text is ever held. Encoding and delimiter are chosen from the file's head; a decoding error
further down moves on to the next candidate encoding (so a late bad byte costs a second pass,
never a replaced character).

Cleaning is limited to what export tools add and no person means: whitespace and TABs around
values, NUL bytes, Excel's ``="..."`` formula quoting, blank rows, ragged row ends.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from transforms.ingest.readers.encoding import bom_encoding, candidate_encodings, decode_head, utf16_without_bom
from transforms.ingest.readers.raw import RawSheet, ReadLimits, ReadRefused, Row, library_message, no_cyclic_gc

HeaderHint = Callable[[list[str | None]], bool]

DELIMITERS: Final = (",", ";", "\t", "|")
#: Bytes read up front to choose the encoding and the delimiter.
HEAD_BYTES: Final = 256 * 1024
#: Records looked at to choose the delimiter, and rows offered to ``header_hint``.
SAMPLE_RECORDS: Final = 50
HINT_ROWS: Final = 30
_COUNT_CHUNK: Final = 8 << 20
#: Extensions of binary spreadsheet formats: text behind one of them must at least be a table.
_SPREADSHEET_SUFFIXES: Final = frozenset({".xls", ".xlsx", ".xlsm", ".xlsb", ".xlt", ".xltx", ".ods", ".et"})
#: C0/C1 control characters other than TAB, line and page breaks, NUL and DOS end-of-file (^Z).
_CONTROL_CHARACTERS: Final = re.compile("[\x01-\x08\x0e-\x19\x1b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class _Choice:
    encoding: str
    delimiter: str
    #: False when no delimiter splits the sample into a table (one column).
    tabular: bool


def _whole_lines(text: str, complete: bool) -> str:
    """The head without its last line when the file goes on (that line may be cut short)."""
    if complete:
        return text
    cut = max(text.rfind("\n"), text.rfind("\r"))
    return text[: cut + 1] if cut > 0 else text


def detect_delimiter(text: str, complete: bool) -> tuple[str, bool]:
    """The delimiter that splits the most sample rows into the same number (>1) of fields.

    Preamble lines, totals rows and stray delimiters inside text only lower a candidate's
    agreement; ties go to the delimiter that gives more columns, then to list order.
    """
    text = _whole_lines(text, complete)
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        widths: Counter[int] = Counter()
        try:
            for number, record in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)):
                if number >= SAMPLE_RECORDS:
                    break
                if len(record) > 1 and any(field.strip() for field in record):
                    widths[len(record)] += 1
        except csv.Error:
            continue
        if not widths:
            continue
        width, agreement = max(widths.items(), key=lambda item: (item[1], item[0]))
        if (agreement, width) > best_score:
            best, best_score = delimiter, (agreement, width)
    return best, best_score[0] > 0


def _clean(value: str) -> str | None:
    """Strip padding and unwrap Excel's ``="..."`` (written to keep leading zeros as text)."""
    value = value.strip()
    if value.startswith('="') and value.endswith('"') and len(value) >= 3:
        value = value[2:-1].replace('""', '"').strip()
    return value or None


def _hint_matches(rows: list[list[str]], header_hint: HeaderHint) -> bool:
    return any(header_hint([_clean(cell) for cell in row]) for row in rows[:HINT_ROWS])


def _looks_binary(text: str) -> bool:
    # Text has next to no control characters; a binary file decoded as cp1252 or GB18030 has many.
    sample = text[:65536]
    return len(_CONTROL_CHARACTERS.findall(sample)) > max(8, len(sample) // 100)


def _choose(
    path: Path, head: bytes, complete: bool, encodings: Sequence[str] | None, header_hint: HeaderHint | None
) -> list[_Choice]:
    """Encodings (with their delimiter) to try in order: hinted candidates first."""
    hinted: list[_Choice] = []
    others: list[_Choice] = []
    for encoding in candidate_encodings(head, encodings):
        try:
            text = decode_head(head, encoding, complete=complete)
        except LookupError:
            raise ReadRefused(
                f"{path.name} was declared to be in encoding {encoding!r}, which is not a known encoding; "
                "correct the encoding in the trader settings."
            ) from None
        if text is None:
            continue
        text = text.replace("\x00", "")
        delimiter, tabular = detect_delimiter(text, complete)
        choice = _Choice(encoding, delimiter, tabular)
        if header_hint is not None and _hint_matches(_parse_sample(text, delimiter, complete), header_hint):
            hinted.append(choice)
        elif not _looks_binary(text):
            others.append(choice)
    return hinted + others


def _parse_sample(text: str, delimiter: str, complete: bool) -> list[list[str]]:
    try:
        reader = csv.reader(io.StringIO(_whole_lines(text, complete), newline=""), delimiter=delimiter)
        return [record for _number, record in zip(range(HINT_ROWS), reader, strict=False)]
    except csv.Error:
        return []


class _Lines:
    """Text lines with NULs removed, noting whether Excel ``="..."`` quoting has appeared yet."""

    def __init__(self, stream: io.TextIOWrapper) -> None:
        self._stream = stream
        self.formula_quoted = False

    def __iter__(self) -> Iterator[str]:
        for line in self._stream:
            if "\x00" in line:
                line = line.replace("\x00", "")
            if '="' in line:
                self.formula_quoted = True
            yield line


def _refuse_fields(path: Path, rows: int, width: int, limits: ReadLimits) -> ReadRefused:
    return ReadRefused(
        f"{path.name} has {rows:,} rows of up to {width:,} fields, more than the limit of {limits.max_cells:,} "
        "fields in one file; split it into smaller files and send them again."
    )


def _field_bound(path: Path, delimiter: str) -> int:
    """At most how many fields the file can hold: its delimiter and line-break bytes, plus one.

    Every delimiter is ASCII, and each encoding read here (UTF-8/16, GB18030, Big5-HKSCS, cp1252)
    writes an ASCII character with its byte, so counting bytes never undercounts.
    """
    marks = (ord(delimiter).to_bytes(1, "big"), b"\n", b"\r")
    total = 1
    with path.open("rb") as handle:
        while chunk := handle.read(_COUNT_CHUNK):
            total += sum(chunk.count(mark) for mark in marks)
    return total


def _check_fields(path: Path, choice: _Choice, limits: ReadLimits) -> None:
    """Refuse a file whose rows, padded to the widest, would exceed ``max_cells`` fields, before any
    row is kept: a first pass counts them only when the file's bytes allow that many."""
    if _field_bound(path, choice.delimiter) <= limits.max_cells:
        return
    rows = width = 0
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding=choice.encoding, errors="strict", newline="") as text:
        for fields in csv.reader(_Lines(text), delimiter=choice.delimiter):
            if not any(field.strip() for field in fields):
                continue
            rows += 1
            width = max(width, len(fields))
            if rows * width > limits.max_cells:
                raise _refuse_fields(path, rows, width, limits)


def _read_rows(path: Path, choice: _Choice, limits: ReadLimits) -> tuple[list[Row], list[int]]:
    _check_fields(path, choice, limits)
    rows: list[Row] = []
    numbers: list[int] = []
    width = 0
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding=choice.encoding, errors="strict", newline="") as text:
        lines = _Lines(text)
        reader = csv.reader(lines, delimiter=choice.delimiter)
        with no_cyclic_gc():
            # Row numbers count records, as a spreadsheet program shows them when it opens the file.
            for number, fields in enumerate(reader, 1):
                if lines.formula_quoted:
                    cells: Row = [_clean(field) for field in fields]
                else:
                    cells = [field.strip() or None for field in fields]
                if not cells or cells[-1] is None:
                    while cells and cells[-1] is None:
                        cells.pop()
                    if not cells:
                        continue
                if len(cells) > width:
                    width = len(cells)
                    if width > limits.max_columns:
                        raise ReadRefused(
                            f"{path.name} has {width:,} fields in row {number}, more than the limit of "
                            f"{limits.max_columns:,}; check that the file is a table and send it again."
                        )
                rows.append(cells)
                numbers.append(number)
                if len(rows) * width > limits.max_cells:
                    # one wide row far down would pad every row above it
                    raise _refuse_fields(path, len(rows), width, limits)
                if len(rows) > limits.max_rows:
                    raise ReadRefused(
                        f"{path.name} has more than {limits.max_rows:,} rows; "
                        "split it into smaller files and send them again."
                    )
    for row in rows:
        if len(row) < width:
            row.extend([None] * (width - len(row)))
    return rows, numbers


_ROOT_ELEMENT: Final = re.compile(r"<[a-z_][\w.:-]*[\s>/]")


def markup_kind(head: bytes) -> str | None:
    """What kind of markup document the file starts as, if any: "an HTML web page" or "an XML document"
    (a SpreadsheetML workbook is recognised before, by its root element)."""
    encoding = bom_encoding(head) or utf16_without_bom(head) or "utf-8"
    start = head[:4096].decode(encoding, errors="replace").lstrip("\ufeff \t\r\n").lower()
    if start.startswith(("<!doctype html", "<html")) or (start.startswith("<") and "<table" in start):
        return "an HTML web page"
    if start.startswith("<?xml"):
        return "an HTML web page" if "<html" in start else "an XML document"
    return "an XML document" if _ROOT_ELEMENT.match(start) else None


def _refuse_misnamed_text(path: Path, head: bytes, markup: str | None, tabular: bool) -> None:
    """Refuse text behind a spreadsheet extension unless it is at least a delimited table.

    Report servers save HTML or XML as ".xls", and mail gateways replace a lost attachment with a
    line of text under the original name: read as text, either would pass for a one-column table.
    """
    if path.suffix.lower() not in _SPREADSHEET_SUFFIXES:
        return
    if markup is not None:
        raise ReadRefused(
            f"{path.name} is {markup} saved under a spreadsheet name, not a spreadsheet; "
            "open it in Excel, save it as .xlsx and send it again."
        )
    if not tabular:
        preview = head[:60].decode("utf-8", errors="replace").strip().splitlines()[0] if head.strip() else ""
        raise ReadRefused(
            f"{path.name} is named like a spreadsheet but holds a line of plain text with no columns "
            f"({preview!r}); export the spreadsheet again from the source system and send it again."
        )


def read_delimited(
    path: Path,
    *,
    encodings: Sequence[str] | None,
    header_hint: HeaderHint | None,
    limits: ReadLimits,
) -> RawSheet:
    """A delimited text file as one raw sheet (name ``""``)."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
        complete = not handle.read(1)
    choices = _choose(path, head, complete, encodings, header_hint)
    tried = ", ".join(candidate_encodings(head, encodings))
    markup = markup_kind(head)   # once per file: the refusal below and the raw sheet both carry it
    for choice in choices:
        _refuse_misnamed_text(path, head, markup, choice.tabular)
        try:
            rows, numbers = _read_rows(path, choice, limits)
        except UnicodeDecodeError:
            continue  # valid at the head, invalid further down: not this encoding
        except csv.Error as error:
            raise ReadRefused(
                f"{path.name} is not well-formed delimited text ({library_message(error)}), "
                "usually an unclosed quote; export it again and send it again."
            ) from None
        return RawSheet(name="", rows=rows, row_numbers=numbers, encoding=choice.encoding, delimiter=choice.delimiter,
                        markup=markup)
    raise ReadRefused(
        f"{path.name} is neither a spreadsheet nor text in any encoding tried ({tried}); "
        "save it as UTF-8 CSV or .xlsx, or declare its encoding in the trader settings."
    )
