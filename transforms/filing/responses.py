"""Customs response files: ``<inbox>/_responses/*.csv|*.xml`` read into EVENTS rows.

The real channels' response formats are not public, so this product defines one (written down in
``docs/responses.md``): one event per row, either side, CSV or XML with the same field names. This
module is also the single home of the event vocabulary: which event types exist per side, how the
Mainland manifest response codes map onto them, and what each means for a filing's status. The
ledger (:mod:`transforms.filing.ledger`) and the simulator (:mod:`transforms.devtools.simulator`) import it.

Every row either becomes an event or a :class:`RowReject` whose reason names the file, row, column,
value and what was expected; nothing is dropped silently. XML is parsed with entity expansion, DTD
loading and network access off, and a document that carries a DOCTYPE is refused outright.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import pandas as pd
from lxml import etree

from transforms.model.canonical import EVENTS
from transforms.plumbing.timeutil import HK_TZ

RESPONSES_DIR: Final = "_responses"

#: A response may be stamped up to this long after the run's as-of time (clocks and time zones
#: disagree a little); later ones, and any before EARLIEST, are refused as implausible.
MAX_AHEAD: Final = timedelta(days=1)
EARLIEST: Final = datetime(2000, 1, 1, tzinfo=UTC)
MAX_VERSION: Final = 9_999
#: Extra column of a read events frame: the row each event came from, for refusals the ledger makes.
ROW_COLUMN: Final = "src_row"

#: Columns every response file has (CSV header names / XML child element names).
REQUIRED_FIELDS: Final = ("submission_id", "reference", "side", "event", "occurred_at", "detail")
#: Columns a response file may have; the simulator writes them.
OPTIONAL_FIELDS: Final = ("version",)
SIDES: Final = ("HK", "CN")

# Mainland road-manifest (MFT2008) client response codes; names from
# shared/codelists/cn_road_manifest_response_codes.csv [S34]. Kept as the raw_status_code.
CN_RESPONSE_CODES: Final[Mapping[str, str]] = {
    "01": "CN_MANIFEST_ACCEPTED",     # 海关接受申报
    "02": "CN_MANUAL_REVIEW",         # 待海关人工审核
    "03": "CN_MANIFEST_REJECTED",     # 海关退单
    "11": "CN_RELEASED",              # 海关放行
    "12": "CN_LOADING_REFUSED",       # 海关拒装
    "13": "CN_UNLOADING_PROHIBITED",  # 海关禁卸
}
#: Event types a response may carry, per side (names as written, after upper-casing).
HK_EVENT_TYPES: Final = frozenset({"ACI_ACCEPTED", "CCRN_ISSUED", "BUNDLED", "ARRIVED", "RELEASED",
                                   "REJECTED"})
#: Mainland events only the China Single Window receipts give (transforms.filing.receipts, docs/responses.md).
CN_RECEIPT_EVENTS: Final[Mapping[str, str]] = {
    "CN_CHANNEL_RECEIVED": "technical receipt 调用成功: the channel took the file",
    "CN_SENT_TO_CUSTOMS": "business receipt E3 发往海关成功: the channel sent it on to customs",
    "CN_DEC_STORED": "DecImportResponse ResponseCode 0: the client stored the declaration",
    "CN_DEC_REJECTED": "DecImportResponse refusal: the client did not take the declaration",
}
CN_EVENT_TYPES: Final = frozenset({*CN_RESPONSE_CODES.values(), "ARRIVED", *CN_RECEIPT_EVENTS})
# Plain names a Mainland row may use instead of a code.
_CN_ALIASES: Final[Mapping[str, str]] = {
    "ACCEPTED": "CN_MANIFEST_ACCEPTED", "REJECTED": "CN_MANIFEST_REJECTED", "RELEASED": "CN_RELEASED",
}

#: What an event means for the filing's status in the ledger (events not listed change nothing).
EVENT_STATUS: Final[Mapping[str, str]] = {
    "ACI_ACCEPTED": "accepted", "CCRN_ISSUED": "accepted", "CN_MANIFEST_ACCEPTED": "accepted",
    "REJECTED": "rejected", "CN_MANIFEST_REJECTED": "rejected", "CN_DEC_REJECTED": "rejected",
    "ARRIVED": "arrived",
    "RELEASED": "released", "CN_RELEASED": "released",
}
#: Tie-break for events at the same instant: the later stage of a trip wins.
STATUS_PRECEDENCE: Final[Mapping[str, int]] = {"accepted": 1, "rejected": 2, "arrived": 3, "released": 4}


@dataclass(frozen=True)
class RowReject:
    """A response row (or a whole file, ``row=None``) that did not become an event."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    reason: str


def event_id_for(*, submission_id: str | None, reference: str | None, side: str, event_type: str,
                 raw_status_code: str | None, occurred_at: datetime, detail: str | None,
                 version: int | None) -> str:
    """sha256 of the normalised event: the same event sent twice (or in two files) has one id."""
    parts = (submission_id or "", reference or "", side, event_type, raw_status_code or "",
             occurred_at.astimezone(UTC).isoformat(timespec="microseconds"), detail or "",
             "" if version is None else str(version))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def events_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """An EVENTS-shaped frame: declared columns in order, UTC timestamps, nullable integers."""
    records = list(rows)
    data: dict[str, Any] = {}
    for name in EVENTS.names:
        values = [r.get(name) for r in records]
        if name in ("occurred_at", "received_at"):
            stamps = pd.to_datetime(pd.Series(values, dtype="object"), utc=True)
            data[name] = stamps.astype("datetime64[us, UTC]")
        elif name in ("version", "consignment_seq"):
            data[name] = pd.array(values, dtype="Int64")
        else:
            data[name] = pd.Series(values, dtype="object")
    return pd.DataFrame(data)


def hk_date(instant: datetime) -> date:
    """The calendar date in Hong Kong local time (crossing dates are HK dates)."""
    return instant.astimezone(HK_TZ).date()


def read_responses(inbox: Path, *, received_at: datetime | None = None,
                   ) -> tuple[pd.DataFrame, list[RowReject]]:
    """Read every response file in ``<inbox>/_responses/`` (name order; hidden/temp files skipped)."""
    folder = inbox / RESPONSES_DIR
    frames: list[pd.DataFrame] = []
    rejects: list[RowReject] = []
    if not folder.is_dir():
        return events_frame([]), rejects
    root = inbox.resolve()
    for path in sorted(p for p in folder.iterdir() if not p.name.startswith(".")):
        if not path.resolve().is_relative_to(root):
            name = path.relative_to(inbox).as_posix()
            rejects.append(RowReject(name, None, None, None, f"{name} is a link to a file outside the inbox; links "
                                     "are not followed out of the inbox, so copy the response file itself."))
            continue
        if not path.is_file():
            continue
        frame, bad = read_response_file(path, root=inbox, received_at=received_at)
        frames.append(frame)
        rejects.extend(bad)
    non_empty = [f for f in frames if not f.empty]
    if not non_empty:
        return events_frame([]), rejects
    return pd.concat(non_empty, ignore_index=True), rejects


def read_response_file(path: Path, *, root: Path, received_at: datetime | None = None,
                       ) -> tuple[pd.DataFrame, list[RowReject]]:
    """One response file: its events and the rows refused, with reasons."""
    if received_at is not None and received_at.tzinfo is None:
        raise ValueError("received_at must carry a time zone")
    name = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows, rejects = _csv_rows(path, name)
    elif suffix == ".xml":
        rows, rejects = _xml_rows(path, name)
    else:
        return events_frame([]), [RowReject(name, None, None, None,
                                            f"{name} is not a response file; expected a .csv or .xml file.")]
    events: list[dict[str, Any]] = []
    numbers: list[int] = []
    latest = (received_at or datetime.now(UTC)) + MAX_AHEAD
    for row_no, raw in rows:
        event = _normalise(raw, name, row_no, rejects, latest)
        if event is not None:
            event["source"] = name
            event["received_at"] = received_at
            events.append(event)
            numbers.append(row_no)
    frame = events_frame(events)
    frame[ROW_COLUMN] = pd.array(numbers, dtype="Int64")
    return frame, rejects


def _csv_rows(path: Path, name: str) -> tuple[list[tuple[int, dict[str, str]]], list[RowReject]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [RowReject(name, None, None, None,
                              f"{name} is not UTF-8 text (byte {exc.start}); response files must be UTF-8.")]
    table = list(csv.reader(io.StringIO(text, newline="")))
    if not table:
        return [], [RowReject(name, None, None, None, f"{name} is empty; expected a header row "
                                                       f"{','.join(REQUIRED_FIELDS)}.")]
    header = [h.strip().lower() for h in table[0]]
    missing = [c for c in REQUIRED_FIELDS if c not in header]
    if missing:
        return [], [RowReject(name, 1, missing[0], None,
                              f"{name} row 1: the header lacks column(s) {', '.join(missing)}; expected "
                              f"{','.join(REQUIRED_FIELDS)} (optional: {','.join(OPTIONAL_FIELDS)}).")]
    wanted = {c: header.index(c) for c in (*REQUIRED_FIELDS, *OPTIONAL_FIELDS) if c in header}
    rows: list[tuple[int, dict[str, str]]] = []
    for line_no, cells in enumerate(table[1:], start=2):
        if not any(c.strip() for c in cells):
            continue  # blank line
        rows.append((line_no, {c: cells[i].strip() if i < len(cells) else "" for c, i in wanted.items()}))
    return rows, []


def xml_parser() -> etree.XMLParser:
    # No entity expansion, no DTD loading, no network: a response file cannot read local files or
    # call out (XXE), and a billion-laughs document stays small (huge_tree off).
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _xml_rows(path: Path, name: str) -> tuple[list[tuple[int, dict[str, str]]], list[RowReject]]:
    try:
        tree = etree.parse(str(path), xml_parser())
    except etree.XMLSyntaxError as exc:
        return [], [RowReject(name, None, None, None, f"{name} is not well-formed XML ({exc.msg}).")]
    doctype = str(getattr(tree.docinfo, "doctype", "") or "")
    if doctype:
        return [], [RowReject(name, None, None, doctype,
                              f"{name} carries a DOCTYPE declaration, which response files may not have; "
                              "expected a plain <Responses> document.")]
    root = tree.getroot()
    items = [root] if etree.QName(root).localname == "Response" else (
        [el for el in root if isinstance(el.tag, str) and etree.QName(el).localname == "Response"]
        if etree.QName(root).localname == "Responses" else None)
    if items is None:
        local = etree.QName(root).localname
        return [], [RowReject(name, None, None, local,
                              f"{name} has root element <{local}>; expected <Responses>.")]
    rows: list[tuple[int, dict[str, str]]] = []
    for index, item in enumerate(items, start=1):
        fields: dict[str, str] = {}
        for child in item:
            if not isinstance(child.tag, str):
                continue  # comments, processing instructions
            local = etree.QName(child).localname
            if local in REQUIRED_FIELDS or local in OPTIONAL_FIELDS:
                fields[local] = (child.text or "").strip()
        rows.append((index, fields))
    return rows, []


def shown(value: str) -> str:
    """A value as a message quotes it: whitespace and control characters collapsed, shortened, quoted."""
    text = " ".join("".join(c if c.isprintable() else " " for c in value).split())
    return f"'{text if len(text) <= 60 else text[:59] + '…'}'"


def _reject(rejects: list[RowReject], file: str, row: int, column: str, value: str, problem: str,
            expected: str) -> None:
    rejects.append(RowReject(file, row, column, value,
                             f"{file} row {row}, column {column}: {shown(value)} {problem}; expected {expected}."))


def _event_type(side: str, event: str) -> tuple[str | None, str | None]:
    """(event_type, raw_status_code) for a side and the event as written; (None, None) if unknown."""
    if side == "CN":
        code = event.zfill(2) if event.isdigit() else event  # Excel drops the leading zero of "01"
        if code in CN_RESPONSE_CODES:
            return CN_RESPONSE_CODES[code], code
        event = _CN_ALIASES.get(event, event)
        return (event, None) if event in CN_EVENT_TYPES else (None, None)
    return (event, None) if event in HK_EVENT_TYPES else (None, None)


def _occurred_at(raw: Mapping[str, str], file: str, row: int, rejects: list[RowReject],
                 latest: datetime) -> datetime | None:
    """The event's time in UTC, when it is an ISO date-time with an offset and a plausible moment."""
    text = raw.get("occurred_at", "")
    try:
        occurred_at = datetime.fromisoformat(text)
    except ValueError:
        _reject(rejects, file, row, "occurred_at", text, "is not an ISO 8601 date-time",
                "e.g. 2026-11-25T08:00:00+08:00")
        return None
    if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        _reject(rejects, file, row, "occurred_at", text, "has no time zone",
                "an ISO 8601 date-time with an offset, e.g. 2026-11-25T08:00:00+08:00")
        return None
    try:
        occurred_utc = occurred_at.astimezone(UTC)
    except OverflowError:   # year 1 with a positive offset falls before year 1 in UTC
        occurred_utc = None
    if occurred_utc is None or occurred_utc < EARLIEST or occurred_utc > latest:
        _reject(rejects, file, row, "occurred_at", text, "is not a plausible time for a customs response",
                f"a time from {EARLIEST.year} up to one day after the run's as-of time "
                f"({(latest - MAX_AHEAD).astimezone(HK_TZ).isoformat(timespec='minutes')})")
        return None
    return occurred_utc


def _version(raw: Mapping[str, str], file: str, row: int, rejects: list[RowReject]) -> int | bool | None:
    """The filing version the row answers (None when blank), or False when it is refused."""
    text = raw.get("version", "")
    if not text:
        return None
    # isdigit() alone accepts "²" and other digits int() refuses; filings never reach 10,000 versions
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_VERSION:
        _reject(rejects, file, row, "version", text, "is not a filing version",
                f"a whole number from 1 to {MAX_VERSION:,}, or blank")
        return False
    return int(text)


def _normalise(raw: Mapping[str, str], file: str, row: int, rejects: list[RowReject],
               latest: datetime) -> dict[str, Any] | None:
    submission_id = raw.get("submission_id", "") or None
    reference = raw.get("reference", "") or None
    if submission_id is None and reference is None:
        _reject(rejects, file, row, "submission_id", "", "is blank and so is reference",
                "a submission id or a reference (CCRN or Mainland trip batch number)")
        return None
    side = raw.get("side", "").upper()
    if side not in SIDES:
        _reject(rejects, file, row, "side", raw.get("side", ""), "is not a side", "HK or CN")
        return None
    written = raw.get("event", "").upper()
    event_type, raw_code = _event_type(side, written)
    if event_type is None:
        known = sorted(HK_EVENT_TYPES) if side == "HK" else [*CN_RESPONSE_CODES, *sorted(CN_EVENT_TYPES)]
        _reject(rejects, file, row, "event", raw.get("event", ""), f"is not a known {side} event",
                "one of " + ", ".join(known))
        return None
    occurred_utc = _occurred_at(raw, file, row, rejects, latest)
    if occurred_utc is None:
        return None
    version = _version(raw, file, row, rejects)
    if version is False:
        return None
    assert version is None or isinstance(version, int)
    detail = raw.get("detail", "") or None
    return {
        "event_id": event_id_for(submission_id=submission_id, reference=reference, side=side,
                                 event_type=event_type, raw_status_code=raw_code, occurred_at=occurred_utc,
                                 detail=detail, version=version),
        "submission_id": submission_id, "version": version, "side": side, "event_type": event_type,
        "occurred_at": occurred_utc, "reference": reference, "raw_status_code": raw_code, "detail": detail,
    }
