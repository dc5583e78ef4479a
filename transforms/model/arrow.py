"""Canonical frames to Arrow: :func:`to_arrow` casts a pipeline frame to its table's declared schema.

Inside the pipeline frames are plain pandas (decimals as ``float64``) because vectorised checks are
fastest there; the edges (the analytics Parquet dataset, tests) need the declared Arrow types of
:mod:`transforms.model.canonical`. Writing the dataset converts every row of a night, so each column
type takes the fastest route that gives exactly what the per-value route gives
(``tests/test_model_arrow.py`` holds them to that).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from transforms.model.canonical import TABLES


def _scale(typ: pa.DataType) -> int | None:
    return typ.scale if isinstance(typ, pa.Decimal128Type) else None


def _decimal_array(series: pd.Series, typ: pa.DataType, scale: int) -> pa.Array:
    """Floats to decimals rounded to ``scale`` digits (floats carry binary noise): the unscaled
    integers rint(x * 10**scale), which is exactly what pandas' round(scale) printed with ``scale``
    digits gives, laid out as Arrow's 128-bit little-endian two's complement without a string per value."""
    values = pd.to_numeric(series, errors="raise").astype("float64").to_numpy()
    valid = ~np.isnan(values)
    scaled = np.rint(np.where(valid, values, 0.0) * 10.0**scale)
    # beyond exact float integers, or beyond the declared precision (which the cast refuses, as it
    # should): the string route
    if np.abs(scaled).max(initial=0.0) >= min(2.0**53, 10.0**typ.precision):
        arr = pa.array(pd.Series(values).round(scale), type=pa.float64(), from_pandas=True)
        return pa.array([None if v is None else f"{v:.{scale}f}" for v in arr.to_pylist()]).cast(typ)
    unscaled = scaled.astype(np.int64)
    words = np.empty((len(unscaled), 2), dtype=np.int64)
    words[:, 0] = unscaled
    words[:, 1] = np.where(unscaled < 0, -1, 0)
    validity = None if valid.all() else pa.array(valid).buffers()[1]
    return pa.Array.from_buffers(typ, len(unscaled), [validity, pa.py_buffer(words.tobytes())],
                                 null_count=int((~valid).sum()))


def _list_array(series: pd.Series, typ: pa.DataType) -> pa.Array:
    """Lists (or tuples, arrays) per row, None/NaN for none; Arrow converts them directly when it can."""
    try:
        return pa.array(series, type=typ, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        return pa.array([None if v is None or (isinstance(v, float) and pd.isna(v)) else list(v) for v in series],
                        type=typ)


def _plain_array(series: pd.Series, typ: pa.DataType) -> pa.Array:
    """Strings, floats and booleans: straight from pandas (Arrow-backed strings without a copy through
    Python objects); a column of mixed Python values takes the object route, which raises on a value
    the type cannot hold as before."""
    try:
        return pa.array(series, type=typ, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        return pa.array(series.astype("object").where(series.notna(), None), type=typ, from_pandas=True)


def to_arrow(table: str, frame: pd.DataFrame) -> pa.Table:
    """Cast a pipeline frame to the table's declared Arrow schema.

    Missing optional columns become nulls; an unknown column is a programming error, so it raises.
    Decimals are rounded to their declared scale first (floats carry binary noise).
    """
    spec = TABLES[table]
    unknown = set(frame.columns) - set(spec.names)
    if unknown:
        raise ValueError(f"{table}: columns not in the canonical model: {sorted(unknown)}")
    arrays = []
    n = len(frame)
    for col in spec.columns:
        if col.name not in frame.columns:
            arrays.append(pa.nulls(n, type=col.type))
            continue
        series = frame[col.name]
        scale = _scale(col.type)
        if scale is not None:
            arrays.append(_decimal_array(series, col.type, scale))
            continue
        if pa.types.is_timestamp(col.type):
            ts = pd.to_datetime(series, utc=True)
            arrays.append(pa.array(ts, type=col.type, from_pandas=True))
            continue
        if pa.types.is_date32(col.type):
            arrays.append(pa.array(pd.to_datetime(series).dt.date, type=col.type, from_pandas=True))
            continue
        if pa.types.is_list(col.type):
            arrays.append(_list_array(series, col.type))
            continue
        if pa.types.is_integer(col.type):
            arrays.append(pa.array(pd.to_numeric(series).astype("Int64"), type=col.type, from_pandas=True))
            continue
        arrays.append(_plain_array(series, col.type))
    return pa.Table.from_arrays(arrays, schema=spec.schema)
