"""The Hong Kong trader's error workbook shows the Big5-HKSCS file as sent, not re-decoded as GB18030."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from tests.families import fixtures
from transforms.filing.quarantine import publish_reports, report_jobs
from transforms.ingest.folders import ingest_trader
from transforms.ingest.profiles.registry import load_profiles
from transforms.model.reference import Reference

REPO = Path(__file__).resolve().parents[2]


def _hk_trader(inbox: Path) -> Path:
    folder = inbox / "hkt"
    folder.mkdir(parents=True)
    settings = (REPO / "data" / "samples" / "inbox" / "acme" / "trader.yaml").read_text(encoding="utf-8")
    settings = settings.replace("trader: acme", "trader: hkt").replace("profile: ssdd_canonical",
                                                                      "profile: hk_trader_invoice")
    (folder / "trader.yaml").write_text(settings, encoding="utf-8")
    return fixtures.hk_trader_csv(folder / "invoice.csv")


def test_big5_hkscs_rows_come_back_in_the_encoding_they_were_read_with(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    _hk_trader(inbox)
    ingest = ingest_trader(inbox / "hkt", inbox, load_profiles(None), Reference.load())
    assert [(f.path, f.status) for f in ingest.files][1:] == [("hkt/invoice.csv", "read")]
    assert ingest.source_encodings == {"hkt/invoice.csv": "big5hkscs"}

    finding = {"rule_id": "V07", "severity": "error", "src_file": "hkt/invoice.csv", "src_sheet": "", "src_row": 2,
               "src_column": "單位", "value": "PCS", "message_en": "hkt/invoice.csv row 2, column 單位: unit.",
               "message_zh": "單位", "submission_id": None}
    jobs = report_jobs(pd.DataFrame([finding]), inbox=inbox, out_dir=tmp_path / "q", trader="hkt",
                       language="zh-Hant", encodings=ingest.source_encodings)
    [book] = publish_reports(jobs)
    rows = [[c.value for c in r] for r in load_workbook(book)["Rows"].iter_rows()]
    assert rows[0][:6] == ["source row / 原行号", "發票編號", "發票日期", "收貨人", "貨品編號", "貨品說明"]
    assert rows[1][:6] == [2, "HK-001", "03/11/2026", "明輝貿易", "L-9", "𨋢零件"]
