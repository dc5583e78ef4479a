"""No driver's name in clear outside the filings and the trader's own workbook: not in analytics,
Data Docs, summary.json, the ledger, the terminal or a crash's log record."""

from __future__ import annotations

import gzip
import logging
import shutil
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from flows.logs import RunRecordFilter
from transforms.plumbing.personal import PERSONAL_MASK, mask_personal, remember_personal
from transforms.plumbing.redact import redact

REPO = Path(__file__).resolve().parents[2]
AS_OF = "2026-11-25T20:00:00+08:00"
NAME = "Xanthippe Quorrendale"


def _workspace_files(ws: Path) -> list[Path]:
    """Every file ssdd wrote, except the filings, the trader's own workbooks and the trader's stored
    copy of the trip plan (store/<trader>/, the inbox's carried copy that files a later night)."""
    allowed = (ws / "outbox", ws / "quarantine" / "acme", ws / "store" / "acme")
    return [p for p in ws.rglob("*") if p.is_file() and not any(p.is_relative_to(a) for a in allowed)]


def _plain(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def test_a_drivers_name_stays_in_the_trader_workbook(tmp_path: Path, run_flow: Any) -> None:
    inbox, ws = tmp_path / "inbox", tmp_path / "ws"
    shutil.copytree(REPO / "data" / "samples" / "inbox", inbox)
    plan = inbox / "acme" / "trip_plan.csv"
    # a control character in the driver's name: V21 holds the trip and quotes the name, escaped
    plan.write_text(plan.read_text(encoding="utf-8-sig").replace("黃志強", f"{NAME}\x07"), encoding="utf-8-sig")
    summary = run_flow(inbox, ws, AS_OF)
    held = next(s for s in summary.submissions if s.trip_ref == "AC-T101")
    assert held.status == "held"
    assert held.reasons == [f"acme/trip_plan.csv row 2, column driver_name: driver_name {PERSONAL_MASK} contains a "
                            "control character or a character XML 1.0 forbids."]
    files = _workspace_files(ws)
    assert any(p.suffix == ".parquet" and "findings" in p.parts for p in files)
    assert any(p.name == "summary.json" for p in files) and any(p.name == "ledger.sqlite" for p in files)
    assert any("transport" in p.parts and p.suffix == ".html" for p in files)     # Data Docs
    for part in ("Quorrendale", "Xanthippe"):
        leaks = [p.relative_to(ws) for p in files if part.encode() in _plain(p)]
        assert not leaks, leaks
    # the trader's own error list keeps it, to fix the cell
    twin = (ws / "quarantine" / "acme" / "trip_plan.csv.errors.csv").read_text(encoding="utf-8-sig")
    assert NAME in twin


def test_a_crash_quoting_a_drivers_name_is_redacted_in_the_log() -> None:
    remember_personal(["Zebulon Farquharson"])
    try:
        raise KeyError("Zebulon Farquharson")
    except KeyError:
        record = logging.LogRecord("prefect.flow_runs", logging.ERROR, __file__, 1,
                                   "internal error while checking trip T9: %s", ("'Zebulon Farquharson'",),
                                   sys.exc_info())
    RunRecordFilter().filter(record)
    assert record.getMessage() == "internal error while checking trip T9: '[redacted]'"
    assert "Farquharson" not in (record.exc_text or "") and "KeyError" in (record.exc_text or "")
    remember_personal(["Yolanda Quiggle\x07"])   # also as a message escapes its control character
    assert redact("drivers Zebulon Farquharson and Yolanda Quiggle\\u0007 on T9") == \
        "drivers [redacted] and [redacted] on T9"


def test_findings_quoting_a_drivers_code_under_any_header_are_masked() -> None:
    remember_personal(["D440300789"])
    findings = pd.DataFrame([{"src_column": "車牌/司機編號", "value": "D44O300789", "message_en": "'D44O300789' bad",
                              "message_zh": "「D44O300789」"},
                             {"src_column": "備註", "value": "D440300789", "message_en": "note 'D440300789'",
                              "message_zh": "x"},
                             {"src_column": "qty", "value": "x", "message_en": "'x' is not a number",
                              "message_zh": ""}])
    out = mask_personal(findings)
    assert out["message_en"].tolist() == [f"'{PERSONAL_MASK}' bad", f"note '{PERSONAL_MASK}'", "'x' is not a number"]
    assert out["value"].tolist() == [PERSONAL_MASK, PERSONAL_MASK, "x"]
