"""One filing's rows, grouped: what every writer renders and the ledger hashes.

A :class:`FilingBundle` holds plain dicts keyed by canonical column names (see
:mod:`transforms.model`), so it pickles cheaply to a worker process and writers stay free of
pandas. :func:`split_bundles` groups the canonical frames of a run into bundles.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

Row = dict[str, Any]

# Columns that describe where data came from or when we processed it, not what is declared.
# They are left out of the content hash so a profile or code-list change does not amend every trip.
NON_BUSINESS_COLUMNS = frozenset({
    "submission_id", "version", "function_code", "created_at", "content_hash", "source_files",
    "profile_versions", "reference_versions", "src_file", "src_sheet", "src_row", "ccrn",
})


@dataclass
class FilingBundle:
    submission: Row
    transport: Row
    parties: list[Row] = field(default_factory=list)
    consignments: list[Row] = field(default_factory=list)
    goods_items: list[Row] = field(default_factory=list)
    trailers: list[Row] = field(default_factory=list)
    equipment: list[Row] = field(default_factory=list)
    seals: list[Row] = field(default_factory=list)

    @property
    def submission_id(self) -> str:
        return str(self.submission["submission_id"])

    @property
    def version(self) -> int:
        return int(self.submission["version"])

    def parties_of(self, consignment_seq: int, role: str) -> Row | None:
        for p in self.parties:
            if p["consignment_seq"] == consignment_seq and p["role"] == role:
                return p
        return None

    def items_of(self, consignment_seq: int) -> list[Row]:
        return [g for g in self.goods_items if g["consignment_seq"] == consignment_seq]

    def seals_of(self, equipment_seq: int) -> list[Row]:
        return [s for s in self.seals if s["equipment_seq"] == equipment_seq]

    def with_version(self, version: int, function_code: str) -> FilingBundle:
        """The same content stamped with a ledger version and function code."""
        def stamp(rows: list[Row]) -> list[Row]:
            return [{**r, "version": version} for r in rows]
        return FilingBundle(
            submission={**self.submission, "version": version, "function_code": function_code},
            transport={**self.transport, "version": version},
            parties=stamp(self.parties), consignments=stamp(self.consignments),
            goods_items=stamp(self.goods_items), trailers=stamp(self.trailers),
            equipment=stamp(self.equipment), seals=stamp(self.seals),
        )


def _plain(value: Any) -> Any:
    """A JSON-stable form of a cell: floats rounded, timestamps ISO in UTC, NaN as None."""
    if value is None:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    if isinstance(value, pd.Timestamp | datetime):
        ts = pd.Timestamp(value)
        return (ts.tz_convert("UTC") if ts.tzinfo else ts).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _business(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _plain(v) for k, v in sorted(row.items()) if k not in NON_BUSINESS_COLUMNS}


def content_hash(bundle: FilingBundle) -> str:
    """sha256 over business content only (not provenance, versions, run id or as-of)."""
    doc = {
        "submission": _business(bundle.submission),
        "transport": _business(bundle.transport),
        "parties": [_business(r) for r in bundle.parties],
        "consignments": [_business(r) for r in bundle.consignments],
        "goods_items": [_business(r) for r in bundle.goods_items],
        "trailers": [_business(r) for r in bundle.trailers],
        "equipment": [_business(r) for r in bundle.equipment],
        "seals": [_business(r) for r in bundle.seals],
    }
    raw = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _records(frame: pd.DataFrame) -> list[Row]:
    out: list[Row] = []
    for rec in frame.to_dict("records"):
        out.append({str(k): (None if _is_missing(v) else v) for k, v in rec.items()})
    return out


def _is_missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, float) and math.isnan(v)


def _grouped(frame: pd.DataFrame | None) -> dict[str, list[Row]]:
    if frame is None or frame.empty:
        return {}
    groups: dict[str, list[Row]] = {}
    for rec in _records(frame):
        groups.setdefault(str(rec["submission_id"]), []).append(rec)
    return groups


def split_bundles(frames: Mapping[str, pd.DataFrame]) -> Iterator[FilingBundle]:
    """Group canonical frames into one bundle per submission, in submission order."""
    children = {name: _grouped(frames.get(name)) for name in
                ("parties", "consignments", "goods_items", "trailers", "equipment", "seals")}
    transport = {str(r["submission_id"]): r for r in _records(frames["transport"])}
    for sub in _records(frames["submissions"]):
        sid = str(sub["submission_id"])
        yield FilingBundle(
            submission=sub,
            transport=transport[sid],
            parties=children["parties"].get(sid, []),
            consignments=children["consignments"].get(sid, []),
            goods_items=children["goods_items"].get(sid, []),
            trailers=children["trailers"].get(sid, []),
            equipment=children["equipment"].get(sid, []),
            seals=children["seals"].get(sid, []),
        )


def bundles_to_frames(bundles: list[FilingBundle]) -> dict[str, pd.DataFrame]:
    """The inverse of :func:`split_bundles`: canonical frames for Parquet."""
    from transforms.model import FILING_TABLES, empty_frame

    rows: dict[str, list[Row]] = {name: [] for name in FILING_TABLES}
    for b in bundles:
        rows["submissions"].append(b.submission)
        rows["transport"].append(b.transport)
        for name in ("parties", "consignments", "goods_items", "trailers", "equipment", "seals"):
            rows[name].extend(getattr(b, name))
    return {name: (pd.DataFrame(r) if r else empty_frame(name)) for name, r in rows.items()}
