"""The hand-written clearance case: four filed trips, one held trip, and a response file with known timings.

Every expected figure below is worked out by hand from the CSV in :data:`RESPONSES_CSV` (Hong Kong
time, 2026-11-25, a Wednesday); none comes from the simulator.

Times (HK): filed -> HK acceptance / CN acceptance; CN ARRIVED -> 11; HK ARRIVED -> RELEASED.

- T1 LMC acme ch.84: filed 08:00, crossing 14:00; HK 08:05, CN 08:10; CN 14:10 -> 14:50 = 40; HK 15:00 -> 15:12 = 12
- T2 LMC mingfai ch.61: filed 08:00, crossing 16:00; HK 08:03, CN 08:04; CN 16:20 -> 17:20 = 60; HK 17:30, no release
- T3 HYW acme ch.84: v1 08:00 rejected by CN (03) 08:06, v2 re-filed 10:00, crossing 14:30; HK 10:04, CN 10:02;
  CN 15:00 -> 15:20 = 20; HK 15:30 -> 15:36 = 6
- T4 LMC mingfai ch.61: filed 08:00, crossing 17:30; HK 08:10, CN 08:07; CN 18:00 -> 19:40 = 100; HK 19:55, no release
- T5 LMC acme: held (errors V07, V22), never filed
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from transforms.analytics.dataset import append_events, append_tables
from transforms.filing.ledger import Ledger
from transforms.filing.responses import read_responses
from transforms.model.identity import submission_id_for
from transforms.plumbing.personal import hasher

HKT = timezone(timedelta(hours=8))
DAY = (2026, 11, 25)
DRIVER = "Chan Tai Man"
DRIVER_PHONE = "+852 9123 4567"
PII_KEY = "test-key-0123456789abcdef"


def hk(hh: int, mm: int) -> datetime:
    return datetime(*DAY, hh, mm, tzinfo=HKT)


TRIPS: dict[str, dict[str, Any]] = {
    "T1": {"cp": "LMC", "trader": "acme", "hs": "84713000", "crossing": hk(14, 0)},
    "T2": {"cp": "LMC", "trader": "mingfai", "hs": "61091000", "crossing": hk(16, 0)},
    "T3": {"cp": "HYW", "trader": "acme", "hs": "84715000", "crossing": hk(14, 30)},
    "T4": {"cp": "LMC", "trader": "mingfai", "hs": "61099000", "crossing": hk(17, 30)},
}
SID = {t: submission_id_for("CARR01", t, "HK_IMPORT") for t in [*TRIPS, "T5"]}
CN_REASON = "承运人代码未备案 / carrier code is not registered"

RESPONSES_CSV = f"""submission_id,reference,side,event,occurred_at,detail,version
{SID['T1']},,HK,ACI_ACCEPTED,2026-11-25T08:05:00+08:00,,
{SID['T1']},CCRN0001,HK,CCRN_ISSUED,2026-11-25T08:06:00+08:00,,
{SID['T1']},,CN,01,2026-11-25T08:10:00+08:00,,
{SID['T2']},,HK,ACI_ACCEPTED,2026-11-25T08:03:00+08:00,,
{SID['T2']},CCRN0002,HK,CCRN_ISSUED,2026-11-25T08:04:00+08:00,,
{SID['T2']},,CN,01,2026-11-25T08:04:00+08:00,,
{SID['T3']},,HK,ACI_ACCEPTED,2026-11-25T08:02:00+08:00,,1
{SID['T3']},,CN,03,2026-11-25T08:06:00+08:00,{CN_REASON},1
{SID['T3']},,CN,01,2026-11-25T10:02:00+08:00,,2
{SID['T3']},,HK,ACI_ACCEPTED,2026-11-25T10:04:00+08:00,,2
{SID['T3']},CCRN0003,HK,CCRN_ISSUED,2026-11-25T10:05:00+08:00,,2
{SID['T4']},,CN,1,2026-11-25T08:07:00+08:00,,
{SID['T4']},,HK,ACI_ACCEPTED,2026-11-25T08:10:00+08:00,,
{SID['T4']},CCRN0004,HK,CCRN_ISSUED,2026-11-25T08:11:00+08:00,,
{SID['T1']},,CN,ARRIVED,2026-11-25T14:10:00+08:00,,
{SID['T1']},,CN,11,2026-11-25T14:50:00+08:00,,
,CCRN0001,HK,ARRIVED,2026-11-25T15:00:00+08:00,,
,CCRN0001,HK,RELEASED,2026-11-25T15:12:00+08:00,,
{SID['T3']},,CN,ARRIVED,2026-11-25T15:00:00+08:00,,
{SID['T3']},,CN,11,2026-11-25T15:20:00+08:00,,
,CCRN0003,HK,ARRIVED,2026-11-25T15:30:00+08:00,,
,CCRN0003,HK,RELEASED,2026-11-25T15:36:00+08:00,,
{SID['T2']},,CN,ARRIVED,2026-11-25T16:20:00+08:00,,
{SID['T2']},,CN,11,2026-11-25T17:20:00+08:00,,
,CCRN0002,HK,ARRIVED,2026-11-25T17:30:00+08:00,,
{SID['T4']},,CN,ARRIVED,2026-11-25T18:00:00+08:00,,
{SID['T4']},,CN,11,2026-11-25T19:40:00+08:00,,
,CCRN0004,HK,ARRIVED,2026-11-25T19:55:00+08:00,,
{SID['T4']},,CN,11,2026-11-25T19:40:00+08:00,,
{SID['T4']},,CN,ARRIVED,2026-11-25 18:00,,
"""
#: The last two rows: an exact duplicate (stored once) and a time without a zone (refused).

# Expected values, minutes (quantiles: linear interpolation between closest ranks).
CN_CLEARANCE = {"T1": 40.0, "T2": 60.0, "T3": 20.0, "T4": 100.0}
HK_CLEARANCE = {"T1": 12.0, "T3": 6.0}  # T2 and T4: Hong Kong sent no release
LEAD_TIME = {"T1": 360.0, "T2": 480.0, "T3": 270.0, "T4": 570.0}
HK_ACCEPTANCE = {"T1": 5.0, "T2": 3.0, "T3": 4.0, "T4": 10.0}
CN_ACCEPTANCE = {"T1": 10.0, "T2": 4.0, "T3": 2.0, "T4": 7.0}
LMC_CN = {"p50": 60.0, "p90": 92.0, "p99": 99.2}  # [40, 60, 100]
ALL_CN = {"p50": 50.0, "p90": 88.0}               # [20, 40, 60, 100]
TRADER_CN = {"acme": {"p50": 30.0, "p90": 38.0}, "mingfai": {"p50": 80.0, "p90": 96.0}}


def _frames(trips: list[str], version: int, function_code: str, created_at: datetime) -> dict[str, pd.DataFrame]:
    subs, cons, goods, transport = [], [], [], []
    for t in trips:
        spec, sid = TRIPS[t], SID[t]
        key = {"submission_id": sid, "version": version}
        subs.append({**key, "function_code": function_code, "direction": "HK_IMPORT", "mode": "3",
                     "control_point": spec["cp"], "trip_ref": t, "carrier_code": "CARR01",
                     "expected_crossing_at": spec["crossing"], "crossing_date": spec["crossing"].date(),
                     "created_at": created_at, "content_hash": f"hash-{t}-{version}",
                     "source_files": [f"{spec['trader']}/trip_plan.csv abc"]})
        cons.append({**key, "consignment_seq": 1, "trader": spec["trader"], "invoice_no": f"INV-{t}",
                     "total_packages_qty": 10, "total_packages_type": "CT", "package_description": "cartons",
                     "gross_mass_kg": 120.5, "invoice_amount_value": 1000.0, "invoice_amount_currency": "HKD"})
        goods.append({**key, "consignment_seq": 1, "line_no": 1, "trader": spec["trader"], "invoice_no": f"INV-{t}",
                      "hs_hk": spec["hs"], "hs_cn": spec["hs"] + "00", "quantity_value": 5.0, "quantity_unit": "H87",
                      "line_amount_value": 1000.0, "line_amount_currency": "HKD", "country_of_origin": "CN",
                      "cn_declaration_elements": ["品牌", "型号"]})
        if t == "T1":  # a second line: a child table keeps every row of a (submission_id, version)
            goods.append({**goods[-1], "line_no": 2, "hs_hk": "84719000", "hs_cn": "8471900000"})
        transport.append({**key, "vehicle_reg_hk": "AB1234", "driver_name": DRIVER, "driver_phone": DRIVER_PHONE,
                          "driver_cn_code": "D1234567", "driver_hk_id_masked": "A123***(7)", "carrier_code": "CARR01"})
    return {"submissions": pd.DataFrame(subs), "consignments": pd.DataFrame(cons),
            "goods_items": pd.DataFrame(goods), "transport": pd.DataFrame(transport)}


def findings_frame(run_id: str) -> pd.DataFrame:
    return pd.DataFrame([
        {"run_id": run_id, "finding_id": "f1", "submission_id": SID["T5"], "trader": "acme", "rule_id": "V07",
         "severity": "error", "src_file": "acme/goods.xlsx", "src_sheet": "Sheet1", "src_row": 4,
         "src_column": "HS Code", "value": "8471", "message_en": "HS code must have 8 digits",
         "control_point": "LMC", "crossing_date": hk(12, 0).date()},
        {"run_id": run_id, "finding_id": "f2", "submission_id": SID["T5"], "trader": None, "rule_id": "V22",
         "severity": "error", "src_file": "acme/trip_plan.csv", "src_sheet": "", "src_row": 2,
         "src_column": "司机", "value": DRIVER, "message_en": f"driver {DRIVER} has no Mainland driver code",
         "control_point": "LMC", "crossing_date": hk(12, 0).date()},
        {"run_id": run_id, "finding_id": "f3", "submission_id": SID["T2"], "trader": "mingfai", "rule_id": "V12",
         "severity": "warning", "src_file": "mingfai/out.csv", "src_sheet": "", "src_row": 7,
         "src_column": "净重", "value": "0", "message_en": "net mass is zero",
         "control_point": "LMC", "crossing_date": TRIPS["T2"]["crossing"].date()},
    ])


def _record(ledger: Ledger, t: str, version: int, as_of: datetime) -> None:
    spec = TRIPS[t]
    ledger.record_filed(submission_id=SID[t], version=version, function_code="9", content_hash=f"hash-{t}-{version}",
                        run_id=f"run-{version}", as_of=as_of, trader=spec["trader"], carrier_code="CARR01",
                        trip_ref=t, direction="HK_IMPORT", control_point=spec["cp"],
                        expected_crossing_at=spec["crossing"], outputs={})


def build_workspace(workspace: Path) -> dict[str, Any]:
    """Ledger + Parquet dataset of the case, then the response file ingested the way the flow does."""
    root = workspace / "analytics"
    pii = hasher(PII_KEY)
    with Ledger(workspace / "ledger.sqlite") as ledger:
        for t in ("T1", "T2", "T3", "T4"):
            _record(ledger, t, 1, hk(8, 0))
        run1 = append_tables(root, {**_frames(["T1", "T2", "T3", "T4"], 1, "9", hk(8, 0)),
                                    "findings": findings_frame("run-1")}, "run-1", pii=pii)
        _record(ledger, "T3", 2, hk(10, 0))  # re-filed after the Mainland rejection
        run2 = append_tables(root, _frames(["T3"], 2, "9", hk(10, 0)), "run-2", pii=pii)
        inbox = workspace / "inbox"
        (inbox / "_responses").mkdir(parents=True, exist_ok=True)
        (inbox / "_responses" / "responses_202611252000.csv").write_text(RESPONSES_CSV, encoding="utf-8")
        events, rejects = read_responses(inbox, received_at=hk(20, 0))
        outcome = ledger.apply_events(events)
        written = append_events(root, outcome.events, "run-3")
    return {"root": root, "run1": run1, "run2": run2, "events_written": written, "rejects": rejects,
            "outcome": outcome, "inbox": inbox}
