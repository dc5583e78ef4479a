"""The run summary (architecture.md "Contracts other tools rely on") and per-file reconciliation."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast

import pandas as pd

from transforms.filing.submissions import FilingResult
from transforms.model.faults import InternalError
from transforms.model.inputs import FileReport

COUNT_FIELDS = ("rows_in", "rows_filed", "rows_quarantined", "rows_ignored", "rows_pending", "rows_superseded",
                "rows_reference")


@dataclass
class SubmissionEntry:
    submission_id: str
    trader: str
    trip_ref: str
    direction: str
    control_point: str | None
    status: str
    version: int
    invoices: list[str]
    reasons: list[str] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass
class RunSummary:
    run_id: str
    as_of: str
    status: str
    files: list[FileReport]
    submissions: list[SubmissionEntry]
    pending: list[dict[str, Any]] = field(default_factory=list)
    data_docs: str | None = None
    quarantine_reports: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    peak_rss_mb: dict[str, int] = field(default_factory=dict)   # the main process's peak in each stage
    flagged: list[dict[str, str]] = field(default_factory=list)
    goods_lines: int = 0
    #: batches of traders the night was filed in (settings.batch_lines); timings are summed over them
    batches: int = 1
    #: customs responses read this run: inbox, counts, and every refused row with its reason
    responses: dict[str, Any] = field(default_factory=dict)
    #: unexpected exceptions the night survived, each holding only what it touched (transforms.model.faults)
    internal_errors: list[InternalError] = field(default_factory=list)

    def to_json(self) -> str:
        doc = {
            "run_id": self.run_id, "as_of": self.as_of, "status": self.status,
            "files": [{k: v for k, v in asdict(f).items()} for f in self.files],
            "submissions": [asdict(s) for s in self.submissions],
            "pending": self.pending,
            "flagged": self.flagged,
            "data_docs": self.data_docs,
            "quarantine_reports": self.quarantine_reports,
            "totals": self.totals(),
            "timings_s": self.timings,
            "peak_rss_mb_per_stage": self.peak_rss_mb,
            "goods_lines": self.goods_lines,
            "batches": self.batches,
            "responses": self.responses,
            "internal_errors": [e.to_json() for e in self.internal_errors],
        }
        return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=False) + "\n"

    def totals(self) -> dict[str, int]:
        out = {k: sum(getattr(f, k) for f in self.files) for k in COUNT_FIELDS}
        out["files_read"] = sum(f.status == "read" for f in self.files)
        out["files_refused"] = sum(f.status == "refused" for f in self.files)
        for status in ("filed", "amended", "unchanged", "held", "cancelled"):
            out[f"submissions_{status}"] = sum(s.status == status for s in self.submissions)
        out["internal_errors"] = len(self.internal_errors)
        return out

    def file_table(self) -> list[dict[str, Any]]:
        """One row per file with its counts (the run's table in the Prefect UI)."""
        return [{"file": f.path, "status": f.status, "in": f.rows_in, "filed": f.rows_filed,
                 "quarantined": f.rows_quarantined, "ignored": f.rows_ignored, "pending": f.rows_pending,
                 "superseded": f.rows_superseded, "reference": f.rows_reference} for f in self.files]

    def trader_table(self) -> list[dict[str, Any]]:
        """Per trader: rows quarantined and trips held (a shared truck's hold counts for each of its traders)."""
        files = self.files
        quarantined = {r: sum(f.rows_quarantined for f in files if f.trader == r) for r in {f.trader for f in files}}
        return [{"trader": t, "rows_quarantined": n,
                 "held_trips": sum(1 for s in self.submissions if s.status == "held" and t in s.trader.split(","))}
                for t, n in sorted(quarantined.items())]

    @property
    def attention(self) -> bool:
        """Whether anything waits for a person: a refused file, a quarantined row, a held trip or an
        internal error (what ``--fail-on-quarantine`` exits 3 for)."""
        t = self.totals()
        return bool(t["files_refused"] or t["rows_quarantined"] or t["submissions_held"] or self.internal_errors)


def traders_of_trips(consignments: pd.DataFrame) -> dict[str, str]:
    """Trader ids per submission, joined with ',' (a shared truck carries several)."""
    if consignments.empty:
        return {}
    return {str(k): ",".join(sorted({str(t) for t in v}))
            for k, v in consignments.groupby("submission_id")["trader"]}


def submission_entries(frames: Mapping[str, pd.DataFrame], results: Sequence[FilingResult],
                       traders: Mapping[str, str]) -> list[SubmissionEntry]:
    """One summary entry per trip filing decided on: its trip, traders, invoices and outcome."""
    subs = frames["submissions"]
    # plain dicts: one .loc per trip costs seconds on a 40,000-trip night
    trip = dict(zip(subs["submission_id"].astype(str), zip(subs["trip_ref"].astype(str), subs["direction"].astype(str),
                                                            subs["control_point"], strict=True), strict=True))
    cons = frames["consignments"]
    invoices = cons.groupby("submission_id")["invoice_no"].agg(lambda v: sorted({str(x) for x in v})).to_dict() \
        if not cons.empty else {}
    out = []
    for r in results:
        trip_ref, direction, cp = trip[r.submission_id]
        out.append(SubmissionEntry(
            submission_id=r.submission_id, trader=traders[r.submission_id], trip_ref=trip_ref, direction=direction,
            control_point=None if pd.isna(cp) else str(cp),
            status=r.status, version=r.version, invoices=invoices.get(r.submission_id, []),
            reasons=r.reasons, outputs=r.outputs))
    return out


def pending_invoices(line_states: pd.DataFrame) -> list[dict[str, Any]]:
    """Per (trader, invoice) with lines left pending: how many, and why (the first line's reason)."""
    if line_states.empty:
        return []
    p = line_states[line_states["state"] == "pending"]
    return [{"trader": str(t), "invoice_no": str(i), "lines": len(g), "reason": str(g["reason"].iloc[0])}
            for (t, i), g in p.groupby(["trader", "invoice_no"], sort=True)]


def run_status(unreconciled: Sequence[str], internal_errors: Sequence[InternalError]) -> str:
    """``unreconciled`` (a product defect in the counts), ``completed_with_errors`` (the night went on
    past internal errors, holding what they touched) or ``completed``."""
    if unreconciled:
        return "unreconciled"
    return "completed_with_errors" if internal_errors else "completed"


def count_lines(files: list[FileReport], line_states: pd.DataFrame, results: Sequence[FilingResult]) -> None:
    """Fill each commercial file's buckets from the line states and the filing outcome.

    A line of a held submission is quarantined; a line of a filed, amended or unchanged submission
    is filed (it is on record in the ledger).
    """
    if line_states.empty:
        return
    outcome = {r.submission_id: r.status for r in results}
    st = line_states.copy()
    sub_status = st["submission_id"].map(lambda s: outcome.get(s) if isinstance(s, str) else None)
    bucket = st["state"].map({"pending": "rows_pending", "superseded": "rows_superseded",
                              "quarantined": "rows_quarantined"})
    assembled = st["state"] == "assembled"
    bucket = bucket.where(~assembled, sub_status.map(
        lambda s: "rows_quarantined" if s == "held" else "rows_filed" if s else "rows_quarantined"))
    st["bucket"] = bucket
    counts = st.groupby(["src_file", "bucket"]).size()
    by_path = {f.path: f for f in files}
    for key, n in counts.items():
        path, name = (str(k) for k in cast(tuple[str, str], key))
        report = by_path.get(path)
        if report is None:
            # lines carried over from an earlier night's file that is no longer in the inbox
            report = FileReport(str(path), str(st.loc[st["src_file"] == path, "trader"].iloc[0]), status="carried")
            by_path[str(path)] = report
            files.append(report)
        if report.status == "carried":
            report.rows_in += int(n)
        setattr(report, str(name), getattr(report, str(name)) + int(n))


def check_reconciled(files: Sequence[FileReport]) -> list[str]:
    """One sentence per file whose buckets do not add up (a product defect, reported loudly)."""
    bad = []
    for f in files:
        if f.status == "read" and not f.reconciles():
            parts = " + ".join(f"{k}={getattr(f, k)}" for k in COUNT_FIELDS[1:])
            bad.append(f"{f.path}: rows_in={f.rows_in} but {parts}")
    return bad


def write_json_atomic(path: Path, text: str) -> None:
    from transforms.plumbing.atomic import write_atomic

    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text.encode("utf-8"), None)
