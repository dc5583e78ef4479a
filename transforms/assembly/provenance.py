"""Where a checked value came from: findings point at the cell the trader must fix.

A goods line's HS code, Chinese description, legal units or 申报要素 may come from the item master
(when the invoice line lacks them), and a trip's container, seal and trailer come from the trip
plan. The checks see the assembled line, so a finding on such a value named the invoice file and a
column the invoice does not have: nothing was highlighted. :func:`master_origins` records which
item-master row filled which line's column; :func:`point_to_origin` moves each finding to that
file, sheet, row and header (and its sentence with it), so the item master gets the workbook.

And what every filing records about its making (:func:`stamp_provenance`): its source files with
their sha256, profile and reference-table versions, the run's as-of and its content hash.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final

import pandas as pd

from transforms.assembly.assemble import _MASTER_FILLS
from transforms.model.canonical import profile_key
from transforms.model.inputs import Assembly, FileReport, SourceTable, StatedOrigins, TraderInput

#: ``filled``: bit i set when the item master supplied ``_MASTER_FILLS[i]`` (one row per line, not
#: per line and column: a batch of 100,000 lines would otherwise carry 800,000 rows).
ORIGIN_COLUMNS: Final = ("src_file", "src_row", "origin_file", "origin_sheet", "origin_row", "filled")
_BIT: Final = {c: 1 << i for i, c in enumerate(_MASTER_FILLS)}


def _frame(items: Sequence[SourceTable], columns: Sequence[str]) -> pd.DataFrame:
    parts = []
    for it in items:
        f = it.table.frame
        parts.append(f[[c for c in columns if c in f.columns]].assign(trader=it.trader, _order=it.order))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def master_origins(inputs: Sequence[TraderInput]) -> pd.DataFrame:
    """One row per line the item master filled: the line's file and row, the item-master file,
    sheet and row, and which columns it supplied (``filled``). The same rule as the assembly: the
    newest item-master row per (trader, SKU) fills what the line leaves empty."""
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in ORIGIN_COLUMNS})
    keys = ["src_file", "src_sheet", "src_row", "sku", *_MASTER_FILLS]
    lines = _frame([s for t in inputs for s in t.lines], keys)
    masters = _frame([s for t in inputs for s in t.masters], keys)
    if lines.empty or masters.empty or "sku" not in lines or "sku" not in masters:
        return empty
    masters = masters.sort_values("_order", kind="stable").drop_duplicates(["trader", "sku"], keep="last")
    fills = [c for c in _MASTER_FILLS if c in masters.columns]
    m = masters[["trader", "sku", "src_file", "src_sheet", "src_row", *fills]].rename(
        columns={"src_file": "origin_file", "src_sheet": "origin_sheet", "src_row": "origin_row",
                 **{c: f"m_{c}" for c in fills}})
    joined = lines.drop(columns=["_order"]).merge(m, on=["trader", "sku"], how="inner")
    filled = pd.Series(0, index=joined.index, dtype="int64")
    for c in fills:
        own = joined[c].isna() if c in joined.columns else pd.Series(True, index=joined.index)
        filled = filled | ((own & joined[f"m_{c}"].notna()).astype("int64") * _BIT[c])
    out = joined.assign(filled=filled)[filled > 0]
    return out[list(ORIGIN_COLUMNS)].reset_index(drop=True) if not out.empty else empty


def _prefix(f: str, sheet: Any, row: Any, col: str) -> tuple[str, str]:
    """How the checks begin a sentence about a cell (expectations.findings), in English and Chinese."""
    sh = f" (sheet {sheet})" if isinstance(sheet, str) and sheet else ""
    has_row = row is not None and not pd.isna(row)
    return (f"{f}{sh}{f' row {int(row)}' if has_row else ''}, column {col}: ",
            f"{f}{sh}{f' 第{int(row)}行' if has_row else ''}「{col}」列：")


def _reword(message: Any, old: str, new: str) -> Any:
    if isinstance(message, str) and message.startswith(old):
        return new + message[len(old):]
    return message


def point_to_origin(findings: pd.DataFrame, origins: pd.DataFrame, headers: Mapping[str, Mapping[str, str]],
                    trips: pd.DataFrame | None = None,
                    stated: StatedOrigins | None = None) -> pd.DataFrame:
    """Findings moved to the cell their value came from: an item-master row (``origins``), a
    consignment total stated apart from the lines (``stated``: the trip plan's or a totals row's
    cell, :data:`~transforms.model.inputs.StatedOrigins`), or the trip-plan row of their
    trip (``trips``: submission_id, src_file, src_sheet, src_row) for values of the trip that name no
    file. The header is the origin file's own (``headers``: file -> canonical column -> header as
    written), and the sentence's opening names the new place."""
    if findings.empty:
        return findings
    stated = stated or {}
    origin_of = {(str(f), int(r)): (str(of), osh, int(orow), int(bits)) for f, r, of, osh, orow, bits in
                 origins[list(ORIGIN_COLUMNS)].itertuples(index=False)} if not origins.empty else {}
    trip_of = {} if trips is None or trips.empty else {
        str(s): (str(f), sh, int(r)) for s, f, sh, r in
        trips[["submission_id", "src_file", "src_sheet", "src_row"]].itertuples(index=False)
        if isinstance(f, str) and pd.notna(r)}
    canonical = {f: {h: c for c, h in cols.items()} for f, cols in headers.items()}
    line_files = (set(origins["src_file"]) if not origins.empty else set()) | {f for f, _r, _c in stated}
    files = findings["src_file"]
    moved = files.isna() if trip_of else pd.Series(False, index=findings.index)
    moved |= files.isin(list(line_files))
    if not moved.any():
        return findings
    out = findings.copy()
    for idx, rec in zip(out.index[moved], out[moved].to_dict("records"), strict=True):
        f, col, row = rec.get("src_file"), str(rec.get("src_column")), rec.get("src_row")
        if isinstance(f, str):
            column = canonical.get(f, {}).get(col, col)
            r = int(row) if row is not None and pd.notna(row) else None
            line = origin_of.get((f, r)) if r is not None else None
            where = line[:3] if line is not None and line[3] & _BIT.get(column, 0) else None
            written = stated.get((f, r, column)) if where is None and r is not None else None
            if written is not None:   # the header is the one the total is written under
                where, column = written[:3], written[3]
        else:
            column = col
            where = trip_of.get(str(rec.get("submission_id")))
        if where is None:
            continue
        new_file, new_sheet, new_row = where
        header = headers.get(new_file, {}).get(profile_key(column), column)
        old = _prefix(f if isinstance(f, str) else "", rec.get("src_sheet"), row, col)
        new = _prefix(new_file, new_sheet, new_row, header)
        out.at[idx, "message_en"] = _reword(rec.get("message_en"), old[0], new[0]) if isinstance(f, str) \
            else new[0] + str(rec.get("message_en"))
        out.at[idx, "message_zh"] = _reword(rec.get("message_zh"), old[1], new[1]) if isinstance(f, str) \
            else new[1] + str(rec.get("message_zh") or "")
        out.at[idx, "src_file"], out.at[idx, "src_sheet"] = new_file, new_sheet
        out.at[idx, "src_row"], out.at[idx, "src_column"] = new_row, header
    return out


def source_entries(paths: Iterable[str], files: Sequence[FileReport], carried: Mapping[str, str]) -> list[str]:
    """``<path> <sha256>`` per source file (``unknown`` when neither tonight's read nor the store has
    its hash); ``carried``: the hashes of earlier nights' files whose rows come from the store."""
    sha = {**carried, **{f.path: f.sha256 for f in files if f.sha256}}
    return [f"{p} {sha.get(p) or 'unknown'}" for p in paths]


def stamp_provenance(asm: Assembly, files: Sequence[FileReport], carried: Mapping[str, str], as_of: datetime,
                     hashes: dict[str, str], reference_versions: Mapping[str, str]) -> None:
    """Stamp on each assembled trip (``asm.frames["submissions"]``, in place) what its filing records
    about its making: source files with sha256, profile and reference-table versions, the run's
    as-of, and its content hash."""
    subs = asm.frames["submissions"]
    if subs.empty:
        return
    sids = subs["submission_id"].astype(str)
    profiles = {f.path: f.profile for f in files if f.profile}
    refs = sorted(f"{k}@{v}" for k, v in reference_versions.items())
    subs["source_files"] = [sorted(source_entries(asm.sources.get(s, set()), files, carried)) for s in sids]
    subs["profile_versions"] = [sorted({profiles[p] for p in asm.sources.get(s, set()) if p in profiles})
                                for s in sids]
    subs["reference_versions"] = [refs] * len(subs)
    subs["created_at"] = as_of
    subs["content_hash"] = sids.map(hashes)
