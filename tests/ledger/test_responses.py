"""Response files: CSV and XML into EVENTS rows, every refusal with its reason, no XXE."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from tests.ledger.ledger_helpers import AS_OF
from transforms.filing.responses import RowReject, read_response_file, read_responses, xml_parser
from transforms.model.arrow import to_arrow
from transforms.model.canonical import EVENTS

HEADER = "submission_id,reference,side,event,occurred_at,detail\n"
SID = "e75079e4-2783-5210-ace9-7b99501f0880"


def _inbox(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    folder = tmp_path / "inbox" / "_responses"
    folder.mkdir(parents=True)
    for name, content in files.items():
        (folder / name).write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return tmp_path / "inbox"


def test_csv_rows_become_events_with_utc_times_and_mainland_codes_mapped(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path, {"r1.csv": "\ufeff" + HEADER
                              + f"{SID},,HK,ACI_ACCEPTED,2026-11-25T08:03:00+08:00,\n"
                              + ",CCRN0001,HK,arrived,2026-11-25T14:40:00+08:00,\n"
                              + ",CNB0001,CN,01,2026-11-25T00:04:00Z,\n"
                              + f"{SID},,CN,3,2026-11-25T08:05:00+08:00,海关退单：承运人代码未备案\n"
                              + "\n"
                              + ",CNB0001,cn,11,2026-11-25T15:20:00+08:00,\n"})
    events, rejects = read_responses(inbox, received_at=AS_OF)
    assert rejects == []
    assert list(events.columns) == [*EVENTS.names, "src_row"]   # the row each event came from
    assert list(events["event_type"]) == ["ACI_ACCEPTED", "ARRIVED", "CN_MANIFEST_ACCEPTED",
                                          "CN_MANIFEST_REJECTED", "CN_RELEASED"]
    assert list(events["raw_status_code"].fillna("")) == ["", "", "01", "03", "11"]
    assert events.loc[0, "occurred_at"] == datetime(2026, 11, 25, 0, 3, tzinfo=UTC)
    assert events.loc[3, "detail"] == "海关退单：承运人代码未备案"
    assert events.loc[1, "reference"] == "CCRN0001" and events.loc[1, "submission_id"] is None
    assert set(events["source"]) == {"_responses/r1.csv"}
    assert (events["received_at"] == AS_OF).all()
    to_arrow("events", events.drop(columns="src_row"))


def test_the_same_row_in_two_files_has_one_event_id(tmp_path: Path) -> None:
    row = f"{SID},,HK,ACI_ACCEPTED,2026-11-25T08:03:00+08:00,\n"
    same_instant = f"{SID},,HK,ACI_ACCEPTED,2026-11-25T00:03:00Z,\n"
    inbox = _inbox(tmp_path, {"a.csv": HEADER + row, "b.csv": HEADER + same_instant})
    events, _ = read_responses(inbox)
    assert events["event_id"].nunique() == 1 and len(events) == 2


def test_a_time_without_zone_is_refused_naming_file_row_column_value(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path, {"r.csv": HEADER + f"{SID},,HK,ARRIVED,2026-11-25 14:40,\n"})
    events, rejects = read_responses(inbox)
    assert events.empty
    assert rejects == [RowReject(
        "_responses/r.csv", 2, "occurred_at", "2026-11-25 14:40",
        "_responses/r.csv row 2, column occurred_at: '2026-11-25 14:40' has no time zone; expected an ISO 8601 "
        "date-time with an offset, e.g. 2026-11-25T08:00:00+08:00.")]


@pytest.mark.parametrize(("row", "column", "words"), [
    (f"{SID},,XX,ARRIVED,2026-11-25T08:00:00+08:00,", "side", "is not a side; expected HK or CN"),
    (f"{SID},,HK,LANDED,2026-11-25T08:00:00+08:00,", "event", "is not a known HK event"),
    (f"{SID},,CN,99,2026-11-25T08:00:00+08:00,", "event", "is not a known CN event"),
    (",,HK,ARRIVED,2026-11-25T08:00:00+08:00,", "submission_id", "is blank and so is reference"),
    (f"{SID},,HK,ARRIVED,25/11/2026,", "occurred_at", "is not an ISO 8601 date-time"),
])
def test_bad_rows_are_refused_with_a_reason_and_good_rows_kept(tmp_path: Path, row: str, column: str,
                                                               words: str) -> None:
    good = f"{SID},,HK,ACI_ACCEPTED,2026-11-25T08:03:00+08:00,\n"
    inbox = _inbox(tmp_path, {"r.csv": HEADER + good + row + "\n"})
    events, rejects = read_responses(inbox)
    assert len(events) == 1
    assert len(rejects) == 1 and rejects[0].row == 3 and rejects[0].column == column
    assert words in rejects[0].reason and rejects[0].reason.startswith("_responses/r.csv row 3, column ")


def test_files_that_cannot_be_read_are_refused_whole(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path, {"a.csv": "submission_id,side,event\n",
                              "b.csv": (HEADER + "x,,HK,ARRIVED,2026-11-25T08:00:00+08:00,货物\n").encode("gbk"),
                              "c.txt": "hello", ".responses_x.csv.123.tmp": "partial"})
    events, rejects = read_responses(inbox)
    assert events.empty
    reasons = {r.file: r.reason for r in rejects}
    assert "lacks column(s) reference, occurred_at, detail" in reasons["_responses/a.csv"]
    assert "is not UTF-8 text" in reasons["_responses/b.csv"]
    assert "expected a .csv or .xml file" in reasons["_responses/c.txt"]
    assert len(rejects) == 3  # the hidden temp file of a writer in progress is not read


def test_xml_gives_the_same_events_as_csv(tmp_path: Path) -> None:
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<Responses>
  <Response><submission_id>{SID}</submission_id><side>HK</side><event>ACI_ACCEPTED</event>
    <occurred_at>2026-11-25T08:03:00+08:00</occurred_at></Response>
  <!-- a comment between rows -->
  <Response><reference>CNB0001</reference><side>CN</side><event>03</event>
    <occurred_at>2026-11-25T08:05:00+08:00</occurred_at><detail>海关退单</detail><version>2</version></Response>
</Responses>"""
    csv = HEADER.replace("\n", ",version\n") + (f"{SID},,HK,ACI_ACCEPTED,2026-11-25T08:03:00+08:00,,\n"
                                                ",CNB0001,CN,03,2026-11-25T08:05:00+08:00,海关退单,2\n")
    inbox = _inbox(tmp_path, {"r.xml": xml, "r.csv": csv})
    from_xml, rejects = read_response_file(inbox / "_responses" / "r.xml", root=inbox)
    from_csv, _ = read_response_file(inbox / "_responses" / "r.csv", root=inbox)
    assert rejects == []
    assert list(from_xml["event_id"]) == list(from_csv["event_id"])
    assert from_xml.loc[1, "version"] == 2 and from_xml.loc[1, "event_type"] == "CN_MANIFEST_REJECTED"


XXE = """<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Responses><Response><submission_id>S</submission_id><side>HK</side><event>ARRIVED</event>
<occurred_at>2026-11-25T08:00:00+08:00</occurred_at><detail>&x;</detail></Response></Responses>"""


def test_xxe_entity_is_not_expanded(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path, {"evil.xml": XXE})
    events, rejects = read_responses(inbox)
    assert events.empty
    assert len(rejects) == 1 and "DOCTYPE" in rejects[0].reason
    assert "root:" not in repr(rejects)
    # and the parser itself never expands it, even before our DOCTYPE refusal
    tree = etree.fromstring(XXE.encode(), xml_parser())
    assert "root:" not in etree.tostring(tree).decode()
    assert "root:" not in "".join(tree.itertext())


@pytest.fixture
def dtd_server() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'<!ENTITY x "FETCHED">')

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/evil.dtd", hits
    server.shutdown()
    server.server_close()


def test_external_dtd_is_not_fetched(tmp_path: Path, dtd_server: tuple[str, list[str]]) -> None:
    url, hits = dtd_server
    local_dtd = tmp_path / "evil.dtd"
    local_dtd.write_text('<!ENTITY x "FROM-LOCAL-DTD">')
    for n, system_id in enumerate((url, local_dtd.as_uri())):
        doc = (f'<?xml version="1.0"?>\n<!DOCTYPE Responses SYSTEM "{system_id}">\n'
               "<Responses><Response><detail>&x;</detail></Response></Responses>")
        try:
            tree = etree.fromstring(doc.encode(), xml_parser())
            text = etree.tostring(tree).decode()
        except etree.XMLSyntaxError as exc:
            text = str(exc)
        assert "FETCHED" not in text and "FROM-LOCAL-DTD" not in text
        events, rejects = read_responses(_inbox(tmp_path / f"case{n}", {"ext.xml": doc}))
        assert events.empty and len(rejects) == 1
    assert hits == []


def test_wrong_root_and_broken_xml_are_refused(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path, {"a.xml": "<Manifest/>", "b.xml": "<Responses><Response></Responses>"})
    _, rejects = read_responses(inbox)
    reasons = {r.file: r.reason for r in rejects}
    assert "has root element <Manifest>; expected <Responses>" in reasons["_responses/a.xml"]
    assert "is not well-formed XML" in reasons["_responses/b.xml"]


def test_no_responses_folder_is_no_events(tmp_path: Path) -> None:
    events, rejects = read_responses(tmp_path)
    assert events.empty and rejects == [] and list(events.columns) == EVENTS.names


def test_the_examples_in_the_format_document_read_cleanly(tmp_path: Path) -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "responses.md").read_text(encoding="utf-8")
    csv_example = doc.split("```csv\n", 1)[1].split("```", 1)[0]
    xml_example = doc.split("```xml\n", 1)[1].split("```", 1)[0]
    inbox = _inbox(tmp_path, {"example.csv": csv_example, "example.xml": xml_example})
    events, rejects = read_responses(inbox)
    assert rejects == []
    assert len(events) == 7
    assert list(events["event_type"])[-1] == "CN_MANIFEST_REJECTED"
