"""China Single Window receipts read back into customs events: the official samples, a Failed_ technical
receipt, DecImportResponse by ClientSeqNo, FailBox, and every file that cannot be read or matched."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from transforms.filing.ledger import Ledger
from transforms.filing.receipts import read_receipts, receipt_index
from transforms.filing.writers.cn_dec import client_seq_no
from transforms.plumbing.timeutil import parse_as_of

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "reference" / "cn-manifest" / "receipts"
SID = "8e830b29-5802-596c-97dd-da7c3b642cec"
OUR_FILE = "CN_MT1401_1p0_5345766374655_2019021210203040009.xml"   # the file the samples answer
BATCH = "5345201902001"
TECHNICAL = "Successed_CN_MT1401_1p0_5345766374655_2019021210203040009_20190214122421429943119.xml"
AS_OF = parse_as_of("2019-02-14T20:00:00+08:00")
FORMS = ("Deccus001", "Rmft")


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    """A ledger where SID version 1 filed the sample manifest (and two declarations)."""
    with Ledger(f"sqlite:///{tmp_path}/ledger.sqlite") as led:
        led.record_filed(submission_id=SID, version=1, function_code="9", content_hash="h1", run_id="r1",
                         as_of=parse_as_of("2019-02-12T10:20:30+08:00"), trader="acme", carrier_code="CARR01",
                         trip_ref="T1", direction="HK_EXPORT", control_point="LMC",
                         expected_crossing_at=parse_as_of("2019-02-14T15:00:00+08:00"),
                         outputs={"single": f"outbox/single/{SID}_v1.xml", "cn_manifest": f"outbox/cn/rmft/{OUR_FILE}",
                                  "cn_dec_1": f"outbox/cn/dec/{SID}_v1_dec1.xml",
                                  "cn_dec_2": f"outbox/cn/dec/{SID}_v1_dec2.xml"},
                         cn_trip_batch_no=BATCH)
        yield led


def _sample(kind: str) -> Path:
    """The official receipt whose stored name starts with ``kind`` (the pack prefixes a Chinese label)."""
    [path] = [p for p in SAMPLES.iterdir() if p.name.startswith(kind)]
    return path


def _inbox(root: Path, form: str = "Rmft", box: str = "InBox") -> Path:
    folder = root / form / box
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _read(root: Path, ledger: Ledger) -> tuple[pd.DataFrame, list[str]]:
    events, rejects = read_receipts(root, FORMS, receipt_index(ledger.delivered_outputs()), received_at=AS_OF)
    return events, [r.reason for r in rejects]


def _rows(events: pd.DataFrame) -> list[tuple[object, ...]]:
    return [(r.event_type, r.occurred_at.isoformat(), r.reference, r.raw_status_code, r.submission_id, r.version,
             r.detail) for r in events.itertuples()]


@pytest.fixture(autouse=True)
def _samples_present() -> None:
    if not SAMPLES.is_dir():
        pytest.skip("../shared/reference/cn-manifest is not beside the repo")


def test_technical_receipt_names_the_file_it_answers(tmp_path: Path, ledger: Ledger) -> None:
    shutil.copy(_sample("技术回执"), _inbox(tmp_path) / TECHNICAL)
    events, refused = _read(tmp_path, ledger)
    assert refused == []
    assert _rows(events) == [("CN_CHANNEL_RECEIVED", "2019-02-14T04:39:59.507000+00:00", OUR_FILE, "0", SID, 1,
                              "调用成功")]
    assert events["source"].tolist() == [f"Rmft/InBox/{TECHNICAL}"]
    assert str(events["received_at"].iloc[0]) == "2019-02-14 12:00:00+00:00"


def test_business_receipts_match_by_the_stamp_of_our_file_one_event_per_waybill(tmp_path: Path,
                                                                                 ledger: Ledger) -> None:
    for label in ("业务回执（发送海关）", "业务回执（海关通过）"):
        src = _sample(label)
        shutil.copy(src, _inbox(tmp_path) / src.name.split("-", 1)[1])
    events, refused = _read(tmp_path, ledger)
    assert refused == []
    at = "2019-02-14T04:24:01.001000+00:00"   # Head/SendTime 20190214122401001, Beijing time
    assert _rows(events) == [
        ("CN_SENT_TO_CUSTOMS", at, BATCH, "E3", SID, 1, "发往海关成功"),
        ("CN_MANIFEST_ACCEPTED", at, "FD190212009", "01", SID, 1, "19000 接受申报,该原始舱单申报报文处理成功"),
        ("CN_MANIFEST_ACCEPTED", at, "FD190212010", "01", SID, 1, "19000 接受申报,该原始舱单申报报文处理成功")]
    outcome = ledger.apply_events(events)
    assert outcome.status_changed == {SID: "accepted"}


def test_refusals_are_rejected_events_with_the_statement_as_detail(tmp_path: Path, ledger: Ledger) -> None:
    for label in ("业务回执（海关退单）", "业务回执（入库失败）", "业务回执（转人工审核）"):
        src = _sample(label)
        shutil.copy(src, _inbox(tmp_path) / src.name.split("-", 1)[1])
    failed = _sample("技术回执").read_text(encoding="utf-8").replace(
        "<ns2:StatementCode>0</ns2:StatementCode>", "<ns2:StatementCode>99001</ns2:StatementCode>").replace(
        "调用成功", "99001 报文填制不规范")
    (_inbox(tmp_path) / TECHNICAL.replace("Successed_", "Failed_")).write_text(failed, encoding="utf-8")
    events, refused = _read(tmp_path, ledger)
    assert refused == []
    at, exists = "2019-02-14T04:24:01.001000+00:00", "19001 不接受申报,该原始舱单申报中的提运单号已经存在"
    assert _rows(events) == [
        ("CN_MANIFEST_REJECTED", "2019-02-14T04:39:59.507000+00:00", OUR_FILE, "99001", SID, 1, "99001 报文填制不规范"),
        ("CN_MANIFEST_REJECTED", at, "FD190212009", "03", SID, 1, exists),
        ("CN_MANIFEST_REJECTED", at, "FD190212010", "03", SID, 1, exists),
        ("CN_MANIFEST_REJECTED", at, None, "03", SID, 1,
         "99001 报文填制不规范。The 'urn:Declaration:datamodel:standard:CN:MT1401:1:TypeID' element is invalid - "
         "The value 'AE' is invalid according to its datatype 'Declaration:CommunicationTypeIDType' - The "
         "Enumeration constraint failed."),
        ("CN_MANUAL_REVIEW", at, "FD190212009", "02", SID, 1, "19010 转人工审核,舱单申报超时"),
        ("CN_MANUAL_REVIEW", at, "FD190212010", "02", SID, 1, "19010 转人工审核,舱单申报超时")]
    assert ledger.apply_events(events).status_changed == {SID: "rejected"}


def _dec_response(code: str, seq: str, message: str = "", seq_no: str = "") -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<DecImportResponse xmlns="http://www.chinaport.gov.cn/dec">'
            f"<ResponseCode>{code}</ResponseCode><ErrorMessage>{message}</ErrorMessage>"
            f"<ClientSeqNo>{seq}</ClientSeqNo><SeqNo>{seq_no}</SeqNo><TrnPreId></TrnPreId></DecImportResponse>")


def test_dec_import_response_is_matched_by_client_seq_no(tmp_path: Path, ledger: Ledger) -> None:
    inbox = _inbox(tmp_path, "Deccus001")
    seq1, seq2 = client_seq_no(SID, 1, 1), client_seq_no(SID, 1, 2)
    assert seq1 == "R2BQWKKYAJMWZ00101"
    (inbox / f"Successed_{SID}_v1_dec1_20190214122421429.xml").write_text(
        _dec_response("0", seq1, seq_no="531620191000012345"), encoding="utf-8")
    (inbox / f"Failed_{SID}_v1_dec2_20190214122422000.xml").write_text(
        _dec_response("1", seq2, "申报单位海关编码不存在"), encoding="utf-8")
    events, refused = _read(tmp_path, ledger)
    assert refused == []
    assert _rows(events) == [
        ("CN_DEC_REJECTED", "2019-02-14T04:24:22+00:00", seq2, "1", SID, 1, "申报单位海关编码不存在"),
        ("CN_DEC_STORED", "2019-02-14T04:24:21.429000+00:00", "531620191000012345", "0", SID, 1, None)]
    assert ledger.apply_events(events).status_changed == {SID: "rejected"}


def test_our_file_put_back_in_failbox_was_not_sent(tmp_path: Path, ledger: Ledger) -> None:
    bounced = _inbox(tmp_path, "Rmft", "FailBox") / OUR_FILE.replace(".xml", ".zip")
    bounced.write_bytes(b"PK\x03\x04")
    events, refused = _read(tmp_path, ledger)
    assert refused == []
    [(event_type, _, reference, code, sid, version, _)] = _rows(events)
    assert (event_type, reference, code, sid, version) == ("CN_MANIFEST_REJECTED", OUR_FILE, None, SID, 1)
    assert events["detail"].tolist() == ["The China Single Window client put the file in FailBox: it was not sent."]
    assert events["occurred_at"].iloc[0] == pd.Timestamp(datetime.fromtimestamp(bounced.stat().st_mtime, AS_OF.tzinfo))


def test_unreadable_or_unmatched_receipts_are_refused_with_one_sentence_each(tmp_path: Path, ledger: Ledger) -> None:
    inbox = _inbox(tmp_path)
    (inbox / "Receipt_broken.xml").write_text("<Manifest><Head>", encoding="utf-8")
    (inbox / "Receipt_other.xml").write_text("<Receipt><MessageID>x</MessageID></Receipt>", encoding="utf-8")
    (inbox / "Receipt_xxe.xml").write_text(
        '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY e SYSTEM "file:///etc/passwd">]><Manifest><Response>&e;'
        "</Response></Manifest>", encoding="utf-8")
    (inbox / TECHNICAL.replace("2019021210203040009", "2019021210203040109")).write_bytes(
        _sample("技术回执").read_bytes())
    stranger = _sample("业务回执（海关通过）").read_text(encoding="utf-8").replace(
        "EPORT_MT1401_2019021210203040009", "EPORT_MT1401_2019021210203040109").replace(BATCH, "5345201902999")
    (inbox / "Receipt_stranger.xml").write_text(stranger, encoding="utf-8")
    (_inbox(tmp_path, "Deccus001") / f"Successed_{SID}_v1_dec9_20190214122421429.xml").write_text(
        _dec_response("0", "R2BQWKKYAJMWZ00109"), encoding="utf-8")
    (inbox / ".Receipt_half.xml.tmp").write_text("<Manif", encoding="utf-8")   # the client still writing
    events, refused = _read(tmp_path, ledger)
    assert events.empty
    assert refused == [
        f"Deccus001/InBox/Successed_{SID}_v1_dec9_20190214122421429.xml answers ClientSeqNo 'R2BQWKKYAJMWZ00109', "
        "which no declaration ssdd delivered carries; expected the 18-character 企业内部编号 of a filed declaration.",
        "Rmft/InBox/Receipt_broken.xml is not a readable XML receipt (Premature end of data in tag Head line 1, "
        "line 1, column 17); expected a Successed_/Failed_ technical receipt, a Receipt_ business receipt or a "
        "DecImportResponse.",
        "Rmft/InBox/Receipt_other.xml has root element <Receipt>; expected a road manifest receipt <Manifest> "
        "with a <Response>, or a declaration receipt <DecImportResponse>.",
        "Rmft/InBox/Receipt_stranger.xml answers Head/MessageID 'EPORT_MT1401_2019021210203040109' and batch "
        "number '5345201902999', which name no message ssdd delivered; expected a MessageID "
        "MT…_<submission id>_V<version>_F<code> or EPORT_<MT>_<time of our file name>, or the batch number "
        "(货物运输批次号) of a filed trip.",
        "Rmft/InBox/Receipt_xxe.xml carries a DOCTYPE declaration, which receipts may not have; expected a plain "
        "XML receipt.",
        "Rmft/InBox/Successed_CN_MT1401_1p0_5345766374655_2019021210203040109_20190214122421429943119.xml answers "
        "CN_MT1401_1p0_5345766374655_2019021210203040109.xml, which is not a file ssdd delivered; expected the "
        "name of a road message in a filed version's outputs."]


def test_a_business_receipt_without_our_message_id_falls_back_to_the_batch_number(tmp_path: Path,
                                                                                 ledger: Ledger) -> None:
    text = _sample("业务回执（海关通过）").read_text(encoding="utf-8").replace(
        "EPORT_MT1401_2019021210203040009", "EPORT_MT1401_2019021210203049999")
    (_inbox(tmp_path) / "Receipt_batch.xml").write_text(text, encoding="utf-8")
    events, refused = _read(tmp_path, ledger)
    assert refused == []
    assert events["submission_id"].tolist() == [SID, SID]
    assert events["version"].isna().all()   # the ledger takes the version filed at or before the receipt
    ledger.apply_events(events)
    assert ledger.events(SID)["version"].tolist() == [1, 1]


def test_the_nightly_responses_step_reads_the_client_folders_into_the_ledger_and_analytics(
        tmp_path: Path, ledger: Ledger) -> None:
    from flows.tasks import responses_task
    from transforms.plumbing.settings import Settings

    sw = tmp_path / "ImpPath"
    shutil.copy(_sample("技术回执"), _inbox(sw) / TECHNICAL)
    src = _sample("业务回执（海关通过）")
    shutil.copy(src, _inbox(sw) / src.name.split("-", 1)[1])
    (_inbox(sw) / "Receipt_junk.xml").write_text("not xml", encoding="utf-8")
    settings = Settings(inbox=tmp_path / "inbox", workspace=tmp_path, cn_delivery="single_window",
                        single_window_dir=sw)
    summary = responses_task.fn(settings, AS_OF, "run-2")
    assert ledger.status(SID) == "accepted"
    assert sorted(ledger.events(SID)["event_type"]) == ["CN_CHANNEL_RECEIVED", "CN_MANIFEST_ACCEPTED",
                                                        "CN_MANIFEST_ACCEPTED"]
    assert (summary["files_rejected"], summary["analytics_events_appended"]) == (1, 3)
    assert [r["reason"] for r in summary["rejected"]] == [
        "Rmft/InBox/Receipt_junk.xml is not a readable XML receipt (Start tag expected, '<' not found, line 1, "
        "column 1); expected a Successed_/Failed_ technical receipt, a Receipt_ business receipt or a "
        "DecImportResponse."]
