"""The simulator's Mainland answers in the China Single Window's real shapes (a demo and test stub).

When a workspace delivers to the Single Window client (``cn_delivery = single_window``), the Mainland
filing answers of :func:`transforms.devtools.simulator.simulate` become the files the client would put in its
``InBox`` (shapes of shared/reference/cn-manifest/receipts/ and cn-customs/declaration/DecImportResponse.xsd):

- per road message ssdd wrote (manifest, conveyance confirmation): a technical receipt
  ``Successed_<our file name without .xml>_<receipt time>.xml`` (StatementCode 0 调用成功), halfway
  between the filing and the simulated answer;
- per manifest: a business receipt with ``ResponseType`` E3 发往海关成功, then one with the answer
  per waybill: ``01`` with the sample's 19000 sentence, or ``03`` with ``99999`` (the pack's code for
  an error it does not classify, Response.xsd) and the simulated reason;
- per declaration: a ``DecImportResponse`` with ResponseCode 0 and our ClientSeqNo, named like a
  technical receipt in the declaration form's InBox.

Receipt heads echo the answered message's MessageID, FunctionCode and MessageType (EVIDENCE #64).
The arrival and the release have no receipt sample in the packs, so they, and every Hong Kong event,
stay in ssdd's response CSV. Business receipt names: the packs' ``Receipt_…mft9`` numbering is not
established, so the simulator names them ``Receipt_<our file name without .xml>_<receipt time>_<n>.xml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, Final

import pandas as pd
from lxml import etree

from transforms.filing.delivery import ROAD_KEYS, ensure_boxes
from transforms.filing.receipts import CN_TZ, child, children, text_at
from transforms.filing.responses import xml_parser
from transforms.filing.writers.cn_dec import client_seq_no
from transforms.plumbing.atomic import write_many_atomic

MTRES4: Final = "urn:Declaration:datamodel:standard:CN:MTRES4:1"
DEC_NS: Final = "http://www.chinaport.gov.cn/dec"
ANSWERS: Final = ("CN_MANIFEST_ACCEPTED", "CN_MANIFEST_REJECTED")
#: The accepted sentence of the sample receipt (海关通过), which answers an MT1401 (原始舱单); for an
#: MT2401 the simulator names the 预配舱单 instead (CC002's name), in the same sentence.
ACCEPTED_TEXT: Final = {"MT1401": "19000 接受申报,该原始舱单申报报文处理成功",
                        "MT2401": "19000 接受申报,该预配舱单申报报文处理成功"}
UNCLASSIFIED: Final = "99999"
_DECLARATION: Final = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def _stamp(t: datetime) -> str:
    local = t.astimezone(CN_TZ)
    return f"{local:%Y%m%d%H%M%S}{local.microsecond // 1000:03d}"


def _ms(t: datetime) -> datetime:
    return t.replace(microsecond=t.microsecond // 1000 * 1000)


class _Message:
    """What a receipt echoes of one road message ssdd wrote."""

    def __init__(self, path: Path) -> None:
        root = etree.parse(str(path), xml_parser()).getroot()
        head, declaration = child(root, "Head"), child(root, "Declaration")
        self.name = path.name
        self.message_id, self.function_code = text_at(head, "MessageID") or "", text_at(head, "FunctionCode") or ""
        self.message_type, self.sender = text_at(head, "MessageType") or "", text_at(head, "SenderID") or ""
        self.batch = text_at(declaration, "ID")
        self.bills = [b for c in children(declaration, "Consignment")
                      if (b := text_at(c, "TransportContractDocument", "ID"))]

    def head(self, parent: etree._Element, at: datetime, ns: str | None = None) -> None:
        def el(p: etree._Element, tag: str, text: str | None = None) -> etree._Element:
            child = etree.SubElement(p, f"{{{ns}}}{tag}" if ns else tag)
            child.text = text
            return child

        h = el(parent, "Head")
        for tag, text in (("MessageID", self.message_id), ("FunctionCode", self.function_code),
                          ("MessageType", self.message_type), ("SenderID", "EPORT"), ("ReceiverID", self.sender),
                          ("SendTime", _stamp(at)), ("Version", "1.0")):
            el(h, tag, text)


def _technical(m: _Message, at: datetime) -> bytes:
    """Like the sample: root unqualified, its children in MTRES4 with the prefix ns2."""
    root = etree.Element("Manifest", nsmap={"ns2": MTRES4})
    m.head(root, at, MTRES4)
    response = etree.SubElement(root, f"{{{MTRES4}}}Response")
    if m.batch:
        etree.SubElement(response, f"{{{MTRES4}}}ID").text = m.batch
    info = etree.SubElement(response, f"{{{MTRES4}}}AdditionalInformation")
    etree.SubElement(info, f"{{{MTRES4}}}StatementCode").text = "0"
    etree.SubElement(info, f"{{{MTRES4}}}StatementDescription").text = "调用成功"
    return _DECLARATION + etree.tostring(root, encoding="UTF-8", pretty_print=True)


def _business(m: _Message, at: datetime, answer: tuple[str, str] | None) -> bytes:
    """No namespace, like the samples: E3 (answer None) or one statement per waybill."""
    root = etree.Element("Manifest")
    m.head(root, at)
    response = etree.SubElement(root, "Response")
    if answer is None:
        etree.SubElement(etree.SubElement(response, "BorderTransportMeans"), "JourneyID").text = m.batch
        kind = etree.SubElement(response, "ResponseType")
        etree.SubElement(kind, "Code").text = "E3"
        etree.SubElement(kind, "Text").text = "发往海关成功"
    else:
        etree.SubElement(response, "ID").text = m.batch
        for bill in m.bills:
            c = etree.SubElement(response, "Consignment")
            info = etree.SubElement(c, "AdditionalInformation")
            etree.SubElement(info, "StatementCode").text = answer[0]
            etree.SubElement(info, "StatementDescription").text = answer[1]
            etree.SubElement(etree.SubElement(c, "TransportContractDocument"), "ID").text = bill
    return _DECLARATION + etree.tostring(root, encoding="UTF-8", pretty_print=True)


def _dec_response(seq: str) -> bytes:
    root = etree.Element(f"{{{DEC_NS}}}DecImportResponse", nsmap={None: DEC_NS})  # type: ignore[dict-item]
    for tag, text in (("ResponseCode", "0"), ("ErrorMessage", ""), ("ClientSeqNo", seq), ("SeqNo", ""),
                      ("TrnPreId", "")):
        etree.SubElement(root, f"{{{DEC_NS}}}{tag}").text = text
    return _DECLARATION + etree.tostring(root, encoding="UTF-8", pretty_print=True)


def write_single_window_receipts(events: pd.DataFrame, filed: pd.DataFrame,
                                 outputs: Mapping[tuple[str, int], Mapping[str, str]], workspace: Path, root: Path,
                                 *, dec_form: str, manifest_form: str) -> tuple[pd.DataFrame, list[Path]]:
    """Write the Mainland filing answers in ``events`` as receipts into the client's InBox folders.

    ``filed`` is :meth:`transforms.filing.ledger.Ledger.filed`; ``outputs`` maps (submission id, version) to
    that version's outputs (:meth:`~transforms.filing.ledger.Ledger.delivered_outputs`). Returns the events
    left for the response CSV (every other event, and answers to trips without Mainland messages)
    and the receipt files written, all published together."""
    trips: dict[str, dict[str, Any]] = {}
    for raw in filed.to_dict("records"):
        rec = {str(k): v for k, v in raw.items()}
        trips[str(rec["submission_id"])] = rec
        if isinstance(rec.get("cn_trip_batch_no"), str):
            trips[rec["cn_trip_batch_no"]] = rec
    files: list[tuple[Path, bytes]] = []
    written: set[str] = set()
    keep: list[bool] = []
    for raw in events.to_dict("records"):
        rec = {str(k): v for k, v in raw.items()}
        trip = trips.get(str(rec["submission_id"] or rec["reference"] or "")) \
            if rec["side"] == "CN" and rec["event_type"] in ANSWERS else None
        version = 0 if trip is None else int(rec["version"] if pd.notna(rec["version"]) else trip["version"])
        out = {} if trip is None else dict(outputs.get((str(trip["submission_id"]), version), {}))
        if trip is None or not any(k == "cn_manifest" or k.startswith("cn_dec_") for k in out):
            keep.append(True)
            continue
        keep.append(False)
        if rec["event_id"] in written:
            continue   # the simulator's duplicate: the client writes a receipt once
        written.add(rec["event_id"])
        files.extend(_trip_receipts(rec, trip, version, out, workspace, root, dec_form, manifest_form))
    if files:
        write_many_atomic(files)
    return events[keep].reset_index(drop=True), [p for p, _ in files]


def _trip_receipts(rec: Mapping[str, Any], trip: Mapping[str, Any], version: int, out: Mapping[str, str],
                   workspace: Path, root: Path, dec_form: str, manifest_form: str) -> list[tuple[Path, bytes]]:
    answered: datetime = pd.Timestamp(rec["occurred_at"]).to_pydatetime()
    filed_at = pd.Timestamp(trip["filed_at"]).to_pydatetime() if pd.notna(trip.get("filed_at")) else answered
    technical_at = _ms(filed_at + (answered - filed_at) / 2) if answered > filed_at else _ms(answered)
    sent_at = _ms(technical_at + (answered - technical_at) / 2)
    answered = _ms(answered.astimezone(UTC))
    manifest_box, dec_box = ensure_boxes(root, manifest_form) / "InBox", ensure_boxes(root, dec_form) / "InBox"
    files: list[tuple[Path, bytes]] = []
    for key in ROAD_KEYS:
        if key not in out:
            continue
        m = _Message(workspace / out[key])
        stem = PurePosixPath(m.name).stem
        files.append((manifest_box / f"Successed_{stem}_{_stamp(technical_at)}.xml", _technical(m, technical_at)))
        if key != "cn_manifest":
            continue
        answer = ("01", ACCEPTED_TEXT.get(m.message_type, ACCEPTED_TEXT["MT2401"])) \
            if rec["event_type"] == "CN_MANIFEST_ACCEPTED" else ("03", f"{UNCLASSIFIED} {rec['detail'] or ''}".strip())
        files.append((manifest_box / f"Receipt_{stem}_{_stamp(sent_at)}_1.xml", _business(m, sent_at, None)))
        files.append((manifest_box / f"Receipt_{stem}_{_stamp(answered)}_2.xml", _business(m, answered, answer)))
    sid = str(trip["submission_id"])
    for key in sorted((k for k in out if k.startswith("cn_dec_")), key=lambda k: int(k.rsplit("_", 1)[1])):
        stem = PurePosixPath(out[key]).stem
        seq = client_seq_no(sid, version, int(key.rsplit("_", 1)[1]))
        files.append((dec_box / f"Successed_{stem}_{_stamp(technical_at)}.xml", _dec_response(seq)))
    return files
