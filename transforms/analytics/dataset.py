"""Parquet analytics: one hive-partitioned dataset per canonical table under ``analytics/``.

Layout: ``analytics/<table>/crossing_date=<YYYY-MM-DD>/control_point=<code>/part-<run>-<id>.parquet``
for every table of :data:`transforms.model.canonical.TABLES` (the filing tables, ``events`` and ``findings``).
Partitions are the crossing date in Hong Kong local time and the control point, so analysts prune
by day and crossing; a row without them (a finding on a line that never became a trip) lands in
``__HIVE_DEFAULT_PARTITION__``, which DuckDB, polars and pyarrow read as null. Partition values
live in the folder names, the other columns in the files, with the Arrow types of the canonical
model; every file's metadata carries ``ssdd_model_version`` and ``ssdd_table``. Compression zstd.

Appends never rewrite history and are idempotent: rows are keyed (filing tables by
``(submission_id, version)``, ``events`` by ``event_id``, ``findings`` by ``(run_id, finding_id)``)
and a key already in its partition is skipped, so re-running a run, or retrying its task, adds no
duplicate. Each file appears complete or not at all (temporary name, fsync, rename), and appends
and :func:`compact` serialise on a lock file, so a compaction never races an append.

Personal data is hashed before it is written (:mod:`transforms.plumbing.personal`).
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import shutil
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from pydantic import SecretStr

from transforms.model.arrow import to_arrow
from transforms.model.canonical import FILING_TABLES, MODEL_VERSION, TABLES
from transforms.plumbing.atomic import temp_path, write_atomic
from transforms.plumbing.personal import PiiHasher, hash_table, hasher, redact_findings

PARTITIONS: Final = ("crossing_date", "control_point")
PARTITION_TYPES: Final = {"crossing_date": pa.date32(), "control_point": pa.string()}
NULL_PARTITION: Final = "__HIVE_DEFAULT_PARTITION__"
#: Tables whose rows carry their own partition columns (the others take them from their submission).
_SELF_PARTITIONED: Final = ("submissions", "events", "findings")
_LOCK: Final = ".lock"
_STAGING: Final = ".staging"


def append_key(table: str) -> tuple[str, ...]:
    """The columns that identify an appended row (a key already stored is never appended again)."""
    if table in FILING_TABLES:
        return ("submission_id", "version")
    return TABLES[table].key


def partitioning() -> ds.Partitioning:
    """The hive partitioning with the model's types, for :func:`pyarrow.dataset.dataset`."""
    return ds.partitioning(pa.schema([(p, PARTITION_TYPES[p]) for p in PARTITIONS]), flavor="hive")


def read_table(root: Path, name: str) -> pa.Table:
    """A whole table of the dataset, partition columns typed as in the model (empty if never written)."""
    folder = root / name
    files = sorted(folder.glob("*/*/*.parquet")) if folder.is_dir() else []
    if not files:
        return _file_schema(name).empty_table()
    dataset = ds.dataset([str(f) for f in files], format="parquet", partitioning=partitioning(),
                         partition_base_dir=str(folder))
    return dataset.to_table()


@contextmanager
def locked(root: Path) -> Iterator[None]:
    """Exclusive lock on the dataset (appends and compaction), released on exit or on process death."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / _LOCK).open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def append_tables(root: Path, frames: Mapping[str, pd.DataFrame | None], run_id: str, *,
                  pii_key: SecretStr | str | None = None, pii: PiiHasher | None = None) -> dict[str, int]:
    """Append the canonical frames of one run; returns rows newly written per table.

    Child filing tables take their partition from ``frames["submissions"]``. ``events`` rows without a
    submission (unmatched references) are not written: the ledger keeps them until they match, and
    they are appended then. Personal columns are hashed with ``pii`` or the key ``pii_key`` (the demo
    key, with a warning, when neither is given).
    """
    hashing = pii or hasher(pii_key)
    subs = frames.get("submissions")
    written: dict[str, int] = {}
    with locked(root):
        for name, frame in frames.items():
            if frame is None or frame.empty:
                continue
            # one table at a time, published before the next is prepared: a million-line night holds
            # one table's Arrow copy and Parquet bytes at once, not every table's (measured: -1 GB peak).
            # A crash between tables is healed by the keyed append of the next run.
            batch: list[tuple[Path, bytes]] = []
            written[name] = _append(root, name, _prepare(name, frame, subs, hashing), run_id, hashing, batch)
            _publish(batch)
            del batch
        write_views_file(root)
    return written


def append_events(root: Path, events: pd.DataFrame, run_id: str) -> int:
    """Append customs events (EVENTS columns, as the ledger returns them); returns rows newly written."""
    return append_tables(root, {"events": events}, run_id, pii=_NO_PII).get("events", 0)


# Events and findings carry no personal column; this hasher is never used to hash anything.
_NO_PII: Final = PiiHasher(b"unused", demo=False)


def _prepare(name: str, frame: pd.DataFrame, subs: pd.DataFrame | None, pii: PiiHasher) -> pa.Table:
    spec = TABLES[name]
    frame = frame[[c for c in frame.columns if c in spec.names]]
    if name == "events":
        frame = frame[frame["submission_id"].notna()]
    if name == "findings":
        frame = _fill_trader(redact_findings(frame, pii))
    frame = hash_table(name, frame, pii)
    table = to_arrow(name, frame.reset_index(drop=True))
    if name in _SELF_PARTITIONED:
        return table
    if subs is None or subs.empty:
        raise ValueError(f"{name}: child rows need frames['submissions'] for their partition")
    keys = subs[["submission_id", "version", *PARTITIONS]].drop_duplicates(["submission_id", "version"])
    keys = keys.assign(version=pd.to_numeric(keys["version"]).astype("Int64"))
    left = frame[["submission_id", "version"]].assign(version=pd.to_numeric(frame["version"]).astype("Int64"))
    extra = left.merge(keys, on=["submission_id", "version"], how="left")
    crossing = pd.to_datetime(extra["crossing_date"]).dt.date
    table = table.append_column("crossing_date", pa.array(crossing, type=pa.date32(), from_pandas=True))
    return table.append_column("control_point", pa.array(extra["control_point"].astype("object")
                                                         .where(extra["control_point"].notna(), None),
                                                         type=pa.string()))


def _fill_trader(frame: pd.DataFrame) -> pd.DataFrame:
    """Findings without a trader: the trader folder is the first segment of the inbox-relative file."""
    if "src_file" not in frame.columns:
        return frame
    from_path = frame["src_file"].map(lambda p: str(p).split("/", 1)[0] if isinstance(p, str) and "/" in p
                                      else None)
    trader = frame["trader"] if "trader" in frame.columns else pd.Series(None, index=frame.index, dtype="object")
    return frame.assign(trader=trader.where(trader.notna(), from_path))


def _file_schema(name: str) -> pa.Schema:
    """What a file of ``name`` holds: the model's columns, partition columns last."""
    spec = TABLES[name].schema
    fields = [f for f in spec if f.name not in PARTITIONS]
    fields += [pa.field(p, PARTITION_TYPES[p]) for p in PARTITIONS]
    return pa.schema(fields, metadata=spec.metadata)


def _dir_value(value: Any) -> str:
    if value is None:
        return NULL_PARTITION
    if isinstance(value, date):
        return value.isoformat()
    return quote(str(value), safe="")


def partition_dir(root: Path, name: str, crossing_date: date | None, control_point: str | None) -> Path:
    return root / name / f"crossing_date={_dir_value(crossing_date)}" / f"control_point={_dir_value(control_point)}"


def _split(table: pa.Table) -> Iterator[tuple[date | None, str | None, pa.Table]]:
    """The table's rows per partition (crossing_date, control_point)."""
    index = pa.array(np.arange(len(table), dtype=np.int64))
    keys = table.select(list(PARTITIONS)).append_column("_row", index)
    groups = keys.group_by(list(PARTITIONS), use_threads=False).aggregate([("_row", "list")])
    for i in range(groups.num_rows):
        rows = groups["_row_list"][i].values
        yield groups["crossing_date"][i].as_py(), groups["control_point"][i].as_py(), table.take(rows)


def _key_strings(table: pa.Table, key: tuple[str, ...]) -> pa.Array:
    parts = [pc.cast(table[k], pa.string()).combine_chunks() for k in key]
    if len(parts) == 1:
        return parts[0]
    return pc.binary_join_element_wise(*parts, "\x1f")


def _first_of_each(keys: pa.Array) -> pa.Array | None:
    """Row indices of each key's first occurrence, or None when every key is unique."""
    rows = pa.table({"k": keys, "i": pa.array(np.arange(len(keys), dtype=np.int64))})
    firsts = rows.group_by("k", use_threads=False).aggregate([("i", "min")])
    if firsts.num_rows == len(keys):
        return None
    return pa.array(np.sort(firsts["i_min"].to_numpy()))


def _existing_keys(folder: Path, key: tuple[str, ...]) -> pa.Array | None:
    files = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    if not files:
        return None
    stored = [_key_strings(pq.read_table(f, columns=list(key)), key) for f in files]
    return pa.concat_arrays(stored)


def _file_metadata(name: str, run_id: str, pii: PiiHasher | None) -> dict[bytes, bytes]:
    meta = dict(TABLES[name].schema.metadata or {})
    meta[b"ssdd_model_version"] = MODEL_VERSION.encode()
    meta[b"ssdd_run_id"] = run_id.encode()
    if pii is not None and name == "transport":
        meta[b"ssdd_pii_hash"] = b"hmac-sha256"
        meta[b"ssdd_pii_key"] = pii.label.encode()
    return meta


def _parquet_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", row_group_size=1_000_000)
    data: bytes = sink.getvalue().to_pybytes()
    return data


def _write_parquet(path: Path, table: pa.Table) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, _parquet_bytes(table), None)


def _publish(batch: list[tuple[Path, bytes]]) -> None:
    """Make a run's files visible, each complete or not at all (invariant 3), with two syncs in all.

    Every file goes to a hidden temporary name beside its target; one ``os.sync`` puts them all on
    disk before any is renamed into place, and a second one makes the renames durable. (An fsync per
    file and folder costs seconds for the hundreds of partitions one night touches.)
    """
    temps: list[tuple[Path, Path]] = []
    try:
        for path, data in batch:
            path.parent.mkdir(parents=True, exist_ok=True)
            temp = temp_path(path)
            temp.write_bytes(data)
            temps.append((temp, path))
        if temps:
            os.sync()
        for temp, path in temps:
            os.replace(temp, path)
        if temps:
            os.sync()
    finally:
        for temp, _ in temps:
            temp.unlink(missing_ok=True)


def _safe(run_id: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in run_id)


def _append(root: Path, name: str, table: pa.Table, run_id: str, pii: PiiHasher,
            batch: list[tuple[Path, bytes]]) -> int:
    """Add the table's new rows to ``batch`` as one file per partition; returns the rows added."""
    key = append_key(name)
    data_cols = [c for c in table.column_names if c not in PARTITIONS]
    total = 0
    for crossing, control_point, part in _split(table):
        folder = partition_dir(root, name, crossing, control_point)
        # a row repeated within the batch (its full model key twice) is written once
        first = _first_of_each(_key_strings(part, TABLES[name].key))
        if first is not None:
            part = part.take(first)
        keys = _key_strings(part, key)
        stored = _existing_keys(folder, key)
        if stored is not None:
            fresh = pc.invert(pc.is_in(keys, value_set=stored))
            part = part.filter(fresh)
        if part.num_rows == 0:
            continue
        part = part.select(data_cols).sort_by([(k, "ascending") for k in key])
        part = part.replace_schema_metadata(_file_metadata(name, run_id, pii))
        batch.append((folder / f"part-{_safe(run_id)}-{uuid.uuid4().hex[:8]}.parquet", _parquet_bytes(part)))
        total += part.num_rows
    return total


# -- compaction --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CompactResult:
    partitions: int       # partition folders rewritten
    files_before: int
    files_after: int
    rows: int             # rows in the rewritten partitions (unchanged by compaction)


def compact(root: Path, *, min_files: int = 2) -> CompactResult:
    """Merge each partition's small files into one file per model version, without changing content.

    The merged partition is built in ``analytics/.staging`` and swapped in with one atomic directory
    exchange (``renameat2(RENAME_EXCHANGE)`` on Linux; two renames elsewhere), so a reader sees the
    old files or the new one, never both; then the old files are removed.
    """
    partitions = files_before = files_after = rows = 0
    with locked(root):
        staging = root / _STAGING
        shutil.rmtree(staging, ignore_errors=True)  # leftovers of a crashed compaction (we hold the lock)
        for name in TABLES:
            for folder in sorted((root / name).glob("*/*")) if (root / name).is_dir() else []:
                files = sorted(folder.glob("*.parquet"))
                if len(files) < min_files:
                    continue
                merged = _merge(name, files)
                new = staging / uuid.uuid4().hex
                new.mkdir(parents=True)
                for i, (version, table) in enumerate(merged):
                    meta = _file_metadata(name, "compacted", None)
                    meta[b"ssdd_model_version"] = version.encode()
                    meta[b"ssdd_compacted_files"] = str(len(files)).encode()
                    pii_label = _common_meta(files, b"ssdd_pii_key")
                    if pii_label is not None:
                        meta[b"ssdd_pii_hash"] = b"hmac-sha256"
                        meta[b"ssdd_pii_key"] = pii_label
                    _write_parquet(new / f"compacted-{uuid.uuid4().hex[:12]}-{i}.parquet",
                                   table.replace_schema_metadata(meta))
                    rows += table.num_rows
                _exchange(new, folder)
                shutil.rmtree(new)
                partitions += 1
                files_before += len(files)
                files_after += len(merged)
        shutil.rmtree(staging, ignore_errors=True)
        write_views_file(root)
    return CompactResult(partitions, files_before, files_after, rows)


def _common_meta(files: list[Path], key: bytes) -> bytes | None:
    values = {(pq.read_schema(f).metadata or {}).get(key) for f in files}
    if len(values) == 1:
        return values.pop()
    return b"mixed" if values - {None} else None


def _merge(name: str, files: list[Path]) -> list[tuple[str, pa.Table]]:
    """The files' rows, one table per model version, sorted by the append key."""
    by_version: dict[str, list[pa.Table]] = {}
    for f in files:
        t = pq.read_table(f)
        version = (t.schema.metadata or {}).get(b"ssdd_model_version", MODEL_VERSION.encode()).decode()
        by_version.setdefault(version, []).append(t.replace_schema_metadata(None))
    key = append_key(name)
    out = []
    for version in sorted(by_version):
        merged = pa.concat_tables(by_version[version], promote_options="default")
        out.append((version, merged.sort_by([(k, "ascending") for k in key if k in merged.column_names])))
    return out


_RENAME_EXCHANGE: Final = 2
_AT_FDCWD: Final = -100


def _exchange(a: Path, b: Path) -> None:
    """Swap two directories atomically where the OS can; otherwise rename b aside, a into place."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        renameat2 = None
    if renameat2 is not None:
        rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
        if rc == 0:
            return
    aside = a.with_name(a.name + ".old")
    os.replace(b, aside)
    os.replace(a, b)
    os.replace(aside, a)


# -- the views file ----------------------------------------------------------------------------------

def write_views_file(root: Path) -> Path:
    """``analytics/views.sql``: the DuckDB views (tables, current_*, metrics) with paths relative to it."""
    from transforms.analytics.sql import views_sql

    path = root / "views.sql"
    write_atomic(path, views_sql(root, relative=True).encode("utf-8"), None)
    return path
