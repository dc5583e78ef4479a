"""What ingest hands to assembly and assembly to the checks: mapped tables with their cell problems,
a trader's inputs, the per-file row counts that must reconcile, and the assembled frames.

Types only (no reading, no assembling), so every stage can name them without importing the stage
that makes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from transforms.model.trader import TraderSettings


@dataclass(frozen=True)
class CellProblem:
    src_file: str
    src_sheet: str
    src_row: int
    column: str          # canonical key
    header: str          # as written in the source
    value: str
    rule_id: str
    message_en: str
    message_zh: str


@dataclass
class MappedTable:
    frame: pd.DataFrame                  # profile keys + src_file/src_sheet/src_row
    headers: dict[str, str]              # profile key -> source header
    rows_in: int                         # data rows below the header (incl. ignored)
    rows_ignored: int                    # blank and totals rows
    totals: dict[str, float] = field(default_factory=dict)   # values on the totals row, by key
    problems: list[CellProblem] = field(default_factory=list)
    totals_row: int | None = None        # the sheet row the totals were read from


@dataclass
class SourceTable:
    """A mapped file of one trader, in arrival order (``order``: higher = newer export)."""

    trader: str
    label: str            # path relative to the inbox
    order: int
    table: MappedTable


@dataclass
class TraderInput:
    settings: TraderSettings
    settings_label: str
    lines: list[SourceTable] = field(default_factory=list)
    masters: list[SourceTable] = field(default_factory=list)
    trips: list[SourceTable] = field(default_factory=list)
    #: trip-plan files refused tonight (their lines are told so, not "no trip plan lists this invoice")
    refused_plans: list[str] = field(default_factory=list)
    #: invoice -> when ssdd first saw it (UTC ISO), from the store: the pending clock of undated invoices
    first_seen: dict[str, str] = field(default_factory=dict)


#: Consignment totals stated apart from the lines, by where a finding on them would otherwise point
#: (the consignment's first invoice line: file, row, canonical column) -> where the value is written
#: (file, sheet, row, and the column as that file's profile names it): the trip plan's 總件數/總毛重
#: cells, or an invoice file's totals row (合计) under its 毛重 column. Without it a finding on such
#: a total names an invoice column that does not exist.
StatedOrigins = dict[tuple[str, int, str], tuple[str, str, int, str]]


@dataclass
class Assembly:
    frames: dict[str, pd.DataFrame]
    #: one row per input line: src_file, src_row, trader, invoice_no, state, submission_id, reason
    line_states: pd.DataFrame
    problems: list[CellProblem]
    #: problems keyed to a submission (hold it): (submission_id, CellProblem)
    submission_problems: list[tuple[str, CellProblem]]
    #: per submission: source files that fed it
    sources: dict[str, set[str]]
    #: which item-master row filled which line's column (transforms.assembly.provenance.master_origins)
    value_origins: pd.DataFrame | None = None
    #: consignment totals stated apart from the lines (:data:`StatedOrigins`)
    stated_origins: StatedOrigins = field(default_factory=dict)


@dataclass
class FileReport:
    path: str
    trader: str
    profile: str | None = None
    status: str = "read"            # read | refused
    reason: str | None = None
    sha256: str | None = None
    rows_in: int = 0
    rows_filed: int = 0
    rows_quarantined: int = 0
    rows_ignored: int = 0
    rows_pending: int = 0
    rows_superseded: int = 0
    rows_reference: int = 0

    def reconciles(self) -> bool:
        return self.rows_in == (self.rows_filed + self.rows_quarantined + self.rows_ignored + self.rows_pending
                                + self.rows_superseded + self.rows_reference)
