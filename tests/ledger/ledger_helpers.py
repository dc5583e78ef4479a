"""Shared helpers of the ledger tests (imported by conftest and the test modules)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from transforms.filing.ledger import Decision, Ledger
from transforms.filing.responses import event_id_for
from transforms.model.identity import submission_id_for

HKT = timezone(timedelta(hours=8))
AS_OF = datetime(2026, 11, 25, 8, 0, tzinfo=HKT)
CROSSING = datetime(2026, 11, 25, 14, 30, tzinfo=HKT)


def trip_id(trip_ref: str = "T001", carrier: str = "CARR01", direction: str = "HK_IMPORT") -> str:
    return submission_id_for(carrier, trip_ref, direction)


def file_it(ledger: Ledger, sid: str, content_hash: str, *, run_id: str = "run-1", as_of: datetime = AS_OF,
            trip_ref: str = "T001", carrier: str = "CARR01", trader: str = "mingfai",
            control_point: str = "LMC", crossing: datetime = CROSSING, batch: str | None = None) -> Decision:
    """Decide and record a filing the way the flow does (after the files are renamed)."""
    decision = ledger.decide(sid, content_hash)
    if decision.action != "unchanged":
        ledger.record_filed(submission_id=sid, version=decision.version, function_code=decision.function_code,
                            content_hash=content_hash, run_id=run_id, as_of=as_of, trader=trader,
                            carrier_code=carrier, trip_ref=trip_ref, direction="HK_IMPORT",
                            control_point=control_point, expected_crossing_at=crossing,
                            outputs={"hk": f"outbox/hk/{sid}_v{decision.version}.xml"}, cn_trip_batch_no=batch)
    return decision


def event(side: str, event_type: str, at: datetime, *, submission_id: str | None = None,
          reference: str | None = None, version: int | None = None, detail: str | None = None,
          raw: str | None = None) -> dict[str, Any]:
    return {"event_id": event_id_for(submission_id=submission_id, reference=reference, side=side,
                                     event_type=event_type, raw_status_code=raw, occurred_at=at, detail=detail,
                                     version=version),
            "submission_id": submission_id, "reference": reference, "side": side, "event_type": event_type,
            "occurred_at": at, "version": version, "detail": detail, "raw_status_code": raw,
            "source": "_responses/test.csv", "received_at": AS_OF}
