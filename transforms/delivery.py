"""Deliver Mainland filings into the China Single Window import client's exchange folders, and read
its receipts back as customs events.

The client watches one folder per form type with four boxes: it takes files from ``OutBox``, moves
what it sent to ``SentBox``, and drops customs receipts into ``InBox`` (accepted or answered) or
``FailBox`` (refused by the channel). ssdd writes only into ``OutBox`` (atomically: a hidden temp
name, then a rename, so the client never picks up half a file) and only reads the other boxes.

Receipts are XML; the client's own schema is not public, so the reader is deliberately tolerant: it
looks for the message id ssdd wrote (``CN_<MT>_1p0_<submission id hex>_v<version>``), a response
code and a time, by element name, with entity expansion and network access off.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from lxml import etree

from transforms.responses import CN_RESPONSE_CODES, RowReject, event_id_for, events_frame, xml_parser
from transforms.writers.output import write_many_atomic

BOXES = ("OutBox", "SentBox", "InBox", "FailBox")
_CN_TZ = ZoneInfo("Asia/Shanghai")
_MESSAGE_ID = re.compile(r"CN_(MT\d{4})_1p0_([0-9a-f]{32})_v(\d+)")
_CODE_NAMES = ("ResponseCode", "ReturnCode", "RespCode", "Code", "Status")
_TIME_NAMES = ("ResponseTime", "ReturnTime", "NoticeDate", "SendTime", "CreateTime")


def message_type(cn_xml: bytes) -> str:
    """The manifest's MessageType (MT2401 / MT1401), which names the client's form folder."""
    root = etree.fromstring(cn_xml, xml_parser())
    found = _texts(root, "//*[local-name()='Manifest']/*[local-name()='Head']/*[local-name()='MessageType']/text()")
    return found[0] if found else "UNKNOWN"


def _texts(root: etree._Element, path: str) -> list[str]:
    hits = root.xpath(path)
    return [str(h).strip() for h in hits] if isinstance(hits, list) else []


def ensure_boxes(root: Path, form: str) -> Path:
    folder = root / form
    for box in BOXES:
        (folder / box).mkdir(parents=True, exist_ok=True)
    return folder


def deliver(root: Path, files: Iterable[tuple[str, str, bytes]]) -> list[Path]:
    """Place each (form, file name, message bytes) in ``<root>/<form>/OutBox``; returns the paths."""
    batch = [(ensure_boxes(root, form) / "OutBox" / name, data) for form, name, data in files]
    write_many_atomic(batch)
    return [p for p, _ in batch]


def _first_text(root: etree._Element, names: tuple[str, ...]) -> str | None:
    for name in names:
        hit = [t for t in _texts(root, f"//*[local-name()='{name}']/text()") if t]
        if hit:
            return hit[0]
    return None


def _when(text: str | None, fallback: datetime) -> datetime:
    """Receipt times are Beijing time (yyyyMMddHHmmss[SSS] or ISO); without one, the file's time."""
    if not text:
        return fallback
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 14 and not re.search(r"[+-]\d\d:?\d\d$|Z$", text):
        return datetime.strptime(digits[:14], "%Y%m%d%H%M%S").replace(tzinfo=_CN_TZ)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return fallback
    return value if value.tzinfo else value.replace(tzinfo=_CN_TZ)


def read_receipts(root: Path, *, received_at: datetime) -> tuple[pd.DataFrame, list[RowReject]]:
    """Every receipt in the InBox and FailBox folders, as EVENTS rows (re-reading is harmless: the
    event id deduplicates in the ledger)."""
    rows: list[dict[str, object]] = []
    rejects: list[RowReject] = []
    for box in ("InBox", "FailBox"):
        for path in sorted(root.glob(f"*/{box}/*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            label = path.relative_to(root).as_posix()
            try:
                doc = etree.fromstring(path.read_bytes(), xml_parser())
            except etree.XMLSyntaxError as exc:
                rejects.append(RowReject(label, None, None, None, f"{label} is not a readable XML receipt ({exc})."))
                continue
            text = etree.tostring(doc, encoding="unicode")
            match = _MESSAGE_ID.search(text)
            if match is None:
                rejects.append(RowReject(label, None, "MessageID", None,
                                         f"{label} names no message ssdd sent (expected CN_MT…_1p0_<id>_v<n>)."))
                continue
            code = _first_text(doc, _CODE_NAMES)
            if code is not None and code in CN_RESPONSE_CODES:
                event = CN_RESPONSE_CODES[code]
            else:
                event = "CN_MANIFEST_REJECTED" if box == "FailBox" else "CN_MANIFEST_ACCEPTED"
            mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=_CN_TZ)
            occurred = _when(_first_text(doc, _TIME_NAMES), mtime)
            sid, version = str(uuid.UUID(match.group(2))), int(match.group(3))
            detail = _first_text(doc, ("ResponseInfo", "ReturnInfo", "Note", "Message", "Info"))
            rows.append({
                "event_id": event_id_for(submission_id=sid, reference=match.group(0), side="CN", event_type=event,
                                         raw_status_code=code, occurred_at=occurred, detail=detail, version=version),
                "submission_id": sid, "version": version, "side": "CN", "event_type": event, "occurred_at": occurred,
                "received_at": received_at, "source": label, "reference": match.group(0), "raw_status_code": code,
                "detail": detail})
    return events_frame(rows), rejects
