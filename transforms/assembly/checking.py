"""The check stage's decisions: one findings table from the checks, ingest and assembly, and which
trips it holds with which reasons.

The suites themselves (``expectations``) run in the flow's check task, which imports GX only when
there is something to check; everything here is plain pandas, testable without Prefect or GX.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from transforms.assembly.provenance import point_to_origin
from transforms.model.canonical import FINDINGS
from transforms.model.inputs import Assembly, CellProblem
from transforms.plumbing.personal import mask_personal

#: per held trip: its reasons in English and in Chinese, each sentence once
HeldReasons = dict[str, tuple[list[str], list[str]]]


@dataclass
class Checked:
    """What the check stage hands to filing: every finding, the trips held, GX's suite results for
    Data Docs, and each trip's content hash."""

    findings: pd.DataFrame
    held: HeldReasons
    results: dict[str, Any]
    hashes: dict[str, str]


def severity_of(rule_id: object) -> str:
    """A rule id ending in ``W`` is a warning (it never holds a trip); every other rule is an error."""
    return "warning" if str(rule_id).endswith("W") else "error"


def no_findings() -> pd.DataFrame:
    """The findings table of a night with nothing checked: the findings columns, no rows."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in FINDINGS.names if c != "run_id"})


def problem_findings(problems: Sequence[CellProblem]) -> pd.DataFrame:
    """Cell problems (an unparseable value, an unknown SKU or customer) as findings rows."""
    return pd.DataFrame([{
        "rule_id": p.rule_id, "severity": severity_of(p.rule_id), "src_file": p.src_file, "src_sheet": p.src_sheet,
        "src_row": p.src_row, "src_column": p.header, "value": p.value, "message_en": p.message_en,
        "message_zh": p.message_zh} for p in problems])


def new_or_changed(hashes: Mapping[str, str], current: Callable[[str], Mapping[str, Any] | None]) -> set[str]:
    """The trips the ledger has not filed with this content hash (``current``: the ledger's record of a
    trip, or None): time rules run on these only, so a nightly re-run never holds what is filed."""
    out = set()
    for sid, chash in hashes.items():
        cur = current(sid)
        if cur is None or cur.get("current_hash") != chash:
            out.add(sid)
    return out


def gather_findings(checks: pd.DataFrame, ingest_problems: Iterable[CellProblem], asm: Assembly,
                    headers: Mapping[str, Mapping[str, str]],
                    one_per_cell: Callable[[pd.DataFrame], pd.DataFrame] | None = None) -> pd.DataFrame:
    """The checks' findings, plus the cell problems of ingest and assembly (each line's problem on the
    trip the line went to), each pointed at the cell its value came from (item master, trip plan).
    ``one_per_cell``: the checks' rule that an unreadable value wins over "is empty" on the same cell,
    applied when the checks ran."""
    extra = problem_findings([*ingest_problems, *asm.problems])
    if not extra.empty:
        # plain lists, not a (file, row) MultiIndex: its tuples took 1.3 s per 300k lines
        states = asm.line_states
        line_sub = dict(zip(zip(states["src_file"].tolist(), states["src_row"].tolist(), strict=True),
                            states["submission_id"].tolist(), strict=True))
        extra["submission_id"] = [line_sub.get((f, r)) for f, r in zip(extra["src_file"], extra["src_row"],
                                                                      strict=True)]
    sub_extra = problem_findings([p for _, p in asm.submission_problems])
    if not sub_extra.empty:
        sub_extra["submission_id"] = [sid for sid, _ in asm.submission_problems]
    parts = [f for f in (checks, extra, sub_extra) if not f.empty]
    findings = pd.concat(parts, ignore_index=True) if parts else checks
    # a value the item master or the trip plan supplied: the finding points at that file's cell
    findings = point_to_origin(findings, asm.value_origins if asm.value_origins is not None else pd.DataFrame(),
                               headers, asm.frames["submissions"], asm.stated_origins)
    return one_per_cell(findings) if one_per_cell is not None else findings


def trips_to_hold(findings: pd.DataFrame) -> HeldReasons:
    """The trips with an error finding, each with its reasons: personal data masked (they reach
    summary.json, the ledger, the terminal and alerts) and each sentence once. A warning holds nothing."""
    held: HeldReasons = {}
    if findings.empty:
        return held
    errors = mask_personal(findings[(findings["severity"] == "error") & findings["submission_id"].notna()])
    for key, grp in errors.groupby("submission_id", sort=True):
        uniq = grp.drop_duplicates("message_en")
        held[str(key)] = (uniq["message_en"].tolist(), uniq["message_zh"].fillna("").tolist())
    return held


def with_finding_ids(findings: pd.DataFrame, run_id: str) -> pd.DataFrame:
    """Findings as analytics keeps them: stamped with the run, and each without an id given one that is
    stable for its run and position (uuid5 of ``<run_id>/<index>``)."""
    f = findings.copy()
    f["run_id"] = run_id
    if "finding_id" not in f:
        f["finding_id"] = None
    f["finding_id"] = f["finding_id"].where(f["finding_id"].notna(),
                                            [uuid.uuid5(uuid.NAMESPACE_URL, f"{run_id}/{i}").hex
                                             for i in range(len(f))])
    return f[[c for c in FINDINGS.names if c in f.columns]]
