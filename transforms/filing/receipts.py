"""China Single Window receipts, read from the client's ``InBox`` and ``FailBox`` folders into customs
events, each matched to the filing (submission and version) it answers.

The shapes (as observed; ``docs/responses.md`` lists the evidence and the assumptions):

- **Technical receipts** ``Successed_<our file name without .xml>_<receipt time>.xml`` and
  ``Failed_…`` (the channel took, or refused, the file whose name they embed). For a road message
  the body is a ``Manifest`` receipt (``Response/ID``, ``Response/AdditionalInformation`` with
  ``StatementCode`` ``0`` 调用成功; shared/reference/cn-manifest/receipts/, EVIDENCE #62); for a
  declaration it is a ``DecImportResponse`` (shared/reference/cn-customs/declaration/DecImportResponse.xsd).
- **Business receipts** of the road manifest (``Receipt_…mft9.xml``): ``Head`` echoing the answered
  message (EVIDENCE #64), ``Response/ID`` (the batch number) with a statement for the whole message
  (``Response/AdditionalInformation``), one per waybill (``Response/Consignment``) or per container,
  or a processing status ``Response/ResponseType`` (``E3`` 发往海关成功).
- A **file of ours in FailBox**: the client could not send it.

Matching, most specific first: the file name a technical receipt embeds; a business receipt's
``Head/MessageID`` (ours, ``<MT>_<submission hex>_V<version>_F<code>``, or the channel's
``EPORT_<MT>_<stamp of our file name>``); its batch number (``Response/ID`` or ``JourneyID``, =
``submissions.cn_trip_batch_no``); a DecImportResponse's ``ClientSeqNo``. What matches no filing, or
cannot be read, becomes a :class:`~transforms.filing.responses.RowReject` with one sentence, never a failed
run. XML is parsed with entity expansion, DTD loading and network access off.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, Final
from zoneinfo import ZoneInfo

import pandas as pd
from lxml import etree

from transforms.filing.responses import (
    CN_RECEIPT_EVENTS,
    CN_RESPONSE_CODES,
    EARLIEST,
    MAX_AHEAD,
    RowReject,
    event_id_for,
    events_frame,
    shown,
    xml_parser,
)
from transforms.filing.writers.cn_dec import client_seq_no

CN_TZ: Final = ZoneInfo("Asia/Shanghai")
RECEIPT_BOXES: Final = ("InBox", "FailBox")

# Event types only receipts give (their meaning: transforms.filing.responses.CN_RECEIPT_EVENTS).
CHANNEL_RECEIVED: Final = "CN_CHANNEL_RECEIVED"
SENT_TO_CUSTOMS: Final = "CN_SENT_TO_CUSTOMS"
DEC_STORED: Final = "CN_DEC_STORED"
DEC_REJECTED: Final = "CN_DEC_REJECTED"
MANIFEST_REJECTED: Final = CN_RESPONSE_CODES["03"]
assert {CHANNEL_RECEIVED, SENT_TO_CUSTOMS, DEC_STORED, DEC_REJECTED} == set(CN_RECEIPT_EVENTS)

#: StatementCode (CC020, shared/reference/cn-manifest/codes/CC020_receipt_statement.csv) -> event.
#: ``0`` appears only in the sample technical receipt (调用成功).
STATEMENT_EVENTS: Final[Mapping[str, str]] = {**CN_RESPONSE_CODES, "0": CHANNEL_RECEIVED}
#: ResponseType/Code (codes/receipt_ResponseType_codes.csv). E3 is seen in a sample receipt; the
#: mapping of E1, E2 and E4 follows their names in the e-port list (an assumption, see docs).
RESPONSE_TYPE_EVENTS: Final[Mapping[str, str]] = {
    **CN_RESPONSE_CODES, "E1": CHANNEL_RECEIVED, "E2": MANIFEST_REJECTED, "E3": SENT_TO_CUSTOMS,
    "E4": MANIFEST_REJECTED,
}

_TECHNICAL = re.compile(r"(?i)^(successed|failed)_(.+?)(?:_(\d{14,}))?\.xml$")
_OUR_ROAD_FILE = re.compile(r"^CN_(MT\d{4})_1p0_.+_(\d{19})\.xml$")
_DEC_KEY = re.compile(r"^cn_dec_(\d+)$")
_OUR_MESSAGE_ID = re.compile(r"^(MT\d{4})_([0-9a-f]{32})_V(\d+)_F\d+$")
_EPORT_MESSAGE_ID = re.compile(r"^EPORT_(MT\d{4})_(\d{19})$")
_STAMP = re.compile(r"^\d{14,}$")


@dataclass(frozen=True)
class Filed:
    """One filed version a receipt can answer."""

    submission_id: str
    version: int


@dataclass
class ReceiptIndex:
    """What ssdd sent, keyed the ways receipts quote it. Built by :func:`receipt_index`."""

    by_file: dict[str, Filed] = field(default_factory=dict)             # our file name -> filing
    by_stamp: dict[tuple[str, str], Filed] = field(default_factory=dict)  # (MT, stamp+function) -> filing
    by_seq: dict[str, Filed] = field(default_factory=dict)              # ClientSeqNo -> filing
    by_batch: dict[str, set[str]] = field(default_factory=dict)         # batch number -> submission ids
    versions: set[Filed] = field(default_factory=set)


def receipt_index(rows: Iterable[tuple[str, int, Mapping[str, str], str | None]]) -> ReceiptIndex:
    """The index of ``(submission_id, version, outputs, batch number)`` rows, as
    :meth:`transforms.filing.ledger.Ledger.delivered_outputs` returns them."""
    index = ReceiptIndex()
    for sid, version, outputs, batch in rows:
        filed = Filed(sid, int(version))
        index.versions.add(filed)
        if batch:
            index.by_batch.setdefault(batch, set()).add(sid)
        for key, path in outputs.items():
            name = PurePosixPath(path).name
            if not key.startswith("cn_"):
                continue   # the single submission and the Hong Kong filing never reach the client
            index.by_file[name] = filed
            road = _OUR_ROAD_FILE.match(name)
            if road:
                index.by_stamp[(road.group(1), road.group(2))] = filed
            dec = _DEC_KEY.match(key)
            if dec and 1 <= int(dec.group(1)) <= 99 and int(version) <= 999:
                index.by_seq[client_seq_no(sid, int(version), int(dec.group(1)))] = filed
    return index


@dataclass
class _Receipt:
    """One receipt file being read: where it is, what it is called, and what it became."""

    label: str
    box: str
    name: str
    mtime: datetime
    latest: datetime
    received_at: datetime
    rows: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[RowReject] = field(default_factory=list)

    def refuse(self, reason: str, column: str | None = None, value: str | None = None) -> None:
        self.rejects.append(RowReject(self.label, None, column, value, f"{self.label} {reason}"))

    def event(self, filed: Filed | tuple[str, None], event_type: str, at: datetime, *, reference: str | None,
              code: str | None, detail: str | None) -> None:
        sid, version = (filed.submission_id, filed.version) if isinstance(filed, Filed) else filed
        self.rows.append({
            "event_id": event_id_for(submission_id=sid, reference=reference, side="CN", event_type=event_type,
                                     raw_status_code=code, occurred_at=at, detail=detail, version=version),
            "submission_id": sid, "version": version, "side": "CN", "event_type": event_type,
            "occurred_at": at, "received_at": self.received_at, "source": self.label, "reference": reference,
            "raw_status_code": code, "detail": detail})


def read_receipts(root: Path, forms: Sequence[str], index: ReceiptIndex, *, received_at: datetime,
                  ) -> tuple[pd.DataFrame, list[RowReject]]:
    """Every receipt in ``<root>/<form>/InBox`` and ``FailBox`` of each form, as EVENTS rows, and the
    files refused (re-reading is harmless: the event id deduplicates in the ledger)."""
    if received_at.tzinfo is None:
        raise ValueError("received_at must carry a time zone")
    rows: list[dict[str, Any]] = []
    rejects: list[RowReject] = []
    for form in dict.fromkeys(forms):
        for box in RECEIPT_BOXES:
            folder = root / form / box
            if not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                if path.name.startswith(".") or path.name.endswith(".tmp") or not path.is_file():
                    continue   # the client's or a writer's temporary file
                receipt = _Receipt(f"{form}/{box}/{path.name}", box, path.name,
                                   datetime.fromtimestamp(path.stat().st_mtime, tz=UTC),
                                   received_at + MAX_AHEAD, received_at)
                _read_one(path, receipt, index)
                rows.extend(receipt.rows)
                rejects.extend(receipt.rejects)
    return events_frame(rows), rejects


def _read_one(path: Path, r: _Receipt, index: ReceiptIndex) -> None:
    if r.box == "FailBox":
        name = re.sub(r"(?i)\.(zip|xml)$", "", r.name) + ".xml"
        ours = index.by_file.get(name)
        if ours is not None:   # our own file, put back by the client (as sent, or zipped): it was not sent
            r.event(ours, MANIFEST_REJECTED if _OUR_ROAD_FILE.match(name) else DEC_REJECTED, r.mtime,
                    reference=name, code=None,
                    detail="The China Single Window client put the file in FailBox: it was not sent.")
            return
    technical = _TECHNICAL.match(r.name)
    try:
        tree = etree.parse(str(path), xml_parser())
    except (etree.XMLSyntaxError, OSError) as exc:
        r.refuse(f"is not a readable XML receipt ({getattr(exc, 'msg', None) or exc}); expected a "
                 "Successed_/Failed_ technical receipt, a Receipt_ business receipt or a DecImportResponse.")
        return
    if str(getattr(tree.docinfo, "doctype", "") or ""):
        r.refuse("carries a DOCTYPE declaration, which receipts may not have; expected a plain XML receipt.")
        return
    doc = tree.getroot()
    kind = etree.QName(doc).localname
    if kind == "DecImportResponse":
        _dec_response(doc, r, index, technical)
    elif kind == "Manifest" and child(doc, "Response") is not None:
        _manifest_receipt(doc, r, index, technical)
    else:
        r.refuse(f"has root element <{kind}>; expected a road manifest receipt <Manifest> with a <Response>, "
                 "or a declaration receipt <DecImportResponse>.", "root", kind)


# -- XML helpers: receipts come with and without namespaces, so elements are found by local name --

def child(parent: etree._Element | None, name: str) -> etree._Element | None:
    if parent is None:
        return None
    for el in parent:
        if isinstance(el.tag, str) and etree.QName(el).localname == name:
            return el
    return None


def children(parent: etree._Element | None, name: str) -> list[etree._Element]:
    if parent is None:
        return []
    return [el for el in parent if isinstance(el.tag, str) and etree.QName(el).localname == name]


def _own(parent: etree._Element) -> etree._Element:
    """A waybill's or container's statement block (its own element when the block is missing, so the
    missing StatementCode is reported)."""
    block = child(parent, "AdditionalInformation")
    return parent if block is None else block


def text_at(parent: etree._Element | None, *path: str) -> str | None:
    el = parent
    for name in path:
        el = child(el, name)
    text = (el.text or "").strip() if el is not None else ""
    return text or None


def _stamp_time(text: str | None) -> datetime | None:
    """yyyyMMddHHmmss[fff] in Beijing time (the receipts' SendTime and file-name stamps), as UTC."""
    if text is None or not _STAMP.match(text):
        return None
    try:
        local = datetime.strptime(text[:14], "%Y%m%d%H%M%S")
    except ValueError:
        return None
    millis = int(text[14:17]) if len(text) >= 17 else 0   # technical receipts add 6 more digits
    return local.replace(microsecond=millis * 1000, tzinfo=CN_TZ).astimezone(UTC)


def _when(r: _Receipt, *candidates: tuple[str, str | None]) -> datetime | None:
    """The first readable, plausible time of the candidates ``(what, text)``; refuses the file if none."""
    for what, text in candidates:
        at = _stamp_time(text)
        if at is None:
            continue
        if not EARLIEST <= at <= r.latest:
            r.refuse(f"has {what} {shown(text or '')}, which is not a plausible time for a customs receipt; "
                     f"expected a time from {EARLIEST.year} up to one day after the run's as-of time.",
                     what, text)
            return None
        return at
    said = " or ".join(w for w, _ in candidates)
    r.refuse(f"has no readable {said}; expected yyyyMMddHHmmss followed by milliseconds (Beijing time).")
    return None


# -- DecImportResponse -----------------------------------------------------------------------------

def _dec_response(doc: etree._Element, r: _Receipt, index: ReceiptIndex, technical: re.Match[str] | None) -> None:
    seq = text_at(doc, "ClientSeqNo")
    filed = index.by_seq.get(seq or "")
    if filed is None and technical is not None:
        filed = index.by_file.get(technical.group(2) + ".xml")
    if filed is None:
        r.refuse(f"answers ClientSeqNo {shown(seq or '')}, which no declaration ssdd delivered carries; "
                 "expected the 18-character 企业内部编号 of a filed declaration.", "ClientSeqNo", seq)
        return
    code = text_at(doc, "ResponseCode")
    if code is None or not re.fullmatch(r"-?\d+", code):
        r.refuse(f"has ResponseCode {shown(code or '')}; expected a whole number (0 = stored).",
                 "ResponseCode", code)
        return
    # HXT's client treats 0 as stored and 1 as failed (ryanrong95/HXT Needs.Wl.CustomsTool.WinForm/
    # Business/DecSuccess.cs); every other value, and a Failed_ file, is read as a refusal (assumption).
    failed = technical is not None and technical.group(1).lower() == "failed"
    event_type = DEC_STORED if int(code) == 0 and not failed else DEC_REJECTED
    stamp = technical.group(3) if technical is not None else None
    # the response has no time of its own: the one in its file name (as HXT reads it), else the file's
    at = _when(r, ("the receipt time in its file name", stamp)) if stamp else r.mtime
    if at is None:
        return
    r.event(filed, event_type, at, reference=text_at(doc, "SeqNo") or seq, code=code,
            detail=text_at(doc, "ErrorMessage"))


# -- road manifest receipts ------------------------------------------------------------------------

def _manifest_receipt(doc: etree._Element, r: _Receipt, index: ReceiptIndex,
                      technical: re.Match[str] | None) -> None:
    head, response = child(doc, "Head"), child(doc, "Response")
    batch = text_at(response, "ID") or text_at(response, "BorderTransportMeans", "JourneyID")
    filed = _answered(r, index, head, batch, technical)
    if filed is None:
        return
    at = _when(r, ("Head/SendTime", text_at(head, "SendTime")),
               ("the receipt time in its file name", technical.group(3) if technical else None))
    if at is None:
        return
    # a technical receipt answers one file (a trip's manifest and conveyance confirmation share the
    # batch number): the file it names is its reference
    whole = batch if technical is None else technical.group(2) + ".xml"
    if technical is not None and technical.group(1).lower() == "failed":
        info = child(response, "AdditionalInformation")
        r.event(filed, MANIFEST_REJECTED, at, reference=whole, code=text_at(info, "StatementCode"),
                detail=text_at(info, "StatementDescription")
                or "The channel refused the file (Failed_ technical receipt).")
        return
    statements: list[tuple[str, etree._Element, str | None]] = []
    info = child(response, "AdditionalInformation")
    if info is not None:
        statements.append(("Response/AdditionalInformation", info, whole))
    for c in children(response, "Consignment"):   # one statement per waybill (提运单号)
        statements.append(("Response/Consignment/AdditionalInformation", _own(c),
                           text_at(c, "TransportContractDocument", "ID")))
    for e in children(child(response, "BorderTransportMeans"), "TransportEquipment"):   # per container
        statements.append(("Response/BorderTransportMeans/TransportEquipment/AdditionalInformation", _own(e),
                           text_at(e, "ID")))
    for where, block, reference in statements:
        code = text_at(block, "StatementCode")
        event_type = STATEMENT_EVENTS.get(code or "")
        if event_type is None:
            r.refuse(f"has {where}/StatementCode {shown(code or '')}; expected one of "
                     f"{', '.join(STATEMENT_EVENTS)} (CC020).", "StatementCode", code)
            continue
        r.event(filed, event_type, at, reference=reference, code=code, detail=text_at(block, "StatementDescription"))
    kind = child(response, "ResponseType")
    if kind is not None:
        code = text_at(kind, "Code")
        event_type = RESPONSE_TYPE_EVENTS.get(code or "")
        if event_type is None:
            r.refuse(f"has Response/ResponseType/Code {shown(code or '')}; expected one of "
                     f"{', '.join(RESPONSE_TYPE_EVENTS)}.", "ResponseType", code)
        else:
            r.event(filed, event_type, at, reference=batch, code=code, detail=text_at(kind, "Text"))
    if not statements and kind is None:
        r.refuse("carries no statement; expected Response/AdditionalInformation, Response/Consignment or "
                 "Response/ResponseType.")


def _answered(r: _Receipt, index: ReceiptIndex, head: etree._Element | None, batch: str | None,
              technical: re.Match[str] | None) -> Filed | tuple[str, None] | None:
    """The filing a road receipt answers, or None (the file is refused with the reason)."""
    if technical is not None:
        embedded = technical.group(2) + ".xml"
        filed = index.by_file.get(embedded)
        if filed is None:
            r.refuse(f"answers {embedded}, which is not a file ssdd delivered; expected the name of a road "
                     "message in a filed version's outputs.", "file name", embedded)
        return filed
    message_id = text_at(head, "MessageID") or ""
    ours = _OUR_MESSAGE_ID.match(message_id)
    if ours:
        filed = Filed(str(uuid.UUID(ours.group(2))), int(ours.group(3)))
        if filed in index.versions:
            return filed
    eport = _EPORT_MESSAGE_ID.match(message_id)
    if eport and (eport.group(1), eport.group(2)) in index.by_stamp:
        return index.by_stamp[(eport.group(1), eport.group(2))]
    owners = index.by_batch.get(batch or "", set())
    if len(owners) == 1:
        return (next(iter(owners)), None)   # the version: the latest filed at or before the receipt
    if len(owners) > 1:
        r.refuse(f"quotes batch number {shown(batch or '')}, which {len(owners)} filings carry; expected a "
                 "Head/MessageID naming the message it answers.", "Response/ID", batch)
        return None
    r.refuse(f"answers Head/MessageID {shown(message_id)} and batch number {shown(batch or '')}, which name no "
             "message ssdd delivered; expected a MessageID MT…_<submission id>_V<version>_F<code> or "
             "EPORT_<MT>_<time of our file name>, or the batch number (货物运输批次号) of a filed trip.",
             "MessageID", message_id)
    return None
