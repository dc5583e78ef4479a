"""What the ledger tells the rest of the house about submissions: status, history, current filing.

Reads only, each one SELECT (or a few for :meth:`SubmissionLookups.current`); reports, the CLI, the
simulator and the China Single Window receipts read filings through these, never through SQL of
their own, so the schema stays the ledger's business.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from transforms.filing.ledger.connection import LedgerConnection
from transforms.filing.ledger.values import from_iso


class SubmissionLookups(LedgerConnection):
    """Reading submissions and their versions as recorded."""

    def status(self, submission_id: str) -> str | None:
        rows = self._rows("SELECT status FROM submissions WHERE submission_id = ?", (submission_id,))
        return str(rows[0]["status"]) if rows else None

    def history(self, submission_id: str) -> list[dict[str, Any]]:
        """Every version row (filed, held, cancelled) in the order recorded; never rewritten."""
        rows = self._rows("SELECT version, function_code, content_hash, status, run_id, as_of, outputs, "
                          "reasons, created_at FROM versions WHERE submission_id = ? ORDER BY seq",
                          (submission_id,))
        return [{**dict(r), "as_of": from_iso(r["as_of"]), "created_at": from_iso(r["created_at"]),
                 "outputs": json.loads(r["outputs"]), "reasons": json.loads(r["reasons"])} for r in rows]

    def current(self, submission_id: str) -> dict[str, Any] | None:
        """The submission row plus traders, CCRNs, batch number and its current version's outputs."""
        rows = self._rows("SELECT * FROM submissions WHERE submission_id = ?", (submission_id,))
        if not rows:
            return None
        out: dict[str, Any] = dict(rows[0])
        for key in ("expected_crossing_at", "created_at", "updated_at"):
            out[key] = from_iso(out[key])
        out["traders"] = [r[0] for r in self._rows(
            "SELECT trader FROM submission_traders WHERE submission_id = ? ORDER BY trader",
            (submission_id,))]
        refs = self._rows("SELECT scheme, value FROM submission_refs WHERE submission_id = ? "
                          "ORDER BY recorded_at, value", (submission_id,))
        out["ccrns"] = [r["value"] for r in refs if r["scheme"] == "CCRN"]
        out["ccrn"] = out["ccrns"][-1] if out["ccrns"] else None
        batches = [r["value"] for r in refs if r["scheme"] == "CN_TRIP_BATCH"]
        out["cn_trip_batch_no"] = batches[-1] if batches else None
        version = self._rows("SELECT function_code, outputs, as_of FROM versions WHERE submission_id = ? "
                             "AND version = ? AND status <> 'held'", (submission_id, out["current_version"]))
        out["function_code"] = version[0]["function_code"] if version else None
        out["outputs"] = json.loads(version[0]["outputs"]) if version else {}
        out["filed_at"] = from_iso(version[0]["as_of"]) if version else None
        return out

    def filed(self) -> pd.DataFrame:
        """Current filings (not held, not cancelled): one row per submission, for the simulator/reports.

        ``trader`` joins a shared truck's traders with ``;`` (sorted); ``filed_at`` is the as-of of the
        current version; ``ccrn`` the latest CCRN customs issued, if any.
        """
        rows = self._rows(
            "SELECT s.submission_id, s.current_version AS version, v.function_code, "
            "s.current_hash AS content_hash, s.status, "
            "(SELECT group_concat(trader, ';') FROM (SELECT trader FROM submission_traders t "
            " WHERE t.submission_id = s.submission_id ORDER BY trader)) AS trader, "
            "s.carrier_code, s.trip_ref, s.direction, s.control_point, s.expected_crossing_at, "
            "v.as_of AS filed_at, "
            "(SELECT value FROM submission_refs r WHERE r.submission_id = s.submission_id "
            " AND scheme = 'CCRN' ORDER BY recorded_at DESC, value DESC LIMIT 1) AS ccrn, "
            "(SELECT value FROM submission_refs r WHERE r.submission_id = s.submission_id "
            " AND scheme = 'CN_TRIP_BATCH' ORDER BY recorded_at DESC, value DESC LIMIT 1) AS cn_trip_batch_no "
            "FROM submissions s JOIN versions v ON v.submission_id = s.submission_id "
            "AND v.version = s.current_version AND v.status = 'filed' "
            "WHERE s.status NOT IN ('held', 'cancelled') ORDER BY s.expected_crossing_at, s.submission_id")
        columns = ["submission_id", "version", "function_code", "content_hash", "status", "trader",
                   "carrier_code", "trip_ref", "direction", "control_point", "expected_crossing_at", "filed_at",
                   "ccrn", "cn_trip_batch_no"]
        frame = pd.DataFrame([dict(r) for r in rows], columns=columns)
        for col in ("expected_crossing_at", "filed_at"):
            frame[col] = pd.to_datetime(frame[col], utc=True, format="ISO8601").astype("datetime64[us, UTC]")
        frame["version"] = frame["version"].astype("Int64")
        return frame

    def delivered_outputs(self) -> list[tuple[str, int, dict[str, str], str | None]]:
        """``(submission_id, version, outputs, batch number)`` of every version that wrote files (filed,
        amended or cancelled; not held), for matching China Single Window receipts to what they answer
        (:func:`transforms.filing.receipts.receipt_index`). One SELECT; older versions are kept because a
        receipt may answer one after the next is filed."""
        rows = self._rows(
            "SELECT v.submission_id, v.version, v.outputs, "
            "(SELECT value FROM submission_refs r WHERE r.submission_id = v.submission_id "
            " AND scheme = 'CN_TRIP_BATCH' ORDER BY recorded_at DESC, value DESC LIMIT 1) AS batch "
            "FROM versions v WHERE v.status <> 'held' AND v.outputs <> '{}' ORDER BY v.submission_id, v.seq")
        return [(str(r["submission_id"]), int(r["version"]), json.loads(r["outputs"]), r["batch"]) for r in rows]
