"""What the night keeps of each batch once its frames are gone, and the workbooks still rendering.

The flow (:mod:`flows.run`) files the night in batches of traders and releases each batch's frames
when it is done; the run summary is built from what :class:`Night` collected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prefect.futures import PrefectFuture

from flows import guarded
from transforms.filing.submissions import FilingResult
from transforms.model import faults
from transforms.model.faults import InternalError
from transforms.model.inputs import Assembly, FileReport
from transforms.ops.summary import RunSummary, SubmissionEntry, pending_invoices, run_status, submission_entries
from transforms.plumbing.runtime import Clock, Handoff


@dataclass
class Night:
    """What the summary keeps of each batch once its frames are gone."""

    submissions: list[SubmissionEntry] = field(default_factory=list)
    pending: list[dict[str, Any]] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    goods_lines: int = 0
    #: GX suite results per batch, merged into one per suite for Data Docs
    gx_batches: list[dict[str, Any]] = field(default_factory=list)
    #: the error workbooks of the batch before, still rendering, and the boxes they read
    workbooks: tuple[PrefectFuture[tuple[list[str], list[InternalError]]], list[Handoff[Any]]] | None = None
    #: unexpected exceptions the night went on past (transforms.model.faults)
    errors: list[InternalError] = field(default_factory=list)

    #: message slots handed out so far (transforms.filing.submissions: each trip's Mainland SendTime and file names)
    message_seq: int = 0

    def number(self, asm: Assembly) -> dict[str, int]:
        """The next message slot for each trip of the batch, in the batch's (deterministic) order."""
        sids = asm.frames["submissions"]["submission_id"].astype(str).tolist()
        seqs = {sid: self.message_seq + i for i, sid in enumerate(sids)}
        self.message_seq += len(sids)
        return seqs

    def keep(self, asm: Assembly, results: list[FilingResult], traders: dict[str, str],
             gx_results: dict[str, Any]) -> None:
        """What the summary needs of a batch, before its frames are released."""
        self.submissions += submission_entries(asm.frames, results, traders)
        self.pending += pending_invoices(asm.line_states)
        self.goods_lines += len(asm.line_states)
        self.gx_batches.append(gx_results)

    def summary(self, run_id: str, as_of: datetime, files: list[FileReport], unreconciled: list[str], clock: Clock,
                batches: int, responses: dict[str, Any], flagged: list[dict[str, str]],
                data_docs: str | None) -> RunSummary:
        """The run summary of the night: its files, what it kept of each batch, and the run-wide stages."""
        return RunSummary(run_id=run_id, as_of=as_of.isoformat(), status=run_status(unreconciled, self.errors),
                          internal_errors=self.errors, files=files, submissions=self.submissions,
                          pending=self.pending,
                          quarantine_reports=self.reports, timings=clock.laps, peak_rss_mb=clock.peak_rss_mb,
                          goods_lines=self.goods_lines, responses=responses, flagged=flagged, batches=batches,
                          data_docs=data_docs)

    def fail(self, *errors: InternalError) -> None:
        """Keep each error for the summary and log its sentence with the traceback (and the run id)."""
        for error in errors:
            self.errors.append(error)
            faults.report(error)

    def collect_workbooks(self) -> bool:
        """Wait for the batch before's error workbooks, then release what they read; False when
        there were none to wait for."""
        if self.workbooks is None:
            return False
        future, boxes = self.workbooks
        self.workbooks = None
        try:
            self.reports += guarded.workbooks(future, self.fail)
        finally:
            for box in boxes:
                box.release()
        return True

    @property
    def gx_results(self) -> dict[str, Any]:
        if not any(self.gx_batches):
            return {}
        from expectations.results import merge_batches

        return merge_batches([b for b in self.gx_batches if b])
