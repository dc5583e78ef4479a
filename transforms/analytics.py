"""Parquet analytics: one hive-partitioned dataset per canonical table under ``analytics/``.

Each filed version is appended once, keyed by (submission_id, version); history is never
rewritten. Partitions are the crossing date in Hong Kong local time and the control point, so
analysts prune by day and crossing. Files are named after the run, so re-running a crashed run
replaces its own part files instead of duplicating them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from transforms.model import MODEL_VERSION, TABLES, to_arrow

PARTITIONS = ("crossing_date", "control_point")


def _with_partitions(name: str, frame: pd.DataFrame, subs: pd.DataFrame) -> pd.DataFrame:
    if name in ("submissions", "events", "findings"):
        return frame
    keys = subs[["submission_id", "version", "crossing_date", "control_point"]]
    return frame.merge(keys, on=["submission_id", "version"], how="left")


def append_tables(root: Path, frames: Mapping[str, pd.DataFrame], run_id: str) -> dict[str, int]:
    """Append the canonical frames of one run; returns rows written per table."""
    written: dict[str, int] = {}
    subs = frames.get("submissions")
    for name, frame in frames.items():
        if frame is None or frame.empty:
            continue
        spec = TABLES[name]
        table = to_arrow(name, frame[[c for c in frame.columns if c in spec.names]])
        if name not in ("submissions", "events", "findings"):
            assert subs is not None
            extra = _with_partitions(name, frame[["submission_id", "version"]], subs)
            table = table.append_column("crossing_date", pa.array(pd.to_datetime(extra["crossing_date"]).dt.date,
                                                                  type=pa.date32()))
            table = table.append_column("control_point", pa.array(extra["control_point"], type=pa.string()))
        else:
            for col in PARTITIONS:
                if col not in table.column_names:
                    table = table.append_column(col, pa.nulls(len(table), pa.string()))
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               b"ssdd_model_version": MODEL_VERSION.encode()})
        # null partition values land in __HIVE_DEFAULT_PARTITION__ directories
        pq.write_to_dataset(table, root_path=str(root / name), partition_cols=list(PARTITIONS),
                            basename_template=f"part-{run_id}-{{i}}.parquet", compression="zstd",
                            existing_data_behavior="overwrite_or_ignore")
        written[name] = len(table)
    return written
