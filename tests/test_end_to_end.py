"""`ssdd run` on the shipped sample inbox, as a user runs it: exact values in the three XML files,
reconciled counts in summary.json, an XSD check by a second validator, Parquet read by DuckDB,
and an idempotent re-run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples"
AS_OF = (SAMPLES / "AS_OF").read_text(encoding="utf-8").strip()
SSDD = [sys.executable, "-m", "flows.cli"]
MF_T001 = "812451c5-f99d-58a2-8a54-9e630baaef51"   # uuid5 of (EXLOG, MF-T001, HK_IMPORT)
AC_T101 = "50dcb661-69cc-546f-875c-a464f472f46e"
MF_T002 = "2332f2cf-43f2-5d45-b0a7-c83d4139a851"


def _run(inbox: Path, ws: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    # the broker's identity comes from the workspace's ssdd.toml here, as with `make run`, not from the
    # environment tests/conftest.py sets for the in-process runs
    env = {k: v for k, v in os.environ.items() if k not in ("SSDD_CN_SENDER_ID", "SSDD_CN_TRANSMITTER_NAME")}
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run([*SSDD, "run", "--inbox", str(inbox), "--workspace", str(ws), "--as-of", AS_OF, *extra],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=600)


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("e2e")
    inbox = root / "inbox"
    shutil.copytree(SAMPLES / "inbox", inbox)
    ws = root / "ws"
    ws.mkdir()
    shutil.copy(SAMPLES / "ssdd.toml", ws / "ssdd.toml")   # as `make run` does: the Mainland sender id
    proc = _run(inbox, ws)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summaries = list((ws / "runs").glob("*/summary.json"))
    assert len(summaries) == 1
    return {"inbox": inbox, "ws": ws, "stdout": proc.stdout, "stderr": proc.stderr,
            "summary": json.loads(summaries[0].read_text(encoding="utf-8"))}


def _xml(ws: Path, side: str, sid: str) -> etree._Element:
    return etree.parse(str(ws / "outbox" / side / f"{sid}_v1.xml")).getroot()


def _x(root: etree._Element, path: str) -> list[str]:
    """Texts at a namespace-agnostic path like 'Consignment/TotalPackageQuantity'."""
    steps = "/".join(f"*[local-name()='{s}']" for s in path.split("/"))
    return [str(v).strip() for v in root.xpath(f".//{steps}/text()")]


def test_run_prints_where_outputs_went_and_no_traceback(sample_run: dict[str, Any]) -> None:
    out = sample_run["stdout"]
    assert "outputs:" in out and "quarantine:" in out and "summary:" in out
    assert "Traceback" not in out + sample_run["stderr"]
    books = len(sample_run["summary"]["quarantine_reports"])
    assert books and f"({books} error workbook{'s' if books != 1 else ''})" in " ".join(out.split())
    assert "held MF-T002: Control point HZM has no Mainland customs office code" in out


def test_counts_reconcile_per_file(sample_run: dict[str, Any]) -> None:
    files = {f["path"]: f for f in sample_run["summary"]["files"]}
    kd = files["mingfai/销售出库单_20261125.csv"]
    assert (kd["rows_in"], kd["rows_filed"], kd["rows_quarantined"], kd["rows_ignored"], kd["rows_pending"],
            kd["rows_superseded"], kd["rows_reference"]) == (6, 3, 1, 1, 1, 0, 0)
    assert kd["profile"] == "kingdee_sales_outbound@1" and kd["status"] == "read"
    assert files["acme/goods_lines_20261125.xlsx"]["rows_filed"] == 3
    assert files["mingfai/trip_plan.xlsx"]["rows_reference"] == 2
    assert files["acme/item_master.csv"]["rows_reference"] == 3
    for f in files.values():
        assert f["rows_in"] == sum(f[k] for k in ("rows_filed", "rows_quarantined", "rows_ignored", "rows_pending",
                                                   "rows_superseded", "rows_reference")), f
    assert sample_run["summary"]["status"] == "completed"


def test_submission_statuses_and_reasons(sample_run: dict[str, Any]) -> None:
    subs = {s["trip_ref"]: s for s in sample_run["summary"]["submissions"]}
    assert subs["MF-T001"]["status"] == "filed" and subs["MF-T001"]["version"] == 1
    assert subs["MF-T001"]["invoices"] == ["XS-2611-001", "XS-2611-002"]
    assert subs["MF-T001"]["submission_id"] == MF_T001
    # one file per message, the road messages named as the channel names them (SendTime = as-of 20:00 HK
    # plus the trip's slot: MF-T002 0, AC-T101 1, MF-T001 2, at 2 ms each)
    assert subs["MF-T001"]["outputs"] == {
        "single": f"outbox/single/{MF_T001}_v1.xml", "hk": f"outbox/hk/{MF_T001}_v1.xml",
        "cn_dec_1": f"outbox/cn/dec/{MF_T001}_v1_dec1.xml", "cn_dec_2": f"outbox/cn/dec/{MF_T001}_v1_dec2.xml",
        "cn_manifest": "outbox/cn/rmft/CN_MT2401_1p0_5345766374655_2026112520000000409.xml",
        "cn_conveyance": "outbox/cn/rmft/CN_MT4402_1p0_5345766374655_2026112520000000402.xml"}
    assert subs["AC-T101"]["status"] == "filed" and subs["AC-T101"]["submission_id"] == AC_T101
    held = subs["MF-T002"]
    assert held["status"] == "held" and held["outputs"] == {} and held["submission_id"] == MF_T002
    assert any("HZM has no Mainland customs office code" in r for r in held["reasons"])
    assert not list((sample_run["ws"] / "outbox").rglob(f"{MF_T002}*"))
    pending = sample_run["summary"]["pending"]
    assert pending == [{"trader": "mingfai", "invoice_no": "XS-2611-004", "lines": 1,
                        "reason": "no trip plan lists this invoice yet"}]


def test_hk_filing_values(sample_run: dict[str, Any]) -> None:
    hk = _xml(sample_run["ws"], "hk", MF_T001)
    assert _x(hk, "Consignment/TotalPackageQuantity") == ["18", "10"]
    assert _x(hk, "Consignment/GovernmentAgencyGoodsItem/Commodity/Classification/ID")[:3] == [
        "84713000", "85044019", "85171300"]
    assert _x(hk, "BorderTransportMeans/ModeCode") == ["3"]
    assert _x(hk, "BorderTransportMeans/ID") == ["AB1234"]
    assert "636.000" in _x(hk, "GrossMassMeasure")


def test_mainland_messages_values(sample_run: dict[str, Any]) -> None:
    ws = sample_run["ws"]
    out = {s["trip_ref"]: s["outputs"] for s in sample_run["summary"]["submissions"]}["MF-T001"]
    dec1, dec2 = (etree.parse(str(ws / out[k])).getroot() for k in ("cn_dec_1", "cn_dec_2"))
    assert dec1.tag == "{http://www.chinaport.gov.cn/dec}DecMessage"
    # one declaration per consignment (invoice): its own bill number, the LMC office and port
    assert [_x(d, "DecHead/BillNo") for d in (dec1, dec2)] == [["EXL26112501"], ["EXL26112502"]]
    for d in (dec1, dec2):
        assert _x(d, "DecHead/IEFlag") == ["E"] and _x(d, "DecHead/TrafMode") == ["4"]
        assert _x(d, "DecHead/CustomMaster") == ["5301"] and _x(d, "DecHead/EntyPortCode") == ["470201"]
        assert _x(d, "DecHead/WrapType") == ["22"]
    assert _x(dec1, "DecList/CodeTS") == ["8471300000", "8504401400"]
    assert _x(dec2, "DecList/CodeTS") == ["8517130000"]
    manifest = etree.parse(str(ws / out["cn_manifest"])).getroot()
    assert manifest.tag == "{urn:Declaration:datamodel:standard:CN:MT2401:1}Manifest"
    assert _x(manifest, "Head/FunctionCode") == ["9"] and _x(manifest, "Head/SendTime") == ["20261125200000004"]
    assert _x(manifest, "Declaration/DeclarationOfficeID") == ["5301"]
    assert _x(manifest, "Consignment/TransportContractDocument/ID") == ["EXL26112501", "EXL26112502"]
    assert _x(manifest, "Declaration/BorderTransportMeans/TypeCode") == ["3"]
    conveyance = etree.parse(str(ws / out["cn_conveyance"])).getroot()
    assert _x(conveyance, "Head/MessageType") == ["MT4402"] and _x(conveyance, "Head/FunctionCode") == ["2"]
    assert _x(conveyance, "Declaration/ID") == _x(manifest, "Declaration/ID")   # the same batch number


def test_single_submission_records_provenance(sample_run: dict[str, Any]) -> None:
    single = _xml(sample_run["ws"], "single", MF_T001)
    text = etree.tostring(single, encoding="unicode")
    assert "mingfai/销售出库单_20261125.csv" in text
    assert "kingdee_sales_outbound" in text and "xw_control_point_cn" in text


def test_every_xml_validates_with_xmlschema(sample_run: dict[str, Any]) -> None:
    """An independent validator (Python xmlschema) agrees with the filing's lxml validation."""
    import xmlschema

    from transforms.filing.writers.cn_road import SCHEMA_DIR as ROAD_SCHEMAS
    from transforms.filing.writers.cn_road import schema_file

    def schema(path: Path) -> xmlschema.XMLSchema:
        root = etree.parse(str(path)).getroot()
        if root.tag.endswith("}DecMessage"):
            name = REPO / "data" / "schemas" / "dec-message.xsd"
        elif root.tag.endswith("}Manifest"):
            name = ROAD_SCHEMAS / schema_file(_x(root, "Head/MessageType")[0], _x(root, "Head/FunctionCode")[0])
        else:
            name = REPO / "data" / "schemas" / ("single-submission.xsd" if path.parent.name == "single"
                                                else "hk-filing.xsd")
        return xmlschema.XMLSchema(str(name))

    files = sorted((sample_run["ws"] / "outbox").rglob("*.xml"))
    for path in files:
        schema(path).validate(str(path))
    # 2 filed trips: 2 single submissions, 2 HK filings, 3 declarations, 2 manifests, 2 confirmations
    assert len(files) == 11


def test_every_parquet_table_opens_in_duckdb(sample_run: dict[str, Any]) -> None:
    import duckdb

    root = sample_run["ws"] / "analytics"
    con = duckdb.connect()
    counts = {}
    for table in ("submissions", "consignments", "goods_items", "parties", "transport"):
        glob = str(root / table / "**" / "*.parquet")
        counts[table] = con.execute(f"select count(*) from read_parquet('{glob}', hive_partitioning=true)").fetchone()
    assert counts["submissions"] == (2,)
    assert counts["goods_items"] == (6,)
    assert counts["consignments"] == (3,)


def test_held_trip_has_an_error_workbook(sample_run: dict[str, Any]) -> None:
    from openpyxl import load_workbook

    book = sample_run["ws"] / "quarantine" / "mingfai" / "trip_plan.xlsx.errors.xlsx"
    assert book.is_file()
    wb = load_workbook(book)
    assert wb.sheetnames[0] == "Summary 摘要"
    texts = [str(c.value) for row in wb.worksheets[0].iter_rows() for c in row if c.value]
    assert any("HZM has no Mainland customs office code" in t for t in texts)


def test_rerun_files_nothing_new(sample_run: dict[str, Any]) -> None:
    ws = sample_run["ws"]
    before = sorted(p.name for p in (ws / "outbox").rglob("*.xml"))
    proc = _run(sample_run["inbox"], ws)
    assert proc.returncode == 0, proc.stderr
    latest = max((ws / "runs").glob("*/summary.json"), key=lambda p: p.stat().st_mtime)
    again = json.loads(latest.read_text(encoding="utf-8"))
    assert {s["trip_ref"]: s["status"] for s in again["submissions"]} == {
        "MF-T001": "unchanged", "AC-T101": "unchanged", "MF-T002": "held"}
    assert sorted(p.name for p in (ws / "outbox").rglob("*.xml")) == before


def test_every_filed_sample_trip_passes_the_mainland_writers_preflights(sample_run: dict[str, Any]) -> None:
    """The sample record carries every value the real Mainland messages need: with the sample settings,
    the 报关单, road manifest and conveyance confirmation of each filed trip have nothing to hold."""
    import tomllib
    from datetime import datetime

    from transforms.filing.writers import cn_conveyance, cn_dec, cn_manifest
    from transforms.filing.writers.cn_settings import MainlandSettings
    from transforms.filing.writers.context import WriterContext
    from transforms.model.bundle import load_bundle
    from transforms.model.reference import Reference

    settings = tomllib.loads((SAMPLES / "ssdd.toml").read_text(encoding="utf-8"))
    ctx = WriterContext(reference=Reference.load(), as_of=datetime.fromisoformat(AS_OF),
                        settings=MainlandSettings(cn_sender_id=settings["cn_sender_id"],
                                                  cn_transmitter_name=settings["cn_transmitter_name"]))
    assert settings["cn_sender_id"] == "5345766374655_DXPESW0000001256"
    filed = sorted((sample_run["ws"] / "store" / "filed").glob("*.json.gz"))
    bundles = {b.submission["trip_ref"]: b for b in (load_bundle(p.read_bytes()) for p in filed)}
    assert sorted(bundles) == ["AC-T101", "MF-T001"]
    problems = {trip: [p.message_en for w in (cn_dec, cn_manifest, cn_conveyance) for p in w.preflight(b, ctx)]
                for trip, b in bundles.items()}
    assert problems == {"AC-T101": [], "MF-T001": []}
    # the values that used to hold them, as the messages carry them
    seal = [f"{s['seal_type']}/{s['seal_id']}@{s['sealing_party']}" for s in bundles["MF-T001"].seals]
    assert seal == ["M/SL778899@CA"]
    assert [(e["size_type"], e["tare_kg"]) for e in bundles["MF-T001"].equipment] == [("22G1", 2200)]
    assert [c["cn_bill_no"] for c in bundles["MF-T001"].consignments] == ["EXL26112501", "EXL26112502"]
    assert {g["cn_ciq_code"] for g in bundles["AC-T101"].goods_items} == {"999"}
    assert [t["tare_kg"] for t in bundles["AC-T101"].trailers] == [4600]


GOLDEN = REPO / "tests" / "golden" / "sample"


def test_outputs_match_the_reviewed_golden_files(sample_run: dict[str, Any]) -> None:
    """Byte for byte: the sample inbox and its --as-of always produce these eleven files. Regenerate
    only after reviewing the difference: SSDD_UPDATE_GOLDEN=1 pytest tests/test_end_to_end.py."""
    outbox = sample_run["ws"] / "outbox"
    written = sorted(outbox.rglob("*.xml"))
    assert len(written) == 11
    for path in written:
        relative = path.relative_to(outbox)
        golden = GOLDEN / relative
        if os.environ.get("SSDD_UPDATE_GOLDEN") == "1":
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_bytes(path.read_bytes())
        assert path.read_bytes() == golden.read_bytes(), f"{relative} differs from its golden file"
    assert sorted(p.relative_to(GOLDEN) for p in GOLDEN.rglob("*.xml")) == [p.relative_to(outbox) for p in written]
