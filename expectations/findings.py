"""Per-cell findings (the trader-facing view of the results) and not-checkable rows."""

from __future__ import annotations

import hashlib
import math
import string
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Final

import numpy as np
import pandas as pd

from expectations.context import ValidationFrames
from expectations.rule import Rule
from transforms.model.canonical import FINDINGS, TABLES, profile_key
from transforms.plumbing.timeutil import HK_TZ

__all__ = ["FINDING_COLUMNS", "NOT_CHECKABLE_COLUMNS", "as_text", "finalise", "not_checkable_rows", "one_per_cell",
           "rule_findings"]

#: The findings table's columns: transforms.model.canonical.FINDINGS minus run_id (the flow stamps that).
FINDING_COLUMNS: Final = [c for c in FINDINGS.names if c != "run_id"]
NOT_CHECKABLE_COLUMNS: Final = ["rule_id", "submission_id", "reason"]
_SEVERITY_RANK: Final = {"error": 0, "warning": 1}


def as_text(value: Any) -> str:
    """A cell as a trader would read it: '' for empty, integral floats without '.0', ISO dates."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return ""
        return str(int(number)) if number.is_integer() and abs(number) < 1e15 else format(number, ".15g")
    if isinstance(value, pd.Timestamp | datetime) and value.tzinfo is not None:
        # a moment as the trader's trip plan states it: Hong Kong time (the model keeps UTC)
        return value.astimezone(HK_TZ).isoformat()
    if isinstance(value, pd.Timestamp | datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | np.ndarray):
        return "|".join(as_text(v) for v in value)
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    return str(value)


def _escaped(text: str) -> str:
    return "".join(ch if ch.isprintable() or ch in "\t\n\r " else f"\\u{ord(ch):04x}" for ch in text)


def _fields(template: str) -> set[str]:
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


def _sha1(parts: tuple[str, ...]) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8"), usedforsecurity=False).hexdigest()


def _take(frame: pd.DataFrame, column: str, positions: np.ndarray) -> np.ndarray:
    """``column`` at ``positions`` as objects (taking first: converting a 1M-row Arrow column is slow)."""
    taken: np.ndarray = frame[column].take(positions).to_numpy(dtype=object)
    return taken


def _texts(frame: pd.DataFrame, column: str, positions: np.ndarray) -> list[str]:
    """:func:`as_text` of ``column`` at ``positions`` (string columns take a vectorised shortcut)."""
    values = frame[column].take(positions)
    if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
        texts: list[str] = values.fillna("").astype(str).tolist()
        return texts
    return [as_text(v) for v in values.to_numpy(dtype=object)]


def rule_findings(rule: Rule, vf: ValidationFrames, positions: np.ndarray,
                  source_headers: Mapping[str, Mapping[str, str]] | None) -> pd.DataFrame:
    """One finding per failing row of ``rule``, pointing at the rule's first column."""
    frame = vf.frames[rule.table]
    column = rule.columns[0]
    label = TABLES[rule.table].column(column).label_zh or column
    values = _texts(frame, column, positions)
    scalars = {k: as_text(v) for k, v in vf.parameters.items() if isinstance(v, int | float | str)}
    wanted = (_fields(rule.message_en) | _fields(rule.message_zh)) - {"value", "value_escaped", "column", "label"}
    columns = {f: _texts(frame, f, positions) for f in wanted if f in frame.columns}
    unknown = wanted - set(columns) - set(scalars)
    if unknown:
        raise KeyError(f"{rule.key}: message names unknown fields {sorted(unknown)}")
    en: list[str] = []
    zh: list[str] = []
    for i, value in enumerate(values):
        ctx = {**scalars, **{f: col[i] for f, col in columns.items()}, "value": value,
               "value_escaped": _escaped(value), "column": column, "label": label}
        en.append(rule.message_en.format_map(ctx))
        zh.append(rule.message_zh.format_map(ctx))
    key_cols = [c for c in TABLES[rule.table].key if c in frame.columns]
    key_values = [_texts(frame, c, positions) for c in key_cols]
    row_keys = ["|".join(row) for row in zip(*key_values, strict=True)] if key_cols else [""] * len(positions)
    ids = [_sha1((rule.id, rule.table, k, column)) for k in row_keys]
    sids = _take(frame, "submission_id", positions)
    info = vf.submission_info
    sid_index = pd.Index(sids)
    traders = (_take(frame, "trader", positions) if "trader" in frame.columns
               else info["trader"].reindex(sid_index).to_numpy(dtype=object))
    crossing = pd.to_datetime(info["crossing_date"].reindex(sid_index), errors="coerce").dt.date
    src_files, sheets, rows = _provenance(vf, frame, positions, sid_index)
    headers = source_headers or {}
    key = profile_key(column)
    src_columns = [headers.get(f, {}).get(key, column) if isinstance(f, str) else column for f in src_files]
    src_rows = pd.array(rows, dtype="Int64")
    # every sentence names where the trader finds the cell: file, sheet, row and their own header
    for i, (f, sh, r, col) in enumerate(zip(src_files, sheets, src_rows, src_columns, strict=True)):
        if not isinstance(f, str):
            continue
        sheet = f" (sheet {sh})" if isinstance(sh, str) and sh else ""
        row = f" row {r}" if r is not pd.NA else ""
        row_zh = f" 第{r}行" if r is not pd.NA else ""
        en[i] = f"{f}{sheet}{row}, column {col}: {en[i]}"
        zh[i] = f"{f}{sheet}{row_zh}「{col}」列：{zh[i]}"
    return pd.DataFrame({
        "finding_id": ids, "submission_id": sids, "trader": traders, "rule_id": rule.id,
        "severity": rule.severity, "src_file": src_files,
        "src_sheet": sheets, "src_row": src_rows,
        "src_column": src_columns, "value": values, "message_en": en, "message_zh": zh,
        "control_point": info["control_point"].reindex(sid_index).to_numpy(dtype=object),
        "crossing_date": crossing.to_numpy(dtype=object),
        "_rank": _SEVERITY_RANK[rule.severity],
    })


def _provenance(vf: ValidationFrames, frame: pd.DataFrame, positions: np.ndarray,
                sids: pd.Index) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """File, sheet and row of each failing row. Rows without their own (trailers, containers, seals
    come from the trip plan row of their trip) point to their submission's trip plan row, so the
    trader is told where the value is and every finding has a file to be reported and keyed by."""
    files = _take(frame, "src_file", positions)
    sheets = _take(frame, "src_sheet", positions)
    rows = _take(frame, "src_row", positions)
    missing = np.fromiter((not isinstance(f, str) for f in files), dtype=bool, count=len(files))
    if missing.any() and "submissions" in vf.frames:
        trip = vf.frames["submissions"].drop_duplicates("submission_id").set_index("submission_id")
        for name, out in (("src_file", files), ("src_sheet", sheets), ("src_row", rows)):
            if name in trip.columns:
                taken = trip[name].reindex(sids).to_numpy(dtype=object)
                out[missing] = taken[missing]
    return files, sheets, rows


def finalise(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate, keep the most severe finding per cell and rule id, order stably."""
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FINDING_COLUMNS})
    out = pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True)
    out = out.sort_values("_rank", kind="stable").drop_duplicates("finding_id", keep="first")
    out = out.sort_index(kind="stable")
    return out[FINDING_COLUMNS].reset_index(drop=True)


def not_checkable_rows(rule: Rule, vf: ValidationFrames) -> tuple[np.ndarray, pd.DataFrame]:
    """Positions the rule could not check, and their (rule_id, submission_id, reason) rows."""
    if rule.not_checkable is None:
        return np.zeros(0, dtype=np.int64), pd.DataFrame(columns=NOT_CHECKABLE_COLUMNS)
    frame = vf.frames[rule.table]
    reasons = frame[rule.not_checkable]
    positions = np.flatnonzero(reasons.notna().to_numpy())
    rows = pd.DataFrame({
        "rule_id": rule.id,
        "submission_id": _take(frame, "submission_id", positions),
        "reason": reasons.take(positions).to_numpy(dtype=object),
    })
    return positions, rows


def _cell(file: Any, row: Any, column: Any) -> tuple[str, int, str] | None:
    if not isinstance(file, str) or row is None or row is pd.NA or (isinstance(row, float) and math.isnan(row)):
        return None
    return file, int(row), str(column)


def one_per_cell(findings: pd.DataFrame) -> pd.DataFrame:
    """One finding per cell: where ingest could not read a value (an ``I-*`` problem: 'China-TW' is not
    an ISO 3166 country), the value became empty, and a rule that then finds the cell empty would
    contradict the trader's cell. The unreadable-value finding wins; the empty-value findings on the
    same cell (same file, row and source column, empty value) go."""
    if findings.empty or "rule_id" not in findings:
        return findings
    unreadable = findings["rule_id"].astype(str).str.startswith("I-")
    if not unreadable.any():
        return findings
    bad = findings[unreadable]
    cells = {_cell(f, r, c) for f, r, c in zip(bad["src_file"], bad["src_row"], bad["src_column"], strict=True)}
    empty = findings["value"].map(lambda v: as_text(v).strip() == "")
    echo = pd.Series([not u and e and _cell(f, r, c) in cells for u, e, f, r, c in zip(
        unreadable, empty, findings["src_file"], findings["src_row"], findings["src_column"], strict=True)],
        index=findings.index, dtype=bool)
    kept = findings[~echo].reset_index(drop=True)
    if "submission_id" in findings and echo.any():
        _pass_on_holds(findings[echo], kept)
    return kept


def _pass_on_holds(echoes: pd.DataFrame, kept: pd.DataFrame) -> None:
    """An empty-value finding that held a trip (a trip-plan cell ingest could not read, such as a
    crossing time '0') passes its trip to the unreadable-value finding that stays on that cell, which
    has none (trip-plan problems are keyed to the file, not a trip): the trip stays held, with the
    sentence that quotes the trader's value. Found by the fuzz: the trip reached the writers."""
    trip_of = {_cell(f, r, c): sid for f, r, c, sid in zip(
        echoes["src_file"], echoes["src_row"], echoes["src_column"], echoes["submission_id"], strict=True)
        if isinstance(sid, str)}
    if not trip_of:
        return
    orphan = kept["rule_id"].astype(str).str.startswith("I-") & kept["submission_id"].isna()
    for i in kept.index[orphan]:
        sid = trip_of.get(_cell(kept.at[i, "src_file"], kept.at[i, "src_row"], kept.at[i, "src_column"]))
        if sid is not None:
            kept.at[i, "submission_id"] = sid
